"""The inbox (我的待办): open SLA clocks in the user's scope, soonest deadline first, with their status.

Scope comes from the permission `inbox.view`: a unit steward sees the clocks of their unit, a county approver
those of their county, the bureau, leadership and assessors everything. The page is read with one query (case
titles joined in, no query per row) and counted with one aggregate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import String, and_, case, func, literal
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import CatalogEntry, OpenPlan, OpenPlanItem, OpenRequest, Region, ShareRequest, SlaClock, Unit
from models.aggregation import DataChange
from models.assessment import Assessment, AssessmentAppeal, AssessmentCard
from models.catalog import OpenAttribute
from models.correction import Correction
from models.opendata import PlanStatus
from models.project import Project
from models.report import AnnualReport
from models.sharing import Dispute
from services.core.actor import Actor
from services.core.permissions import Scope
from services.core.settings import get_settings
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.deadlines import calendar, clocks

STATUS_FILTERS = ("overdue", "due_soon")
COLUMNS = ["clock_id", "case_kind", "case_id", "case_ref", "step", "unit_id", "unit_name", "started_on", "due_on",
           "status", "workdays_left", "age_workdays", "provisional"]


@dataclass
class InboxFilters:
    case_kind: str | None = None
    unit_id: int | None = None
    status: str | None = None  # "overdue" | "due_soon" | None (all open)


@dataclass
class InboxCounts:
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    paused: int = 0


@dataclass
class InboxPage:
    rows: pd.DataFrame
    total: int  # rows matching the filters (all pages)
    page: int
    page_size: int
    counts: InboxCounts  # over the whole scope, ignoring the filters
    today: date
    kinds: list[str] = field(default_factory=list)  # case kinds present in scope (filter choices)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _scoped(stmt, actor: Actor, scope: Scope):
    if scope is Scope.UNIT:
        return stmt.where(SlaClock.responsible_unit_id == actor.unit_id)
    if scope is Scope.REGION:
        return stmt.where(SlaClock.responsible_region_id.in_(actor.region_ids or {-1}))  # type: ignore[union-attr]
    return stmt


def _open():
    return SlaClock.closed_at.is_(None)  # type: ignore[union-attr]


def _soon_limit(today: date) -> date:
    """Clocks due before this date (and not before today) have DUE_SOON_WORKDAYS or fewer working days left."""
    return calendar.deadline(today, clocks.DUE_SOON_WORKDAYS + 1)


def case_ref_column():
    """A SQL expression naming the case of a clock (request code, entry name …), for one-query listings."""
    request_of_dispute = aliased(ShareRequest)
    changed_entry = aliased(CatalogEntry)
    assessment_of_card, assessment_of_appeal = aliased(Assessment), aliased(Assessment)
    ref = case(
        (SlaClock.case_kind == "catalog_entry", CatalogEntry.name),
        (SlaClock.case_kind == "share_request", ShareRequest.code),
        (SlaClock.case_kind == "dispute", request_of_dispute.code),
        (SlaClock.case_kind == "correction", Correction.code),
        (SlaClock.case_kind == "data_change", changed_entry.name),
        (SlaClock.case_kind == "open_request", OpenRequest.code),
        (SlaClock.case_kind == "assessment_card", assessment_of_card.title),
        (SlaClock.case_kind == "assessment_appeal", assessment_of_appeal.title),
        (SlaClock.case_kind == "project", Project.name),
        (SlaClock.case_kind == "annual_report", func.cast(AnnualReport.year, String)),
        else_=literal(None),
    )
    joins = [
        (CatalogEntry, and_(SlaClock.case_kind == "catalog_entry", CatalogEntry.id == SlaClock.case_id)),
        (ShareRequest, and_(SlaClock.case_kind == "share_request", ShareRequest.id == SlaClock.case_id)),
        (Dispute, and_(SlaClock.case_kind == "dispute", Dispute.id == SlaClock.case_id)),
        (request_of_dispute, request_of_dispute.id == Dispute.request_id),
        (Correction, and_(SlaClock.case_kind == "correction", Correction.id == SlaClock.case_id)),
        (DataChange, and_(SlaClock.case_kind == "data_change", DataChange.id == SlaClock.case_id)),
        (changed_entry, changed_entry.id == DataChange.entry_id),
        (OpenRequest, and_(SlaClock.case_kind == "open_request", OpenRequest.id == SlaClock.case_id)),
        (AssessmentCard, and_(SlaClock.case_kind == "assessment_card", AssessmentCard.id == SlaClock.case_id)),
        (assessment_of_card, assessment_of_card.id == AssessmentCard.assessment_id),
        (AssessmentAppeal, and_(SlaClock.case_kind == "assessment_appeal", AssessmentAppeal.id == SlaClock.case_id)),
        (assessment_of_appeal, assessment_of_appeal.id == AssessmentAppeal.assessment_id),
        (Project, and_(SlaClock.case_kind == "project", Project.id == SlaClock.case_id)),
        (AnnualReport, and_(SlaClock.case_kind == "annual_report", AnnualReport.id == SlaClock.case_id)),
    ]
    return ref, joins


def _apply_filters(stmt, filters: InboxFilters, today: date):
    if filters.case_kind:
        stmt = stmt.where(SlaClock.case_kind == filters.case_kind)
    if filters.unit_id:
        stmt = stmt.where(SlaClock.responsible_unit_id == filters.unit_id)
    if filters.status == "overdue":
        stmt = stmt.where(SlaClock.paused_at.is_(None), SlaClock.due_on < today)  # type: ignore[union-attr]
    elif filters.status == "due_soon":
        stmt = stmt.where(SlaClock.paused_at.is_(None), SlaClock.due_on >= today,  # type: ignore[union-attr]
                          SlaClock.due_on < _soon_limit(today))
    return stmt


def _counts(session: Session, actor: Actor, scope: Scope, today: date) -> InboxCounts:
    running = SlaClock.paused_at.is_(None)  # type: ignore[union-attr]
    stmt = select(
        func.count(),
        func.coalesce(func.sum(case((and_(running, SlaClock.due_on >= today, SlaClock.due_on < _soon_limit(today)), 1),
                                    else_=0)), 0),
        func.coalesce(func.sum(case((and_(running, SlaClock.due_on < today), 1), else_=0)), 0),
        func.coalesce(func.sum(case((SlaClock.paused_at.is_not(None), 1), else_=0)), 0),  # type: ignore[union-attr]
    ).select_from(SlaClock).where(_open())
    total, soon, overdue, paused = session.exec(_scoped(stmt, actor, scope)).one()
    return InboxCounts(int(total), int(soon), int(overdue), int(paused))


def _kinds(session: Session, actor: Actor, scope: Scope) -> list[str]:
    stmt = select(SlaClock.case_kind).where(_open()).distinct()
    return sorted(session.exec(_scoped(stmt, actor, scope)).all())


def rows_frame(records: Iterable, today: date) -> pd.DataFrame:
    """Add status, working days left and age to (clock, case_ref, unit_name) records."""
    cal = calendar.current()
    out = []
    for clock, case_ref, unit_name in records:
        out.append({
            "clock_id": clock.id, "case_kind": clock.case_kind, "case_id": clock.case_id,
            "case_ref": case_ref or f"#{clock.case_id}", "step": clock.step, "unit_id": clock.responsible_unit_id,
            "unit_name": unit_name or "", "started_on": clock.started_on, "due_on": clock.due_on,
            "status": str(clocks.status(clock, today)), "workdays_left": clocks.workdays_left(clock, today),
            "age_workdays": clocks.age_workdays(clock, today),
            "provisional": bool(clock.due_on and cal.is_provisional(clock.due_on)),
        })
    return pd.DataFrame(out, columns=COLUMNS)


def _ordered_page(session: Session, stmt, n_dated: int, offset: int, limit: int) -> list:
    """Rows offset … offset+limit of `stmt` in inbox order: dated clocks by (due_on, started_on, id), then the
    clocks without a deadline by (started_on, id).

    The two parts are read separately so that each is a range read of an open-clock index (models/clock.py) that stops
    after the page; one ORDER BY putting NULL due dates last would sort every open clock for every page (SQLite
    sorts NULLs first and cannot read `due_on IS NULL` off the index)."""
    records: list = []
    if offset < n_dated:
        dated = stmt.where(SlaClock.due_on.is_not(None))  # type: ignore[union-attr]
        dated = dated.order_by(SlaClock.due_on, SlaClock.started_on, SlaClock.id)
        records.extend(session.exec(dated.offset(offset).limit(limit)).all())
    remaining = limit - len(records)
    if remaining > 0:
        undated = stmt.where(SlaClock.due_on.is_(None))  # type: ignore[union-attr]
        undated = undated.order_by(SlaClock.started_on, SlaClock.id)
        records.extend(session.exec(undated.offset(max(0, offset - n_dated)).limit(remaining)).all())
    return records


def inbox(actor: Actor, filters: InboxFilters | None = None, *, page: int = 1, page_size: int | None = None,
          now: datetime | None = None) -> InboxPage:
    """One page of the open clocks in the actor's scope, soonest due date first (no deadline last)."""
    filters = filters or InboxFilters()
    page_size = page_size or get_settings().page_size
    today = local_date(now)
    with read_scope(actor, "inbox.view", now=now) as (session, scope):
        counts = _counts(session, actor, scope, today)
        undated = SlaClock.due_on.is_(None)  # type: ignore[union-attr]
        count_stmt = _apply_filters(_scoped(
            select(func.count(), func.coalesce(func.sum(case((undated, 1), else_=0)), 0))
            .select_from(SlaClock).where(_open()), actor, scope), filters, today)
        total, n_undated = (int(n) for n in session.exec(count_stmt).one())
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        ref, joins = case_ref_column()
        stmt = select(SlaClock, ref, Unit.name).select_from(SlaClock)
        for target, condition in joins:
            stmt = stmt.outerjoin(target, condition)
        stmt = stmt.outerjoin(Unit, Unit.id == SlaClock.responsible_unit_id).where(_open())
        stmt = _apply_filters(_scoped(stmt, actor, scope), filters, today)
        records = _ordered_page(session, stmt, total - n_undated, (page - 1) * page_size, page_size)
        frame = rows_frame(records, today)
        kinds = _kinds(session, actor, scope)
    return InboxPage(frame, total, page, page_size, counts, today, kinds)


