"""Rendering the web UI's pages: one Jinja2 environment (autoescaped, strict), the
navigation each role may see, one-time messages after a form, and the CSRF cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from app.auth.deps import Allowed, Principal
from app.models import Role
from app.ui import csrf, i18n

TEMPLATES = Path(__file__).resolve().parent / "templates"
FLASH_COOKIE = "custodia_flash"
FLASH_MAX = 500

environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
    undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
)
environment.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


@pass_context
def local(context: Any, moment: datetime | None, shape: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the city's clocks show it; `shape` is strftime's."""
    if moment is None:
        return ""
    return moment.astimezone(context["zone"]).strftime(shape)


environment.filters["local"] = local


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[Role, ...]


# The role sets of the API routes each page wraps.
NAVIGATION = [
    NavItem("Dashboard", "/dashboard", Allowed.anyone),
    NavItem("Search", "/search", Allowed.reviewer),
    NavItem("Requests", "/requests", Allowed.request_reader),
    NavItem("Holds", "/holds", Allowed.hold_reader),
    NavItem("People", "/people", Allowed.people_reader),
    NavItem("Open meetings", "/open-meetings", Allowed.reviewer),
    NavItem("Audit", "/audit", Allowed.auditor),
    NavItem("Admin", "/admin", Allowed.admin),
]


def navigation(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return [item for item in NAVIGATION if principal.roles.intersection(item.roles)]


def may(principal: Principal | None, *roles: Role) -> bool:
    """For templates: whether to show an action these roles may take."""
    return principal is not None and bool(principal.roles & set(roles))


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status: int = 200, language: str = i18n.DEFAULT) -> HTMLResponse:
    """`name` rendered for this request; `language` only for the public portal's pages."""
    principal: Principal | None = getattr(request.state, "principal", None)
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:FLASH_MAX]
    values = {
        "request": request, "principal": principal, "navigation": navigation(principal),
        "may": lambda *roles: may(principal, *roles), "Role": Role,
        "csrf_token": csrf.token_for(request), "flash": flash, "language": language,
        "languages": i18n.LANGUAGES, "zone": request.app.state.settings.zone,
        "city": request.app.state.settings.city_name, **(context or {}),
    }
    marker = i18n.current.set(language)
    try:
        html = environment.get_template(name).render(values)
    finally:
        i18n.current.reset(marker)
    response = HTMLResponse(html, status_code=status)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    _set_csrf_cookie(request, response)
    return response


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.env == "production")


def _set_csrf_cookie(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    seed = getattr(request.state, "new_csrf_seed", "")
    if seed:
        response.set_cookie(csrf.COOKIE, seed, httponly=True, samesite="lax",
                            secure=_secure(request), path="/")


def redirect(request: Request, path: str, message: str = "") -> RedirectResponse:
    """After a form: see `path` (ours only, see safe_path), with a one-time message."""
    response = RedirectResponse(safe_path(path), status_code=303)
    if message:
        response.set_cookie(FLASH_COOKIE, quote(message[:FLASH_MAX]), httponly=True,
                            samesite="lax", secure=_secure(request), path="/")
    return response


def safe_path(path: str, default: str = "/dashboard") -> str:
    """A path on this site: a `next=` value from the browser never sends it elsewhere."""
    if not path.startswith("/") or path.startswith(("//", "/\\")) or any(
            ch in path for ch in "\r\n\t\\") or len(path) > 2000:
        return default
    return path
