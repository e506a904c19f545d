"""Threads in the catalog: ingest places each batch's e-mails, a late message mends its
broken chain, the index copy follows, and `custodia threads rebuild` is audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import AuditEntry, Document, DocumentText
from app.threads import service
from tests.ingest.conftest import RunIngest
from tests.threads.mail import conversation_index, eml, outlook_msg

MAYOR, CLERK, PLANNER = "mayor@city.example", "clerk@city.example", "planner@city.example"
GUID = uuid.UUID(int=0xBEEF)
MAP = b"%PDF-1.4 the snow route map"


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def first_batch() -> dict[str, bytes]:
    return {
        "a1.eml": eml("Budget hearing", MAYOR, CLERK, 0, "When is the hearing?",
                      message_id="a1@city"),
        "a3.eml": eml("Re: Budget hearing", MAYOR, CLERK, 2,
                      "Thanks.\n> May 5.\n>> When is the hearing?", message_id="a3@city",
                      in_reply_to="a2@city", references="a1@city a2@city"),
        "o1.msg": outlook_msg("Snow routes", MAYOR, PLANNER, 10, "Plan the routes.",
                              index=conversation_index(GUID, 0), topic="Snow routes"),
        "o2.msg": outlook_msg("RE: Snow routes", PLANNER, MAYOR, 11,
                              "Drafted.\n> Plan the routes.",
                              index=conversation_index(GUID, 1), topic="Snow routes"),
        "p1.eml": eml("Parking", CLERK, PLANNER, 20, "Map attached.",
                      attachments=(("map.pdf", MAP),)),
        "p2.eml": eml("RE: Parking", PLANNER, CLERK, 21, "Approved.\n> Map attached."),
    }


def by_subject(database: Database) -> dict[tuple[str, str], Document]:
    with database.reading() as session:
        documents = session.scalars(select(Document).where(Document.parent_id.is_(None)))
        return {(d.subject, d.sender["email"] if d.sender else ""): d for d in documents}


def test_ingest_threads_each_batch_and_mends_a_broken_chain(
        run_ingest: RunIngest, database: Database, tmp_path: Path) -> None:
    run_ingest("mayor", write(tmp_path / "one", first_batch()))
    found = by_subject(database)
    a1, a3 = found[("Budget hearing", MAYOR)], found[("Re: Budget hearing", MAYOR)]
    o1, o2 = found[("Snow routes", MAYOR)], found[("RE: Snow routes", PLANNER)]
    p1, p2 = found[("Parking", CLERK)], found[("RE: Parking", PLANNER)]
    assert a1.thread_id == a3.thread_id and o1.thread_id == o2.thread_id
    assert p1.thread_id == p2.thread_id  # no headers: subject and people
    assert len({a1.thread_id, o1.thread_id, p1.thread_id}) == 3
    assert o1.conversation_id == GUID.hex and o2.thread_topic == "Snow routes"
    assert (a1.inclusive, a3.inclusive) == (False, True)
    assert (o1.inclusive, o2.inclusive) == (False, True)
    assert (p1.inclusive, p2.inclusive) == (True, True)  # p2 does not carry the map
    assert all(d.indexed_at is not None for d in found.values())

    # The missing middle arrives: it joins, and a1 stays not inclusive.
    run_ingest("clerk", write(tmp_path / "two", {"a2.eml": eml(
        "Re: Budget hearing", CLERK, MAYOR, 1, "May 5.\n> When is the hearing?",
        message_id="a2@city", in_reply_to="a1@city", references="a1@city")}))
    again = by_subject(database)
    a2 = again[("Re: Budget hearing", CLERK)]
    assert a2.thread_id == a1.thread_id and a2.inclusive is False
    assert again[("Budget hearing", MAYOR)].generation == a1.generation  # nothing changed

    # A reply that carries the map on makes p1 not inclusive; its index copy is redone.
    run_ingest("clerk", write(tmp_path / "three", {"p3.eml": eml(
        "Fwd: Parking", CLERK, MAYOR, 22, "See the map.\n> Map attached.",
        attachments=(("map.pdf", MAP),))}))
    last = by_subject(database)
    assert last[("Fwd: Parking", CLERK)].thread_id == p1.thread_id
    assert last[("Parking", CLERK)].inclusive is False
    assert last[("Parking", CLERK)].generation == p1.generation + 1
    assert last[("Parking", CLERK)].indexed_at is not None


def test_rebuild_threads_the_catalog_and_is_audited(
        run_ingest: RunIngest, database: Database, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    run_ingest("mayor", write(tmp_path / "one", first_batch()))
    with database.transaction() as session:  # as a catalog from before threads would be
        for document in session.scalars(select(Document)):
            document.thread_id, document.inclusive = "", None
    for name, value in (("DATA_DIR", str(settings.data_dir)), ("DATABASE_URL", settings.database_url),
                        ("SECRET_KEY", "test-secret-" + "x" * 40), ("ENV", "test"),
                        ("THREAD_WINDOW_DAYS", "0")):
        monkeypatch.setenv(f"CUSTODIA_{name}", value)
    result = CliRunner().invoke(cli, ["threads", "rebuild", "--json"])
    assert result.exit_code == 0, result.output
    # Window 0: the two parking e-mails, which only the fallback joins, stay apart.
    assert result.output.strip() == '{"emails": 6, "threads": 4, "inclusive": 4, "changed": 6}'
    found = by_subject(database)
    assert found[("Parking", CLERK)].thread_id != found[("RE: Parking", PLANNER)].thread_id
    assert all(d.indexed_at is None for d in found.values())  # queued for the index again
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "threads.rebuild")).one()
    assert entry.details["changed"] == 6 and entry.details["window_days"] == 0


def test_a_batch_threads_its_subjects_kin_within_the_window_as_a_rebuild_does(
        run_ingest: RunIngest, database: Database, tmp_path: Path) -> None:
    """Lone "Daily report" e-mails 20 days apart chain into one thread (30-day window) once
    the gaps fill in; the batch that fills them reads kin by subject only near its own
    dates, and still comes out as a rebuild of the whole catalog would."""
    def report(day: int) -> bytes:
        return eml("Daily report", CLERK, MAYOR, day, f"Report of day {day}.")

    run_ingest("clerk", write(tmp_path / "one", {f"d{d}.eml": report(d)
                                                 for d in (0, 40, 80, 200)}))
    with database.reading() as session:
        apart = set(session.scalars(select(Document.thread_id)))
    assert len(apart) == 4  # 40 days apart: too far for the subject rule
    stranger = eml("Daily report", PLANNER, "parks@city.example", 30, "Report of day 30.")
    run_ingest("clerk", write(tmp_path / "two", {**{f"d{d}.eml": report(d) for d in (20, 60)},
                                                 "d30.eml": stranger}))
    with database.reading() as session:
        threads = {int(text.split()[3].rstrip(".")): thread_id for text, thread_id in
                   session.execute(select(DocumentText.text, Document.thread_id)
                                   .join(Document, Document.id == DocumentText.document_id))}
    assert len({threads[d] for d in (0, 20, 40, 60, 80)}) == 1
    assert threads[200] != threads[0]
    assert threads[30] != threads[0]  # nobody in common: the subject rule does not join it
    with database.transaction() as session:
        counts = service.rebuild(session, Actor("cli:test", "local", ""), timedelta(days=30))
    assert counts.changed == 0  # the batch's threads are the rebuild's


def test_a_subjects_kin_are_asked_for_only_around_the_batchs_own_dates() -> None:
    """A notice sent every few months asks for the days around each copy in the batch:
    overlapping windows merge, distant ones stay apart (not one span across the years)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    days = (0, 10, 200, 215, 900)
    documents = [cast(Document, SimpleNamespace(thread_subject="access request overdue",
                                                sent_at=start + timedelta(days=d)))
                 for d in days]
    window = timedelta(days=30)
    spans = service._spans(documents, window)
    assert [(s - start, e - start) for _, s, e in spans] == [
        (timedelta(days=-30), timedelta(days=40)), (timedelta(days=170), timedelta(days=245)),
        (timedelta(days=870), timedelta(days=930))]
