"""One content item, many locations; no family ever loses a child; re-runs add nothing."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from app.core.db import Database
from app.models import Document, DocumentKind, Location
from tests.ingest.conftest import RunIngest, count


def mail(subject: str, body: str, attachment: bytes | None = None, folder_header: str = "",
         message_id: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = "Maria Delgado <mdelgado@springvale-co.example>"
    message["To"] = "Owen Whitaker <owhitaker@springvale-co.example>"
    message["Subject"] = subject
    message["Date"] = "Tue, 03 Mar 2026 09:15:00 -0700"
    message["Message-ID"] = message_id or f"<{abs(hash(subject))}@springvale-co.example>"
    if folder_header:
        message["X-Folder"] = folder_header  # mailbox software adds such headers per copy
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="octet-stream",
                               filename="budget.csv")
    return bytes(message)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_the_same_message_in_two_folders_is_one_document_with_two_locations(
    tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    write(tmp_path / "box" / "Inbox" / "1.eml", mail("Budget", "Numbers attached.", None, "Inbox"))
    write(tmp_path / "box" / "Archive" / "7.eml", mail("Budget", "Numbers attached.", None, "Arc"))
    job = run_ingest("mdelgado", tmp_path / "box")
    assert (job.counts["new"], job.counts["duplicate"]) == (1, 1)
    with database.reading() as session:
        folders = sorted(session.scalars(select(Location.folder)))
        natives = set(session.scalars(select(Location.native_sha256)))
    assert folders == ["Archive", "Inbox"]
    assert len(natives) == 2  # each copy's own bytes are kept


def test_two_custodians_share_one_document(
    tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    data = mail("Snow routes", "Updated plan.")
    run_ingest("mdelgado", write(tmp_path / "a" / "1.eml", data))
    run_ingest("owhitaker", write(tmp_path / "b" / "1.eml", data))
    assert count(database, Document) == 1
    with database.reading() as session:
        custodians = sorted(session.scalars(select(Location.custodian)))
    assert custodians == ["mdelgado", "owhitaker"]


def test_identical_attachments_under_different_parents_are_all_kept(
    tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    shared = b"line,amount\n1,100\n"
    write(tmp_path / "box" / "1.eml", mail("Q1 budget", "See attached.", shared))
    write(tmp_path / "box" / "2.eml", mail("Q2 budget", "Same sheet again.", shared))
    run_ingest("lfischer", tmp_path / "box")
    with database.reading() as session:
        children = list(session.scalars(select(Document).where(
            Document.kind == DocumentKind.attachment)))
    assert len(children) == 2
    assert len({c.family_id for c in children}) == 2
    assert len({c.blob_sha256 for c in children}) == 1  # one stored copy of the bytes


def test_rerunning_an_ingest_adds_nothing(
    tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    write(tmp_path / "box" / "1.eml", mail("Permit", "Approved.", b"x,y\n"))
    first = run_ingest("eli", tmp_path / "box")
    documents, locations = count(database, Document), count(database, Location)
    second = run_ingest("eli", tmp_path / "box")
    assert first.counts["new"] == 1
    assert second.counts["known"] == 1 and "new" not in second.counts
    assert (count(database, Document), count(database, Location)) == (documents, locations)


def test_a_batch_is_read_and_prepared_before_its_write_transaction(tmp_path: Path) -> None:
    """Known items are neither parsed nor stored again; known content is not extracted."""
    from app.core.blobs import BlobStore
    from app.core.hashing import sha256
    from ingest.extract import builtin
    from ingest.extract.base import Extracted
    from ingest.items import SourceItem
    from ingest.prepare import prepare, read_batch

    store = BlobStore(tmp_path / "natives")
    items = [SourceItem(f"m{n}", "inbox", mail(f"s{n}", "b", b"n,%d\n" % n), "eml")
             for n in range(4)]
    reads = read_batch(items, {"m1"})
    assert sorted(reads) == ["m0", "m2", "m3"]
    assert reads["m0"].message is not None and reads["m0"].key
    extracted: list[str | None] = []

    def extract(data: bytes, name: str | None, content_type: str | None) -> Extracted:
        extracted.append(name)
        return builtin.extract(data, name, content_type)

    prepare(reads, {reads["m3"].key}, store, extract)  # m3's content is stored already
    assert [store.path(sha256(i.native)).exists() for i in items] == [True, False, True, True]
    assert not store.unsynced  # synced: durable before any row names them
    assert extracted == ["budget.csv", "budget.csv"]  # m0 and m2; m3 is a duplicate
    part = reads["m0"].parts[0]  # type: ignore[index]
    assert part.extracted is not None and "n,0" in part.extracted.text
    assert reads["m3"].parts is None
