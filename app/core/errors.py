"""One error base class and one handler that answers RFC 9457 problem+json."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("custodia.errors")


class CustodiaError(Exception):
    """Base of every error the API answers on purpose."""

    status = HTTPStatus.BAD_REQUEST
    code = "bad_request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra  # more members of the problem document
        self.headers: dict[str, str] = {}  # more response headers


class BadRequest(CustodiaError):
    pass


class Unauthorized(CustodiaError):
    status = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"


class Forbidden(CustodiaError):
    status = HTTPStatus.FORBIDDEN
    code = "forbidden"


class NotFound(CustodiaError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"


class Conflict(CustodiaError):
    status = HTTPStatus.CONFLICT
    code = "conflict"


class TooManyRequests(CustodiaError):
    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "too_many_requests"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after_seconds)


class PayloadTooLarge(CustodiaError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"


class InsufficientStorage(CustodiaError):
    status = HTTPStatus.INSUFFICIENT_STORAGE
    code = "insufficient_storage"


class ServiceUnavailable(CustodiaError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "service_unavailable"


def problem(
    request: Request, status: int, code: str, detail: str, *,
    headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://custodia.city/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "request_id": getattr(request.state, "request_id", None),
        **extra,
    }
    headers = dict(headers or {})
    if status == HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def allowed_methods(request: Request, named: str) -> str:
    """Every method the request's path answers to. Starlette's 405 names only those of the
    route it tried (`named`), and FastAPI makes one route per method: ask each route."""
    methods = {method.strip() for method in named.split(",")}
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CustodiaError)
    async def _custodia(request: Request, exc: CustodiaError) -> JSONResponse:
        return problem(request, exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": list(e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        return problem(
            request, 422, "validation_error", "The request payload is not valid.", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        headers = dict(exc.headers or {})
        if "Allow" in headers:  # a route's 405
            headers["Allow"] = allowed_methods(request, headers["Allow"])
        return problem(request, exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            request, 500, "internal_error", "An unexpected error occurred; it has been logged."
        )
