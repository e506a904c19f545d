"""Random sequences of ingest, holds and retention never lose a held document.

Hypothesis draws steps (ingest mail for a custodian, draft, issue, rescope and
release holds, move the clock, set the e-mail schedule, run retention, dry or real,
and delete a document) and plays them against a fresh database per example, on
SQLite and on PostgreSQL, through the API as attorneys and administrators use it.
After each step the test recomputes from the stored data what the active holds must
cover (the rules of app.holds.membership: whole families of a held person's
mailboxes, sent within the hold's days in city time or undated) and checks that
held_documents is exactly that, that nothing held before the step lost a row or its
text, that a purged message never comes back (unless it turns up in a mailbox under an
active hold: preservation wins); after a retention run, that every expired family with
no held member is gone and every other family is intact; and that deleting a held
document answers 409 and changes nothing.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, example, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth import service as auth
from app.core.audit import Actor
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import (
    Document,
    DocumentText,
    HeldDocument,
    Location,
    Person,
    PersonCustodian,
    PersonStatus,
    PurgedDocument,
    Role,
)
from ingest import indexer, jobs
from ingest.runtime import Runtime
from tests.conftest import TEST_PASSWORD, TEST_SECRET, new_postgres_database

START = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
CITY = ZoneInfo("America/Denver")
# (sent, attachment): two just before midnight in Denver (the next day in UTC), one undated.
MESSAGES = [
    (datetime(2026, 1, 5, 17, 0, tzinfo=UTC), True),
    (datetime(2026, 1, 31, 6, 30, tzinfo=UTC), False),
    (datetime(2026, 2, 1, 6, 30, tzinfo=UTC), True),
    (datetime(2026, 2, 15, 20, 0, tzinfo=UTC), False),
    (None, False),
    (datetime(2026, 3, 9, 15, 0, tzinfo=UTC), True),
]
DAYS = [date(2026, 1, 5), date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 15),
        date(2026, 3, 9)]
# Ingest custodian names; the first person has two mailboxes.
MAILBOXES = ["dreyes", "dreyes-archive", "lokafor", "mdelgado"]
PEOPLE = {"Dana Reyes": ["dreyes", "dreyes-archive"], "Lee Okafor": ["lokafor"],
          "Maria Delgado": ["mdelgado"]}

people_subsets = st.sets(st.integers(0, len(PEOPLE) - 1), min_size=1).map(sorted)
day = st.one_of(st.none(), st.sampled_from(DAYS))
ingests = st.tuples(st.just("ingest"), st.integers(0, len(MAILBOXES) - 1),
                    st.sets(st.integers(0, len(MESSAGES) - 1), min_size=1).map(sorted))
creates = st.tuples(st.just("create"), people_subsets, day, day)
issues = st.tuples(st.just("issue"), st.integers(0, 9))
schedules = st.tuples(st.just("schedule"), st.one_of(st.none(), st.integers(1, 60)))
runs = st.tuples(st.just("run"), st.booleans())
deletes = st.tuples(st.just("delete"), st.integers(0, 99))
steps = st.one_of(
    ingests, creates, issues, schedules, runs, deletes, runs, deletes,
    st.tuples(st.just("rescope"), st.integers(0, 9), people_subsets, day, day),
    st.tuples(st.just("release"), st.integers(0, 9)),
    st.tuples(st.just("advance"), st.integers(1, 45)),
)
# Mail, a hold or two issued and a schedule first, so that most examples hold
# something that expires; then anything, in any order; then a retention run.
sequences = st.tuples(
    st.lists(ingests, min_size=1, max_size=3), st.lists(creates, min_size=1, max_size=2),
    st.lists(issues, min_size=1, max_size=2),
    st.tuples(st.just("schedule"), st.integers(1, 60)).map(lambda step: [step]),
    st.lists(steps, min_size=1, max_size=10),
    st.just([("run", False)]),  # and a real run at the end
).map(lambda parts: [step for part in parts for step in part])

# Always played too: Lee's mail, a hold on Dana to 31 January, the same messages (and
# an undated one) then found in Dana's archive, which the hold must take as they land;
# deletes of a held and an unheld family, and a run that purges around the hold.
CROSSING = [("ingest", 2, [0, 1, 2, 3]), ("create", [0], None, date(2026, 1, 31)),
            ("issue", 0), ("ingest", 1, [0, 2, 3, 4]), ("schedule", 20), ("delete", 0),
            ("delete", 1), ("delete", 2), ("run", True), ("run", False),
            ("rescope", 0, [0, 1], date(2026, 1, 30), None), ("advance", 30), ("run", False),
            ("release", 0), ("run", False)]


def message(number: int) -> bytes:
    """The same bytes every time: a message found again is a duplicate, not a new one."""
    sent, attachment = MESSAGES[number]
    mail = EmailMessage()
    mail["From"] = "Dana Reyes <dreyes@springvale-co.example>"
    mail["To"] = "Lee Okafor <lokafor@springvale-co.example>"
    mail["Subject"] = f"Message {number}"
    if sent is not None:
        mail["Date"] = format_datetime(sent)
    mail["Message-ID"] = f"<property-{number}@springvale-co.example>"
    mail.set_content(f"Street repair number {number}.")
    if attachment:
        mail.add_attachment(f"notes {number}".encode(), maintype="text", subtype="plain",
                            filename=f"notes-{number}.txt")
    return bytes(mail)


@dataclass
class HoldModel:
    id: str
    version: int
    status: str
    people: list[int]
    date_from: date | None
    date_to: date | None


@dataclass
class Stored:
    """What the database holds now, read back after each step."""

    heads: dict[uuid.UUID, tuple[datetime, bool]]  # family -> (dated, sent_at known)
    members: dict[uuid.UUID, set[uuid.UUID]]  # family -> its documents
    mailboxes: dict[uuid.UUID, set[str]]  # family -> custodians it was found at
    sent: dict[uuid.UUID, datetime | None]
    texts: dict[uuid.UUID, str]
    held: set[uuid.UUID]
    family_of: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    @property
    def documents(self) -> set[uuid.UUID]:
        return set(self.family_of)


@dataclass
class World:
    """One example's city: its database, app, clock and the test's model of the holds."""

    database: Database
    runtime: Runtime
    client: TestClient
    clock: FrozenClock
    tmp: Path
    headers: dict[str, str]
    people: list[str]  # person ids, in PEOPLE's order
    holds: list[HoldModel] = field(default_factory=list)
    schedule: int | None = None
    purged: set[uuid.UUID] = field(default_factory=set)
    # Purged messages that turned up again in a mailbox under an active hold: kept.
    restored: set[str] = field(default_factory=set)
    ingests: int = 0

    def under_hold(self, custodian: str) -> bool:
        return any(custodian in list(PEOPLE.values())[p] for hold in self.holds
                   if hold.status == "active" for p in hold.people)

    def read(self) -> Stored:
        with self.database.reading() as session:
            documents = session.execute(select(Document.id, Document.family_id, Document.parent_id,
                                               Document.sent_at, Document.created_at)).all()
            locations = session.execute(select(Location.document_id, Location.custodian)).all()
            texts = dict(session.execute(select(DocumentText.document_id, DocumentText.text)).all())
            held = set(session.scalars(select(HeldDocument.document_id)))
        stored = Stored({}, {}, {}, {}, {k: v for k, v in texts.items()}, held)
        for document, family, parent, sent, created in documents:
            stored.family_of[document] = family
            stored.members.setdefault(family, set()).add(document)
            if parent is None:
                stored.heads[family] = (sent or created, sent is not None)
                stored.sent[family] = sent
        for document, custodian in locations:
            stored.mailboxes.setdefault(stored.family_of[document], set()).add(custodian)
        return stored

    def must_hold(self, stored: Stored) -> set[uuid.UUID]:
        """Whole families of an active hold's people's mailboxes within its city days."""
        families: set[uuid.UUID] = set()
        for hold in self.holds:
            if hold.status != "active":
                continue
            names = {name for p in hold.people for name in list(PEOPLE.values())[p]}
            for family, found_at in stored.mailboxes.items():
                sent = stored.sent[family]
                local = sent.astimezone(CITY).date() if sent is not None else None
                if found_at & names and (local is None or (
                        (hold.date_from is None or local >= hold.date_from)
                        and (hold.date_to is None or local <= hold.date_to))):
                    families.add(family)
        return {d for f in families for d in stored.members[f]}

    def expired(self, stored: Stored) -> set[uuid.UUID]:
        if self.schedule is None:
            return set()
        cutoff = self.clock.now() - timedelta(days=self.schedule)
        return {family for family, (dated, _) in stored.heads.items() if dated < cutoff}


def dates(first: date | None, last: date | None) -> dict[str, str | None]:
    if first and last and first > last:
        first, last = last, first
    return {"date_from": first.isoformat() if first else None,
            "date_to": last.isoformat() if last else None}


def do(world: World, step: tuple[Any, ...], before: Stored) -> None:
    """Play one step against the app and check what it answered."""
    client, headers, kind = world.client, world.headers, step[0]
    if kind == "ingest":
        ingest(world, MAILBOXES[step[1]], step[2])
    elif kind == "create":
        body = {"matter_name": f"Matter {len(world.holds)}",
                "custodians": [world.people[p] for p in step[1]], **dates(step[2], step[3])}
        answer = client.post("/api/v1/holds", headers=headers, json=body)
        assert answer.status_code == 201, answer.text
        shown = answer.json()
        world.holds.append(HoldModel(shown["id"], shown["version"], "draft", step[1],
                                     *_days(body)))
    elif kind in ("issue", "rescope", "release"):
        wanted = {"issue": ("draft",), "rescope": ("draft", "active"), "release": ("active",)}
        candidates = [h for h in world.holds if h.status in wanted[kind]]
        if not candidates:
            return
        hold = candidates[step[1] % len(candidates)]
        if kind == "issue":
            answer = client.post(f"/api/v1/holds/{hold.id}/issue", headers=headers,
                                 json={"version": hold.version})
            hold.status = "active"
        elif kind == "release":
            answer = client.post(f"/api/v1/holds/{hold.id}/release", headers=headers,
                                 json={"version": hold.version, "reason": "Settled."})
            hold.status = "released"
        else:
            body = {"version": hold.version, "custodians": [world.people[p] for p in step[2]],
                    **dates(step[3], step[4])}
            answer = client.patch(f"/api/v1/holds/{hold.id}", headers=headers, json=body)
            hold.people, (hold.date_from, hold.date_to) = step[2], _days(body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == hold.status
        hold.version = answer.json()["version"]
    elif kind == "advance":
        world.clock.advance(days=step[1])
    elif kind == "schedule":
        answer = client.put("/api/v1/retention/schedules/email", headers=headers,
                            json={"days": step[1]})
        assert answer.status_code == 200, answer.text
        world.schedule = step[1]
    elif kind == "run":
        retention_run(world, before, dry_run=step[1])
    elif kind == "delete":
        delete(world, before, step[1])


def _days(body: dict[str, Any]) -> tuple[date | None, date | None]:
    return tuple(date.fromisoformat(body[k]) if body[k] else None  # type: ignore[return-value]
                 for k in ("date_from", "date_to"))


def ingest(world: World, custodian: str, numbers: list[int]) -> None:
    world.ingests += 1
    folder = world.tmp / "mail" / custodian / str(world.ingests)
    folder.mkdir(parents=True)
    for number in numbers:
        (folder / f"{number}.eml").write_bytes(message(number))
    with world.database.transaction() as session:
        job_id = jobs.create_job(session, Actor("test", "127.0.0.1", "r"), custodian,
                                 {"type": "path", "paths": [str(folder)]}).id
    assert jobs.run_now(world.runtime.runner(worker="test"), job_id).status == "done"
    indexer.index_pending(world.database, world.runtime.engine, "America/Denver")
    if world.under_hold(custodian):  # preservation wins: a purged message found here is kept
        with world.database.reading() as session:
            world.restored |= set(session.scalars(
                select(Document.dedup_key).join(Location, Location.document_id == Document.id)
                .where(Location.custodian == custodian,
                       Document.dedup_key.in_(select(PurgedDocument.dedup_key)))))


def retention_run(world: World, before: Stored, dry_run: bool) -> None:
    expired = world.expired(before)
    free = {f for f in expired if not before.members[f] & before.held}
    answer = world.client.post("/api/v1/retention/runs", headers=world.headers,
                               json={"dry_run": dry_run})
    assert answer.status_code == 201, answer.text
    certificate = answer.json()["certificate"]
    assert {uuid.UUID(f["family_id"]) for f in certificate["families"]} == free
    assert {uuid.UUID(f["family_id"]) for f in certificate["skipped_held"]} == expired - free
    after = world.read()
    gone = set() if dry_run else {d for f in free for d in before.members[f]}
    assert after.documents == before.documents - gone, "a run purged exactly the expired, unheld"
    for family in set(before.members) - (set() if dry_run else free):
        assert after.members[family] == before.members[family], "a kept family is whole"
    world.purged |= gone
    event(f"retention run: {'dry, ' if dry_run else ''}{len(free)} free, "
          f"{len(expired - free)} held families")


def delete(world: World, before: Stored, pick: int) -> None:
    if not before.documents:
        return
    target = sorted(before.documents)[pick % len(before.documents)]
    family = before.family_of[target]
    answer = world.client.delete(f"/api/v1/documents/{target}", headers=world.headers)
    after = world.read()
    if before.members[family] & before.held:
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "document_held"
        assert (after.documents, after.texts, after.held) == (
            before.documents, before.texts, before.held), "a refused delete changed something"
        event("delete refused: held")
        return
    event("delete done")
    assert answer.status_code == 200, answer.text
    assert after.documents == before.documents - before.members[family]
    world.purged |= before.members[family]


def check(world: World, before: Stored) -> Stored:
    """What must be true after every step."""
    after = world.read()
    assert after.held == world.must_hold(after), "held_documents is what the active holds cover"
    assert before.held <= after.documents, "a held document was deleted"
    for document in before.held & set(before.texts):
        assert after.texts.get(document) == before.texts[document], "a held text changed"
    assert not after.documents & world.purged, "a purged document came back"
    with world.database.reading() as session:
        keys = set(session.scalars(select(PurgedDocument.dedup_key)))
        stored = set(session.scalars(select(Document.dedup_key).where(Document.dedup_key.in_(keys))))
    assert stored <= world.restored, "a purged message was stored again, and not for a hold"
    return after


@contextmanager
def new_world(url: str, tmp: Path) -> Iterator[World]:
    clock = FrozenClock(START)
    settings = Settings(env="test", data_dir=tmp / "var", database_url=url,
                        secret_key=TEST_SECRET, in_process_worker=False,
                        access_token_minutes=60 * 24 * 400)
    database = Database(url, clock)
    actor = Actor("test-runner", "127.0.0.1", "test-request")
    people: list[str] = []
    with database.transaction() as session:
        auth.create_user(session, actor, "counsel", [Role.admin], TEST_PASSWORD)
        for name, mailboxes in PEOPLE.items():
            someone = Person(name=name, status=PersonStatus.active)
            session.add(someone)
            session.flush()
            session.add_all(PersonCustodian(custodian=m, person_id=someone.id) for m in mailboxes)
            people.append(str(someone.id))
    try:
        with TestClient(create_app(settings, clock), client=("203.0.113.7", 50000)) as client:
            token = client.post("/api/v1/auth/token",
                                data={"username": "counsel", "password": TEST_PASSWORD})
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            yield World(database, Runtime.open(settings, database), client, clock, tmp,
                        headers, people)
    finally:
        database.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_held_document_is_ever_deleted_and_every_expired_unheld_one_is(
        backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
    else:
        postgres_url: str = request.getfixturevalue("postgres_url")
        pg_template: str = request.getfixturevalue("_postgres_template")
        dropper: ThreadPoolExecutor = request.getfixturevalue("_dropper")

    @contextmanager
    def database_url(tmp: Path) -> Iterator[str]:
        if backend == "sqlite":
            shutil.copyfile(template, tmp / "custodia.db")
            yield f"sqlite:///{tmp / 'custodia.db'}"
            return
        with new_postgres_database(postgres_url, pg_template, dropper) as url:
            yield url

    @hypothesis_settings(max_examples=15, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow])
    @given(sequences)
    @example(CROSSING)
    def play(sequence: list[tuple[Any, ...]]) -> None:
        tmp = tmp_path / uuid.uuid4().hex[:8]
        tmp.mkdir()
        with database_url(tmp) as url, new_world(url, tmp) as world:
            before = world.read()
            for step in sequence:
                note(f"step {step}")
                do(world, step, before)
                before = check(world, before)
            event(f"documents held at the end: {'some' if before.held else 'none'}")

    play()
