"""KPI family `catalog`: coverage, completeness and quality of the published catalog at the end of the period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from models import CatalogEntry, ResponsibilityItem
from models.catalog import EntryStatus, OpenAttribute, ShareType
from services.catalog import rules as catalog_rules
from services.core.i18n import N_
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

# Shanghai §9/§10: every unit maintains its whole catalog at least once a year.

RESTRICTED = (str(ShareType.CONDITIONAL), str(ShareType.NOT_SHARED))
OPEN = (str(OpenAttribute.OPEN), str(OpenAttribute.CONDITIONAL))


def live_at(window: KpiWindow) -> ColumnElement[bool]:
    """Entries published at the end of the window (an entry published later is not yet in the catalog).

    Withdrawals are not reconstructed for past periods: a withdrawn entry leaves every period's figures."""
    return and_(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                or_(CatalogEntry.published_on.is_(None), CatalogEntry.published_on <= window.as_of))  # type: ignore[union-attr,operator]


def maintained_since(window: KpiWindow) -> datetime:
    """Start of the twelve months that end with `as_of` (services.catalog.rules.maintained_since)."""
    return catalog_rules.maintained_since(window.as_of)


def has_basis() -> ColumnElement[bool]:
    return func.length(func.trim(func.coalesce(CatalogEntry.restriction_basis, ""))) > 0


def entries_query(window: KpiWindow, grain: Grain) -> Select:
    restricted = CatalogEntry.share_type.in_(RESTRICTED)  # type: ignore[union-attr]
    maintained = and_(CatalogEntry.last_maintained_at >= maintained_since(window),  # type: ignore[operator]
                      CatalogEntry.last_maintained_at < window.as_of_end)  # type: ignore[operator]
    stmt = select(
        func.count().label("published"),
        func.coalesce(func.sum(CatalogEntry.completeness), 0).label("completeness_sum"),
        count_where(restricted).label("restricted"),
        count_where(and_(restricted, has_basis())).label("restricted_with_basis"),
        count_where(CatalogEntry.share_type == str(ShareType.UNCONDITIONAL)).label("unconditional"),
        count_where(CatalogEntry.open_attribute.in_(OPEN)).label("open_entries"),  # type: ignore[union-attr]
        count_where(maintained).label("maintained"),
    ).where(live_at(window), window.units(CatalogEntry.provider_unit_id))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(CatalogEntry.provider_unit_id.label(UNIT_COLUMN)).group_by(CatalogEntry.provider_unit_id)
    return stmt


def responsibility_query(window: KpiWindow, grain: Grain) -> Select:
    covered = and_(CatalogEntry.id.is_not(None), live_at(window))  # type: ignore[union-attr]
    stmt = (select(func.count(ResponsibilityItem.id).label("responsibilities"), count_where(covered).label("covered"))
            .select_from(ResponsibilityItem)
            .outerjoin(CatalogEntry, CatalogEntry.id == ResponsibilityItem.entry_id)
            .where(ResponsibilityItem.created_at < window.as_of_end,  # type: ignore[operator]
                   window.units(ResponsibilityItem.unit_id)))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(ResponsibilityItem.unit_id.label(UNIT_COLUMN)).group_by(ResponsibilityItem.unit_id)
    return stmt


def funnel_query(window: KpiWindow) -> Select:
    """Chart source: entries compiled → submitted for review → published → open to the public.

    Counts the current state of entries created by the end of the window (not withdrawn)."""
    status = CatalogEntry.status
    submitted = or_(CatalogEntry.submitted_at.is_not(None), CatalogEntry.is_published.is_(True),  # type: ignore[union-attr,attr-defined]
                    status.in_([str(EntryStatus.SUBMITTED), str(EntryStatus.RETURNED)]))  # type: ignore[attr-defined]
    live = live_at(window)
    return select(
        func.count().label("compiled"),
        count_where(submitted).label("submitted"),
        count_where(CatalogEntry.status == str(EntryStatus.RETURNED)).label("returned"),
        count_where(live).label("published"),
        count_where(and_(live, CatalogEntry.share_type != str(ShareType.NOT_SHARED))).label("shareable"),
        count_where(and_(live, CatalogEntry.open_attribute.in_(OPEN))).label("open"),  # type: ignore[union-attr]
    ).where(CatalogEntry.status != str(EntryStatus.WITHDRAWN), CatalogEntry.created_at < window.as_of_end,  # type: ignore[operator]
            window.units(CatalogEntry.provider_unit_id))


def share_types_query(window: KpiWindow) -> Select:
    """Chart source: published entries per provider unit and share type."""
    return (select(CatalogEntry.provider_unit_id.label(UNIT_COLUMN), CatalogEntry.share_type.label("share_type"),
                   func.count().label("entries"))
            .where(live_at(window), window.units(CatalogEntry.provider_unit_id))
            .group_by(CatalogEntry.provider_unit_id, CatalogEntry.share_type))


FAMILY = register_family(KpiFamily(
    key="catalog",
    title=N_("Catalog"),
    order=10,
    unit_role=N_("Providing unit"),
    queries=(entries_query, responsibility_query),
    kpis=(
        KpiDefinition("catalog.coverage", N_("Catalog coverage"), KpiUnit.PERCENT, Direction.HIGHER, 95.0,
                      "covered", "responsibilities",
                      description=N_("Responsibility-list items whose linked entry is published, divided by all "
                                     "responsibility-list items, at the end of the period."),
                      drill="units"),
        KpiDefinition("catalog.completeness", N_("Metadata completeness"), KpiUnit.PERCENT, Direction.HIGHER, 90.0,
                      "completeness_sum", "published",
                      description=N_("Average share of required core metadata filled in, over published entries."),
                      drill="units"),
        KpiDefinition("catalog.basis_rate", N_("Restricted entries citing a legal basis"), KpiUnit.PERCENT,
                      Direction.HIGHER, 100.0, "restricted_with_basis", "restricted",
                      description=N_("Published conditional or not-shared entries that cite their legal basis, "
                                     "divided by all published conditional or not-shared entries."),
                      drill="units"),
        KpiDefinition("catalog.unconditional_share", N_("Unconditional-share share"), KpiUnit.PERCENT,
                      Direction.HIGHER, 60.0, "unconditional", "published",
                      description=N_("Published entries shared unconditionally, divided by all published entries."),
                      drill="units"),
        KpiDefinition("catalog.open_entries", N_("Open entries"), KpiUnit.COUNT, Direction.HIGHER, None,
                      "open_entries",
                      description=N_("Published entries open to the public, unconditionally or on conditions."),
                      drill="units"),
        KpiDefinition("catalog.maintenance", N_("Maintained in the last 12 months"), KpiUnit.PERCENT,
                      Direction.HIGHER, 90.0, "maintained", "published",
                      description=N_("Published entries reviewed or confirmed in the twelve months ending at the "
                                     "end of the period, divided by all published entries."),
                      drill="units", applies_if="annual_maintenance"),
    ),
))
