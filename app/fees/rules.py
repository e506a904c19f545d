"""The fee for a request, as a pure function of the rates in effect and the work done.

Every result carries its explanation line by line, so a clerk can show a requester
how the amount was reached, and the same lines are stored with each estimate and invoice.
Money is Decimal, rounded down to the cent: CORA sets a cap, and rounding never passes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ELECTRONIC = ("email", "portal")


@dataclass(frozen=True)
class Rates:
    """The fee schedule in effect (a FeeSchedule row, as plain values)."""

    effective_from: date
    hourly_rate: Decimal
    free_minutes: int
    billing_increment_minutes: int  # 1: by the minute; 15: quarter hours, rounded up
    per_page: Decimal
    electronic_delivery: Decimal
    minutes_per_document: int
    citation: str


@dataclass(frozen=True)
class Line:
    text: str
    amount: Decimal | None = None  # None: a line that explains, charging nothing itself

    def as_json(self) -> dict[str, str | None]:
        return {"text": self.text, "amount": None if self.amount is None else str(self.amount)}


@dataclass(frozen=True)
class Fee:
    amount: Decimal
    lines: list[Line] = field(default_factory=list)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def _dollars(value: Decimal) -> str:
    return f"${value:,.2f}"


def _minutes(count: int) -> str:
    return f"{count} minute" if count == 1 else f"{count} minutes"


def billed_minutes(rates: Rates, minutes: int) -> int:
    """Minutes past the free time, rounded up to the schedule's billing step."""
    billable = max(minutes - rates.free_minutes, 0)
    step = rates.billing_increment_minutes
    return -(-billable // step) * step


def fee(rates: Rates, minutes: int, pages: int, delivery: str) -> Fee:
    """What `minutes` of research and retrieval and `pages` delivered by `delivery` cost."""
    if minutes < 0 or pages < 0:
        raise ValueError("minutes and pages cannot be negative")
    lines = [Line(f"Fee schedule in effect from {rates.effective_from.isoformat()} "
                  f"({rates.citation})")]
    free = min(minutes, rates.free_minutes)
    lines.append(Line(f"Research and retrieval: {_minutes(minutes)}"))
    lines.append(Line(f"First {_minutes(rates.free_minutes)} free: {_minutes(free)} applied",
                      ZERO))
    billable = max(minutes - rates.free_minutes, 0)
    billed = billed_minutes(rates, minutes)
    research = money(Decimal(billed) * rates.hourly_rate / 60)
    if rates.billing_increment_minutes == 1:
        step = "billed by the minute"
    else:
        step = f"rounded up to steps of {_minutes(rates.billing_increment_minutes)}"
    lines.append(Line(f"Billable: {_minutes(billable)}, {step}: {_minutes(billed)}"))
    lines.append(Line(f"{_minutes(billed)} at {_dollars(rates.hourly_rate)} an hour", research))
    if delivery in ELECTRONIC:
        copies = money(rates.electronic_delivery)
        label = "e-mail" if delivery == "email" else "the portal"
        charge = "no charge" if copies == ZERO else "flat charge"
        lines.append(Line(f"Delivery by {label}: {charge}, whatever the page count", copies))
    else:
        copies = money(rates.per_page * pages)
        lines.append(Line(f"Paper copies: {pages} standard pages at {_dollars(rates.per_page)} "
                          "a page", copies))
    total = research + copies
    lines.append(Line("Total", total))
    return Fee(total, lines)


def estimate(rates: Rates, documents: int, pages: int, delivery: str) -> Fee:
    """The fee expected before the work: each document in the review set takes the
    schedule's minutes per document to research and retrieve."""
    minutes = documents * rates.minutes_per_document
    found = fee(rates, minutes, pages, delivery)
    basis = Line(f"Estimate: {documents} documents x {_minutes(rates.minutes_per_document)} "
                 f"each = {_minutes(minutes)}")
    return Fee(found.amount, [found.lines[0], basis, *found.lines[1:]])


@dataclass(frozen=True)
class Balance:
    charged: Decimal  # the invoice's total, or 0 before there is one
    waived: Decimal
    paid: Decimal  # payments and deposits
    due: Decimal
    credit: Decimal  # paid beyond what is owed: to refund or to carry
    settled: bool  # an invoice exists and nothing is due on it
    lines: list[Line]


def balance(invoiced: Decimal | None, waivers: list[Decimal | None],
            payments: list[tuple[str, Decimal]]) -> Balance:
    """What is owed: the invoice, less waivers (None waives everything), less payments
    and deposits. Before an invoice nothing is owed, and deposits wait as credit."""
    charged = invoiced if invoiced is not None else ZERO
    lines = [Line("Invoiced" if invoiced is not None else "No invoice yet", charged)]
    if any(w is None for w in waivers):
        waived = charged
        lines.append(Line("All fees waived", -waived))
    else:
        waived = min(sum((w for w in waivers if w is not None), ZERO), charged)
        if waivers:
            lines.append(Line(f"Waived ({len(waivers)} waiver(s))", -waived))
    paid = sum((amount for _, amount in payments), ZERO)
    for kind, amount in payments:
        lines.append(Line("Deposit" if kind == "deposit" else "Payment", -amount))
    owed = charged - waived - paid
    due, credit = max(owed, ZERO), max(-owed, ZERO)
    lines.append(Line("Balance due", due))
    if credit:
        lines.append(Line("Credit (paid beyond what is owed)", credit))
    return Balance(charged, waived, paid, due, credit, invoiced is not None and due == ZERO,
                   lines)
