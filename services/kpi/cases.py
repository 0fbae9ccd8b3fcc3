"""The items behind the red numbers: overdue and late cases, and the unit page's catalog issues and requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from models import (
    CalendarDay,
    CaseKind,
    CatalogEntry,
    CatalogTrigger,
    ClockStep,
    Correction,
    DataChange,
    Dispute,
    Region,
    ResponsibilityItem,
    ShareRequest,
    SlaClock,
    Unit,
)
from services.core.actor import Actor
from services.core.errors import NotFound
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date, to_local
from services.core.uow import read_scope
from services.kpi import KpiSettings, Period, select_units
from services.kpi.catalog import RESTRICTED, has_basis, live_at, maintained_since
from services.kpi.clocks import clock_scope, missed, not_paused
from services.kpi.registry import KpiWindow
from services.kpi.sharing import not_cancelled


class CaseMode(StrEnum):
    OVERDUE = "overdue"  # open now (or at the end of the period) and past the due date
    LATE = "late"  # due in the period and not met: closed late or still open
    OPEN = "open"  # every open step, overdue or not


CASE_KIND_TITLES = {
    CaseKind.CATALOG_ENTRY: N_("Catalog entry"),
    CaseKind.SHARE_REQUEST: N_("Share request"),
    CaseKind.DISPUTE: N_("Sharing dispute"),
    CaseKind.CORRECTION: N_("Correction"),
    CaseKind.OPEN_REQUEST: N_("Open-data request"),
    "catalog_trigger": N_("Catalog change to record"),
}
STEP_TITLES = {
    ClockStep.CATALOG_UPDATE: N_("Catalog update"),
    ClockStep.CATALOG_REVIEW: N_("Catalog review"),
    ClockStep.SHARE_ANSWER: N_("Answer the request"),
    ClockStep.SHARE_IMPLEMENT: N_("Implement sharing"),
    ClockStep.UNCATALOGUED_CONFIRM: N_("Confirm uncatalogued data"),
    ClockStep.DISPUTE: N_("Coordinate the dispute"),
    ClockStep.CORRECTION_VERIFY: N_("Verify the correction"),
    ClockStep.CORRECTION_EXTENSION: N_("Verify the correction (extended)"),
    ClockStep.DATA_REFRESH: N_("Update the changed shared data"),
    ClockStep.OPEN_DEMAND_ANSWER: N_("Answer the open-data demand"),
    ClockStep.OPEN_APPLICATION_ANSWER: N_("Answer the open-data application"),
    ClockStep.OPEN_GRANT: N_("Grant the authorised-open access"),
    ClockStep.SHARE_APPLICATION_FORM: N_("Receive the written application form"),
}


def title_of(titles: dict, code: str | None) -> str:
    """Display name of a stored code in the current language (the code itself when it is unknown)."""
    if code is None:
        return ""
    msgid = titles.get(code)
    return _(msgid) if msgid else str(code)


CASE_COLUMNS = ["clock_id", "case_kind", "case_id", "reference", "subject", "step", "unit_id", "unit", "region",
                "started_on", "due_on", "closed_on", "workdays_late"]

# case kind -> function(session, ids) -> {case id: (reference, subject)}; other workflows add theirs.
CaseLabeler = Callable[[Session, list[int]], dict[int, tuple[str, str]]]
CASE_LABELERS: dict[str, CaseLabeler] = {}


def register_case_labeler(kind: str) -> Callable[[CaseLabeler], CaseLabeler]:
    def deco(fn: CaseLabeler) -> CaseLabeler:
        CASE_LABELERS[kind] = fn
        return fn
    return deco


@register_case_labeler(CaseKind.SHARE_REQUEST)
def _share_labels(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(ShareRequest.id, ShareRequest.code, CatalogEntry.name,
                                  ShareRequest.uncatalogued_description)
                           .outerjoin(CatalogEntry, CatalogEntry.id == ShareRequest.entry_id)
                           .where(ShareRequest.id.in_(ids))).all()  # type: ignore[union-attr]
    return {rid: (code, name or (description or "")[:60]) for rid, code, name, description in rows}


@register_case_labeler(CaseKind.CATALOG_ENTRY)
def _entry_labels(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name)
                           .where(CatalogEntry.id.in_(ids))).all()  # type: ignore[union-attr]
    return {eid: (code, name) for eid, code, name in rows}


@register_case_labeler("catalog_trigger")
def _trigger_labels(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(CatalogTrigger.id, CatalogEntry.resource_code, CatalogEntry.name, CatalogTrigger.note)
                           .outerjoin(CatalogEntry, CatalogEntry.id == CatalogTrigger.entry_id)
                           .where(CatalogTrigger.id.in_(ids))).all()  # type: ignore[union-attr]
    return {tid: (code or f"#{tid}", name or (note or "")[:60]) for tid, code, name, note in rows}


@register_case_labeler(CaseKind.DISPUTE)
def _dispute_labels(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Dispute.id, ShareRequest.code, Dispute.reason)
                           .join(ShareRequest, ShareRequest.id == Dispute.request_id)
                           .where(Dispute.id.in_(ids))).all()  # type: ignore[union-attr]
    return {did: (code, (reason or "")[:60]) for did, code, reason in rows}


@register_case_labeler(CaseKind.CORRECTION)
def _correction_labels(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Correction.id, Correction.code, CatalogEntry.name)
                           .join(CatalogEntry, CatalogEntry.id == Correction.entry_id)
                           .where(Correction.id.in_(ids))).all()  # type: ignore[union-attr]
    return {cid: (code, name) for cid, code, name in rows}


@register_case_labeler(CaseKind.DATA_CHANGE)
def _change_labels(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(DataChange.id, CatalogEntry.resource_code, CatalogEntry.name)
                           .join(CatalogEntry, CatalogEntry.id == DataChange.entry_id)
                           .where(DataChange.id.in_(ids))).all()  # type: ignore[union-attr]
    return {cid: (code, name) for cid, code, name in rows}


def _workday_seq(session: Session, day: date) -> int | None:
    return session.execute(select(CalendarDay.workday_seq).where(CalendarDay.day == day)).scalar()


@dataclass(frozen=True)
class CaseList:
    rows: pd.DataFrame
    total: int  # rows matching, before the display limit
    limit: int


def case_list(actor: Actor, mode: CaseMode | str, *, period: Period | None = None, region_id: int | None = None,
              unit_id: int | None = None, kind: str | None = None, step: str | None = None,
              now: datetime | None = None) -> CaseList:
    """Clocks behind a KPI: overdue at the end of the period (today by default), missed in the period, or open."""
    mode = CaseMode(mode)
    today = local_date(now)
    period = period or Period.current("month", today)
    limit = KpiSettings().list_limit
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        selection = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id)
        window: KpiWindow = selection.window(period, today)
        day = window.as_of if mode is not CaseMode.OPEN else today
        conditions = [clock_scope(window)]
        if kind:
            conditions.append(SlaClock.case_kind == kind)
        if step:
            conditions.append(SlaClock.step == step)
        if mode is CaseMode.OPEN:
            conditions.append(SlaClock.closed_at.is_(None))  # type: ignore[union-attr]
        elif mode is CaseMode.OVERDUE:
            conditions += [SlaClock.due_on < day, SlaClock.started_on <= day,  # type: ignore[operator]
                           or_(and_(SlaClock.closed_at.is_(None), SlaClock.paused_at.is_(None)),  # type: ignore[union-attr]
                               SlaClock.closed_on > day)]  # type: ignore[operator]
        else:
            conditions += [SlaClock.due_on >= window.start, SlaClock.due_on <= window.as_of,  # type: ignore[operator]
                           not_cancelled(), not_paused(), missed()]
        stmt = (select(SlaClock, Unit.short_name, Unit.name, Region.name)
                .outerjoin(Unit, Unit.id == SlaClock.responsible_unit_id)
                .outerjoin(Region, Region.id == SlaClock.responsible_region_id)
                .where(*conditions))
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar() or 0
        rows = session.execute(stmt.order_by(SlaClock.due_on.is_(None), SlaClock.due_on, SlaClock.id)  # type: ignore[union-attr]
                               .limit(limit)).all()
        labels: dict[tuple[str, int], tuple[str, str]] = {}
        by_kind: dict[str, list[int]] = {}
        for clock, *_names in rows:
            by_kind.setdefault(clock.case_kind, []).append(clock.case_id)
        for case_kind, ids in by_kind.items():
            labeler = CASE_LABELERS.get(case_kind)
            if labeler:
                labels.update({(case_kind, cid): text for cid, text in labeler(session, ids).items()})
        seq_cache: dict[date, int | None] = {}

        def seq(d: date | None) -> int | None:
            if d is None:
                return None
            if d not in seq_cache:
                seq_cache[d] = _workday_seq(session, d)
            return seq_cache[d]

        records = []
        for clock, short, name, region in rows:
            reference, subject = labels.get((clock.case_kind, clock.case_id), (f"#{clock.case_id}", ""))
            end = clock.closed_on if clock.closed_on is not None and (mode is CaseMode.LATE or clock.closed_on <= day) \
                else day
            late = None
            if clock.due_on is not None and seq(end) is not None and seq(clock.due_on) is not None:
                # A deadline passed over a weekend is late from the day after it, not from the next working day.
                late = max(1 if end > clock.due_on else 0, seq(end) - seq(clock.due_on))  # type: ignore[operator]
            records.append({"clock_id": clock.id, "case_kind": clock.case_kind, "case_id": clock.case_id,
                            "reference": reference, "subject": subject, "step": clock.step,
                            "unit_id": clock.responsible_unit_id, "unit": short or name or region or "",
                            "region": region or "", "started_on": clock.started_on, "due_on": clock.due_on,
                            "closed_on": clock.closed_on, "workdays_late": late})
    return CaseList(pd.DataFrame(records, columns=CASE_COLUMNS), int(total), limit)


@dataclass(frozen=True)
class UnitProfile:
    unit_id: int
    name: str
    short_name: str
    uscc: str
    kind: str
    region: str
    region_id: int
    chief_data_officer: str | None
    data_admin_name: str | None
    data_admin_phone: str | None


def unit_profile(actor: Actor, unit_id: int, *, now: datetime | None = None) -> UnitProfile:
    with read_scope(actor, "kpi.view", now=now) as (session, scope):
        select_units(session, actor, scope, region_id=None, unit_id=unit_id)
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(_("The unit does not exist."))
        region = session.get(Region, unit.region_id)
        return UnitProfile(unit.id, unit.name, unit.short_name or unit.name, unit.uscc, unit.kind,  # type: ignore[arg-type]
                           region.name if region else "", unit.region_id, unit.chief_data_officer,
                           unit.data_admin_name, unit.data_admin_phone)


ISSUE_INCOMPLETE = N_("Core metadata incomplete")
ISSUE_NO_BASIS = N_("Restricted without a legal basis")
ISSUE_NOT_MAINTAINED = N_("Not maintained in the last 12 months")
ISSUE_NOT_CATALOGUED = N_("Responsibility item not yet published")


def unit_catalog_issues(actor: Actor, unit_id: int, period: Period, *, now: datetime | None = None) -> pd.DataFrame:
    """What pulls the unit's catalog KPIs down at the end of the period, one row per entry or responsibility item."""
    today = local_date(now)
    columns = ["resource_code", "name", "share_type", "completeness", "last_maintained_at", "issues"]
    with read_scope(actor, "kpi.view", now=now) as (session, scope):
        selection = select_units(session, actor, scope, region_id=None, unit_id=unit_id)
        window = selection.window(period, today)
        restricted = CatalogEntry.share_type.in_(RESTRICTED)  # type: ignore[union-attr]
        since = maintained_since(window)
        stale = or_(CatalogEntry.last_maintained_at.is_(None), CatalogEntry.last_maintained_at < since)  # type: ignore[union-attr,operator]
        entries = session.execute(
            select(CatalogEntry.resource_code, CatalogEntry.name, CatalogEntry.share_type, CatalogEntry.completeness,
                   CatalogEntry.last_maintained_at, restricted & ~has_basis(), stale)
            .where(live_at(window), CatalogEntry.provider_unit_id == unit_id,
                   or_(CatalogEntry.completeness < 1, and_(restricted, ~has_basis()), stale))  # type: ignore[operator]
            .order_by(CatalogEntry.completeness, CatalogEntry.resource_code)).all()
        uncovered = session.execute(
            select(ResponsibilityItem.resource_name)
            .outerjoin(CatalogEntry, CatalogEntry.id == ResponsibilityItem.entry_id)
            .where(ResponsibilityItem.unit_id == unit_id, ResponsibilityItem.created_at < window.as_of_end,  # type: ignore[operator]
                   or_(CatalogEntry.id.is_(None), ~live_at(window)))  # type: ignore[union-attr]
            .order_by(ResponsibilityItem.resource_name)).all()
    records = []
    for code, name, share_type, completeness, maintained, no_basis, is_stale in entries:
        issues = [_(ISSUE_INCOMPLETE)] if (completeness or 0) < 1 else []
        if no_basis:
            issues.append(_(ISSUE_NO_BASIS))
        if is_stale:
            issues.append(_(ISSUE_NOT_MAINTAINED))
        records.append({"resource_code": code, "name": name, "share_type": share_type,
                        "completeness": round((completeness or 0) * 100, 1), "last_maintained_at": maintained,
                        "issues": _("; ").join(issues)})
    for (resource_name,) in uncovered:
        records.append({"resource_code": "", "name": resource_name, "share_type": None, "completeness": None,
                        "last_maintained_at": None, "issues": _(ISSUE_NOT_CATALOGUED)})
    return pd.DataFrame(records, columns=columns)


