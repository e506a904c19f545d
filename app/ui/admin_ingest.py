"""Admin pages for where clerks may ingest from: the ingest folders (roots) on the server
and the mail connections, through app.ingest's services (audited; a connection's
password is stored encrypted and never appears on any page, not even a refused form)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.core.db import Database
from app.core.deps import CredentialsKeyDep, DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.ingest import connections, roots
from app.ingest.routes import connection_out, root_out
from app.ingest.schemas import ConnectionCreate, RootCreate
from app.ui.deps import AdminStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render

router = APIRouter()

Name = Annotated[str, Form(max_length=64)]
Line = Annotated[str, Form(max_length=1000)]

BLANK_ROOT = {"name": "", "path": "", "description": ""}
BLANK_CONNECTION = {"name": "", "host": "", "port": "993", "security": "tls", "username": ""}


def _roots_page(request: Request, database: Database, admin: Any,
                form: dict[str, str] | None = None, error: CustodiaError | None = None
                ) -> Response:
    with database.reading() as session:
        listed = [root_out(root, admin) for root in roots.listing(session)]
    return render(request, "admin/ingest_roots.html", {
        "listed": listed, "form": form or BLANK_ROOT, "error": error.detail if error else "",
    }, status=int(error.status) if error else 200)


@router.get("/admin/ingest-roots")
def ingest_roots(request: Request, admin: AdminStaff, database: DatabaseDep) -> Response:
    return _roots_page(request, database, admin)


@router.post("/admin/ingest-roots")
def add_ingest_root(request: Request, admin: AdminStaff, database: DatabaseDep,
                    settings: SettingsDep, name: Name = "", path: Line = "",
                    description: Line = "") -> Response:
    form = {"name": name, "path": path, "description": description}
    try:
        body = parsed(RootCreate, {"name": name.strip(), "path": path.strip(),
                                   "description": description.strip()})
    except BadRequest as error:
        return _roots_page(request, database, admin, form, error)
    done = attempt(database, lambda session: roots.create(
        session, admin.actor, settings, body.name, body.path, body.description).name)
    if isinstance(done, CustodiaError):
        return _roots_page(request, database, admin, form, done)
    return redirect(request, "/admin/ingest-roots", f"Clerks may now ingest from {done}.")


@router.post("/admin/ingest-roots/{root_id}/remove")
def remove_ingest_root(request: Request, root_id: uuid.UUID, admin: AdminStaff,
                       database: DatabaseDep) -> Response:
    done = attempt(database, lambda session: roots.delete(session, admin.actor, root_id))
    if isinstance(done, CustodiaError):
        raise done
    return redirect(request, "/admin/ingest-roots", "The ingest folder is removed.")


def _connections_page(request: Request, database: Database, admin: Any,
                      form: dict[str, str] | None = None, error: CustodiaError | None = None,
                      password: str = "") -> Response:
    """`form` never holds the password: a refused form asks for it again."""
    with database.reading() as session:
        listed = [connection_out(found, admin) for found in connections.listing(session)]
    return render(request, "admin/mail_connections.html", {
        "listed": listed, "form": form or BLANK_CONNECTION,
        "error": _without(error.detail, password) if error else "",
    }, status=int(error.status) if error else 200)


def _without(detail: str, password: str) -> str:
    """A refusal's text, which a validator may have built from the input: never the password."""
    return detail.replace(password, "(the password)") if len(password) >= 4 else detail


@router.get("/admin/mail-connections")
def mail_connections(request: Request, admin: AdminStaff, database: DatabaseDep) -> Response:
    return _connections_page(request, database, admin)


@router.post("/admin/mail-connections")
def add_mail_connection(request: Request, admin: AdminStaff, database: DatabaseDep,
                        key: CredentialsKeyDep, name: Name = "",
                        host: Annotated[str, Form(max_length=253)] = "",
                        port: Annotated[str, Form(max_length=10)] = "993",
                        security: Annotated[str, Form(max_length=20)] = "tls",
                        username: Annotated[str, Form(max_length=320)] = "",
                        password: Line = "") -> Response:
    form = {"name": name, "host": host, "port": port, "security": security, "username": username}
    try:
        body = parsed(ConnectionCreate, {
            "name": name.strip(), "host": host.strip(), "security": security,
            "port": int(port.strip()) if port.strip().isdigit() else port.strip(),
            "username": username.strip(), "password": password})
    except BadRequest as error:
        return _connections_page(request, database, admin, form, error, password)
    done = attempt(database, lambda session: connections.create(
        session, admin.actor, key, body.name, body.host, body.port, body.security,
        body.username, body.password).name)
    if isinstance(done, CustodiaError):
        return _connections_page(request, database, admin, form, done, password)
    return redirect(request, "/admin/mail-connections",
                    f"The mail connection {done} is set up; its password is stored encrypted.")


@router.post("/admin/mail-connections/{connection_id}/remove")
def remove_mail_connection(request: Request, connection_id: uuid.UUID, admin: AdminStaff,
                           database: DatabaseDep) -> Response:
    done = attempt(database, lambda session: connections.delete(session, admin.actor,
                                                                connection_id))
    if isinstance(done, CustodiaError):
        raise done
    return redirect(request, "/admin/mail-connections", "The mail connection is removed.")
