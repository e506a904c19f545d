"""The CORA clock's data: rule sets by effective date, and the city's own closures."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey


class ClockRuleSet(UUIDKey, Timestamped, Base):
    """How many working days CORA gives, from a date on. A request is timed by the rule
    set in force on the (local) day it was received; rows are added, never changed."""

    __tablename__ = "clock_rule_sets"

    effective_from: Mapped[date] = mapped_column(unique=True)
    response_days: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer)
    receipt_day_counts: Mapped[bool] = mapped_column(Boolean)
    # Local time of day; a request received after it counts as received the next working day.
    business_hours_cutoff: Mapped[time | None] = mapped_column(Time)
    delivery_days: Mapped[int] = mapped_column(Integer)  # working days to deliver after payment
    # {"news_media": {"response_days": 3, "extension_days": 7}}
    category_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    citation: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(200), default="")


class CityClosure(UUIDKey, Timestamped, Base):
    """A day the city is closed beyond the legal holidays (a snow day, the day after
    Thanksgiving): not a working day for the CORA clock."""

    __tablename__ = "city_closures"

    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(200))
