"""Productions from draft to release, every step audited.

draft (snapshot of the decisions) -> built (the package written, app.productions.build)
-> verified or blocked (the leak verifier on the package) -> finalized (the series' numbers
taken) -> released (a request's: offered on the requester's tracking page until it expires).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.auth.deps import Allowed, Principal
from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.db import Database, write_last
from app.core.errors import BadRequest, Conflict, CustodiaError, Forbidden, NotFound
from app.core.secrets import signing_key
from app.core.settings import Settings
from app.holds.service import hold_of
from app.letters import service as letters
from app.letters.schemas import Ground, LetterCreate
from app.models import (
    BatesSeries,
    Citation,
    Disposition,
    LetterKind,
    Production,
    ProductionDocument,
    ProductionStatus,
    RecordsRequest,
    ReleaseDownload,
    RequestStatus,
)
from app.productions import drafting
from app.productions.schemas import ProductionIn
from app.productions.series import label, series_of
from app.productions.verify import verify_package
from app.requests import service as requests
from app.requests.lookup import records_request
from app.review import citations

S = ProductionStatus
REBUILDABLE = frozenset({S.draft, S.built, S.blocked, S.verified})
STALE = ("Another production of this series was finalized meanwhile, so this one's numbers "
         "would overlap it: build it again (it takes the series' next number), then finalize.")


class EmptyProduction(BadRequest):
    code = "empty_production"


def path_of(settings: Settings, production: Production) -> Path:
    return settings.productions_dir / f"{production.id}.zip"


def snapshot(production: Production) -> dict[str, Any]:
    kept: dict[str, Any] = audit.jsonable({
        "name": production.name, "status": production.status, "volume": production.volume,
        "series_id": production.series_id, "first_number": production.first_number,
        "last_number": production.last_number, "package_sha256": production.package_sha256,
        "expires_on": production.expires_on, "version": production.version})
    return kept


def production_of(session: Session, production_id: uuid.UUID) -> Production:
    found = session.get(Production, production_id)
    if found is None:
        raise NotFound("No production has this id.")
    return found


def may_read(principal: Principal, production: Production) -> None:
    """Request productions: the case file's readers; hold productions: the holds' readers."""
    allowed = Allowed.request_reader if production.request_id else Allowed.hold_reader
    if not principal.roles & set(allowed):
        raise Forbidden(f"This production needs one of these roles: {', '.join(allowed)}.")


def may_manage(principal: Principal, production: Production | None, *,
               for_hold: bool = False) -> None:
    """A request's production is the clerk's office's; a hold's, the attorney's."""
    hold = for_hold if production is None else production.hold_id is not None
    allowed = Allowed.attorney if hold else Allowed.clerk
    if not principal.roles & set(allowed):
        what = "a hold's" if hold else "a request's"
        raise Forbidden(f"Managing {what} production needs one of these roles: "
                        f"{', '.join(allowed)}.")


def documents_of(production: Production) -> Any:
    """The query of a production's documents, in order."""
    return select(ProductionDocument).where(
        ProductionDocument.production_id == production.id).order_by(ProductionDocument.position)


def counts(session: Session, production: Production) -> dict[str, int]:
    found = dict(session.execute(
        select(ProductionDocument.disposition, func.count())
        .where(ProductionDocument.production_id == production.id)
        .group_by(ProductionDocument.disposition)).all())
    return {d.value: int(found.get(d, 0)) for d in Disposition}


def listing(request_id: uuid.UUID | None = None, hold_id: uuid.UUID | None = None,
            status: ProductionStatus | None = None, holds_too: bool = True) -> Any:
    """The query of productions, newest first."""
    query = select(Production).order_by(Production.created_at.desc(), Production.id)
    if request_id is not None:
        query = query.where(Production.request_id == request_id)
    if hold_id is not None:
        query = query.where(Production.hold_id == hold_id)
    if status is not None:
        query = query.where(Production.status == status)
    if not holds_too:
        query = query.where(Production.request_id.is_not(None))
    return query


