"""Building a production's package: each document rendered and stamped in turn, written
into the zip as it comes (memory stays flat), then the load files, the logs and the
manifest. The bytes depend only on the snapshot, the first number and the package date,
so a rebuild gives the same zip (`custodia production rebuild`).
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.db import Database
from app.core.errors import Conflict
from app.core.settings import Settings
from app.models import (
    BatesSeries,
    Citation,
    Disposition,
    Document,
    DocumentKind,
    Production,
    ProductionDocument,
    ProductionStatus,
)
from app.productions import loadfiles, logs, render, service
from app.productions.package import PackageWriter, paths
from app.productions.render_document import (
    Context,
    Rendered,
    failed_slip,
    people,
    person,
    render_one,
    scrub,
)
from app.productions.series import label

log = logging.getLogger("custodia.productions")
T = TypeVar("T")
Progress = Callable[[int, int], None]  # (documents done, documents)
KINDS = {DocumentKind.email: "E-mail", DocumentKind.voicemail: "Voicemail",
         DocumentKind.attachment: "Attachment"}


@dataclass
class Placed:
    """Where one document landed: its numbers and pages."""

    position: int
    begin: str
    end: str
    pages: int


@dataclass
class Built:
    sha256: str
    size: int
    last_number: int
    placed: list[Placed] = field(default_factory=list)


class _Spool(Generic[T]):
    """Records kept on disk while the documents are written, read back in order at the end:
    the load files and logs of a big production never sit in memory whole."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _Volume.close)

    def add(self, record: T) -> None:
        pickle.dump(record, self._file)  # our own records, read back by this process only

    def __iter__(self) -> Iterator[T]:
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()


@dataclass
class _Volume:
    """What the load files and logs collect while the documents are written: spooled, but
    for each family's first and last Bates number (BEGATTACH, ENDATTACH)."""

    rows: _Spool[tuple[uuid.UUID, dict[str, str]]] = field(default_factory=_Spool)
    opt: _Spool[loadfiles.OptPage] = field(default_factory=_Spool)
    redactions: _Spool[logs.RedactionLogRow] = field(default_factory=_Spool)
    privilege: _Spool[logs.PrivilegeLogRow] = field(default_factory=_Spool)
    first: dict[uuid.UUID, str] = field(default_factory=dict)
    last: dict[uuid.UUID, str] = field(default_factory=dict)

    def close(self) -> None:
        for spool in (self.rows, self.opt, self.redactions, self.privilege):
            spool.close()


def _entries(session: Session, production: Production,
             chunk: int = 500) -> Iterator[ProductionDocument]:
    """The production's documents in order, a chunk at a time (each expunged once written)."""
    after = -1
    while True:
        rows = list(session.scalars(service.documents_of(production)
                                    .where(ProductionDocument.position > after).limit(chunk)))
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].position


def _citations(session: Session, production: Production) -> dict[str, str]:
    """code -> title of every citation the production's documents cite."""
    codes: set[str] = set()
    for entry in _entries(session, production):
        codes |= {entry.citation_code} - {""}
        codes |= {s["citation"] for s in entry.redactions if s.get("citation")}
        session.expunge(entry)
    if not codes:
        return {}
    return dict(session.execute(select(Citation.code, Citation.title)
                                .where(Citation.code.in_(codes))).all())


