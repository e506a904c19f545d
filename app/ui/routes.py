"""Every page of the web UI, under one router: kept out of the OpenAPI document, and
every form on it checked for its CSRF token before its route runs (app.ui.csrf)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.ui import csrf, dashboard, documents, search, search_actions, sign_in

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])
for module in (sign_in, dashboard, search, search_actions, documents):
    router.include_router(module.router)
