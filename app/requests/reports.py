"""The request summary: by status, by month of receipt, time to close, overdue."""

from __future__ import annotations

import csv
import io
import statistics
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import RecordsRequest, RequestStatus
from app.requests import timing
from app.requests.calendar import city_calendar
from app.requests.clock import working_days_between
from app.requests.schemas import SummaryOut


def summary(session: Session, zone: ZoneInfo) -> SummaryOut:
    today = timing.Today(session, zone)
    by_status = {status.value: 0 for status in RequestStatus}
    by_month: dict[str, int] = {}
    to_close: list[int] = []
    overdue = due_soon = total = 0
    calendars = {}
    for request in session.scalars(select(RecordsRequest).order_by(RecordsRequest.received_at)):
        total += 1
        by_status[request.status.value] += 1
        received = request.received_at.astimezone(zone).date()
        month = received.strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + 1
        overdue += today.overdue(request)
        due_soon += today.due_soon(request)
        if request.closed_at is not None:
            closed = request.closed_at.astimezone(zone).date()
            key = (received.year, closed.year)
            if key not in calendars:
                calendars[key] = city_calendar(session, *key)
            to_close.append(working_days_between(calendars[key], received, closed))
    return SummaryOut(total=total, by_status=by_status, by_month=by_month, closed=len(to_close),
                      median_working_days_to_close=statistics.median(to_close) if to_close
                      else None, overdue=overdue, due_soon=due_soon)


def as_csv(found: SummaryOut) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["measure", "key", "value"])
    writer.writerow(["total", "", found.total])
    for status, count in found.by_status.items():
        writer.writerow(["by_status", status, count])
    for month, count in found.by_month.items():
        writer.writerow(["by_month", month, count])
    writer.writerow(["closed", "", found.closed])
    median = found.median_working_days_to_close
    writer.writerow(["median_working_days_to_close", "", "" if median is None else median])
    writer.writerow(["overdue", "", found.overdue])
    writer.writerow(["due_soon", "", found.due_soon])
    return out.getvalue()
