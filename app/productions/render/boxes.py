"""What the renderers take (redacted spans, strings to burn out) and the one error they raise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class RenderError(ValueError):
    """A document that cannot be rendered safely; the message says why and never quotes
    redacted text (the caller puts it on a slip sheet)."""


@dataclass(frozen=True)
class Box:
    """A redacted span text[start:end], drawn as a black box showing `label`."""

    start: int
    end: int
    label: str  # shown in the box: "REDACTED (3)(a)(IV)"


@dataclass(frozen=True)
class Blackout:
    """A redacted string to find on the pages of a PDF or image and burn out."""

    quote: str
    label: str


def merged(boxes: Sequence[Box], length: int) -> list[Box]:
    """The boxes in order, overlapping or touching ones joined (their labels too); a box
    outside the text is a caller's error."""
    ordered = sorted(boxes, key=lambda box: (box.start, box.end))
    joined: list[Box] = []
    for box in ordered:
        if not 0 <= box.start < box.end <= length:
            raise RenderError(f"redaction {box.start}-{box.end} lies outside the text ({length} characters)")
        if joined and box.start <= joined[-1].end:
            last = joined[-1]
            labels = last.label if box.label in last.label.split("; ") else f"{last.label}; {box.label}"
            joined[-1] = Box(last.start, max(last.end, box.end), labels)
        else:
            joined.append(box)
    return joined
