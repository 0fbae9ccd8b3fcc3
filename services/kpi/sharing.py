"""KPI family `sharing`: answers and implementation of share requests against their statutory deadlines."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from models import CalendarDay, CaseKind, ClockOutcome, ClockStep, ShareRequest, SlaClock
from models.sharing import RequestKind, RequestStatus
from services.core.i18n import N_
from services.core.timeutil import tz
from services.kpi.clocks import clock_scope, not_paused, on_time, overdue_rows
from services.kpi.registry import (
    UNIT_COLUMN,
    Direction,
    Grain,
    KpiDefinition,
    KpiFamily,
    KpiUnit,
    KpiWindow,
    count_where,
    register_family,
)

SHARE_STEPS = (str(ClockStep.SHARE_ANSWER), str(ClockStep.SHARE_IMPLEMENT), str(ClockStep.UNCATALOGUED_CONFIRM),
               str(ClockStep.SHARE_VERIFY))
# Final state of an answered request: approvals stay approvals when later implemented, expired or revoked.
APPROVED = tuple(str(s) for s in (RequestStatus.APPROVED, RequestStatus.IMPLEMENTED, RequestStatus.EXPIRED,
                                  RequestStatus.REVOKED))
REJECTED = tuple(str(s) for s in (RequestStatus.REJECTED, RequestStatus.DISPUTED))
# Kinds that get an answer; an unconditional access is granted at once and is not a decision.
# (A verification is answered match / no match, never approved: it has its own KPI.)
ANSWERED_KINDS = tuple(str(k) for k in (RequestKind.APPLY, RequestKind.UNCATALOGUED))


def not_cancelled() -> ColumnElement[bool]:
    return or_(SlaClock.outcome.is_(None), SlaClock.outcome != str(ClockOutcome.CANCELLED))  # type: ignore[union-attr]


def met(step: str) -> ColumnElement[bool]:
    """The step was done on or before its due date."""
    return and_(SlaClock.step == step, on_time())


def deadlines_query(window: KpiWindow, grain: Grain) -> Select:
    """Answer and implementation deadlines that fell due in the window, and how many were met."""
    answer, implement = str(ClockStep.SHARE_ANSWER), str(ClockStep.SHARE_IMPLEMENT)
    verify = str(ClockStep.SHARE_VERIFY)
    stmt = select(
        count_where(SlaClock.step == answer).label("answer_due"),
        count_where(met(answer)).label("answer_on_time"),
        count_where(SlaClock.step == implement).label("implement_due"),
        count_where(met(implement)).label("implement_on_time"),
        count_where(SlaClock.step == verify).label("verify_due"),
        count_where(met(verify)).label("verify_on_time"),
    ).where(SlaClock.step.in_((answer, implement, verify)),  # type: ignore[attr-defined]  (steps of share requests only)
            SlaClock.due_on >= window.start, SlaClock.due_on <= window.as_of,  # type: ignore[operator]
            not_cancelled(), not_paused(), clock_scope(window))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(SlaClock.responsible_unit_id.label(UNIT_COLUMN)).group_by(SlaClock.responsible_unit_id)
    return stmt


def answers_query(window: KpiWindow, grain: Grain) -> Select:
    """Requests answered in the window (their answer clock closed): working days taken."""
    started, answered = aliased(CalendarDay), aliased(CalendarDay)
    days = answered.workday_seq - started.workday_seq - SlaClock.paused_workdays
    stmt = (select(
        func.count().label("answered"),
        func.sum(days).label("answer_days"),
        func.count(days).label("answer_days_counted"),
    ).select_from(SlaClock)
        .outerjoin(started, started.day == SlaClock.started_on)
        .outerjoin(answered, answered.day == SlaClock.closed_on)
        .where(SlaClock.step == str(ClockStep.SHARE_ANSWER),
               SlaClock.closed_on >= window.start, SlaClock.closed_on <= window.as_of,  # type: ignore[operator]
               SlaClock.outcome == str(ClockOutcome.DONE), clock_scope(window)))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(SlaClock.responsible_unit_id.label(UNIT_COLUMN)).group_by(SlaClock.responsible_unit_id)
    return stmt


def decisions_query(window: KpiWindow, grain: Grain) -> Select:
    """Applications answered in the window (answered_at), by the decision they hold now."""
    status = ShareRequest.status
    stmt = select(
        count_where(status.in_(APPROVED)).label("approved"),  # type: ignore[attr-defined]
        count_where(status.in_(APPROVED + REJECTED)).label("decided"),  # type: ignore[attr-defined]
    ).where(ShareRequest.answered_at >= window.start_at, ShareRequest.answered_at < window.as_of_end,  # type: ignore[operator]
            ShareRequest.kind.in_(ANSWERED_KINDS), window.units(ShareRequest.provider_unit_id))  # type: ignore[attr-defined]
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(ShareRequest.provider_unit_id.label(UNIT_COLUMN)).group_by(ShareRequest.provider_unit_id)
    return stmt


def overdue_query(window: KpiWindow, grain: Grain) -> Select:
    rows = overdue_rows(window, kinds=(str(CaseKind.SHARE_REQUEST),), steps=SHARE_STEPS)
    stmt = select(func.count().label("share_overdue")).select_from(rows)
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(rows.c[UNIT_COLUMN]).group_by(rows.c[UNIT_COLUMN])
    return stmt


def _month_bucket(column, months: list[tuple[date, date]], *, timestamps: bool) -> ColumnElement:
    """The month (as 'YYYY-MM') a date or timestamp falls in, by local calendar; NULL outside `months`."""
    whens = []
    for first, last in months:
        if timestamps:
            low = datetime.combine(first, time.min, tzinfo=tz())
            high = datetime.combine(last, time.max, tzinfo=tz())
            whens.append((and_(column >= low, column <= high), first.strftime("%Y-%m")))
        else:
            whens.append((and_(column >= first, column <= last), first.strftime("%Y-%m")))
    return case(*whens, else_=None)


def monthly_submitted_query(window: KpiWindow, months: list[tuple[date, date]]) -> Select:
    """Chart source: requests submitted per month, by the provider unit's selection."""
    month = _month_bucket(ShareRequest.submitted_at, months, timestamps=True).label("month")
    low = datetime.combine(months[0][0], time.min, tzinfo=tz())
    high = datetime.combine(months[-1][1], time.max, tzinfo=tz())
    return (select(month, func.count().label("submitted"))
            .where(ShareRequest.submitted_at >= low, ShareRequest.submitted_at <= high,  # type: ignore[operator]
                   window.units(ShareRequest.provider_unit_id))
            .group_by(month))


