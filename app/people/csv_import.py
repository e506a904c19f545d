"""Import the directory from a CSV file: the whole file is checked before anything changes.

Columns: name, department, title, emails and custodians (each `;`-separated),
supervisor_email, status, departed_on. A row is matched to an existing person by
any of its addresses (and updated), else it creates one. Supervisors are named by
address and resolved once every row is known, so a file may list a person before
their supervisor. Addresses and custodian names are only ever added: an import
never drops an old address.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, PayloadTooLarge
from app.models import Person, PersonCustodian, PersonEmail, PersonStatus
from app.people import service
from app.people.schemas import ImportReport, ImportRow

MAX_BYTES = 5 * 2**20
MAX_ROWS = 10_000
COLUMNS = ("name", "department", "title", "emails", "custodians", "supervisor_email",
           "status", "departed_on")
REQUIRED = ("name", "emails")
MAX_LISTED = 200  # bad rows named in one answer


class InvalidImport(BadRequest):
    code = "invalid_import"


@dataclass(eq=False)  # each row is itself: a key in supervisor chains
class Row:
    line: int
    name: str
    department: str
    title: str
    emails: list[str]
    custodians: list[str]
    supervisor_email: str
    status: PersonStatus | None  # None: as it is (active for a new person)
    departed_on: date | None
    person: Person | None = None  # the existing person it matches
    supervisor: Any = None  # a Person id, or the Row of a person the file creates
    action: Literal["create", "update", "unchanged"] = "create"
    changes: dict[str, Any] = field(default_factory=dict)


def too_large(size: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"A people import may be at most {MAX_BYTES:,} bytes and "
                           f"{MAX_ROWS:,} rows; nothing was imported.")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _read(data: bytes) -> list[dict[str, str]]:
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidImport("The file is not UTF-8 text; nothing was imported.") from None
    if "\x00" in text:
        raise InvalidImport("The file holds a NUL character; nothing was imported.")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [column.strip().lower() for column in reader.fieldnames or []]
        unknown = sorted(set(header) - set(COLUMNS))
        missing = [c for c in REQUIRED if c not in header]
        if unknown or missing or len(set(header)) < len(header):
            raise InvalidImport(
                "The first line names the columns: name, emails and optionally "
                f"{', '.join(c for c in COLUMNS if c not in REQUIRED)}, each once."
                + (f" Unknown: {', '.join(unknown)[:300]}." if unknown else "")
                + (f" Missing: {', '.join(missing)}." if missing else ""))
        reader.fieldnames = header
        rows: list[dict[str, str]] = []
        for raw in reader:
            if len(rows) >= MAX_ROWS:
                raise too_large(len(data))
            if None in raw:
                raise InvalidImport(f"Line {reader.line_num} has more fields than the header.",
                                    errors=[{"line": reader.line_num,
                                             "reason": "more fields than the header"}])
            rows.append({"_line": str(reader.line_num),
                         **{k: (v or "").strip() for k, v in raw.items()}})
    except csv.Error as exc:
        raise InvalidImport(f"Line {reader.line_num} is not valid CSV: {exc}.",
                            errors=[{"line": reader.line_num, "reason": str(exc)}]) from None
    if not rows:
        raise InvalidImport("The file has a header but no rows; nothing was imported.")
    return rows


def _address(value: str, column: str) -> str:
    try:
        return service.normalized(value)
    except BadRequest:
        raise ValueError(f"{column} {value[:80]!r} is not one plain e-mail address, like "
                         "name@city.example.gov") from None


def _row(raw: dict[str, str], today: date) -> Row:
    """One row, checked alone; a ValueError or CustodiaError names what is wrong."""
    line = int(raw["_line"])
    name = raw.get("name", "")
    if not name:
        raise ValueError("name is empty")
    for column in ("name", "department", "title"):
        if len(raw.get(column, "")) > 200:
            raise ValueError(f"{column} is longer than 200 characters")
    emails = [_address(address, "emails") for address in _split(raw.get("emails", ""))]
    if not emails:
        raise ValueError("no e-mail address (people are matched by address)")
    if len(set(emails)) < len(emails):
        raise ValueError("the same address is listed twice")
    custodians = _split(raw.get("custodians", ""))
    if any(len(c) > 200 for c in custodians) or len(set(custodians)) < len(custodians):
        raise ValueError("a custodian name is longer than 200 characters or listed twice")
    supervisor = raw.get("supervisor_email", "")
    supervisor = _address(supervisor, "supervisor_email") if supervisor else ""
    status_text = raw.get("status", "").lower()
    if status_text and status_text not in {s.value for s in PersonStatus}:
        raise ValueError(f"unknown status {status_text[:40]!r} (active or departed)")
    status = PersonStatus(status_text) if status_text else None
    departed_on = None
    if raw.get("departed_on"):
        try:
            departed_on = date.fromisoformat(raw["departed_on"])
        except ValueError:
            raise ValueError(f"departed_on {raw['departed_on'][:40]!r} is not a date like "
                             "2026-06-30") from None
        if departed_on > today:
            raise ValueError(f"departed_on {departed_on} is in the future")
    if status == PersonStatus.departed and departed_on is None:
        raise ValueError("a departed person needs departed_on")
    if departed_on is not None and status != PersonStatus.departed:
        raise ValueError("departed_on is given but status is not departed")
    return Row(line, name, raw.get("department", ""), raw.get("title", ""), emails,
               custodians, supervisor, status, departed_on)


@dataclass
class Known:
    """What the directory holds of the file's addresses, names and matched people, read in
    a few batched queries (a 10,000-row file must not cost a query per row)."""

    owner_of: dict[str, uuid.UUID]  # address -> person
    custodian_owner: dict[str, uuid.UUID]
    people: dict[uuid.UUID, Person]
    emails: dict[uuid.UUID, dict[str, bool]]  # every address of each matched person
    custodians: dict[uuid.UUID, set[str]]


def _chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    listed = list(values)
    for start in range(0, len(listed), size):
        yield listed[start:start + size]


def _known(session: Session, rows: list[Row]) -> Known:
    addresses = {a for r in rows for a in r.emails} | {r.supervisor_email for r in rows
                                                        if r.supervisor_email}
    owner_of = {e.address: e.person_id for chunk in _chunks(addresses) for e in
                session.scalars(select(PersonEmail).where(PersonEmail.address.in_(chunk)))}
    names = {c for r in rows for c in r.custodians}
    custodian_owner = {c.custodian: c.person_id for chunk in _chunks(names) for c in
                       session.scalars(select(PersonCustodian)
                                       .where(PersonCustodian.custodian.in_(chunk)))}
    matched = {owner_of[a] for r in rows for a in r.emails if a in owner_of}
    known = Known(owner_of, custodian_owner, {}, {i: {} for i in matched},
                  {i: set() for i in matched})
    for chunk in _chunks(matched):
        known.people.update((p.id, p) for p in
                            session.scalars(select(Person).where(Person.id.in_(chunk))))
        for email in session.scalars(select(PersonEmail)
                                     .where(PersonEmail.person_id.in_(chunk))):
            known.emails[email.person_id][email.address] = email.current
        for mapped in session.scalars(select(PersonCustodian)
                                      .where(PersonCustodian.person_id.in_(chunk))):
            known.custodians[mapped.person_id].add(mapped.custodian)
    return known


def _cross_check(known: Known, rows: list[Row], errors: list[dict[str, Any]]) -> None:
    """Addresses and names once in the file, each row's match, each supervisor's person."""
    by_address: dict[str, Row] = {}
    by_custodian: dict[str, Row] = {}
    by_person: dict[uuid.UUID, Row] = {}
    for row in rows:
        try:
            for address in row.emails:
                if address in by_address:
                    raise ValueError(f"{address} is also on line {by_address[address].line}")
                by_address[address] = row
            for custodian in row.custodians:
                if custodian in by_custodian:
                    raise ValueError(f"custodian {custodian!r} is also on line "
                                     f"{by_custodian[custodian].line}")
                by_custodian[custodian] = row
            owners = {known.owner_of[a] for a in row.emails if a in known.owner_of}
            if len(owners) > 1:
                raise ValueError("its addresses belong to different people")
            if owners:
                row.person = known.people[owners.pop()]
                if row.person.id in by_person:
                    raise ValueError(f"it matches the same person as line "
                                     f"{by_person[row.person.id].line}")
                by_person[row.person.id] = row
            for custodian in row.custodians:
                owner = known.custodian_owner.get(custodian)
                if owner is not None and (row.person is None or owner != row.person.id):
                    raise ValueError(f"custodian {custodian!r} is another person's")
        except ValueError as exc:
            errors.append({"line": row.line, "reason": str(exc)})
    for row in rows:
        if not row.supervisor_email:
            continue
        if row.supervisor_email in row.emails:
            errors.append({"line": row.line, "reason": "a person cannot supervise themselves"})
        elif row.supervisor_email in by_address:
            boss = by_address[row.supervisor_email]
            row.supervisor = boss.person.id if boss.person else boss
        elif row.supervisor_email in known.owner_of:
            row.supervisor = known.owner_of[row.supervisor_email]
        else:
            errors.append({"line": row.line, "reason": f"supervisor {row.supervisor_email} "
                           "is no person's address, in the file or the directory"})


def _find_cycles(session: Session, rows: list[Row], errors: list[dict[str, Any]]) -> None:
    """Supervisor chains as they would be after the import must end."""
    chain: dict[Any, Any] = {person_id: boss for person_id, boss in
                             session.execute(select(Person.id, Person.supervisor_id))}
    key = {id(row): (row.person.id if row.person else row) for row in rows}
    for row in rows:
        if row.supervisor is not None:
            chain[key[id(row)]] = (key[id(row.supervisor)] if isinstance(row.supervisor, Row)
                                   else row.supervisor)
    for row in rows:
        start, seen, current = key[id(row)], set(), chain.get(key[id(row)])
        while current is not None and current not in seen:
            if current == start:
                errors.append({"line": row.line, "reason": "its supervisor chain comes back "
                               "to this person (a cycle)"})
                break
            seen.add(current)
            current = chain.get(current)


def _plan(known: Known, row: Row) -> None:
    """What importing the row would change, in row.changes; and so its action."""
    found = row.person
    if found is None:
        row.action = "create"
        return
    wanted: dict[str, Any] = {"name": row.name, "department": row.department,
                              "title": row.title}
    if row.status is not None:
        wanted["status"] = row.status
        wanted["departed_on"] = row.departed_on
    if row.supervisor is not None:  # a Row: a person the file creates, so a change
        wanted["supervisor_id"] = row.supervisor
    row.changes = {k: v for k, v in wanted.items() if getattr(found, k) != v}
    added = (set(row.emails) - set(known.emails[found.id])
             or set(row.custodians) - known.custodians[found.id])
    row.action = "update" if row.changes or added else "unchanged"


def check(session: Session, data: bytes, zone: ZoneInfo) -> tuple[list[Row], Known]:
    """Every row checked alone, then together; InvalidImport names each bad line."""
    today = clock_of(session).now().astimezone(zone).date()
    rows: list[Row] = []
    errors: list[dict[str, Any]] = []
    for raw in _read(data):
        try:
            rows.append(_row(raw, today))
        except ValueError as exc:
            errors.append({"line": int(raw["_line"]), "reason": str(exc)})
    known = _known(session, rows)
    _cross_check(known, rows, errors)
    if not errors:
        _find_cycles(session, rows, errors)
    if errors:
        errors.sort(key=lambda e: e["line"])
        lines = sorted({e["line"] for e in errors})
        raise InvalidImport(
            f"{len(lines)} row{'s' if len(lines) > 1 else ''} cannot be imported (line"
            f"{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:20]))}"
            f"{', ...' if len(lines) > 20 else ''}); nothing was imported.",
            errors=errors[:MAX_LISTED])
    for row in rows:
        _plan(known, row)
    return rows, known


def _apply(session: Session, actor: Actor, rows: list[Row], known: Known) -> None:
    """People first (new ones without supervisors), then supervisors: an insert never names
    a person not yet written. Snapshots come from `known`, kept up to date as rows apply."""
    befores: dict[int, dict[str, Any]] = {}
    changing = [row for row in rows if row.action != "unchanged"]
    for row in changing:
        found = row.person
        if found is None:
            found = Person(id=uuid.uuid4(), name=row.name, department=row.department,
                           title=row.title, status=row.status or PersonStatus.active,
                           departed_on=row.departed_on)
            session.add(found)
            row.person = found
            known.emails[found.id], known.custodians[found.id] = {}, set()
        else:
            befores[id(row)] = service.snapshot_of(found, known.emails[found.id],
                                                   known.custodians[found.id])
            for name, value in row.changes.items():
                if name != "supervisor_id":
                    setattr(found, name, value)
    session.flush()
    for row in changing:
        assert row.person is not None
        emails, custodians = known.emails[row.person.id], known.custodians[row.person.id]
        for address in row.emails:
            if address not in emails:
                session.add(PersonEmail(address=address, person_id=row.person.id, current=True))
                emails[address] = True
        for custodian in row.custodians:
            if custodian not in custodians:
                session.add(PersonCustodian(custodian=custodian, person_id=row.person.id))
                custodians.add(custodian)
        if isinstance(row.supervisor, Row):
            assert row.supervisor.person is not None  # written above
            row.person.supervisor_id = row.supervisor.person.id
        elif row.supervisor is not None:
            row.person.supervisor_id = row.supervisor
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("The directory changed while the file was imported (an address or "
                       "custodian name was taken meanwhile); nothing was imported. Try "
                       "again.") from None
    for row in changing:
        assert row.person is not None
        after = service.snapshot_of(row.person, known.emails[row.person.id],
                                    known.custodians[row.person.id])
        if id(row) not in befores:
            audit.record(session, actor, "person.create", "person", row.person.id,
                         via="import", line=row.line, after=after)
        elif befores[id(row)] != after:
            audit.record(session, actor, "person.update", "person", row.person.id,
                         via="import", line=row.line, before=befores[id(row)], after=after)
        else:
            row.action = "unchanged"


def run(session: Session, actor: Actor, data: bytes, zone: ZoneInfo, *,
        dry_run: bool) -> ImportReport:
    """Check the file, then (unless a dry run) apply it; one person.import entry counts it."""
    rows, known = check(session, data, zone)
    if not dry_run:
        _apply(session, actor, rows, known)
    shown = [ImportRow(line=r.line, action=r.action, name=r.name,
                       person_id=r.person.id if r.person else None) for r in rows]
    counts = {action: sum(1 for r in rows if r.action == action)
              for action in ("create", "update", "unchanged")}
    report = ImportReport(dry_run=dry_run, created=counts["create"], updated=counts["update"],
                          unchanged=counts["unchanged"], rows=shown)
    if not dry_run:
        audit.record(session, actor, "person.import", "people", "import", rows=len(rows),
                     created=report.created, updated=report.updated,
                     unchanged=report.unchanged, bytes=len(data))
    return report
