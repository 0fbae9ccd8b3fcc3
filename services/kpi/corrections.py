"""KPI family `corrections` (RULES.md §5): verification of corrections against the `correction_verify` clock,
by the source unit responsible for it."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from models import CalendarDay, CaseKind, ClockOutcome, ClockStep, SlaClock
from models.correction import Correction, CorrectionStatus
from services.core.i18n import N_
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
from services.kpi.sharing import not_cancelled

VERIFY = str(ClockStep.CORRECTION_VERIFY)


def deadlines_query(window: KpiWindow, grain: Grain) -> Select:
    stmt = select(func.count().label("verify_due"), count_where(on_time()).label("verify_on_time"),
                  count_where(SlaClock.extended_days > 0).label("extended")).where(
        SlaClock.step == VERIFY, SlaClock.due_on >= window.start, SlaClock.due_on <= window.as_of,  # type: ignore[operator]
        not_cancelled(), not_paused(), clock_scope(window))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(SlaClock.responsible_unit_id.label(UNIT_COLUMN)).group_by(SlaClock.responsible_unit_id)
    return stmt


def verified_query(window: KpiWindow, grain: Grain) -> Select:
    started, closed = aliased(CalendarDay), aliased(CalendarDay)
    days = closed.workday_seq - started.workday_seq - SlaClock.paused_workdays
    stmt = (select(func.sum(days).label("verify_days"), func.count(days).label("verified"))
            .select_from(SlaClock)
            .outerjoin(started, started.day == SlaClock.started_on)
            .outerjoin(closed, closed.day == SlaClock.closed_on)
            .where(SlaClock.step == VERIFY, SlaClock.closed_on >= window.start,  # type: ignore[operator]
                   SlaClock.closed_on <= window.as_of, SlaClock.outcome == str(ClockOutcome.DONE),  # type: ignore[operator]
                   clock_scope(window)))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(SlaClock.responsible_unit_id.label(UNIT_COLUMN)).group_by(SlaClock.responsible_unit_id)
    return stmt


def open_query(window: KpiWindow, grain: Grain) -> Select:
    """Corrections filed by the as-of day and not answered by then."""
    answered_later = Correction.answered_at >= window.as_of_end  # type: ignore[operator]
    stmt = select(func.count().label("corrections_open")).where(
        Correction.filed_on <= window.as_of,
        (Correction.status == str(CorrectionStatus.OPEN)) | answered_later,
        window.units(Correction.provider_unit_id))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(Correction.provider_unit_id.label(UNIT_COLUMN)).group_by(Correction.provider_unit_id)
    return stmt


def overdue_query(window: KpiWindow, grain: Grain) -> Select:
    rows = overdue_rows(window, kinds=(str(CaseKind.CORRECTION),), steps=(VERIFY,))
    stmt = select(func.count().label("corrections_overdue")).select_from(rows)
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(rows.c[UNIT_COLUMN]).group_by(rows.c[UNIT_COLUMN])
    return stmt


FAMILY = register_family(KpiFamily(
    key="corrections",
    title=N_("Corrections"),
    order=30,
    unit_role=N_("Source unit"),
    queries=(deadlines_query, verified_query, open_query, overdue_query),
    kpis=(
        KpiDefinition("corrections.on_time", N_("On-time verification of corrections"), KpiUnit.PERCENT,
                      Direction.HIGHER, 95.0, "verify_on_time", "verify_due",
                      description=N_("Verification deadlines of corrections that fell due in the period and were "
                                     "met, divided by all that fell due (unanswered ones count as missed)."),
                      drill="late", drill_filter={"step": VERIFY}),
        KpiDefinition("corrections.open", N_("Corrections open"), KpiUnit.COUNT, Direction.LOWER, None,
                      "corrections_open",
                      description=N_("Corrections filed and not yet answered at the end of the period."),
                      drill="units"),
        KpiDefinition("corrections.overdue", N_("Corrections overdue"), KpiUnit.COUNT, Direction.LOWER, 0,
                      "corrections_overdue",
                      description=N_("Corrections past their verification deadline at the end of the period."),
                      drill="overdue", drill_filter={"kind": str(CaseKind.CORRECTION)}),
        KpiDefinition("corrections.mean_days", N_("Mean working days to verify"), KpiUnit.DAYS, Direction.LOWER,
                      None, "verify_days", "verified",
                      description=N_("Average working days from filing to answer of the corrections answered in "
                                     "the period, not counting days spent waiting for the reporter."),
                      drill="units"),
        KpiDefinition("corrections.extensions", N_("Extended verifications"), KpiUnit.COUNT, Direction.LOWER, None,
                      "extended",
                      description=N_("Verification deadlines falling due in the period that were extended with "
                                     "the approval of the unit's head."),
                      drill="units"),
    ),
))