def write_package(session: Session, settings: Settings, production: Production, out: Path,
                  progress: Progress | None = None) -> Built:
    """Write the production's zip to `out` from its snapshot, numbering from first_number."""
    series = session.get_one(BatesSeries, production.series_id)
    quotes = sorted(set(service.redacted_strings(session, production)), key=lambda q: (-len(q), q))
    citations = _citations(session, production)
    total = session.scalar(select(func.count()).select_from(ProductionDocument).where(
        ProductionDocument.production_id == production.id)) or 0
    store = BlobStore(settings.natives_dir)
    where = paths(production.volume)
    volume = _Volume()
    number = production.first_number
    built = Built("", 0, number - 1)
    spans_of: dict[uuid.UUID, list[dict[str, Any]] | None] = {}
    header = {"production": production.name, "volume": production.volume,
              "prefix": series.prefix, "package_date": production.package_date.isoformat()}
    with PackageWriter(out, production.package_date, header) as package:
        for done, entry in enumerate(_entries(session, production), 1):
            document = session.scalars(select(Document).options(selectinload(Document.text))
                                       .where(Document.id == entry.document_id)).one()
            text = document.text.text if document.text else ""
            parent = spans_of.get(document.parent_id) if document.parent_id else None
            begin = label(series, number)
            context = Context(store, quotes, citations, begin, parent)
            rendered = render_one(document, entry, text, context)
            spans_of[document.id] = (list(entry.redactions)
                                     if document.kind == DocumentKind.voicemail else None)
            try:
                pages, numbers, stamped = _stamped(rendered.pdf, series, number, production)
            except render.RenderError:  # a page the stamp cannot take: a slip stands for it
                rendered = failed_slip(context)
                pages, numbers, stamped = _stamped(rendered.pdf, series, number, production)
            package.add(f"{where.images}{begin}.pdf", stamped)
            package.add(f"{where.text}{begin}.txt", rendered.text.encode())
            native = ""
            if rendered.native is not None:
                native = f"NATIVES/{begin}{rendered.native_extension}"
                package.add(f"{production.volume}/{native}", rendered.native)
            _describe(volume, document, entry, rendered, numbers, native, quotes, citations,
                      production.volume)
            built.placed.append(Placed(entry.position, numbers[0], numbers[-1], pages))
            number += pages
            session.expunge(document)
            session.expunge(entry)
            if progress is not None:
                progress(done, total)
        try:
            _load_files(package, volume, where)
            _logs(package, volume, production)
        finally:
            volume.close()
        package.close({"bates": f"{label(series, production.first_number)}-"
                                f"{label(series, number - 1)}", "documents": total})
    built.sha256, built.size, built.last_number = (package.package_sha256, package.package_size,
                                                   number - 1)
    return built


def _stamped(pdf: bytes, series: BatesSeries, number: int,
             production: Production) -> tuple[int, list[str], bytes]:
    numbers: list[str] = []

    def numbered(pages: int) -> list[str]:
        numbers.extend(label(series, n) for n in range(number, number + pages))
        return numbers

    stamped = render.stamp(pdf, numbered, production.endorsement)
    return len(numbers), numbers, stamped


def _describe(volume: _Volume, document: Document, entry: ProductionDocument, rendered: Rendered,
              numbers: list[str], native: str, quotes: list[str], citations: dict[str, str],
              name: str) -> None:
    """The document's DAT row, OPT pages and log rows (links relative to the volume)."""
    begin, end = numbers[0], numbers[-1]
    spans = entry.redactions
    codes = sorted({s["citation"] for s in spans if s.get("citation")})
    volume.first.setdefault(document.family_id, begin)
    volume.last[document.family_id] = end
    volume.rows.add((document.family_id, {
        "BEGBATES": begin, "ENDBATES": end, "FROM": scrub(person(document.sender), quotes),
        "TO": scrub(people(document, "to"), quotes), "CC": scrub(people(document, "cc"), quotes),
        "SUBJECT": scrub(document.subject, quotes), "FILENAME": scrub(document.filename, quotes),
        "DATESENT": document.sent_at.isoformat() if document.sent_at else "",
        "NATIVELINK": native.replace("/", "\\"), "TEXTLINK": f"TEXT\\{begin}.txt",
        "REDACTED": "Y" if entry.disposition == Disposition.redacted else "",
        "WITHHELD_REASON": (" ".join(filter(None, [entry.withheld_ground, entry.citation_code]))
                            if entry.disposition == Disposition.withheld else rendered.note),
    }))
    for page in loadfiles.document_pages(numbers, name, f"IMAGES\\{begin}.pdf"):
        volume.opt.add(page)
    bates = begin if begin == end else f"{begin}-{end}"
    shown = scrub(document.filename or document.subject or KINDS[document.kind], quotes)
    for code in codes or ([""] if spans else []):
        mine = [s for s in spans if (s.get("citation") or "") == code]
        volume.redactions.add(logs.RedactionLogRow(
            bates=bates, document=shown, spans=len(mine),
            reason="; ".join(sorted({s.get("reason", "") for s in mine} - {""})),
            citation=f"{code} ({citations[code]})" if code in citations else code,
            reviewer="; ".join(sorted({s.get("reviewer", "") for s in mine} - {""}))))
    if entry.disposition == Disposition.withheld:
        kind = KINDS[document.kind]
        volume.privilege.add(logs.PrivilegeLogRow(
            bates=bates, date=document.sent_at.date() if document.sent_at else None,
            author=scrub(person(document.sender), quotes),
            recipients=scrub("; ".join(filter(None, [people(document, "to"),
                                                     people(document, "cc")])), quotes),
            description=kind if document.kind != DocumentKind.attachment
            else f"{kind} ({document.content_type or 'file'})",
            ground=entry.withheld_ground,
            citation=(f"{entry.citation_code} ({citations[entry.citation_code]})"
                      if entry.citation_code in citations else entry.citation_code)))


