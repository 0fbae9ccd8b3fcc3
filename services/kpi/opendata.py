"""KPI family `opendata`: the open catalog's size, public requests by kind and state, their answers against the
statutory deadlines, the approval rate and the progress of the yearly open plans."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select

from models import CatalogEntry, ClockStep, OpenPlan, OpenPlanItem, OpenRequest, SlaClock
from models.catalog import OpenAttribute
from models.opendata import OpenRequestKind, OpenRequestStatus
from services.core.i18n import N_
from services.kpi.catalog import live_at
from services.kpi.clocks import clock_scope, not_paused, on_time
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

OPEN_STEPS = (str(ClockStep.OPEN_DEMAND_ANSWER), str(ClockStep.OPEN_APPLICATION_ANSWER))
OPENED = (str(OpenAttribute.OPEN), str(OpenAttribute.CONDITIONAL))
WAITING = (str(OpenRequestStatus.SUBMITTED), str(OpenRequestStatus.NEEDS_INFO),
           str(OpenRequestStatus.UNIT_AGREED))  # the last waits for the bureau's grant (Longyan §18)


def _by_unit(stmt: Select, column) -> Select:
    return stmt.add_columns(column.label(UNIT_COLUMN)).group_by(column)


def catalog_query(window: KpiWindow, grain: Grain) -> Select:
    """Entries live at the end of the window, and those of them open (unconditionally or on conditions)."""
    stmt = select(func.count().label("od_published"),
                  count_where(CatalogEntry.open_attribute.in_(OPENED)).label("od_open_entries"),  # type: ignore[union-attr]
                  ).where(live_at(window), window.units(CatalogEntry.provider_unit_id))
    return _by_unit(stmt, CatalogEntry.provider_unit_id) if grain is Grain.UNIT else stmt


def requests_query(window: KpiWindow, grain: Grain) -> Select:
    """Requests submitted in the window by kind; still waiting at its end; answered in it by outcome."""
    submitted = and_(OpenRequest.submitted_at >= window.start_at, OpenRequest.submitted_at < window.as_of_end)  # type: ignore[operator]
    answered = and_(OpenRequest.answered_at >= window.start_at, OpenRequest.answered_at < window.as_of_end)  # type: ignore[operator]
    stmt = select(
        count_where(submitted).label("od_received"),
        count_where(and_(submitted, OpenRequest.kind == str(OpenRequestKind.DEMAND))).label("od_demands"),
        count_where(and_(submitted, OpenRequest.kind == str(OpenRequestKind.APPLICATION))).label("od_applications"),
        count_where(and_(OpenRequest.submitted_at < window.as_of_end,  # type: ignore[operator]
                    OpenRequest.status.in_(WAITING))).label("od_waiting"),  # type: ignore[attr-defined]
        count_where(and_(answered, OpenRequest.status == str(OpenRequestStatus.AGREED))).label("od_agreed"),
        count_where(answered).label("od_answered"),
    ).where(window.units(OpenRequest.unit_id))
    return _by_unit(stmt, OpenRequest.unit_id) if grain is Grain.UNIT else stmt


def deadlines_query(window: KpiWindow, grain: Grain) -> Select:
    """Answer deadlines of public requests that fell due in the window, and how many were met."""
    stmt = select(func.count().label("od_due"), count_where(on_time()).label("od_on_time")).where(
        SlaClock.step.in_(OPEN_STEPS),  # type: ignore[attr-defined]
        SlaClock.due_on >= window.start, SlaClock.due_on <= window.as_of,  # type: ignore[operator]
        not_cancelled(), not_paused(), clock_scope(window))
    return _by_unit(stmt, SlaClock.responsible_unit_id) if grain is Grain.UNIT else stmt


def plans_query(window: KpiWindow, grain: Grain) -> Select:
    """Entries in the accepted or filed open plans of the as-of year, and those already open."""
    opened = and_(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                  CatalogEntry.open_attribute.in_(OPENED))  # type: ignore[union-attr]
    stmt = (select(func.count(OpenPlanItem.id).label("od_planned"), count_where(opened).label("od_plan_opened"))
            .select_from(OpenPlanItem)
            .join(OpenPlan, OpenPlan.id == OpenPlanItem.plan_id)
            .join(CatalogEntry, CatalogEntry.id == OpenPlanItem.entry_id)
            .where(OpenPlan.year == window.as_of.year, OpenPlan.status.in_(("filed", "accepted")),  # type: ignore[attr-defined]
                   window.units(OpenPlan.unit_id)))
    return _by_unit(stmt, OpenPlan.unit_id) if grain is Grain.UNIT else stmt


FAMILY = register_family(KpiFamily(
    key="opendata",
    title=N_("Open data"),
    order=30,
    unit_role=N_("Answering unit"),
    queries=(catalog_query, requests_query, deadlines_query, plans_query),
    kpis=(
        KpiDefinition("opendata.open_share", N_("Share of published entries that are open"), KpiUnit.PERCENT,
                      Direction.HIGHER, None, "od_open_entries", "od_published",
                      description=N_("Open entries divided by all published entries at the end of the period."),
                      drill="units"),
        KpiDefinition("opendata.requests", N_("Public requests received"), KpiUnit.COUNT, Direction.HIGHER, None,
                      "od_received",
                      description=N_("Open-data demands and applications for conditionally open data submitted in "
                                     "the period."), drill="units"),
        KpiDefinition("opendata.demands", N_("Open-data demands received"), KpiUnit.COUNT, Direction.HIGHER, None,
                      "od_demands", description=N_("Open-data demands (Longyan §19) submitted in the period."),
                      drill="units"),
        KpiDefinition("opendata.applications", N_("Applications for conditionally open data"), KpiUnit.COUNT,
                      Direction.HIGHER, None, "od_applications",
                      description=N_("Applications for conditionally open data submitted in the period."),
                      drill="units"),
        KpiDefinition("opendata.waiting", N_("Public requests waiting for an answer"), KpiUnit.COUNT,
                      Direction.LOWER, None, "od_waiting",
                      description=N_("Requests submitted by the end of the period and not yet answered (including "
                                     "those waiting for the applicant)."), drill="units"),
        KpiDefinition("opendata.on_time_answer", N_("On-time answers to the public"), KpiUnit.PERCENT,
                      Direction.HIGHER, 95.0, "od_on_time", "od_due",
                      description=N_("Answer deadlines of public requests that fell due in the period and were met, "
                                     "divided by all that fell due in the period (unanswered ones count as missed)."),
                      drill="late", drill_filter={"kind": "open_request"}),
        KpiDefinition("opendata.approval_rate", N_("Public requests agreed"), KpiUnit.PERCENT, Direction.HIGHER,
                      None, "od_agreed", "od_answered",
                      description=N_("Requests answered in the period that were agreed, divided by all answered."),
                      drill="units"),
        KpiDefinition("opendata.plan_progress", N_("Open plan progress"), KpiUnit.PERCENT, Direction.HIGHER, 100.0,
                      "od_plan_opened", "od_planned",
                      description=N_("Entries of the year's filed or accepted open plans that are open now, divided "
                                     "by all planned entries."), drill="units"),
    ),
))
