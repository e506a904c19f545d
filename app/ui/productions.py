"""Production pages: a request's or a hold's productions and a new one, a production's page
with the buttons its status and the person's roles allow (Build, Verify, Finalize, Release),
the verifier's report, the package, and the redaction and withheld logs.

Each action calls the API route's own function (app.productions.routes), so the page and
/api/v1/productions cannot disagree on who may do what or when."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import Allowed, Principal
from app.core.db import Database
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import Conflict, CustodiaError, Forbidden
from app.core.pagination import PageParams
from app.core.settings import Settings
from app.holds.service import hold_of
from app.models import ProductionStatus
from app.productions import routes, service
from app.productions import series as bates
from app.productions.schemas import ProductionIn, SeriesIn
from app.requests.lookup import records_request
from app.ui.deps import HoldReaderStaff, RequestReaderStaff, ReviewerStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import may, redirect, render

router = APIRouter()
EVERY = PageParams(offset=0, limit=100_000)
S = ProductionStatus
Field = Annotated[str, Form(max_length=200)]
LogName = Literal["redaction_log.csv", "privilege_log.csv", "privilege_log.pdf"]


@dataclass(frozen=True)
class Action:
    path: str
    label: str
    statuses: frozenset[ProductionStatus]
    danger: bool = False


ACTIONS = (
    Action("build", "Build", frozenset({S.draft})),
    Action("build", "Build again", frozenset({S.built, S.blocked, S.verified})),
    Action("verify", "Verify", frozenset({S.built, S.blocked, S.verified})),
    Action("finalize", "Finalize: take the Bates numbers", frozenset({S.verified})),
    Action("release", "Release to the requester", frozenset({S.finalized}), danger=True),
)


def _manager_roles(hold: bool) -> tuple[Any, ...]:
    return Allowed.attorney if hold else Allowed.clerk


def actions_for(principal: Principal, status: ProductionStatus, hold: bool) -> list[Action]:
    """The buttons the status allows and this person may press (as the routes decide)."""
    if not may(principal, *_manager_roles(hold)):
        return []
    return [a for a in ACTIONS if status in a.statuses and not (a.path == "release" and (
        hold or not may(principal, *Allowed.clerk)))]


# --- a request's or a hold's productions ----------------------------------------------


def _owner(session: Any, kind: str, owner_id: uuid.UUID) -> dict[str, Any]:
    if kind == "request":
        found = records_request(session, owner_id)
        return {"owner_label": f"Request {found.number}", "owner_path": f"/requests/{found.id}",
                "default_name": f"Request {found.number}", "default_prefix": "CITY",
                "default_endorsement": f"Produced under CORA request {found.number}",
                "source_hint": "From the review set: documents tagged not responsive are left "
                               "out, privileged and exempt ones withheld with a slip sheet, "
                               "the accepted redactions applied."}
    hold = hold_of(session, owner_id)
    return {"owner_label": f"Hold: {hold.matter_name}", "owner_path": f"/holds/{hold.id}",
            "default_name": hold.matter_name, "default_prefix": "",
            "default_endorsement": f"Produced in {hold.matter_name}",
            "source_hint": "From the documents the hold preserves."}


def _listing(request: Request, database: Database, principal: Principal, kind: str,
             owner_id: uuid.UUID, error: CustodiaError | None = None,
             kept: dict[str, Any] | None = None) -> Response:
    with database.reading() as session:
        context = _owner(session, kind, owner_id)
        query = service.listing(request_id=owner_id) if kind == "request" else service.listing(
            hold_id=owner_id)
        productions = [routes.show(session, p) for p in session.scalars(query)]
    return render(request, "productions/list.html", {
        **context, "productions": productions, "error": error, "kept": kept or {},
        "maker": may(principal, *_manager_roles(kind == "hold"))},
        status=int(error.status) if error else 200)


def _create(request: Request, database: Database, settings: Settings, principal: Principal,
            kind: str, owner_id: uuid.UUID, name: str, prefix: str,
            endorsement: str) -> Response:
    """Draft a production, in the series of that prefix (made if it is new)."""
    prefix = prefix.strip().upper()

    def draft(session: Any) -> uuid.UUID:
        found = next((s for s in bates.every(session) if s.prefix == prefix), None)
        if found is None:
            found = bates.create(session, principal.actor, parsed(SeriesIn, {
                "prefix": prefix, "endorsement": endorsement}))
        source = {"request_id": owner_id} if kind == "request" else {"hold_id": owner_id}
        body = parsed(ProductionIn, {"series_id": found.id, "name": name,
                                     "endorsement": endorsement, **source})
        return service.create(session, principal, settings, body).id

    outcome = attempt(database, draft)
    if isinstance(outcome, CustodiaError):
        return _listing(request, database, principal, kind, owner_id, outcome,
                        {"name": name, "prefix": prefix, "endorsement": endorsement})
    return redirect(request, f"/productions/{outcome}",
                    "The production is drafted: what it produces, redacts and withholds is "
                    "decided now. Build it next.")


@router.get("/requests/{request_id}/productions")
def request_productions(request_id: uuid.UUID, request: Request, reader: RequestReaderStaff,
                        database: DatabaseDep) -> Response:
    return _listing(request, database, reader, "request", request_id)


@router.post("/requests/{request_id}/productions")
def new_request_production(request_id: uuid.UUID, request: Request, who: ReviewerStaff,
                           database: DatabaseDep, settings: SettingsDep, name: Field = "",
                           prefix: Field = "", endorsement: Field = "") -> Response:
    return _create(request, database, settings, who, "request", request_id, name, prefix,
                   endorsement)


@router.get("/holds/{hold_id}/productions")
def hold_productions(hold_id: uuid.UUID, request: Request, reader: HoldReaderStaff,
                     database: DatabaseDep) -> Response:
    return _listing(request, database, reader, "hold", hold_id)


@router.post("/holds/{hold_id}/productions")
def new_hold_production(hold_id: uuid.UUID, request: Request, who: ReviewerStaff,
                        database: DatabaseDep, settings: SettingsDep, name: Field = "",
                        prefix: Field = "", endorsement: Field = "") -> Response:
    return _create(request, database, settings, who, "hold", hold_id, name, prefix, endorsement)


# --- one production -------------------------------------------------------------------


def _production(request: Request, database: Database, principal: Principal,
                production_id: uuid.UUID, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        found = service.production_of(session, production_id)
        service.may_read(principal, found)
        shown = routes.show(session, found)
        documents = routes.production_documents(production_id, principal, session, EVERY).items
        owner = _owner(session, "request" if found.request_id else "hold",
                       found.request_id or found.hold_id)  # type: ignore[arg-type]
    return render(request, "productions/page.html", {
        **owner, "production": shown, "documents": documents,
        "actions": actions_for(principal, shown.status, found.hold_id is not None),
        "report": shown.verification, "error": error},
        status=int(error.status) if error else 200)


@router.get("/productions/{production_id}")
def production_page(production_id: uuid.UUID, request: Request, reader: RequestReaderStaff,
                    database: DatabaseDep) -> Response:
    return _production(request, database, reader, production_id)


@router.post("/productions/{production_id}/{action}")
def act(production_id: uuid.UUID, action: Literal["build", "verify", "finalize", "release"],
        request: Request, who: ReviewerStaff, database: DatabaseDep,
        settings: SettingsDep) -> Response:
    """One of the buttons: the API route of the same name does it."""
    def work(session: Any) -> Any:
        if action == "build":
            return routes.build_production(production_id, who, session)
        if action == "finalize":
            return routes.finalize_production(production_id, who, session)
        if not may(who, *Allowed.clerk):
            raise Forbidden("This action needs one of these roles: clerk, admin.")
        return routes.release_production(production_id, who, session, settings)

    if action == "verify":  # reads the package outside any write: it may OCR for a while
        try:
            outcome: Any = routes.verify_production(production_id, who, database, settings)
        except CustodiaError as error:
            outcome = error
    else:
        outcome = attempt(database, work)
    if isinstance(outcome, CustodiaError):
        return _production(request, database, who, production_id, outcome)
    messages = {
        "build": "The build is queued: the package is written and verified in the "
                 "background. Reload this page in a moment.",
        "verify": "Verified: no redacted text was found in the package." if getattr(
            outcome, "status", None) == S.verified else
        "Blocked: the verifier found redacted text in the package; see its report.",
        "finalize": f"Finalized: Bates numbers {getattr(outcome, 'first_bates', '')}–"
                    f"{getattr(outcome, 'last_bates', '')} are taken.",
        "release": "Released: the requester may download the package from the tracking page "
                   f"until {getattr(outcome, 'expires_on', '')}; the closing letter is filed.",
    }
    return redirect(request, f"/productions/{production_id}", messages[action])


@router.get("/productions/{production_id}/package.zip")
def package(production_id: uuid.UUID, reader: RequestReaderStaff, database: DatabaseDep,
            settings: SettingsDep) -> Response:
    """The package as built (the download is audited)."""
    with database.transaction() as session:
        return routes.download_package(production_id, reader, session, settings)


def _table(data: bytes) -> dict[str, Any]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return {"columns": rows[0] if rows else [], "rows": rows[1:]}


@router.get("/productions/{production_id}/logs")
def logs(production_id: uuid.UUID, request: Request, reader: RequestReaderStaff,
         database: DatabaseDep, settings: SettingsDep) -> Response:
    """The redaction log and the withheld and privilege log, as the package holds them."""
    with database.reading() as session:
        found = service.production_of(session, production_id)
        service.may_read(reader, found)
        shown = routes.show(session, found)
        if found.status == S.draft:
            raise Conflict("This production has no package yet, so no logs: build it first.")
        tables = {name: _table(bytes(routes.production_log(
            production_id, name, reader, session, settings).body))
            for name in ("redaction_log.csv", "privilege_log.csv")}
    return render(request, "productions/logs.html", {
        "production": shown, "redaction_log": tables["redaction_log.csv"],
        "withheld_log": tables["privilege_log.csv"]})


@router.get("/productions/{production_id}/logs/{name}")
def log_file(production_id: uuid.UUID, name: LogName, reader: RequestReaderStaff,
             database: DatabaseDep, settings: SettingsDep) -> Response:
    with database.reading() as session:
        return routes.production_log(production_id, name, reader, session, settings)
