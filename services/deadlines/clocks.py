"""SLA clocks: one row per waiting state of a case, with its statutory due date in working days.

Workflow services call these inside their own unit of work with their session: the functions here neither
commit nor audit (the calling service's audit event describes the business action). The due date comes from the
active policy profile (`step_days`) and the working-day calendar; a step without a number has no due date and is
tracked by age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, select

from models import SlaClock, Unit
from models.clock import ClockOutcome
from services.core.errors import ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date, now_utc
from services.deadlines import calendar

# "Due soon" = this many working days or fewer left (the definition: one working day or less).
DUE_SOON_WORKDAYS = 1


class ClockStatus(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"  # DUE_SOON_WORKDAYS or fewer working days left
    OVERDUE = "overdue"
    PAUSED = "paused"  # stopped, e.g. waiting for the applicant; the deadline moves on resume
    CLOSED_ON_TIME = "closed_on_time"
    CLOSED_LATE = "closed_late"
    NO_DEADLINE = "no_deadline"  # the profile sets no number for the step: tracked by age


STATUS_LABELS = {
    ClockStatus.ON_TIME: N_("On time"),
    ClockStatus.DUE_SOON: N_("Due soon"),
    ClockStatus.OVERDUE: N_("Overdue"),
    ClockStatus.PAUSED: N_("Paused"),
    ClockStatus.CLOSED_ON_TIME: N_("Closed on time"),
    ClockStatus.CLOSED_LATE: N_("Closed late"),
    ClockStatus.NO_DEADLINE: N_("No statutory deadline"),
}

# Steps whose due date is a date in the year (annual reports: 31 December, …) rather than a number of working
# days from the start: a profile change leaves their allowance alone (`start_until` sets it).
FIXED_DATE_STEPS: set[str] = set()

OPEN_STATUSES = (ClockStatus.ON_TIME, ClockStatus.DUE_SOON, ClockStatus.OVERDUE, ClockStatus.PAUSED,
                 ClockStatus.NO_DEADLINE)


def _due(started_on: date, workdays: int | None, paused_workdays: int = 0) -> date | None:
    return None if workdays is None else calendar.deadline(started_on, workdays + paused_workdays)


def _open_query(case_kind: str, case_id: int, step: str | None):
    stmt = select(SlaClock).where(SlaClock.case_kind == str(case_kind), SlaClock.case_id == case_id,
                                  SlaClock.closed_at.is_(None))  # type: ignore[union-attr]
    if step is not None:
        stmt = stmt.where(SlaClock.step == str(step))
    return stmt


def start(session: Session, *, case_kind: str, case_id: int, step: str, unit_id: int | None,
          region_id: int | None, started_on: date | None = None, now: datetime | None = None) -> SlaClock:
    """Start the clock of one waiting step; an open clock of the same case and step is closed as superseded."""
    from services.deadlines import policy

    for old in session.exec(_open_query(case_kind, case_id, step)).all():
        _close_one(old, ClockOutcome.CANCELLED, now)
        session.add(old)
    if region_id is None and unit_id is not None:
        unit = session.get(Unit, unit_id)
        region_id = unit.region_id if unit else None
    started = started_on or local_date(now)
    workdays = policy.active_profile().step_days(step)
    clock = SlaClock(case_kind=str(case_kind), case_id=case_id, step=str(step), responsible_unit_id=unit_id,
                     responsible_region_id=region_id, started_on=started, workdays=workdays,
                     due_on=_due(started, workdays), created_at=now_utc(now))
    session.add(clock)
    session.flush()
    return clock


def start_until(session: Session, *, case_kind: str, case_id: int, step: str, unit_id: int | None,
                region_id: int | None, due_on: date, started_on: date | None = None,
                now: datetime | None = None) -> SlaClock:
    """Start a clock whose due date is a given working day (a date set by the regulation, not a count). A clock
    started after that day starts on it, already late: its allowance is never negative."""
    started_on = min(started_on or local_date(now), due_on)
    clock = start(session, case_kind=case_kind, case_id=case_id, step=step, unit_id=unit_id, region_id=region_id,
                  started_on=started_on, now=now)
    clock.workdays = calendar.elapsed_workdays(clock.started_on, due_on)
    clock.due_on = due_on
    session.add(clock)
    session.flush()
    return clock


def _close_one(clock: SlaClock, outcome: str, now: datetime | None) -> None:
    if clock.paused_at is not None:
        _unpause(clock, now)
    clock.closed_at = now_utc(now)
    clock.closed_on = local_date(now)
    clock.outcome = str(outcome)


def close(session: Session, *, case_kind: str, case_id: int, step: str | None = None, outcome: str = "done",
          now: datetime | None = None) -> list[SlaClock]:
    """Close the open clocks of a case (of one step, or all); returns the clocks closed."""
    if outcome not in set(ClockOutcome):
        raise ValueError(f"unknown clock outcome {outcome!r}")
    closed = list(session.exec(_open_query(case_kind, case_id, step)).all())
    for clock in closed:
        _close_one(clock, outcome, now)
        session.add(clock)
    session.flush()
    return closed


def current(session: Session, case_kind: str, case_id: int, step: str | None = None) -> SlaClock | None:
    """The open clock of a case (the latest one when a step is not given), or None."""
    return session.exec(_open_query(case_kind, case_id, step).order_by(SlaClock.id.desc())).first()  # type: ignore[union-attr]


def history(session: Session, case_kind: str, case_id: int) -> list[SlaClock]:
    """Every clock of a case, oldest first (case pages show the timeline)."""
    return list(session.exec(select(SlaClock).where(SlaClock.case_kind == str(case_kind), SlaClock.case_id == case_id)
                             .order_by(SlaClock.id)).all())


def _require_open(clock: SlaClock) -> None:
    if clock.closed_at is not None:
        raise ValidationError({"clock": _("This deadline is already closed.")})


def extend(session: Session, clock: SlaClock, workdays: int, *, now: datetime | None = None) -> SlaClock:
    """Add working days to an open clock, within the cap of the active profile for its step."""
    from services.deadlines import policy

    _require_open(clock)
    if workdays is None or int(workdays) < 1:
        raise ValidationError({"workdays": _("Extend by at least one working day.")})
    if clock.workdays is None:
        raise ValidationError({"workdays": _("This step has no statutory deadline to extend.")})
    cap = policy.active_profile().extension_cap(clock.step)
    if cap <= 0:
        raise ValidationError({"workdays": _("The active policy allows no extension for this step.")})
    if clock.extended_days + int(workdays) > cap:
        raise ValidationError({"workdays": _(
            "The active policy allows at most {cap} working days of extension; {used} already used.",
            cap=cap, used=clock.extended_days)})
    clock.extended_days += int(workdays)
    clock.workdays += int(workdays)
    clock.due_on = _due(clock.started_on, clock.workdays, clock.paused_workdays)
    session.add(clock)
    session.flush()
    return clock


def pause(session: Session, clock: SlaClock, *, now: datetime | None = None) -> SlaClock:
    """Stop the clock (e.g. waiting for the applicant); the working days spent paused are added on resume."""
    _require_open(clock)
    if clock.paused_at is not None:
        raise ValidationError({"clock": _("This deadline is already paused.")})
    clock.paused_at = now_utc(now)
    session.add(clock)
    session.flush()
    return clock


def _unpause(clock: SlaClock, now: datetime | None) -> None:
    assert clock.paused_at is not None
    held = max(0, calendar.elapsed_workdays(local_date(clock.paused_at), local_date(now)))
    clock.paused_workdays += held
    clock.paused_at = None
    clock.due_on = _due(clock.started_on, clock.workdays, clock.paused_workdays)


def resume(session: Session, clock: SlaClock, *, now: datetime | None = None) -> SlaClock:
    _require_open(clock)
    if clock.paused_at is None:
        raise ValidationError({"clock": _("This deadline is not paused.")})
    _unpause(clock, now)
    session.add(clock)
    session.flush()
    return clock


def workdays_left(clock: SlaClock, today: date) -> int | None:
    """Working days left until the due date (0 on the due date itself); negative when late, None without one.

    A clock is late from the day after its due date; on a weekend right after it, it is already one day late."""
    if clock.due_on is None:
        return None
    reference = today
    if clock.paused_at is not None:
        reference = local_date(clock.paused_at)  # the count is frozen while paused
    if clock.closed_on is not None:
        reference = clock.closed_on
    if reference <= clock.due_on:
        return calendar.elapsed_workdays(reference, clock.due_on)
    return -max(1, calendar.elapsed_workdays(clock.due_on, reference))


def status(clock: SlaClock, today: date) -> ClockStatus:
    if clock.closed_at is not None:
        if clock.due_on is not None and clock.closed_on is not None and clock.closed_on > clock.due_on:
            return ClockStatus.CLOSED_LATE
        return ClockStatus.CLOSED_ON_TIME
    if clock.paused_at is not None:
        return ClockStatus.PAUSED
    if clock.due_on is None:
        return ClockStatus.NO_DEADLINE
    if today > clock.due_on:
        return ClockStatus.OVERDUE
    if calendar.elapsed_workdays(today, clock.due_on) <= DUE_SOON_WORKDAYS:
        return ClockStatus.DUE_SOON
    return ClockStatus.ON_TIME


def status_label(value: str | None) -> str:
    msgid = STATUS_LABELS.get(value) if value else None  # type: ignore[call-overload]
    return _(msgid) if msgid else (value or "")


def age_workdays(clock: SlaClock, today: date) -> int:
    """Working days since the clock started (how steps without a deadline are tracked)."""
    end = clock.closed_on or today
    return max(0, calendar.elapsed_workdays(clock.started_on, end))


def recompute_open(session: Session, *, calendar: calendar.WorkCalendar | None = None, profile=None) -> int:
    """Re-derive the due dates of every open clock after a calendar or profile change; returns how many moved.

    With a new `profile`, each open clock's allowance becomes the profile's number for its step plus the
    extensions it was granted; without one, allowances stay and only the calendar arithmetic is redone."""
    cal = calendar or _current_calendar()
    rows = session.exec(select(SlaClock.id, SlaClock.step, SlaClock.started_on, SlaClock.workdays,
                               SlaClock.extended_days, SlaClock.paused_workdays, SlaClock.due_on)
                        .where(SlaClock.closed_at.is_(None))).all()  # type: ignore[union-attr]
    changes: list[dict] = []
    for clock_id, step, started_on, workdays, extended, paused, due_on in rows:
        if profile is not None and step not in FIXED_DATE_STEPS:
            base = profile.step_days(step)
            workdays = None if base is None else base + (extended or 0)
        new_due = None if workdays is None else cal.deadline(started_on, workdays + (paused or 0))
        if new_due != due_on or profile is not None:
            changes.append({"id": clock_id, "workdays": workdays, "due_on": new_due, "_moved": new_due != due_on})
    moved = sum(1 for c in changes if c.pop("_moved"))
    if changes:
        session.execute(update(SlaClock), changes)
    return moved


def _current_calendar() -> calendar.WorkCalendar:
    return calendar.current()


def bulk_due_dates(started_on: Sequence[date], workdays: Sequence[int | None]) -> list[date | None]:
    """Due dates for many new clocks at once (seed steps insert clocks in bulk)."""
    pairs = [(i, s, n) for i, (s, n) in enumerate(zip(started_on, workdays, strict=True)) if n is not None]
    result: list[date | None] = [None] * len(started_on)
    if pairs:
        dues = calendar.deadlines_many([s for _i, s, _n in pairs], [n for _i, _s, n in pairs])
        for (i, _s, _n), due in zip(pairs, dues, strict=True):
            result[i] = due
    return result
