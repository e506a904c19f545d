"""The CORA clock, pure: a table of calendar cases over Colorado's holidays of 2026-2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.requests.calendar import legal_holidays
from app.requests.clock import Calendar, RuleSet, compute, working_days_between

DENVER = ZoneInfo("America/Denver")
CORA = RuleSet(id="cora", effective_from=date(1900, 1, 1), response_days=3, extension_days=7,
               receipt_day_counts=False, delivery_days=3, citation="C.R.S. 24-72-203")
CUTOFF = RuleSet(id="cutoff", effective_from=date(1900, 1, 1), response_days=3,
                 extension_days=7, receipt_day_counts=False, delivery_days=3,
                 citation="C.R.S. 24-72-203", cutoff=time(17, 0))
COUNTS = RuleSet(id="counts", effective_from=date(1900, 1, 1), response_days=3,
                 extension_days=7, receipt_day_counts=True, delivery_days=3,
                 citation="C.R.S. 24-72-203")
SB25_077 = RuleSet(id="sb25-077", effective_from=date(2027, 1, 1), response_days=5,
                   extension_days=10, receipt_day_counts=False, delivery_days=3,
                   citation="SB25-077 (vetoed; for testing)",
                   category_overrides={"news_media": {"response_days": 3, "extension_days": 7}})
HOLIDAYS = Calendar(legal_holidays(2025, 2028))


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=DENVER)


# (what, rules, received (Denver local), category, expected response due date)
CASES = [
    ("plain Monday", CORA, "2026-01-05T10:00", "general", "2026-01-08"),
    ("over a weekend", CORA, "2026-01-07T10:00", "general", "2026-01-12"),
    ("Friday", CORA, "2026-01-09T10:00", "general", "2026-01-14"),
    ("received Saturday", CORA, "2026-01-10T10:00", "general", "2026-01-14"),
    ("received Sunday", CORA, "2026-01-11T10:00", "general", "2026-01-14"),
    ("New Year's Day 2026", CORA, "2025-12-31T10:00", "general", "2026-01-06"),
    ("Martin Luther King Jr. Day 2026", CORA, "2026-01-16T10:00", "general", "2026-01-22"),
    ("Washington-Lincoln Day 2026", CORA, "2026-02-13T10:00", "general", "2026-02-19"),
    ("Cesar Chavez Day 2026 (Tuesday)", CORA, "2026-03-30T10:00", "general", "2026-04-03"),
    ("Memorial Day 2026", CORA, "2026-05-22T10:00", "general", "2026-05-28"),
    ("Juneteenth 2026 (Friday)", CORA, "2026-06-18T10:00", "general", "2026-06-24"),
    ("July 4 2026 is a Saturday: observed Friday 3 July", CORA, "2026-07-02T10:00", "general",
     "2026-07-08"),
    ("Labor Day 2026", CORA, "2026-09-04T10:00", "general", "2026-09-10"),
    ("Frances Xavier Cabrini Day 2026", CORA, "2026-10-02T10:00", "general", "2026-10-08"),
    ("Veterans Day 2026 (Wednesday)", CORA, "2026-11-10T10:00", "general", "2026-11-16"),
    ("Thanksgiving 2026; the Friday after is a working day", CORA, "2026-11-25T10:00",
     "general", "2026-12-01"),
    ("Christmas 2026 (Friday)", CORA, "2026-12-24T10:00", "general", "2026-12-30"),
    ("New Year's Day 2027 (Friday)", CORA, "2026-12-31T10:00", "general", "2027-01-06"),
    ("Martin Luther King Jr. Day 2027", CORA, "2027-01-15T10:00", "general", "2027-01-21"),
    ("Washington-Lincoln Day 2027", CORA, "2027-02-12T10:00", "general", "2027-02-18"),
    ("Cesar Chavez Day 2027 (Wednesday)", CORA, "2027-03-30T10:00", "general", "2027-04-05"),
    ("Memorial Day 2027", CORA, "2027-05-28T10:00", "general", "2027-06-03"),
    ("Juneteenth 2027 is a Saturday: observed Friday 18 June", CORA, "2027-06-17T10:00",
     "general", "2027-06-23"),
    ("July 4 2027 is a Sunday: observed Monday 5 July", CORA, "2027-07-02T10:00", "general",
     "2027-07-08"),
    ("Labor Day 2027", CORA, "2027-09-03T10:00", "general", "2027-09-09"),
    ("Frances Xavier Cabrini Day 2027", CORA, "2027-10-01T10:00", "general", "2027-10-07"),
    ("Veterans Day 2027 (Thursday)", CORA, "2027-11-10T10:00", "general", "2027-11-16"),
    ("Thanksgiving 2027", CORA, "2027-11-24T10:00", "general", "2027-11-30"),
    ("Christmas 2027 is a Saturday: observed Friday 24 December", CORA, "2027-12-23T10:00",
     "general", "2027-12-29"),
    ("New Year's Day 2028 is a Saturday: observed Friday 31 December 2027", CORA,
     "2027-12-30T10:00", "general", "2028-01-05"),
    ("received on a holiday (Labor Day), no cutoff", CORA, "2026-09-07T10:00", "general",
     "2026-09-10"),
    ("received on a holiday, business-hours policy", CUTOFF, "2026-09-07T10:00", "general",
     "2026-09-11"),
    ("received before the cutoff", CUTOFF, "2026-01-05T16:59", "general", "2026-01-08"),
    ("received after the cutoff", CUTOFF, "2026-01-05T17:30", "general", "2026-01-09"),
    ("after the cutoff on Friday before MLK Day", CUTOFF, "2026-01-16T18:00", "general",
     "2026-01-23"),
    ("late Monday evening in Denver is Tuesday in UTC: Denver's day counts", CORA,
     "2026-01-05T20:00", "general", "2026-01-08"),
    ("the receipt day counts", COUNTS, "2026-01-05T10:00", "general", "2026-01-07"),
    ("SB25-077 style: 5 days for the general public", SB25_077, "2027-01-04T10:00", "general",
     "2027-01-11"),
    ("SB25-077 style: news media keep 3", SB25_077, "2027-01-04T10:00", "news_media",
     "2027-01-07"),
]


@pytest.mark.parametrize(("what", "rules", "received", "category", "due"), CASES,
                         ids=[case[0] for case in CASES])
def test_due_dates(what: str, rules: RuleSet, received: str, category: str, due: str) -> None:
    deadline = compute(rules, HOLIDAYS, at(received), DENVER, category)
    assert deadline.due_date == date.fromisoformat(due), deadline.explanation["days"]
    days = deadline.explanation["days"]
    assert [d["count"] for d in days if d["counted"]] == list(
        range(1, deadline.explanation["response_days"] + 1))
    assert days[-1] == {"date": due, "counted": True,
                        "count": deadline.explanation["response_days"],
                        "why": f"response working day {deadline.explanation['response_days']} "
                               f"of {deadline.explanation['response_days']}"}


def test_the_holidays_package_gives_colorados_days_with_observed_dates() -> None:
    found = legal_holidays(2026, 2027)
    assert found[date(2026, 7, 3)] == "Independence Day (observed)"
    assert found[date(2027, 6, 18)] == "Juneteenth National Independence Day (observed)"
    assert found[date(2027, 7, 5)] == "Independence Day (observed)"
    assert found[date(2027, 12, 24)] == "Christmas Day (observed)"
    assert found[date(2027, 12, 31)] == "New Year's Day (observed)"
    assert found[date(2026, 3, 31)] == "Cesar Chavez Day"
    assert found[date(2026, 10, 5)] == "Frances Xavier Cabrini Day"
    assert date(2026, 10, 12) not in found  # Colorado replaced Columbus Day in 2020
    assert date(2026, 11, 27) not in found  # the day after Thanksgiving: a city closure if any
    assert len([d for d in found if d.year == 2026]) == 13


def test_the_explanation_names_every_day_skipped_and_the_rule_set() -> None:
    deadline = compute(CORA, HOLIDAYS, at("2026-07-02T10:00"), DENVER, "general")
    why = {d["date"]: d["why"] for d in deadline.explanation["days"]}
    assert why == {
        "2026-07-02": "day of receipt, not counted",
        "2026-07-03": "Independence Day (observed)",
        "2026-07-04": "weekend (Saturday; also Independence Day)",
        "2026-07-05": "weekend (Sunday)",
        "2026-07-06": "response working day 1 of 3",
        "2026-07-07": "response working day 2 of 3",
        "2026-07-08": "response working day 3 of 3",
    }
    assert deadline.explanation["rule_set"] == {
        "id": "cora", "effective_from": "1900-01-01", "citation": "C.R.S. 24-72-203", "note": ""}
    assert deadline.explanation["received_at"] == "2026-07-02T16:00:00+00:00"
    assert "due Wednesday 2026-07-08" in deadline.explanation["summary"]


def test_after_the_cutoff_the_explanation_says_so() -> None:
    days = compute(CUTOFF, HOLIDAYS, at("2026-01-05T17:30"), DENVER, "general"
                   ).explanation["days"]
    assert days[0] == {"date": "2026-01-05", "counted": False,
                       "why": "received at 17:30, after the 17:00 cutoff; counts as received "
                              "2026-01-06"}
    assert days[1] == {"date": "2026-01-06", "counted": False,
                       "why": "day of receipt, not counted"}


def test_an_extension_counts_its_days_after_the_original_due_date() -> None:
    deadline = compute(CORA, HOLIDAYS, at("2026-01-05T10:00"), DENVER, "general", extended=True)
    assert deadline.due_date == date(2026, 1, 8)
    # 9, 12, 13, 14, 15, 16, (19 is Martin Luther King Jr. Day), 20
    assert deadline.extended_due_date == date(2026, 1, 20)
    skipped = [d for d in deadline.explanation["days"] if d["date"] == "2026-01-19"]
    assert skipped == [{"date": "2026-01-19", "counted": False,
                        "why": "Martin Luther King Jr. Day"}]
    news = compute(SB25_077, HOLIDAYS, at("2027-01-04T10:00"), DENVER, "news_media",
                   extended=True)
    assert (news.due_date, news.extended_due_date) == (date(2027, 1, 7), date(2027, 1, 19))
    public = compute(SB25_077, HOLIDAYS, at("2027-01-04T10:00"), DENVER, "general",
                     extended=True)
    assert (public.due_date, public.extended_due_date) == (date(2027, 1, 11), date(2027, 1, 26))


def test_records_are_due_working_days_after_payment() -> None:
    paid = datetime(2026, 7, 2, 21, 0, tzinfo=UTC)  # 15:00 in Denver
    deadline = compute(CORA, HOLIDAYS, at("2026-06-29T10:00"), DENVER, "general", paid_at=paid)
    assert deadline.delivery_due_date == date(2026, 7, 8)
    assert {"date": "2026-07-02", "counted": False, "why": "day of payment, not counted"} in (
        deadline.explanation["days"])


def test_a_city_closure_is_not_a_working_day() -> None:
    closed = Calendar({**legal_holidays(2026, 2027),
                       date(2026, 11, 27): "city closure: day after Thanksgiving"})
    deadline = compute(CORA, closed, at("2026-11-25T10:00"), DENVER, "general")
    assert deadline.due_date == date(2026, 12, 2)
    assert {"date": "2026-11-27", "counted": False,
            "why": "city closure: day after Thanksgiving"} in deadline.explanation["days"]


def test_working_days_between() -> None:
    assert working_days_between(HOLIDAYS, date(2026, 7, 2), date(2026, 7, 8)) == 3
    assert working_days_between(HOLIDAYS, date(2026, 7, 8), date(2026, 7, 8)) == 0


def test_naive_received_at_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        compute(CORA, HOLIDAYS, datetime(2026, 1, 5, 10), DENVER, "general")  # noqa: DTZ001
