"""Every page of the web UI and the portal, under one router: kept out of the OpenAPI
document, and every form on it checked for its CSRF token before its route runs
(app.ui.csrf)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.portal import pages as portal_pages
from app.portal import text_pages, tracking
from app.ui import (
    acknowledgements,
    admin,
    admin_citations,
    admin_fees,
    admin_ingest,
    admin_letters,
    admin_notices,
    admin_retention,
    admin_rules,
    admin_users,
    audit,
    csrf,
    dashboard,
    documents,
    hold_actions,
    holds,
    meetings,
    people,
    productions,
    redactions,
    requests,
    requests_fees,
    requests_letters,
    requests_review,
    search,
    search_actions,
    sign_in,
)

PAGES = [
    sign_in,
    dashboard,
    # search and the records themselves
    search,
    search_actions,
    documents,
    # records requests
    requests,
    requests_review,
    requests_fees,
    requests_letters,
    # redaction review and productions
    redactions,
    productions,
    # legal holds and the people they hold
    holds,
    hold_actions,
    people,
    meetings,
    # the audit trail, and the admin index with who may sign in and where ingest reads
    audit,
    admin,
    admin_users,
    admin_ingest,
    admin_retention,
    # the city's rules and texts
    admin_rules,
    admin_fees,
    admin_letters,
    admin_notices,
    admin_citations,
    # the public portal, and a custodian's acknowledgement
    acknowledgements,
    portal_pages,
    tracking,
    text_pages,
]

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])
for module in PAGES:
    router.include_router(module.router)
