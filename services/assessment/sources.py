"""Where automatic values and counted deductions come from: the KPI registry (one grouped query per family, as
the dashboard's table by unit) and the platform's own records of violations (missed deadlines, one-source
conflicts, refused corrections), each counted for every unit in one grouped query over the assessed year."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, distinct, func, or_, select
from sqlmodel import Session

from models import CatalogEntry, DataItem, OneSourceDecision, SlaClock
from models.clock import ClockStep
from models.correction import Correction, CorrectionStatus
from services import kpi
from services.assessment.rules import Indicator, Method
from services.core.timeutil import tz
from services.kpi.registry import Direction, Grain, KpiWindow

ASSESSMENT_STEPS = (str(ClockStep.ASSESSMENT_REVIEW), str(ClockStep.ASSESSMENT_APPEAL))


def _end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz())


def missed_deadlines(session: Session, start: date, as_of: date) -> dict[int, int]:
    """Statutory steps due in the year (up to the snapshot) that were closed after their due date or are still
    open past it (Shanghai §23: missing the deadlines to publish or update the catalog, verify data …)."""
    late = or_(and_(SlaClock.closed_on.is_not(None), SlaClock.closed_on > SlaClock.due_on),  # type: ignore[union-attr,operator]
               and_(SlaClock.closed_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.due_on < as_of))  # type: ignore[union-attr,operator]
    rows = session.execute(
        select(SlaClock.responsible_unit_id, func.count())
        .where(SlaClock.due_on >= start, SlaClock.due_on <= as_of, SlaClock.responsible_unit_id.is_not(None),  # type: ignore[operator,union-attr]
               SlaClock.step.not_in(ASSESSMENT_STEPS), SlaClock.outcome.is_distinct_from("cancelled"), late)  # type: ignore[attr-defined,union-attr]
        .group_by(SlaClock.responsible_unit_id)).all()
    return {int(u): int(n) for u, n in rows}


def one_source_conflicts(session: Session, start: date, as_of: date) -> dict[int, int]:
    """Data items a unit declares as its own source in its published catalog while another unit does too
    (repeated collection, Qingyuan ch.9), unless the bureau ruled this unit the source."""
    claimed = (select(DataItem.norm_name)
               .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
               .where(DataItem.is_source.is_(True), CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
               .group_by(DataItem.norm_name)
               .having(func.count(distinct(CatalogEntry.provider_unit_id)) > 1))
    ruled = select(OneSourceDecision.norm_name, OneSourceDecision.source_unit_id)
    rulings = {(n, u) for n, u in session.execute(ruled).all()}
    rows = session.execute(
        select(CatalogEntry.provider_unit_id, DataItem.norm_name)
        .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
        .where(DataItem.is_source.is_(True), CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
               DataItem.norm_name.in_(claimed))  # type: ignore[attr-defined]
        .distinct()).all()
    counts: dict[int, int] = {}
    for unit_id, name in rows:
        if (name, unit_id) not in rulings:
            counts[int(unit_id)] = counts.get(int(unit_id), 0) + 1
    return counts


def refused_corrections(session: Session, start: date, as_of: date) -> dict[int, int]:
    """Corrections the source unit answered as rejected in the year (refusing to rectify, Shanghai §23)."""
    start_at = datetime.combine(start, time.min, tzinfo=tz())
    rows = session.execute(
        select(Correction.provider_unit_id, func.count())
        .where(Correction.status == str(CorrectionStatus.REJECTED), Correction.answered_at >= start_at,  # type: ignore[operator]
               Correction.answered_at < _end(as_of))  # type: ignore[operator]
        .group_by(Correction.provider_unit_id)).all()
    return {int(u): int(n) for u, n in rows}


COUNTERS: dict[str, Callable[[Session, date, date], dict[int, int]]] = {
    "missed_deadlines": missed_deadlines,
    "one_source_conflicts": one_source_conflicts,
    "refused_corrections": refused_corrections,
}


def kpi_directions() -> dict[str, bool]:
    """Per KPI key: is higher better?"""
    return {d.key: d.direction is Direction.HIGHER for d in kpi.definitions()}


def measurable(indicator: Indicator) -> bool:
    """False when the indicator reads a KPI this deployment has not registered (shown as not measured)."""
    key = indicator.kpi_key
    return key is None or kpi.definition(key) is not None


def compute_values(session: Session, indicators: Iterable[Indicator], year: int, as_of: date,
                   unit_ids: Iterable[int]) -> dict[tuple[int, str], tuple[float | None, bool]]:
    """(unit, indicator) -> (value, measured) for every automatic indicator and counted deduction, as of `as_of`:
    one grouped query per KPI family and one per platform counter, whatever the number of units."""
    units = list(unit_ids)
    start, end = date(year, 1, 1), date(year, 12, 31)
    window = KpiWindow(start, end, min(as_of, end), None, None)
    family_cache: dict[str, dict[object, dict]] = {}
    counter_cache: dict[str, dict[int, int]] = {}
    values: dict[tuple[int, str], tuple[float | None, bool]] = {}
    for ind in indicators:
        key = ind.kpi_key
        if key is not None:
            definition = kpi.definition(key)
            if definition is None:
                for unit_id in units:
                    values[(unit_id, ind.code)] = (None, False)
                continue
            if definition.family not in family_cache:
                family = next(f for f in kpi.families() if f.key == definition.family)
                family_cache[definition.family] = kpi.family_rows(session, family, window, Grain.UNIT)
            rows = family_cache[definition.family]
            for unit_id in units:
                value = definition.value(rows.get(unit_id, {}))
                values[(unit_id, ind.code)] = (None if value is None else round(value, 4), True)
        elif ind.method is Method.DEDUCTION and ind.counter:
            if ind.counter not in counter_cache:
                counter_cache[ind.counter] = COUNTERS[ind.counter](session, start, window.as_of)
            counts = counter_cache[ind.counter]
            for unit_id in units:
                values[(unit_id, ind.code)] = (float(counts.get(unit_id, 0)), True)
    return values
