"""The request summary, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from app.core.clock import FrozenClock
from tests.requests.conftest import Headers

TakeIn = Callable[..., dict[str, Any]]


def test_summary_by_status_month_time_to_close_and_overdue(
    api: TestClient, clerk_headers: Headers, take_in: TakeIn, clock: FrozenClock
) -> None:
    take_in(received_at="2026-05-29T10:00:00-06:00")  # May; overdue
    late = take_in(received_at="2026-06-22T10:00:00-06:00")
    quick = take_in(received_at="2026-06-29T10:00:00-06:00")
    take_in()  # today, due Tuesday 7 July
    for made, reason in ((late, "records sent"), (quick, "records sent")):
        answer = api.post(f"/api/v1/requests/{made['id']}/transitions", headers=clerk_headers,
                          json={"to": "fulfilled", "reason": reason, "version": 1})
        assert answer.status_code == 200, answer.text
    # closed on Wednesday 1 July: `late` after 7 working days, `quick` after 2
    clock.advance(days=1)
    found = api.get("/api/v1/requests/reports/summary", headers=clerk_headers)
    assert found.status_code == 200, found.text
    summary = found.json()
    assert summary["total"] == 4
    assert summary["by_status"]["received"] == 2 and summary["by_status"]["fulfilled"] == 2
    assert summary["by_status"]["closed"] == 0
    assert summary["by_month"] == {"2026-05": 1, "2026-06": 2, "2026-07": 1}
    assert summary["closed"] == 2
    assert summary["median_working_days_to_close"] == 4.5
    assert summary["overdue"] == 1 and summary["due_soon"] == 0

    as_csv = api.get("/api/v1/requests/reports/summary", params={"format": "csv"},
                     headers=clerk_headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["measure", "key", "value"]
    assert ["by_month", "2026-06", "2", ] in rows
    assert ["by_status", "fulfilled", "2"] in rows
    assert ["median_working_days_to_close", "", "4.5"] in rows
    assert ["overdue", "", "1"] in rows
    bad = api.get("/api/v1/requests/reports/summary", params={"format": "xlsx"},
                  headers=clerk_headers)
    assert bad.status_code == 422
