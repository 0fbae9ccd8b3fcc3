"""KPI family `clocks`: SLA clocks overdue at the end of the period, in total and by kind of case."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models import CaseKind, ClockOutcome, ClockStep, SlaClock
from services.core.i18n import N_
from services.kpi.registry import (
    UNIT_COLUMN,
    Direction,
    Grain,
    KpiDefinition,
    KpiFamily,
    KpiUnit,
    KpiWindow,
    register_family,
)

# Assessment windows are not service deadlines: a unit that lets its appeal window pass has missed nothing.
ALL_STEPS = tuple(str(step) for step in ClockStep
                  if step not in (ClockStep.ASSESSMENT_REVIEW, ClockStep.ASSESSMENT_APPEAL))


class unindexed(FunctionElement):  # noqa: N801  (reads like the SQL it stands for)
    """The column itself, but SQLite's planner may not pick an index on it (unary `+`, SQLite's documented way).

    Used where a range on another indexed column is far more selective than the planner can tell without
    ANALYZE statistics; PostgreSQL plans from its own statistics and gets the bare column."""

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(list(element.clauses)[0], **kw)

# The catalog's update clock belongs to the trigger that started it (services.catalog.CASE_TRIGGER).
CATALOG_TRIGGER = "catalog_trigger"
KIND_TITLES = {
    CaseKind.CATALOG_ENTRY: N_("Overdue now: catalog"),
    CaseKind.SHARE_REQUEST: N_("Overdue now: share requests"),
    CaseKind.DISPUTE: N_("Overdue now: disputes"),
    CaseKind.CORRECTION: N_("Overdue now: corrections"),
    CaseKind.OPEN_REQUEST: N_("Overdue now: open-data requests"),
}
# Case kinds counted under each tile: catalog reviews and catalog updates are one catalog figure.
KIND_GROUPS: dict[str, tuple[str, ...]] = {str(kind): (str(kind),) for kind in KIND_TITLES}
KIND_GROUPS[str(CaseKind.CATALOG_ENTRY)] = (str(CaseKind.CATALOG_ENTRY), CATALOG_TRIGGER)


def clock_scope(window: KpiWindow) -> ColumnElement[bool]:
    """Clocks of the selected units; a clock held by a region only (no unit) follows the region filter."""
    by_unit = window.units(SlaClock.responsible_unit_id)
    if window.unit_ids is None:
        return by_unit
    if not window.region_ids:
        return by_unit
    return or_(by_unit, and_(SlaClock.responsible_unit_id.is_(None),  # type: ignore[union-attr]
                             SlaClock.responsible_region_id.in_(window.region_ids)))  # type: ignore[union-attr]


def not_paused() -> ColumnElement[bool]:
    """Leaves out open clocks that are paused: the case waits for the applicant and its due date moves on resume."""
    return or_(SlaClock.closed_on.is_not(None), SlaClock.paused_at.is_(None))  # type: ignore[union-attr]


def on_time() -> ColumnElement[bool]:
    """The step was done on or before its due date (NULL-free only for clocks that have a due date)."""
    return and_(SlaClock.outcome == str(ClockOutcome.DONE), SlaClock.closed_on.is_not(None),  # type: ignore[union-attr]
                SlaClock.closed_on <= SlaClock.due_on)  # type: ignore[operator]


def missed() -> ColumnElement[bool]:
    """A due date that passed without the step being done (cancelled clocks are filtered out by the caller)."""
    return or_(SlaClock.closed_on.is_(None), SlaClock.closed_on > SlaClock.due_on)  # type: ignore[union-attr,operator]


def overdue_rows(window: KpiWindow, *, kinds: Iterable[str] | None = None, steps: Iterable[str] = ALL_STEPS) -> Select:
    """One row per clock overdue at the end of `window.as_of` (columns case_kind, unit_id).

    Overdue at day D: started on or before D, due before D, and not closed by D. Written as two index-friendly
    halves: clocks still open (a paused clock waits for the applicant, not for the responsible unit, and
    is left out) and clocks closed after D (only when D is in the past)."""
    day = window.as_of
    steps = tuple(steps)
    kind_filter = [] if kinds is None else [unindexed(SlaClock.case_kind).in_(tuple(kinds))]
    columns = (SlaClock.case_kind.label("case_kind"), SlaClock.responsible_unit_id.label(UNIT_COLUMN))
    # Open clocks: few, found through (closed_at, due_on).
    still_open = select(*columns).where(
        SlaClock.closed_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.due_on < day,  # type: ignore[union-attr,operator]
        SlaClock.started_on <= day, unindexed(SlaClock.step).in_(steps), clock_scope(window), *kind_filter)  # type: ignore[operator]
    # Clocks closed after D: one period's closings, found through (step, closed_on); due_on must not lure the
    # planner into scanning every clock due before D.
    closed_later = select(*columns).where(
        SlaClock.step.in_(steps), SlaClock.closed_on > day, unindexed(SlaClock.due_on) < day,  # type: ignore[union-attr,operator]
        SlaClock.started_on <= day, clock_scope(window), *kind_filter)  # type: ignore[operator]
    return union_all(still_open, closed_later).subquery("overdue")


def overdue_query(window: KpiWindow, grain: Grain) -> Select:
    rows = overdue_rows(window)
    columns = [func.count().label("overdue_total")]
    columns += [func.coalesce(func.sum(case((rows.c.case_kind.in_(kinds), 1), else_=0)), 0).label(f"overdue_{group}")
                for group, kinds in KIND_GROUPS.items()]
    stmt = select(*columns).select_from(rows)
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(rows.c[UNIT_COLUMN]).group_by(rows.c[UNIT_COLUMN])
    return stmt


def overdue_by_kind_query(window: KpiWindow) -> Select:
    """Chart source: overdue clocks per unit and kind of case."""
    rows = overdue_rows(window)
    return (select(rows.c[UNIT_COLUMN], rows.c.case_kind, func.count().label("overdue"))
            .group_by(rows.c[UNIT_COLUMN], rows.c.case_kind))


FAMILY = register_family(KpiFamily(
    key="clocks",
    title=N_("Deadlines"),
    order=90,
    unit_role=N_("Responsible unit"),
    queries=(overdue_query,),
    kpis=(
        KpiDefinition("clocks.overdue_total", N_("Overdue now: all cases"), KpiUnit.COUNT, Direction.LOWER, 0,
                      "overdue_total",
                      description=N_("Open steps of every workflow whose statutory deadline has passed, at the end "
                                     "of the period (today while it is running)."),
                      drill="overdue"),
        *(KpiDefinition(f"clocks.overdue_{kind}", title, KpiUnit.COUNT, Direction.LOWER, 0, f"overdue_{kind}",
                        description=N_("Open steps of this kind of case past their statutory deadline at the end "
                                       "of the period."),
                        drill="overdue", drill_filter={"kind": str(kind)})
          for kind, title in KIND_TITLES.items()),
    ),
))
