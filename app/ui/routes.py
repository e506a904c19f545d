"""Every page of the web UI, under one router: kept out of the OpenAPI document, and
every form on it checked for its CSRF token before its route runs (app.ui.csrf)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.ui import admin, admin_ingest, admin_retention, admin_users, audit, csrf, dashboard, sign_in

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])
for module in (sign_in, dashboard, audit, admin, admin_users, admin_ingest, admin_retention):
    router.include_router(module.router)
