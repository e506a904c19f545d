"""Retention schedules and purge runs.

A schedule says how many days a record class is kept; a class without one is kept
forever. A run finds the families whose top-level document is older than its class's
days (sent_at, else when it was stored; counted from the clock), skips every family a
hold touches, purges the rest (app.retention.purge) and writes a certificate: a JSON
document of what was purged (ids and content hashes, never content) and what was kept
because held, stored under the data directory with its SHA-256 recorded in
retention_runs. A dry run writes the certificate of what it would purge and purges
nothing.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.hashing import sha256
from app.models import (
    Document,
    IngestJob,
    JobStatus,
    Location,
    Person,
    PersonStatus,
    RetentionRun,
    RetentionSchedule,
)
from app.people import service as people
from app.retention import purge
from search.engines import SearchEngine

BUILT_IN = ("email", "voicemail", "transitory")  # classes every city has
MAX_DAYS = 36_500  # a hundred years; longer is "forever" (no days)
CLASS_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
CERTIFICATES = Path("retention") / "certificates"  # under the data directory


class UnknownRecordClass(NotFound):
    code = "unknown_record_class"


class CertificateAltered(Conflict):
    code = "certificate_altered"


class BadRecordClass(BadRequest):
    code = "bad_record_class"


def check_class_name(name: str) -> str:
    if not CLASS_NAME.fullmatch(name):
        raise BadRecordClass("A record class is 1 to 64 lower-case letters, digits, '-' or '_', "
                             "starting with a letter (e.g. transitory, council-minutes).")
    return name


def schedules(session: Session) -> list[RetentionSchedule]:
    return list(session.scalars(select(RetentionSchedule).order_by(RetentionSchedule.record_class)))


def known_classes(session: Session) -> list[str]:
    return sorted(set(BUILT_IN) | {s.record_class for s in schedules(session)})


def schedule(session: Session, record_class: str) -> RetentionSchedule:
    found = session.get(RetentionSchedule, check_class_name(record_class))
    if found is None:
        named = ", ".join(s.record_class for s in schedules(session)) or "none"
        raise UnknownRecordClass(f"No retention schedule for the class {record_class!r}; "
                                 f"classes with one: {named}.")
    return found


def _shown(found: RetentionSchedule | None) -> dict[str, Any] | None:
    return None if found is None else {"record_class": found.record_class, "days": found.days}


def set_schedule(session: Session, actor: Actor, record_class: str,
                 days: int | None) -> RetentionSchedule:
    """Keep `record_class` for `days` (None: forever). A new name adds the class."""
    check_class_name(record_class)
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"days is from 1 to {MAX_DAYS}; leave it out to keep forever.")
    found = session.get(RetentionSchedule, record_class)
    before = _shown(found)
    now = clock_of(session).now()
    if found is None:
        found = RetentionSchedule(record_class=record_class, days=days, updated_at=now,
                                  updated_by=actor.name)
        session.add(found)
    else:
        found.days, found.updated_at, found.updated_by = days, now, actor.name
    session.flush()
    audit.record(session, actor, "retention.schedule_set", "retention_schedule", record_class,
                 before=before, after=_shown(found))
    return found


def delete_schedule(session: Session, actor: Actor, record_class: str) -> None:
    """Remove a schedule: the class is kept forever again."""
    found = schedule(session, record_class)
    before = _shown(found)
    session.delete(found)
    session.flush()
    audit.record(session, actor, "retention.schedule_delete", "retention_schedule",
                 record_class, before=before)


def set_family_class(session: Session, actor: Actor, document_id: uuid.UUID,
                     record_class: str) -> list[Document]:
    """File a document's whole family under another (known) record class."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No document with that id.")
    check_class_name(record_class)
    if record_class not in known_classes(session):
        raise UnknownRecordClass(f"Unknown record class {record_class!r}; known: "
                                 f"{', '.join(known_classes(session))}. An administrator adds "
                                 "one with PUT /retention/schedules/{class}.")
    head = session.get_one(Document, document.family_id)
    before = head.record_class
    session.execute(update(Document).where(Document.family_id == document.family_id)
                    .values(record_class=record_class),
                    execution_options={"synchronize_session": "fetch"})
    audit.record(session, actor, "retention.class_set", "document", head.id,
                 before={"record_class": before}, after={"record_class": record_class})
    return list(session.scalars(select(Document).where(Document.family_id == head.id)))


@dataclass
class RunResult:
    run: RetentionRun
    certificate: dict[str, Any]


def expired_families(session: Session) -> tuple[dict[str, int], list[uuid.UUID]]:
    """The schedules in force (class -> days) and the families past them, oldest first."""
    now = clock_of(session).now()
    days = {s.record_class: s.days for s in schedules(session) if s.days is not None}
    found: list[uuid.UUID] = []
    for record_class, kept in sorted(days.items()):
        cutoff = now - timedelta(days=kept)
        dated = Document.sent_at.is_not(None)
        found += session.scalars(
            select(Document.family_id).where(
                Document.parent_id.is_(None), Document.record_class == record_class,
                (dated & (Document.sent_at < cutoff))
                | (~dated & (Document.created_at < cutoff)))
            .order_by(Document.family_id))
    return days, found


def run(session: Session, actor: Actor, data_dir: Path, store: BlobStore, engine: SearchEngine,
        dry_run: bool) -> RunResult:
    days, family_ids = expired_families(session)
    free, held = purge.split_held(session, purge.families(session, family_ids))
    return _finish(session, actor, data_dir, store, engine, dry_run, "schedule", days, free, held)