def _load_files(package: PackageWriter, volume: _Volume, where: Any) -> None:
    """DAT, CSV and OPT; BEGATTACH/ENDATTACH span each document's family in this volume."""
    def rows() -> Iterator[dict[str, str]]:
        for family, row in volume.rows:
            yield {**row, "BEGATTACH": volume.first[family], "ENDATTACH": volume.last[family]}

    for name, writer in ((where.dat, loadfiles.write_dat), (where.csv, loadfiles.write_csv)):
        with package.open(name) as out:
            writer(rows(), out)
    with package.open(where.opt) as out:
        loadfiles.write_opt(volume.opt, out)


def _logs(package: PackageWriter, volume: _Volume, production: Production) -> None:
    with package.open("redaction_log.csv") as out:
        logs.redaction_log_csv(volume.redactions, out)
    with package.open("privilege_log.csv") as out:
        logs.privilege_log_csv(volume.privilege, out)
    package.add("privilege_log.pdf", logs.privilege_log_pdf(
        list(volume.privilege), f"Withheld and privilege log: {production.name}, {production.volume}"))


def build(database: Database, settings: Settings, actor: Actor, production_id: uuid.UUID,
          progress: Progress | None = None) -> None:
    """Build the package (numbered from the series' next number), store what it holds and
    replace the package file; then run the leak verifier on it (outside the write)."""
    with database.reading() as session:
        production = service.production_of(session, production_id)
        if production.status not in service.REBUILDABLE:
            raise Conflict(f"A {production.status.value} production is not built again: its "
                           "numbers are taken. `custodia production rebuild` checks its bytes.")
        series = session.get_one(BatesSeries, production.series_id)
        read_version = production.version
        session.expunge(production)
        production.first_number = series.next_number  # numbered as it would be finalized now
        settings.productions_dir.mkdir(parents=True, exist_ok=True)
        partial = settings.productions_dir / f"{production.id}.{os.getpid()}.part"
        built = write_package(session, settings, production, partial, progress)
    try:
        with database.transaction() as session:
            _store(session, actor, settings, production_id, read_version, series.next_number,
                   built, partial)
    finally:
        partial.unlink(missing_ok=True)
    service.verify(database, actor, settings,
                   lambda session: service.production_of(session, production_id))


def _store(session: Session, actor: Actor, settings: Settings, production_id: uuid.UUID,
           read_version: int, first_number: int, built: Built, partial: Path) -> None:
    production = service.production_of(session, production_id)
    if production.version != read_version:
        raise Conflict("The production changed while it was being built; build it again.")
    before = service.snapshot(production)
    production.first_number, production.last_number = first_number, built.last_number
    production.package_sha256, production.package_size = built.sha256, built.size
    production.status, production.built_at = ProductionStatus.built, clock_of(session).now()
    production.verification = {}
    by_position = {p.position: p for p in built.placed}
    for entry in session.scalars(service.documents_of(production)):
        placed = by_position[entry.position]
        entry.begin_bates, entry.end_bates, entry.pages = placed.begin, placed.end, placed.pages
    service.save(session, production)
    audit.record(session, actor, "production.build", "production", production.id,
                 before=before, after=service.snapshot(production), package_size=built.size)
    os.replace(partial, service.path_of(settings, production))


def rebuild_sha256(session: Session, settings: Settings, production: Production,
                   out: Path) -> str:
    """The SHA-256 of the package rebuilt from the stored snapshot and numbers into `out`."""
    if production.status == ProductionStatus.draft or production.last_number is None:
        raise Conflict("This production has not been built yet: nothing to reproduce.")
    session.expunge(production)
    return write_package(session, settings, production, out).sha256
