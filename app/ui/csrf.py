"""CSRF protection for every form of the web UI and the portal.

A browser gets a random seed in an HttpOnly, SameSite=Lax cookie; each form carries
HMAC(signing key, seed) in a hidden `csrf_token` field, and htmx sends it as the
`X-CSRF-Token` header. Another site can neither read the seed nor compute the token,
so a form it posts is refused before any route runs, and nothing changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from pydantic import SecretStr

from app.core.errors import Forbidden

COOKIE = "custodia_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    code = "csrf_refused"


def _token(key: SecretStr, seed: str) -> str:
    return hmac.new(key.get_secret_value().encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def seed_of(request: Request) -> str:
    """This browser's seed: its cookie's, or a new one that the response will set."""
    seed = request.cookies.get(COOKIE, "")
    if len(seed) < 32 or len(seed) > 100:
        seed = getattr(request.state, "new_csrf_seed", "") or secrets.token_urlsafe(32)
        request.state.new_csrf_seed = seed
    return seed


def token_for(request: Request) -> str:
    return _token(request.app.state.signing_key, seed_of(request))


async def check(request: Request) -> None:
    """Refuse an unsafe request without this browser's token (a router dependency)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = str((await request.form()).get(FIELD, ""))
    seed = request.cookies.get(COOKIE, "")
    if not seed or not sent or not hmac.compare_digest(sent, _token(request.app.state.signing_key, seed)):
        raise CsrfRefused("This form did not come from this page, or it has expired: "
                          "reload the page and send it again. Nothing was changed.")