def overdue_by_unit(actor: Actor, *, now: datetime | None = None) -> pd.DataFrame:
    """Open, due-soon and overdue clocks per responsible unit in scope, most overdue first."""
    today = local_date(now)
    soon = _soon_limit(today)
    running = SlaClock.paused_at.is_(None)  # type: ignore[union-attr]
    with read_scope(actor, "inbox.view", now=now) as (session, scope):
        stmt = (select(SlaClock.responsible_unit_id, Unit.name, Region.name, func.count(),
                       func.sum(case((and_(running, SlaClock.due_on >= today, SlaClock.due_on < soon), 1), else_=0)),
                       func.sum(case((and_(running, SlaClock.due_on < today), 1), else_=0)),
                       func.min(case((and_(running, SlaClock.due_on < today), SlaClock.due_on), else_=None)))
                .select_from(SlaClock)
                .outerjoin(Unit, Unit.id == SlaClock.responsible_unit_id)
                .outerjoin(Region, Region.id == Unit.region_id)
                .where(_open())
                .group_by(SlaClock.responsible_unit_id, Unit.name, Region.name))
        rows = session.exec(_scoped(stmt, actor, scope)).all()
    frame = pd.DataFrame(rows, columns=["unit_id", "unit_name", "region_name", "open", "due_soon", "overdue",
                                        "oldest_due_on"])
    if frame.empty:
        return frame
    frame[["open", "due_soon", "overdue"]] = frame[["open", "due_soon", "overdue"]].fillna(0).astype(int)
    cal = calendar.current()
    frame["max_workdays_late"] = [
        max(1, cal.elapsed(d, today)) if isinstance(d, date) else 0 for d in frame["oldest_due_on"]]
    return frame.sort_values(["overdue", "due_soon", "open"], ascending=False, ignore_index=True)


