"""Bad input is quarantined with a reason; the good files beside it ingest."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pypdf
from sqlalchemy import select

from app.core.db import Database
from app.models import Document, IngestError, TextStatus
from tests.ingest.conftest import RunIngest, count


def message(subject: str, attachment: tuple[str, str, bytes] | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Ruth Castillo <rcastillo@springvale-co.example>"
    mail["To"] = "ipetrov@springvale-co.example"
    mail["Subject"] = subject
    mail["Date"] = "Wed, 04 Mar 2026 10:00:00 -0700"
    mail.set_content(f"About {subject}.")
    if attachment:
        name, subtype, data = attachment
        mail.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return mail


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\0" * (50 * 1024 * 1024))
    return out.getvalue()


def bad_samples(folder: Path) -> dict[str, str]:
    """Each bad file and a word its quarantine reason must contain."""
    truncated = bytes(message("Truncated", ("plan.pdf", "pdf", b"%PDF-1.4 " + b"x" * 300)))
    cut = truncated[: len(truncated) - 200]
    wrong_charset = (b"From: a@springvale-co.example\r\nTo: b@springvale-co.example\r\n"
                     b"Subject: Charset\r\nContent-Type: text/plain; charset=no-such-charset\r\n"
                     b"\r\nCaf\xe9 budget\r\n")
    eight_bit = (b"From: =?utf-8?q?Jos=C3=A9?= <j@springvale-co.example>\r\n"
                 b"Subject: Gr\xfc\xdfe aus dem Rathaus\r\nTo: b@springvale-co.example\r\n\r\nHi\r\n")
    samples = {
        "truncated.eml": (cut, "damaged"),
        "charset.eml": (wrong_charset, "charset"),
        "eightbit.eml": (eight_bit, "8-bit"),
        "encrypted.eml": (bytes(message("Encrypted", ("locked.pdf", "pdf", encrypted_pdf()))),
                          "encrypted"),
        "bomb.eml": (bytes(message("Bomb", ("zeros.zip", "zip", zip_bomb()))), "bomb"),
        "loose-bomb.zip": (zip_bomb(), "bomb"),
        "corrupt.msg": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "msg"),
        "corrupt.pst": (b"!BDN" + b"\xff" * 5000, "pst"),
        "not-mail.eml": (b"just some words, no headers at all\n", "not an e-mail"),
    }
    for name, (data, _) in samples.items():
        (folder / name).write_bytes(data)
    return {name: word for name, (_, word) in samples.items()}


def test_every_bad_sample_is_quarantined_with_a_reason(
    tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    expected = bad_samples(folder)
    for number in range(3):
        (folder / f"good-{number}.eml").write_bytes(bytes(message(f"Good {number}")))
    job = run_ingest("rcastillo", folder)
    with database.reading() as session:
        errors = list(session.scalars(select(IngestError)))
        good = set(session.scalars(select(Document.subject).where(
            Document.subject.like("Good %"))))
        failed = list(session.scalars(select(Document).where(
            Document.text_status == TextStatus.failed)))
    reasons: dict[str, list[str]] = {}
    for error in errors:  # a zip member's id is "<zip>::<member>"
        reasons.setdefault(error.source_id.split("::")[0], []).append(error.reason.lower())
    for name, word in expected.items():
        assert name in reasons, f"{name} was not quarantined"
        assert any(word in reason for reason in reasons[name]), (name, reasons[name])
    assert good == {"Good 0", "Good 1", "Good 2"}
    assert {d.filename for d in failed} >= {"locked.pdf", "zeros.zip"}
    assert job.counts["quarantined"] >= 4  # items with no message at all
    assert count(database, IngestError) == len(errors)
