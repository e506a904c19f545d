"""MSG, PST, voicemail and mail-in-mail ingest with families, folders and audio kept."""

from __future__ import annotations

import io
import re
import shutil
import wave
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.blobs import BlobStore
from app.core.db import Database
from app.demo.generator import generate
from app.models import Document, DocumentKind, Location
from ingest.runtime import Runtime
from tests.conftest import find_phrase
from tests.ingest.conftest import RunIngest


def family(database: Database, subject: str) -> list[Document]:
    with database.reading() as session:
        head = session.scalars(select(Document).where(
            Document.subject == subject, Document.parent_id.is_(None))).first()
        assert head is not None, subject
        members = session.scalars(select(Document).options(selectinload(Document.text))
                                  .where(Document.family_id == head.family_id))
        return sorted(members, key=lambda d: (d.parent_id is not None, d.position))


def test_msg_samples_ingest_with_attachments_and_mail_in_mail(
    corpus_dir: Path, tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    folder = tmp_path / "msg"
    folder.mkdir()
    for name in ("msgInMsg.msg", "testMSG_att_doc.msg", "58214_with_attachment.msg"):
        shutil.copy(corpus_dir / "formats" / "msg" / name, folder / name)
    job = run_ingest("quinn", folder)
    assert job.counts["new"] == 3
    members = family(database, "I have attachments!")  # msgInMsg.msg
    assert [m.kind for m in members] == [DocumentKind.email, DocumentKind.email,
                                         DocumentKind.attachment]
    inner, picture = members[1], members[2]
    assert inner.filename == "Microsoft Outlook テスト メッセージ.eml"
    assert inner.parent_id == members[0].id and picture.filename == "green.png"
    attached = family(database, "test pièce jointe 1")  # testMSG_att_doc.msg
    names = {m.filename: m for m in attached[1:]}
    assert set(names) == {"test-unicode.doc", "pj1.txt"}
    assert names["pj1.txt"].text is not None and names["pj1.txt"].text.text.strip()


def test_pst_folders_and_attachments(
    corpus_dir: Path, tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    job = run_ingest("razzaq", corpus_dir / "formats" / "pst" / "source.pst")
    assert job.counts["new"] == 16
    with database.reading() as session:
        folders = set(session.scalars(select(Location.folder)))
    assert {"Inbox", "Sent Items", "Calendar", "Contacts"} <= folders
    members = family(database, "Multiple attachments")
    assert len([m for m in members if m.kind == DocumentKind.attachment]) >= 2


def test_voicemail_email_and_export_keep_transcript_and_playable_audio(
    corpus_dir: Path, database: Database, run_ingest: RunIngest, runtime: Runtime
) -> None:
    job = run_ingest("voicemail", corpus_dir / "voicemail" / "generated")
    assert job.counts["new"] == 5
    with database.reading() as session:
        voicemails = list(session.scalars(select(Document).options(selectinload(Document.text))
                                          .where(Document.kind == DocumentKind.voicemail)))
    assert len(voicemails) == 5
    by_caller = {v.voicemail["caller_number"]: v for v in voicemails if v.voicemail}
    exchange = by_caller["+13035550142"]
    assert "irrigation line at Lakeside Park" in exchange.text.text  # type: ignore[union-attr]
    assert exchange.voicemail["duration_seconds"] == 20  # type: ignore[index]
    exported = by_caller["+13035550163"]
    assert exported.voicemail["mailbox"] == "hr.benefits@cityofexample.gov"  # type: ignore[index]
    assert exported.sent_at is not None and exported.sent_at.isoformat() == "2026-03-05T18:30:00+00:00"
    store = BlobStore(runtime.settings.natives_dir)
    for voicemail in (exchange, exported):
        audio_sha = voicemail.voicemail["audio_sha256"]  # type: ignore[index]
        with wave.open(io.BytesIO(store.read(audio_sha))) as audio:  # playable: a valid WAV
            seconds = audio.getnframes() / audio.getframerate()
        assert abs(seconds - voicemail.voicemail["duration_seconds"]) < 2  # type: ignore[index]
    assert find_phrase(runtime.engine, "knee surgery") == [str(exported.id)]


def test_attachment_text_is_found_by_the_embedded_engine(
    tmp_path: Path, database: Database, run_ingest: RunIngest, runtime: Runtime
) -> None:
    generate(tmp_path / "demo", messages=40)
    run_ingest("lfischer", tmp_path / "demo" / "mail" / "lfischer")
    with database.reading() as session:
        attachments = list(session.scalars(
            select(Document).options(selectinload(Document.text))
            .where(Document.kind == DocumentKind.attachment, Document.filename.like("%.pdf"))))
    assert attachments
    for attachment in attachments[:5]:
        words = re.findall(r"[A-Za-z]+", attachment.text.text)  # type: ignore[union-attr]
        assert str(attachment.id) in find_phrase(runtime.engine, " ".join(words[2:7]))
