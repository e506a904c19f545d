"""The shared Enron slices ingest completely, deduplicate per custodian, and are searchable."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.db import Database
from app.models import Document, DocumentKind, Location
from ingest.runtime import Runtime
from tests.conftest import find_phrase
from tests.ingest.conftest import RunIngest, count, locations_by_custodian

MBOX_SEPARATOR = re.compile(rb"^From ", re.M)


def independent_counts(mbox_dir: Path) -> Counter[str]:
    """Messages per custodian, counted from the raw files without any mail parser."""
    counts: Counter[str] = Counter()
    for path in mbox_dir.iterdir():
        custodian = path.name.split(".")[1]
        counts[custodian] += len(MBOX_SEPARATOR.findall(path.read_bytes()))
    return counts


def test_every_enron_mbox_message_ingests(corpus_dir: Path, database: Database,
                                          run_ingest: RunIngest, runtime: Runtime) -> None:
    mbox_dir = corpus_dir / "enron" / "mbox"
    expected = independent_counts(mbox_dir)
    assert sum(expected.values()) == 6239
    for custodian in sorted(expected):
        files = sorted(mbox_dir.glob(f"enron.{custodian}*"))
        job = run_ingest(custodian, *files)
        assert job.counts.get("quarantined", 0) == 0
        assert job.counts["new"] + job.counts.get("duplicate", 0) == expected[custodian]
    assert locations_by_custodian(database) == dict(expected)
    documents = count(database, Document, Document.parent_id.is_(None))
    # all_documents, discussion_threads and notes_inbox repeat other folders' messages:
    # the corpus notes say the 6239 messages hold about 4026 distinct contents.
    assert 4000 <= documents <= 4050
    again = run_ingest("allen-p", *sorted(mbox_dir.glob("enron.allen-p*")))
    assert again.counts == {"known": expected["allen-p"], "bytes": again.counts["bytes"]}

    sample = _sample_bodies(database, 15)
    for document_id, phrase in sample:
        assert document_id in find_phrase(runtime.engine, phrase), phrase


def _sample_bodies(database: Database, size: int) -> list[tuple[str, str]]:
    with database.reading() as session:
        documents = list(session.scalars(
            select(Document).options(selectinload(Document.text))
            .where(Document.kind == DocumentKind.email)))
    picked: list[tuple[str, str]] = []
    for document in random.Random(7).sample(documents, 200):
        words = re.findall(r"[A-Za-z0-9]+", document.text.text if document.text else "")
        if len(words) >= 12 and all(len(w) > 2 for w in words[4:9]):
            picked.append((str(document.id), " ".join(words[4:9])))
        if len(picked) == size:
            break
    assert len(picked) == size
    return picked


def test_the_genuine_maildir_layout_keeps_folders(corpus_dir: Path, database: Database,
                                                  run_ingest: RunIngest) -> None:
    root = corpus_dir / "enron" / "maildir"
    files = sorted(p for p in root.rglob("*") if p.is_file())
    job = run_ingest("enron-maildir", root)
    assert job.counts["new"] == len(files) == 5
    with database.reading() as session:
        folders = sorted(session.scalars(select(Location.folder)))
    assert folders == ["allen-p/discussion_threads", "buy-r/discussion_threads",
                       "buy-r/discussion_threads", "buy-r/discussion_threads",
                       "dorland-c/sent_items"]