def create(session: Session, principal: Principal, settings: Settings,
           body: ProductionIn) -> Production:
    """Draft a production: snapshot what it holds, take the series' next volume and number."""
    may_manage(principal, None, for_hold=body.hold_id is not None)
    series = series_of(session, body.series_id)
    if body.request_id is not None:
        request = records_request(session, body.request_id)
        decisions = drafting.from_review_set(session, request.id)
        name = body.name.strip() or f"Request {request.number}"
        where = f"request {request.number}'s review set"
    else:
        assert body.hold_id is not None
        hold = hold_of(session, body.hold_id)
        decisions = drafting.from_hold(session, hold.id)
        name = body.name.strip() or hold.matter_name
        where = f"the hold {hold.matter_name!r}"
    if not decisions:
        raise EmptyProduction(f"Nothing to produce: {where} has no documents (not responsive "
                              "ones are left out).")
    endorsement = series.endorsement if body.endorsement is None else body.endorsement.strip()
    production = _numbered(session, series, Production(
        name=name, request_id=body.request_id, hold_id=body.hold_id, series_id=series.id,
        status=S.draft, endorsement=endorsement, first_number=series.next_number,
        package_date=citations.today(session, settings), verification={},
        created_by=principal.actor.name, version=1))
    session.add_all(ProductionDocument(
        production_id=production.id, position=position, document_id=d.document_id,
        disposition=d.disposition, withheld_ground=d.ground, citation_code=d.citation,
        redactions=d.spans) for position, d in enumerate(decisions, 1))
    session.flush()
    audit.record(session, principal.actor, "production.create", "production", production.id,
                 after=snapshot(production), request_id=body.request_id, hold_id=body.hold_id,
                 counts=counts(session, production))
    return production


def _numbered(session: Session, series: BatesSeries, production: Production) -> Production:
    """The production with the series' next volume (two drafts at once: the second retries)."""
    for _ in range(5):
        taken = session.scalar(select(func.count()).select_from(Production)
                               .where(Production.series_id == series.id)) or 0
        production.volume = f"VOL{taken + 1:03d}"
        try:
            with session.begin_nested():
                session.add(production)
                session.flush()
            return production
        except IntegrityError:
            session.expunge(production)
            continue
    raise Conflict("Could not give the production a volume number; try again.")


def save(session: Session, production: Production) -> None:
    name = production.name
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"Production {name} was changed by someone else meanwhile; reload it "
                       "and try again.") from exc


def redacted_strings(session: Session, production: Production) -> list[str]:
    """Every accepted redacted quote of the production, once each."""
    quotes = {span["quote"] for entry in session.scalars(documents_of(production))
              for span in entry.redactions if span.get("quote", "").strip()}
    return sorted(quotes)


def fingerprint_key(settings: Settings) -> bytes:
    """The key of the verifier's fingerprints (HMACs of each redacted string): derived from
    the signing key, so two reports on one installation name the same string alike."""
    return hmac.new(signing_key(settings).get_secret_value().encode(), b"custodia leak verifier",
                    hashlib.sha256).digest()


def verify(database: Database, actor: Actor, settings: Settings,
           find: Callable[[Session], Production]) -> uuid.UUID:
    """Run the leak verifier on the package as built (verified, or blocked naming each
    place). It reads the package in a read transaction, so no write waits for it (OCR of
    page images takes seconds a page); the verdict is stored in a short one after, unless
    the package was built again meanwhile. `find` gives the production as the caller may
    handle it (the routes check the caller's roles there)."""
    with database.reading() as session:
        production = find(session)
        if production.status not in {S.built, S.blocked, S.verified}:
            raise Conflict(f"Only a built production can be verified; this one is "
                           f"{production.status.value}.")
        path = path_of(settings, production)
        if not path.exists():
            raise Conflict("The package file is missing: build the production again.")
        checked, quotes = production.package_sha256, redacted_strings(session, production)
    report = verify_package(path, quotes, key=fingerprint_key(settings),
                            ocr=True if settings.verify_requires_ocr else None)
    with database.transaction() as session:
        production = find(session)
        if production.package_sha256 != checked:
            raise Conflict("The package was built again while it was being verified; verify "
                           "it again.")
        before = production.status
        production.verification = audit.jsonable(report.to_dict())
        production.status = S.verified if report.ok else S.blocked
        save(session, production)
        audit.record(session, actor, "production.verify", "production", production.id,
                     before={"status": before}, after={"status": production.status},
                     ok=report.ok, hits=len(report.hits), package_sha256=checked)
        return production.id