def unit_choices(actor: Actor) -> dict[int, str]:
    """Units that have open clocks in the actor's scope (the unit filter)."""
    with read_scope(actor, "inbox.view") as (session, scope):
        stmt = (select(Unit.id, Unit.name).join(SlaClock, SlaClock.responsible_unit_id == Unit.id)
                .where(_open()).distinct())
        rows = session.exec(_scoped(stmt, actor, scope)).all()
    return dict(sorted(rows, key=lambda r: r[1]))


# --- yearly open plans ----------------------------------------------------------------------------------------
PLAN_COLUMNS = ["item_id", "plan_id", "year", "unit_id", "unit_name", "entry_id", "resource_code", "entry_name",
                "target_date", "days_late"]


def plan_item_overdue_conditions(today: date) -> list:
    """An item of a filed, accepted or returned plan (a draft is no commitment yet) whose target date has passed
    while its entry is not yet published with an open attribute (Qingyuan ch.5: progress against the plan)."""
    opened = (CatalogEntry.is_published.is_(True)  # type: ignore[attr-defined]
              & CatalogEntry.open_attribute.in_([str(OpenAttribute.OPEN), str(OpenAttribute.CONDITIONAL)]))  # type: ignore[union-attr]
    return [OpenPlan.status != str(PlanStatus.DRAFT), OpenPlanItem.target_date < today, ~opened]


def overdue_plan_items(actor: Actor, *, limit: int = 200, now: datetime | None = None) -> pd.DataFrame:
    """Planned openings past their target date in the actor's inbox scope (a steward: their unit's), oldest
    first. A plan item has a calendar date the unit chose, not a statutory number of working days, so it is no SLA
    clock: the inbox lists it beside the clocks and the daily reminders remind the unit of it."""
    today = local_date(now)
    with read_scope(actor, "inbox.view", now=now) as (session, scope):
        stmt = (select(OpenPlanItem.id, OpenPlan.id, OpenPlan.year, OpenPlan.unit_id, Unit.name, CatalogEntry.id,
                       CatalogEntry.resource_code, CatalogEntry.name, OpenPlanItem.target_date)
                .join(OpenPlan, OpenPlan.id == OpenPlanItem.plan_id)
                .join(CatalogEntry, CatalogEntry.id == OpenPlanItem.entry_id)
                .join(Unit, Unit.id == OpenPlan.unit_id)
                .where(*plan_item_overdue_conditions(today)))
        if scope is Scope.UNIT:
            stmt = stmt.where(OpenPlan.unit_id == actor.unit_id)
        elif scope is Scope.REGION:
            stmt = stmt.where(OpenPlan.region_id.in_(actor.region_ids or {-1}))  # type: ignore[union-attr]
        rows = session.exec(stmt.order_by(OpenPlanItem.target_date, OpenPlanItem.id).limit(limit)).all()
    return pd.DataFrame([(*r, (today - r[8]).days) for r in rows], columns=PLAN_COLUMNS)
