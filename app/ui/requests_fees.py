"""Fees on the case file: time logged, estimates and invoices issued, payments recorded,
fees waived. Each form is parsed by the API's schema and done by the fees service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.fees import service
from app.fees.schemas import PaymentIn, StatementIn, TimeIn, WaiverIn
from app.requests.lookup import records_request
from app.ui.deps import ClerkStaff
from app.ui.forms import blank_to_none, parsed
from app.ui.requests_case import act
from app.ui.requests_forms import moment, whole

router = APIRouter()
Short = Annotated[str, Form(max_length=400)]
Note = Annotated[str, Form(max_length=2000)]


def _statement(pages: str, delivery: str) -> StatementIn:
    return parsed(StatementIn, {"pages": whole(pages, "pages", 0), "delivery": delivery})


@router.post("/requests/{request_id}/time")
def log_time(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
             database: DatabaseDep, settings: SettingsDep, minutes: Short = "",
             worked_on: Short = "", note: Note = "") -> Response:
    def log(session: Any) -> Any:
        body = parsed(TimeIn, {"minutes": whole(minutes, "minutes"), "worked_on": worked_on,
                               "note": note})
        return service.log_time(session, principal, settings,
                                records_request(session, request_id), body)

    return act(request, database, settings, principal, request_id, "time",
               {"minutes": minutes, "worked_on": worked_on, "note": note}, log,
               lambda entry: f"Logged {entry.minutes} minutes on {entry.worked_on}.")


@router.post("/requests/{request_id}/fees/estimates")
def issue_estimate(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
                   database: DatabaseDep, settings: SettingsDep, pages: Short = "",
                   delivery: Short = "email") -> Response:
    def issue(session: Any) -> Any:
        return service.issue_estimate(session, principal, settings,
                                      records_request(session, request_id),
                                      _statement(pages, delivery))

    return act(request, database, settings, principal, request_id, "fees",
               {"pages": pages, "delivery": delivery}, issue,
               lambda found: f"Estimate {found.number} issued: ${found.amount:,.2f}.")


@router.post("/requests/{request_id}/fees/invoices")
def issue_invoice(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
                  database: DatabaseDep, settings: SettingsDep, pages: Short = "",
                  delivery: Short = "email") -> Response:
    def issue(session: Any) -> Any:
        return service.issue_invoice(session, principal, settings,
                                     records_request(session, request_id),
                                     _statement(pages, delivery))

    return act(request, database, settings, principal, request_id, "fees",
               {"pages": pages, "delivery": delivery}, issue,
               lambda found: f"Invoice {found.number} issued: ${found.amount:,.2f}.")


@router.post("/requests/{request_id}/fees/payments")
def record_payment(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
                   database: DatabaseDep, settings: SettingsDep, amount: Short = "",
                   kind: Short = "payment", method: Short = "", received_at: Short = "",
                   reference: Short = "") -> Response:
    kept = {"amount": amount, "kind": kind, "method": method, "received_at": received_at,
            "reference": reference}

    def record(session: Any) -> Any:
        body = parsed(PaymentIn, {**kept, "amount": amount.strip().lstrip("$"),
                                  "received_at": moment(received_at, settings.zone,
                                                        "received at")})
        return service.record_payment(session, principal, records_request(session, request_id),
                                      body)

    return act(request, database, settings, principal, request_id, "payment", kept, record,
               lambda paid: f"Recorded a {paid.kind.value} of ${paid.amount:,.2f} "
                            f"({paid.method.value}).")


@router.post("/requests/{request_id}/fees/waivers")
def waive(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
          database: DatabaseDep, settings: SettingsDep, reason: Note = "",
          amount: Short = "") -> Response:
    def record(session: Any) -> Any:
        body = parsed(WaiverIn, {"reason": reason,
                                 **blank_to_none({"amount": amount.strip().lstrip("$")})})
        return service.waive(session, principal, records_request(session, request_id), body)

    return act(request, database, settings, principal, request_id, "waiver",
               {"reason": reason, "amount": amount}, record,
               lambda found: "Every fee waived." if found.amount is None
               else f"Waived ${found.amount:,.2f}.")
