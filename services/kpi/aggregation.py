"""KPI family `aggregation` (RULES.md §3): mounted entries, freshness against the declared update frequency and
filings that aggregation is not possible, by providing unit. Stock at the end of the as-of day, read from the
entry's columns (`aggregation_active`, `fresh_until`) kept by the update log — never from the log itself."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select

from models import CatalogEntry
from models.aggregation import AggregationRegistration, RegistrationState
from services.core.i18n import N_
from services.kpi.catalog import live_at
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


def entries_query(window: KpiWindow, grain: Grain) -> Select:
    mounted = CatalogEntry.aggregation_active.is_(True)  # type: ignore[attr-defined]
    fresh = and_(mounted, or_(CatalogEntry.fresh_until.is_(None), CatalogEntry.fresh_until >= window.as_of))  # type: ignore[union-attr,operator]
    stale = and_(mounted, CatalogEntry.fresh_until < window.as_of)  # type: ignore[operator]
    stmt = select(func.count().label("agg_published"), count_where(mounted).label("mounted"), count_where(fresh).label("fresh"),
                  count_where(stale).label("stale")).where(live_at(window), window.units(CatalogEntry.provider_unit_id))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(CatalogEntry.provider_unit_id.label(UNIT_COLUMN)).group_by(CatalogEntry.provider_unit_id)
    return stmt


def filings_query(window: KpiWindow, grain: Grain) -> Select:
    stmt = select(func.count().label("not_possible")).where(
        AggregationRegistration.state == str(RegistrationState.NOT_POSSIBLE),
        AggregationRegistration.created_at < window.as_of_end,  # type: ignore[operator]
        window.units(AggregationRegistration.unit_id))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(AggregationRegistration.unit_id.label(UNIT_COLUMN)).group_by(AggregationRegistration.unit_id)
    return stmt


FAMILY = register_family(KpiFamily(
    key="aggregation",
    title=N_("Aggregation"),
    order=15,
    unit_role=N_("Providing unit"),
    queries=(entries_query, filings_query),
    kpis=(
        KpiDefinition("aggregation.mount_rate", N_("Mount rate"), KpiUnit.PERCENT, Direction.HIGHER, 90.0,
                      "mounted", "agg_published",
                      description=N_("Published entries whose data is aggregated to the platform (active "
                                     "registration), divided by all published entries."),
                      drill="units"),
        KpiDefinition("aggregation.fresh_rate", N_("Fresh rate"), KpiUnit.PERCENT, Direction.HIGHER, 90.0,
                      "fresh", "mounted",
                      description=N_("Mounted entries whose last update lies within their declared update "
                                     "frequency (one working day of tolerance), divided by all mounted entries."),
                      drill="units"),
        KpiDefinition("aggregation.stale_entries", N_("Stale entries"), KpiUnit.COUNT, Direction.LOWER, 0,
                      "stale",
                      description=N_("Mounted entries not updated within their declared frequency."),
                      drill="units"),
        KpiDefinition("aggregation.not_possible", N_("Filed as not possible"), KpiUnit.COUNT, Direction.LOWER, None,
                      "not_possible",
                      description=N_("Entries whose unit filed with the bureau that they cannot be aggregated."),
                      drill="units"),
    ),
))
