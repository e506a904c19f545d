"""Errors on a page answer a page: the same status and message the API would give, in HTML,
and a page that needs a signed-in user sends the browser to sign in first."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from app.core.errors import CustodiaError
from app.core.middleware import PAGE_POLICY, policy_for
from app.ui.deps import SignInNeeded
from app.ui.pages import render


def is_page(request: Request) -> bool:
    """Whether the path is one of the UI's or the portal's pages (they have their own CSP)."""
    return policy_for(request.url.path) == PAGE_POLICY


def _page(request: Request, status: int, detail: str) -> Response:
    return render(request, "error.html", {"status": status, "title": HTTPStatus(status).phrase,
                                          "detail": detail}, status=status)


def sign_in_first(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/sign-in?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):  # htmx swaps answers in place: make it navigate
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def install(app: FastAPI) -> None:
    """Wrap the API's handlers (app.core.errors): pages get HTML, everything else problem+json."""
    api: dict[Any, Any] = dict(app.exception_handlers)

    async def custodia(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CustodiaError)
        if not is_page(request):
            return await api[CustodiaError](request, exc)  # type: ignore[no-any-return]
        if isinstance(exc, SignInNeeded):
            return sign_in_first(request)
        response = _page(request, int(exc.status), exc.detail)
        response.headers.update(exc.headers)
        return response

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not is_page(request):
            return await api[RequestValidationError](request, exc)  # type: ignore[no-any-return]
        problems = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        return _page(request, 400, f"The form is not valid ({problems}). Nothing was changed.")

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_page(request):
            return await api[StarletteHTTPException](request, exc)  # type: ignore[no-any-return]
        detail = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return _page(request, exc.status_code, detail)

    app.add_exception_handler(CustodiaError, custodia)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)