def finalize(session: Session, actor: Actor, production: Production) -> Production:
    """Take the numbers from the series: only a verified production whose first number is
    still the series' next."""
    if production.status == S.blocked:
        raise Conflict("The leak verifier blocked this production: see its verification "
                       "report for each place redacted text was found, fix it and build again.",
                       verification=production.verification)
    if production.status != S.verified:
        raise Conflict(f"Only a verified production can be finalized; this one is "
                       f"{production.status.value}.")
    series = session.get_one(BatesSeries, production.series_id)
    if production.first_number != series.next_number or production.last_number is None:
        raise Conflict(STALE, first_number=production.first_number,
                       series_next_number=series.next_number)
    before = snapshot(production)
    series.next_number = production.last_number + 1
    production.status, production.finalized_at = S.finalized, clock_of(session).now()
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE) from exc
    audit.record(session, actor, "production.finalize", "production", production.id,
                 before=before, after=snapshot(production),
                 bates=f"{label(series, production.first_number)}-"
                       f"{label(series, production.last_number)}",
                 series_next_number=series.next_number)
    return production


def grounds(session: Session, production: Production) -> list[Ground]:
    """Each ground something was withheld or redacted under, once, by code, with its title."""
    cited: set[str] = set()
    bare: set[str] = set()
    for entry in session.scalars(documents_of(production)):
        if entry.disposition == Disposition.withheld:
            (cited if entry.citation_code else bare).add(entry.citation_code or
                                                         entry.withheld_ground)
        cited.update(span["citation"] for span in entry.redactions if span.get("citation"))
    titles = dict(session.execute(select(Citation.code, Citation.title)
                                  .where(Citation.code.in_(cited))).all()) if cited else {}
    found = [Ground(code=code, title=titles.get(code, code)) for code in sorted(cited)]
    return found + [Ground(code=ground.capitalize(), title=f"Withheld as {ground}")
                    for ground in sorted(bare)]


def release(session: Session, actor: Actor, settings: Settings,
            production: Production) -> Production:
    """Offer a finalized request production to the requester until the city's expiry, move
    the request to fulfilled (or partially denied) and file the closing letter."""
    if production.request_id is None:
        raise Conflict("A hold's production is delivered by the attorney (download it); only a "
                       "request's production is released to a requester.")
    if production.status != S.finalized:
        raise Conflict(f"Only a finalized production can be released; this one is "
                       f"{production.status.value}.")
    request = records_request(session, production.request_id)
    before = snapshot(production)
    production.status = S.released
    production.released_at = clock_of(session).now()
    production.expires_on = citations.today(session, settings) + timedelta(days=settings.release_days)
    save(session, production)
    cited = grounds(session, production)
    audit.record(session, actor, "production.release", "production", production.id,
                 before=before, after=snapshot(production), request_number=request.number,
                 grounds=[g.code for g in cited])
    outcome = RequestStatus.partially_denied if cited else RequestStatus.fulfilled
    if request.status in requests.RUNNING:
        requests.transition(session, actor, request, outcome,
                            f"production {production.name} {production.volume} released",
                            request.version)
    closing = LetterCreate(kind=LetterKind.closing, grounds=cited, partial=bool(cited))
    draft = letters.draft_letter(session, settings, request.id, closing)
    letters.file_letter(session, actor, BlobStore(settings.natives_dir), draft)
    return production


def released_to(session: Session, settings: Settings, request: RecordsRequest) -> list[Production]:
    """A request's released productions that may still be downloaded, oldest first."""
    return list(session.scalars(select(Production).where(
        Production.request_id == request.id, Production.status == S.released,
        Production.expires_on >= citations.today(session, settings))
        .order_by(Production.released_at, Production.id)))


class ReleaseExpired(CustodiaError):
    status = HTTPStatus.GONE
    code = "release_expired"


def _write_downloads(session: Session, rows: list[dict[str, Any]]) -> None:
    session.add_all(ReleaseDownload(**row) for row in rows)
    session.flush()


NO_RELEASE = "There is no such release for this request."


def download(session: Session, settings: Settings, actor: Actor, request: RecordsRequest,
             production_id: uuid.UUID) -> Production:
    """A released package as its requester downloads it: audited, and counted in
    release_downloads (both written when the read ends)."""
    production = session.get(Production, production_id)
    if (production is None or production.request_id != request.id
            or production.status != S.released or production.expires_on is None):
        raise NotFound(NO_RELEASE)
    if production.expires_on < citations.today(session, settings):
        raise ReleaseExpired(f"This release could be downloaded until "
                             f"{production.expires_on.isoformat()}; ask the city for it again.",
                             expires_on=production.expires_on.isoformat())
    now = clock_of(session).now()
    write_last(session, _write_downloads, {"id": uuid.uuid4(), "production_id": production.id,
                                           "downloaded_at": now,
                                           "client_address": actor.client_address[:100]})
    audit.record(session, actor, "production.download", "production", production.id,
                 request_number=request.number, sha256=production.package_sha256,
                 by="requester")
    return production
