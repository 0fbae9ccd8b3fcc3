"""Working-day calendar: one row per date with its source and the running count of working days."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlmodel import Field, SQLModel


class DaySource(StrEnum):
    OFFICIAL = "official"  # State Council schedule (chinesecalendar or an imported file)
    PROVISIONAL = "provisional"  # weekends + statutory holidays, until the official schedule is imported
    OVERRIDE = "override"  # edited by an administrator


class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    is_workday: bool
    source: str = Field(max_length=12)  # DaySource
    note: str | None = Field(default=None, max_length=100)
    # Working days from the start of the table up to and including this date: deadline(S, N) is the
    # working day whose workday_seq equals workday_seq(S) + N.
    workday_seq: int = Field(index=True)
