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
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, PayloadTooLarge
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


def _cross_check(session: Session, rows: list[Row], errors: list[dict[str, Any]]) -> None:
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
            owners = set(session.scalars(select(PersonEmail.person_id)
                                         .where(PersonEmail.address.in_(row.emails))))
            if len(owners) > 1:
                raise ValueError("its addresses belong to different people")
            if owners:
                row.person = session.get(Person, owners.pop())
                assert row.person is not None
                if row.person.id in by_person:
                    raise ValueError(f"it matches the same person as line "
                                     f"{by_person[row.person.id].line}")
                by_person[row.person.id] = row
            for custodian in row.custodians:
                owner = session.get(PersonCustodian, custodian)
                if owner is not None and (row.person is None or owner.person_id != row.person.id):
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
        else:
            boss_email = session.get(PersonEmail, row.supervisor_email)
            if boss_email is None:
                errors.append({"line": row.line, "reason": f"supervisor {row.supervisor_email} "
                               "is no person's address, in the file or the directory"})
            else:
                row.supervisor = boss_email.person_id


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


def _plan(session: Session, row: Row) -> None:
    """What importing the row would change, in row.changes; and so its action."""
    found = row.person
    supervisor_id = row.supervisor if isinstance(row.supervisor, uuid.UUID) else None
    if found is None:
        row.action = "create"
        return
    wanted: dict[str, Any] = {"name": row.name, "department": row.department,
                              "title": row.title}
    if row.status is not None:
        wanted["status"] = row.status
        wanted["departed_on"] = row.departed_on
    if row.supervisor is not None:
        wanted["supervisor_id"] = supervisor_id  # None: a person the file creates
    row.changes = {k: v for k, v in wanted.items()
                   if k == "supervisor_id" and v is None or getattr(found, k) != v}
    added = _new_emails(session, row) or (
        set(row.custodians) - service.custodian_names(session, [found.id]))
    row.action = "update" if row.changes or added else "unchanged"


def check(session: Session, data: bytes, zone: ZoneInfo) -> list[Row]:
    """Every row checked alone, then together; InvalidImport names each bad line."""
    today = clock_of(session).now().astimezone(zone).date()
    rows: list[Row] = []
    errors: list[dict[str, Any]] = []
    for raw in _read(data):
        try:
            rows.append(_row(raw, today))
        except ValueError as exc:
            errors.append({"line": int(raw["_line"]), "reason": str(exc)})
    _cross_check(session, rows, errors)
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
        _plan(session, row)
    return rows


def _new_emails(session: Session, row: Row) -> list[str]:
    return [a for a in row.emails if session.get(PersonEmail, a) is None]


def _apply(session: Session, actor: Actor, rows: list[Row]) -> None:
    made: dict[int, Person] = {}
    befores: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.action == "unchanged":
            continue
        found = row.person
        if found is None:
            found = Person(name=row.name, department=row.department, title=row.title,
                           status=row.status or PersonStatus.active, departed_on=row.departed_on)
            session.add(found)
            session.flush()
            row.person = found
        else:
            befores[id(row)] = service.snapshot(session, found)
            for name, value in row.changes.items():
                if name != "supervisor_id":
                    setattr(found, name, value)
        made[id(row)] = found
        for address in _new_emails(session, row):
            session.add(PersonEmail(address=address, person_id=found.id, current=True))
        mapped = service.custodian_names(session, [found.id])
        for custodian in row.custodians:
            if custodian not in mapped:
                session.add(PersonCustodian(custodian=custodian, person_id=found.id))
        session.flush()
    for row in rows:
        if row.action != "unchanged" and row.supervisor is not None:
            assert row.person is not None
            boss = row.supervisor.person if isinstance(row.supervisor, Row) else None
            row.person.supervisor_id = boss.id if boss is not None else row.supervisor
    session.flush()
    for row in rows:
        if row.action == "unchanged":
            continue
        assert row.person is not None
        after = service.snapshot(session, row.person)
        if id(row) in befores:
            if befores[id(row)] == after:
                row.action = "unchanged"
                continue
            audit.record(session, actor, "person.update", "person", row.person.id,
                         via="import", line=row.line, before=befores[id(row)], after=after)
        else:
            audit.record(session, actor, "person.create", "person", row.person.id,
                         via="import", line=row.line, after=after)


def run(session: Session, actor: Actor, data: bytes, zone: ZoneInfo, *,
        dry_run: bool) -> ImportReport:
    """Check the file, then (unless a dry run) apply it; one person.import entry counts it."""
    rows = check(session, data, zone)
    if not dry_run:
        _apply(session, actor, rows)
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