def delete_family(session: Session, actor: Actor, data_dir: Path, store: BlobStore,
                  engine: SearchEngine, document_id: uuid.UUID) -> RunResult:
    """An administrator's deletion of one document: its whole family, unless held (409)."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No document with that id.")
    free, held = purge.split_held(session, purge.families(session, [document.family_id]))
    purge.refuse_held(held)
    return _finish(session, actor, data_dir, store, engine, False, "single_document", {}, free, [])


def _only_at(session: Session, where: ColumnElement[bool]) -> list[uuid.UUID]:
    """The families every location of which `where` matches: found nowhere else."""
    located = select(Document.family_id).join(Location, Location.document_id == Document.id)
    inside = set(session.scalars(located.where(where).distinct()))
    elsewhere = set(session.scalars(located.where(~where).distinct()))
    return sorted(inside - elsewhere)


def offboard(session: Session, actor: Actor, data_dir: Path, store: BlobStore,
             engine: SearchEngine, person_id: uuid.UUID) -> RunResult:
    """Purge a departed person's mail that no one else's mailbox holds too; refused
    whole (409 naming the holds) while any of it is held."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No person has this id.")
    if person.status != PersonStatus.departed:
        raise Conflict(f"{person.name} has not departed: mark the departure first "
                       f"(POST /api/v1/people/{person.id}/depart).")
    names = people.custodian_names(session, [person.id])
    found = purge.families(session, _only_at(session, Location.custodian.in_(names)))
    free, held = purge.split_held(session, found)
    purge.refuse_held(held)
    return _finish(session, actor, data_dir, store, engine, False, "offboarding", {}, free, [],
                   subject={"person_id": str(person.id), "custodians": sorted(names)})


def clean_up_ingest(session: Session, actor: Actor, data_dir: Path, store: BlobStore,
                    engine: SearchEngine, job_id: uuid.UUID) -> RunResult:
    """Remove what one finished ingest job stored and nothing else holds, so its source
    can be ingested again (the dedup keys are not remembered); refused whole (409 naming
    the holds) while any of it is held."""
    job = session.get(IngestJob, job_id)
    if job is None:
        raise NotFound("No ingest job has this id.")
    if job.status not in (JobStatus.done, JobStatus.failed):
        raise Conflict(f"The ingest job is {job.status.value}; clean up after it ends.")
    found = purge.families(session, _only_at(session, Location.job_id == job.id))
    free, held = purge.split_held(session, found)
    purge.refuse_held(held)
    return _finish(session, actor, data_dir, store, engine, False, "ingest_clean_up", {}, free,
                   [], remember=False, subject={"ingest_job_id": str(job.id)})


def _finish(session: Session, actor: Actor, data_dir: Path, store: BlobStore,
            engine: SearchEngine, dry_run: bool, reason: str, days: dict[str, int],
            free: list[purge.Family], held: list[purge.HeldFamily], remember: bool = True,
            subject: dict[str, Any] | None = None) -> RunResult:
    run_id = uuid.uuid4()
    now = clock_of(session).now()
    documents = sum(len(f.members) for f in free)
    counts = {"families_purged": 0 if dry_run else len(free),
              "documents_purged": 0 if dry_run else documents,
              "families_expired": len(free) + len(held), "families_held": len(held),
              "documents_held": sum(len(h.family.members) for h in held)}
    if dry_run:
        counts |= {"families_to_purge": len(free), "documents_to_purge": documents}
    certificate = {
        "certificate": "Custodia purge certificate", "run_id": str(run_id),
        "time": now.isoformat(), "actor": actor.name, "dry_run": dry_run, "reason": reason,
        "schedules": days, "counts": counts, **({"subject": subject} if subject else {}),
        "families": [f.as_dict() for f in free],  # in a dry run: those it would purge
        "skipped_held": [h.as_dict() for h in held],
    }
    relative = CERTIFICATES / f"{run_id}.json"
    data = (json.dumps(certificate, indent=2, sort_keys=True) + "\n").encode()
    digest = sha256(data)
    record = RetentionRun(
        id=run_id, actor=actor.name, dry_run=dry_run, reason=reason,
        families_purged=counts["families_purged"], documents_purged=counts["documents_purged"],
        families_held=len(held), certificate_path=str(relative), certificate_sha256=digest,
        schedules=days)
    session.add(record)
    session.flush()  # the run first: purged_documents rows name it
    if not dry_run:
        purge.purge(session, actor, store, engine, free, run_id, remember)
    _write(data_dir / relative, data)
    audit.record(session, actor, "retention.run", "retention_run", run_id, dry_run=dry_run,
                 reason=reason, certificate_sha256=digest, **counts)
    return RunResult(record, certificate)


def runs_listed() -> Select[Any]:
    """Purge runs, newest first (for paginate)."""
    return select(RetentionRun).order_by(RetentionRun.created_at.desc(), RetentionRun.id)


def run_of(session: Session, run_id: uuid.UUID) -> RetentionRun:
    found = session.get(RetentionRun, run_id)
    if found is None:
        raise NotFound("No retention run with that id.")
    return found


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def certificate_of(data_dir: Path, found: RetentionRun) -> bytes:
    """The stored certificate, checked against the hash recorded with its run."""
    data = (data_dir / found.certificate_path).read_bytes()
    if sha256(data) != found.certificate_sha256:
        raise CertificateAltered("The stored certificate no longer matches the hash recorded "
                                 "with its run: it was changed after the run.")
    return data