def monthly_on_time_query(window: KpiWindow, months: list[tuple[date, date]]) -> Select:
    """Chart source: answer deadlines per month of their due date, and how many were met."""
    answer = str(ClockStep.SHARE_ANSWER)
    month = _month_bucket(SlaClock.due_on, months, timestamps=False).label("month")
    return (select(month, func.count().label("answer_due"), count_where(met(answer)).label("answer_on_time"))
            .where(SlaClock.step == answer, SlaClock.case_kind == str(CaseKind.SHARE_REQUEST),
                   SlaClock.due_on >= months[0][0], SlaClock.due_on <= min(months[-1][1], window.as_of),  # type: ignore[operator]
                   not_cancelled(), not_paused(), clock_scope(window))
            .group_by(month))


FAMILY = register_family(KpiFamily(
    key="sharing",
    title=N_("Sharing"),
    order=20,
    unit_role=N_("Providing unit"),
    queries=(deadlines_query, answers_query, decisions_query, overdue_query),
    kpis=(
        KpiDefinition("sharing.on_time_answer", N_("On-time answer rate"), KpiUnit.PERCENT, Direction.HIGHER, 95.0,
                      "answer_on_time", "answer_due",
                      description=N_("Answer deadlines that fell due in the period and were met, divided by all "
                                     "answer deadlines that fell due in the period (unanswered ones count as missed)."),
                      drill="late", drill_filter={"step": str(ClockStep.SHARE_ANSWER)}),
        KpiDefinition("sharing.on_time_implementation", N_("On-time implementation rate"), KpiUnit.PERCENT,
                      Direction.HIGHER, 95.0, "implement_on_time", "implement_due",
                      description=N_("Implementation deadlines that fell due in the period and were met, divided by "
                                     "all implementation deadlines that fell due in the period."),
                      drill="late", drill_filter={"step": str(ClockStep.SHARE_IMPLEMENT)}),
        KpiDefinition("sharing.on_time_verification", N_("On-time verification rate"), KpiUnit.PERCENT,
                      Direction.HIGHER, 95.0, "verify_on_time", "verify_due",
                      description=N_("Verification requests (核验比对) whose answer deadline fell due in the period and "
                                     "was met, divided by all that fell due in the period."),
                      drill="late", drill_filter={"step": str(ClockStep.SHARE_VERIFY)}),
        KpiDefinition("sharing.overdue_now", N_("Share requests overdue now"), KpiUnit.COUNT, Direction.LOWER, 0,
                      "share_overdue",
                      description=N_("Answer, confirmation, verification and implementation steps past their "
                                     "deadline at the end of the period (today while it is running)."),
                      drill="overdue", drill_filter={"kind": str(CaseKind.SHARE_REQUEST)}),
        KpiDefinition("sharing.mean_answer_days", N_("Mean working days to answer"), KpiUnit.DAYS, Direction.LOWER,
                      None, "answer_days", "answer_days_counted",
                      description=N_("Average working days from receipt to answer of the requests answered in the "
                                     "period, not counting days spent waiting for the applicant."),
                      drill="units"),
        KpiDefinition("sharing.approval_rate", N_("Approval rate"), KpiUnit.PERCENT, Direction.HIGHER, 90.0,
                      "approved", "decided",
                      description=N_("Applications answered in the period that were approved, divided by those "
                                     "approved or refused."),
                      drill="units"),
    ),
))
