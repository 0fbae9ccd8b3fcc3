"""Aggregation rules without I/O: registration inputs, the state table and freshness.

Freshness (RULES.md §3, Qingyuan §19): the next update of an entry is due one declared interval after its last
update — real-time the same day, daily the next day, weekly 7 days, monthly/quarterly/yearly the same day one,
three or twelve months on (the last day of a shorter month). A due day that is not a working day moves to the
next working day (Civil Code art. 203: a period ending on a statutory holiday ends on the day after it). One
working day of tolerance follows: the entry is fresh up to and including that day, `fresh_until`, and stale from
the day after. "Irregular" entries, and entries without a declared frequency, are always fresh (no fixed
interval, as udata treats them)."""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from models.aggregation import AggregationMode, FilingStatus, RegistrationState
from models.catalog import UpdateFrequency
from services.core.i18n import N_
from services.core.i18n import gettext as _

TOLERANCE_WORKDAYS = 1
TEXT_LIMITS = {"source_system": 120, "reason": 1000, "note": 1000, "source": 120}

MODE_LABELS = {
    AggregationMode.REALTIME_INTERFACE: N_("Real-time interface"),
    AggregationMode.DATABASE_PUSH: N_("Database push"),
    AggregationMode.FILE_UPLOAD: N_("File upload"),
    AggregationMode.MANUAL_UPLOAD: N_("Manual upload"),
    AggregationMode.RETURN_FLOW: N_("Return flow from a higher-level system"),
}
STATE_LABELS = {
    RegistrationState.ACTIVE: N_("Mounted"),
    RegistrationState.SUSPENDED: N_("Suspended"),
    RegistrationState.NOT_POSSIBLE: N_("Not possible (filed)"),
}
FILING_LABELS = {
    FilingStatus.PENDING: N_("Awaiting the bureau"),
    FilingStatus.ACKNOWLEDGED: N_("Acknowledged by the bureau"),
    FilingStatus.REJECTED: N_("Rejected by the bureau"),
}
NOT_MOUNTED = N_("Not mounted")


class Calendar(Protocol):
    def is_workday(self, day: date) -> bool: ...
    def deadline(self, start: date, workdays: int) -> date: ...


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


INTERVALS = {
    UpdateFrequency.REALTIME: lambda d: d,
    UpdateFrequency.DAILY: lambda d: d + timedelta(days=1),
    UpdateFrequency.WEEKLY: lambda d: d + timedelta(days=7),
    UpdateFrequency.MONTHLY: lambda d: _add_months(d, 1),
    UpdateFrequency.QUARTERLY: lambda d: _add_months(d, 3),
    UpdateFrequency.YEARLY: lambda d: _add_months(d, 12),
}


def next_due(last_update: date, frequency: str | None, cal: Calendar) -> date | None:
    """The day the next update is due (a working day), or None when the frequency has no fixed interval."""
    interval = INTERVALS.get(frequency)  # type: ignore[call-overload]
    if interval is None:
        return None
    due = interval(last_update)
    while not cal.is_workday(due):
        due += timedelta(days=1)
    return due


def fresh_until(last_update: date, frequency: str | None, cal: Calendar) -> date | None:
    """The last day the entry counts as fresh after an update on `last_update` (None: always fresh)."""
    due = next_due(last_update, frequency, cal)
    if due is None:
        return None
    return cal.deadline(due, TOLERANCE_WORKDAYS)


def is_fresh(until: date | None, today: date) -> bool:
    return until is None or today <= until


def days_late(until: date | None, today: date) -> int:
    """Calendar days an entry has been stale on `today` (0 while fresh)."""
    if until is None or today <= until:
        return 0
    return (today - until).days


@dataclass
class RegistrationInput:
    entry_id: int
    mode: str | None
    source_system: str | None = None
    expected_records: int | None = None


@dataclass
class UpdateInput:
    entry_id: int
    updated_on: date
    record_count: int
    added: int = 0
    changed: int = 0
    deleted: int = 0
    source: str | None = None


def registration_errors(data: RegistrationInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.mode not in set(AggregationMode):
        errors["mode"] = _("Choose how the data reaches the platform.")
    if data.mode != AggregationMode.MANUAL_UPLOAD and not (data.source_system or "").strip():
        errors["source_system"] = _("Name the source system (only manual uploads have none).")
    elif len((data.source_system or "").strip()) > TEXT_LIMITS["source_system"]:
        errors["source_system"] = _("At most {n} characters.", n=TEXT_LIMITS["source_system"])
    if data.expected_records is not None and data.expected_records < 0:
        errors["expected_records"] = _("Give a number of records of 0 or more.")
    return errors


def update_errors(data: UpdateInput, today: date) -> dict[str, str]:
    """Field errors of one update (the form and each imported row)."""
    errors: dict[str, str] = {}
    if data.updated_on is None:
        errors["updated_at"] = _("Give the date of the update.")
    elif data.updated_on > today:
        errors["updated_at"] = _("The update cannot lie in the future.")
    for name in ("record_count", "added", "changed", "deleted"):
        value = getattr(data, name)
        if value is None or value < 0:
            errors[name] = _("Give a number of records of 0 or more.")
    if len((data.source or "").strip()) > TEXT_LIMITS["source"]:
        errors["source"] = _("At most {n} characters.", n=TEXT_LIMITS["source"])
    return errors


# (state, action) -> next state; the filing status follows from the action.
TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, "register"): RegistrationState.ACTIVE,
    (None, "file_not_possible"): RegistrationState.NOT_POSSIBLE,
    (RegistrationState.ACTIVE, "suspend"): RegistrationState.SUSPENDED,
    (RegistrationState.ACTIVE, "register"): RegistrationState.ACTIVE,  # change mode or source system
    (RegistrationState.SUSPENDED, "register"): RegistrationState.ACTIVE,  # resume
    (RegistrationState.SUSPENDED, "file_not_possible"): RegistrationState.NOT_POSSIBLE,
    (RegistrationState.ACTIVE, "file_not_possible"): RegistrationState.NOT_POSSIBLE,
    (RegistrationState.NOT_POSSIBLE, "register"): RegistrationState.ACTIVE,
}


def transition(state: str | None, action: str) -> str | None:
    return TRANSITIONS.get((state, action))
