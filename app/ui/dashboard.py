"""The dashboard: what needs this person's attention today."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.ui.deps import Staff
from app.ui.pages import render

router = APIRouter()


@router.get("/dashboard")
def dashboard(request: Request, principal: Staff) -> Response:
    return render(request, "dashboard.html", {})
