"""Rendering documents for a production so that redacted text exists nowhere in the output.

Interface (owned by the rendering work; app.productions.service calls only this). Every
function returns PDF bytes that are deterministic: the same arguments give the same bytes
(no creation dates, ids derived from content).

    Box(start, end, label)        a redacted span of `text`, drawn as a labelled black box
    Blackout(quote, label)        a redacted string to find and burn out of a PDF or image

    email_pdf(headers, text, boxes)           an e-mail: header rows then the body
    transcript_pdf(headers, text, boxes)      a voicemail: caller metadata then the transcript
    text_pdf(title, text, boxes, note)        any other file rendered from its extracted text
    pdf_without_metadata(data)                a PDF passed through, its metadata removed
    redacted_pdf(data, blackouts, dpi=150)    pages rasterized with the boxes burned in
    image_pdf(data, blackouts)                an image as a PDF page, boxes burned in
    slip_sheet(title, lines)                  one page that stands for a withheld document
    stamp(pdf, numbers, endorsement)          each page stamped with its Bates number
                                              (numbers: one label per page) and the line

Headers are (name, value) pairs already scrubbed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    start: int
    end: int
    label: str  # shown in the box: "Redacted: 24-72-204(3)(a)(IV)"


@dataclass(frozen=True)
class Blackout:
    quote: str
    label: str
