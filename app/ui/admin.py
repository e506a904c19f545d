"""The administrators' index: every admin section, each at a fixed URL (some are other
areas' pages: the calendar, rule sets, fees, templates, citations, public texts)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.ui.deps import AdminStaff
from app.ui.pages import render

router = APIRouter()


@dataclass(frozen=True)
class Section:
    label: str
    path: str
    about: str


SECTIONS = (
    Section("Users", "/admin/users", "Staff accounts, their roles and passwords."),
    Section("API tokens", "/admin/api-tokens", "Tokens for city systems: issue and revoke."),
    Section("Sign-in lock-outs", "/admin/lockouts",
            "Usernames and addresses locked after failed sign-ins: lift them."),
    Section("Ingest folders", "/admin/ingest-roots",
            "The folders on the server that clerks may ingest from."),
    Section("Mail connections", "/admin/mail-connections",
            "Mail-server accounts clerks pull mailboxes from."),
    Section("Retention", "/admin/retention",
            "How long each record class is kept; purge runs and their certificates."),
    Section("Calendar", "/admin/calendar", "Holidays and office closures that deadlines skip."),
    Section("Deadline rule sets", "/admin/rule-sets", "The CORA response deadlines, by date."),
    Section("Fee schedules", "/admin/fee-schedules", "Research and copy fees, by date."),
    Section("Letter templates", "/admin/letter-templates", "Letters to requesters."),
    Section("Hold notice templates", "/admin/notice-templates", "Legal hold notices to custodians."),
    Section("Exemption citations", "/admin/citations", "The statutes a redaction or withholding cites."),
    Section("Public portal texts", "/admin/public-texts", "What requesters read on the portal."),
)


@router.get("/admin")
def index(request: Request, admin: AdminStaff) -> Response:
    return render(request, "admin/index.html", {"sections": SECTIONS})
