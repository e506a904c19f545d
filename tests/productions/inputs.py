"""Mail that carries protected content, built the way it arrives: an e-mail with a PDF
(reportlab), an image-only PDF (Pillow text drawn into a picture), a DOCX (zipfile), and
voicemail notifications with their transcript and a WAV."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_pdf(lines: list[str]) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter, invariant=1)
    y = 720
    for line in lines:
        page.drawString(72, y, line)
        y -= 20
    page.save()
    return out.getvalue()


def image_only_pdf(lines: list[str]) -> bytes:
    """A scan: the words exist only as pixels."""
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 48)
    for number, line in enumerate(lines):
        draw.text((150, 200 + 90 * number), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=200.0)
    return out.getvalue()


def docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>" for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'))
        archive.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            f'openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>'))
    return out.getvalue()


def wav(seconds: float = 1.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"".join(struct.pack("<h", (i * 37) % 2000 - 1000)
                                   for i in range(int(8000 * seconds))))
    return out.getvalue()


def email(subject: str, body: str, sent: datetime, attachments: list[tuple[str, str, bytes]],
          sender: str = "Ann Clerk <ann.clerk@city.example.gov>",
          to: str = "Parks Desk <parks@city.example.gov>", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{abs(hash((subject, sent)))}@city.example.gov>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for filename, content_type, data in attachments:
        main, sub = content_type.split("/", 1)
        message.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return message.as_bytes()


def voicemail(caller: str, number: str, transcript: str, sent: datetime) -> bytes:
    return email(f"Voicemail from {caller}", f"Transcript: {transcript}\n\n-- \nCity voicemail",
                 sent, [("message.wav", "audio/wav", wav())], sender="Voicemail <vm@city.example.gov>",
                 X_Voicemail_Caller=number, X_Voicemail_Caller_Name=caller,
                 X_Voicemail_Duration="1")


MOMENT = datetime(2026, 2, 10, 16, 30, tzinfo=UTC)


def mailbox(folder: Path) -> Path:
    """Four messages: protected content in every kind of file, and clean ones beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1-payroll.eml").write_bytes(email(
        "Payroll fix for 123-45-6789",
        "Please fix my pay. My SSN is 123-45-6789 and the card on file is 4111 1111 1111 1111.",
        MOMENT, [
            ("benefits.pdf", "application/pdf", text_pdf([
                "Benefits enrollment form", "Date of birth: 04/12/1980",
                "Portal password: Tr0ub4dor&3"])),
            ("scan.pdf", "application/pdf", image_only_pdf([
                "Scanned intake sheet", "SSN 234-56-7890"])),
            ("leave.docx", DOCX, docx([
                "Leave request", "She was diagnosed with diabetes and takes insulin.",
                "Reimburse card 5500 0000 0000 0004"])),
        ]))
    (folder / "2-snow.eml").write_bytes(email(
        "Snow routes", "The winter routes are attached.", MOMENT.replace(day=11),
        [("routes.docx", DOCX, docx(["Route A: Main Street", "Route B: Lakeside Park"]))]))
    (folder / "3-voicemail.eml").write_bytes(voicemail(
        "Karen Mills", "+13035550163",
        "Hi, this is Karen. My social is 345-67-8901 and I am out after knee surgery. "
        "For the claim my husband's social is four five six, seven eight, nine oh one two.",
        MOMENT.replace(day=12)))
    (folder / "4-voicemail.eml").write_bytes(voicemail(
        "Sam Ortiz", "+13035550177", "The sprinklers at the library are on again.",
        MOMENT.replace(day=13)))
    return folder