def unit_requests(actor: Actor, unit_id: int, period: Period, *, now: datetime | None = None) -> pd.DataFrame:
    """Requests the unit received as provider: submitted in the period, or still waiting for it (local times)."""
    today = local_date(now)
    columns = ["request_id", "code", "requester", "status", "submitted_at", "answered_at", "implemented_at"]
    waiting = ("pending_confirm", "submitted", "needs_info", "approved")
    with read_scope(actor, "kpi.view", now=now) as (session, scope):
        selection = select_units(session, actor, scope, region_id=None, unit_id=unit_id)
        window = selection.window(period, today)
        rows = session.execute(
            select(ShareRequest.id, ShareRequest.code, Unit.short_name, Unit.name, ShareRequest.status,
                   ShareRequest.submitted_at, ShareRequest.answered_at, ShareRequest.implemented_at)
            .join(Unit, Unit.id == ShareRequest.requester_unit_id)
            .where(ShareRequest.provider_unit_id == unit_id,
                   or_(and_(ShareRequest.submitted_at >= window.start_at,  # type: ignore[operator]
                            ShareRequest.submitted_at < window.as_of_end),  # type: ignore[operator]
                       ShareRequest.status.in_(waiting)))  # type: ignore[attr-defined]
            .order_by(ShareRequest.submitted_at.desc())  # type: ignore[union-attr]
            .limit(KpiSettings().list_limit)).all()
    return pd.DataFrame([{"request_id": rid, "code": code, "requester": short or name, "status": status,
                          "submitted_at": to_local(submitted), "answered_at": to_local(answered),
                          "implemented_at": to_local(implemented)}
                         for rid, code, short, name, status, submitted, answered, implemented in rows],
                        columns=columns)
