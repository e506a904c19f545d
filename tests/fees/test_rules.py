"""The fee function's worked examples: the free hour, billing steps, copies, waivers, deposits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.fees.rules import Rates, balance, estimate, fee

D = Decimal
RATES_2024 = Rates(effective_from=date(2024, 7, 1), hourly_rate=D("41.37"), free_minutes=60,
                   billing_increment_minutes=1, per_page=D("0.25"),
                   electronic_delivery=D("0.00"), minutes_per_document=2,
                   citation="C.R.S. 24-72-205")
QUARTERS = replace(RATES_2024, billing_increment_minutes=15)


@pytest.mark.parametrize(("rates", "minutes", "pages", "delivery", "amount"), [
    (RATES_2024, 0, 0, "email", "0.00"),
    (RATES_2024, 60, 0, "email", "0.00"),  # exactly the free hour
    (RATES_2024, 61, 0, "email", "0.68"),  # 1 minute at 41.37/60 = 0.6895, down to the cent
    (RATES_2024, 120, 0, "email", "41.37"),
    (RATES_2024, 90, 0, "portal", "20.68"),  # 30 minutes: 20.685
    (QUARTERS, 61, 0, "email", "10.34"),  # rounded up to 15 minutes: 10.3425
    (QUARTERS, 75, 0, "email", "10.34"),
    (QUARTERS, 76, 0, "email", "20.68"),
    (RATES_2024, 60, 120, "paper", "30.00"),  # copies only: 120 x 0.25
    (RATES_2024, 60, 120, "email", "0.00"),  # no charge for e-mailing the same pages
    (RATES_2024, 61, 120, "paper", "30.68"),
    (replace(RATES_2024, effective_from=date(2019, 7, 1), hourly_rate=D("33.58")),
     120, 0, "email", "33.58"),
    (replace(RATES_2024, effective_from=date(2014, 7, 1), hourly_rate=D("30.00")),
     150, 0, "email", "45.00"),
])
def test_worked_examples(rates: Rates, minutes: int, pages: int, delivery: str,
                         amount: str) -> None:
    found = fee(rates, minutes, pages, delivery)
    assert found.amount == D(amount)
    assert isinstance(found.amount, Decimal)
    charged = [line.amount for line in found.lines[:-1] if line.amount is not None]
    assert sum(charged, D(0)) == found.amount  # the lines add up to the total
    assert found.lines[-1].text == "Total" and found.lines[-1].amount == found.amount


def test_61_minutes_explains_itself_line_by_line() -> None:
    lines = [line.text for line in fee(RATES_2024, 61, 0, "email").lines]
    assert lines == [
        "Fee schedule in effect from 2024-07-01 (C.R.S. 24-72-205)",
        "Research and retrieval: 61 minutes",
        "First 60 minutes free: 60 minutes applied",
        "Billable: 1 minute, billed by the minute: 1 minute",
        "1 minute at $41.37 an hour",
        "Delivery by e-mail: no charge, whatever the page count",
        "Total",
    ]


def test_quarter_hours_say_they_round_up() -> None:
    lines = [line.text for line in fee(QUARTERS, 61, 10, "paper").lines]
    assert "Billable: 1 minute, rounded up to steps of 15 minutes: 15 minutes" in lines
    assert "Paper copies: 10 standard pages at $0.25 a page" in lines


def test_an_estimate_is_documents_times_minutes_per_document() -> None:
    found = estimate(RATES_2024, 45, 0, "email")  # 90 minutes
    assert found.amount == D("20.68")
    assert found.lines[1].text == "Estimate: 45 documents x 2 minutes each = 90 minutes"


def test_negative_work_is_refused() -> None:
    with pytest.raises(ValueError):
        fee(RATES_2024, -1, 0, "email")
    with pytest.raises(ValueError):
        fee(RATES_2024, 0, -5, "paper")


def test_a_full_waiver_settles_the_invoice() -> None:
    found = balance(D("41.37"), [None], [])
    assert (found.due, found.waived, found.settled) == (D("0.00"), D("41.37"), True)


def test_a_partial_waiver_leaves_the_rest_due() -> None:
    found = balance(D("41.37"), [D("10.00")], [])
    assert (found.due, found.settled) == (D("31.37"), False)
    assert balance(D("5.00"), [D("10.00")], []).waived == D("5.00")  # never past the charge


def test_a_deposit_waits_as_credit_then_counts_against_the_invoice() -> None:
    before = balance(None, [], [("deposit", D("20.00"))])
    assert (before.due, before.credit, before.settled) == (D("0.00"), D("20.00"), False)
    after = balance(D("41.37"), [], [("deposit", D("20.00"))])
    assert (after.due, after.credit, after.settled) == (D("21.37"), D("0.00"), False)
    paid = balance(D("41.37"), [], [("deposit", D("20.00")), ("payment", D("21.37"))])
    assert (paid.due, paid.settled) == (D("0.00"), True)
    over = balance(D("10.00"), [], [("deposit", D("25.00"))])
    assert (over.due, over.credit, over.settled) == (D("0.00"), D("15.00"), True)


def test_no_invoice_is_never_settled() -> None:
    assert balance(None, [], []).settled is False
    assert balance(D("0.00"), [], []).settled is True  # the free hour covered it all
