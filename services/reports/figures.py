"""The platform's own numbers for one unit and year, as an annual report holds them.

The KPI figures come from the KPI registry itself (`services.kpi.family_rows` over a window of the year and the
one unit), so a report says what the dashboard says for the same unit and year. Counts the dashboard does not show
(requests made and received, accounts, audit events, deadlines missed) are read here. The assessment result comes
from the assessment domain through a named plug-in (`ASSESSMENT_RESULT_SOURCE`), resolved at call time, so this
package does not depend on it: without it the section says that no assessment is published."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from models import AuditEvent, CatalogEntry, Correction, ShareRequest, SlaClock, Unit, User, UserRole
from models.clock import ClockOutcome
from models.user import Role
from services.core.timeutil import tz
from services.kpi import family_rows
from services.kpi.clocks import missed
from services.kpi.registry import Grain, KpiWindow, definition, families
from services.reports.rules import REPORT_KPIS

# "module:function" returning {"total","max","rank","group","group_size","grade","assessment_id"} or None for a
# unit and year: the published result of the yearly assessment (Yunyang §45). Named, not imported.
ASSESSMENT_RESULT_SOURCE = "services.assessment:published_result"


def assessment_result(unit_id: int, year: int, source: str | None = None) -> dict | None:
    """The published assessment result of the unit for the year, or None (no assessment module, none published)."""
    module_name, _sep, name = (source or ASSESSMENT_RESULT_SOURCE).partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None
    result = fn(unit_id, year)
    if not result:
        return None
    return {k: result.get(k) for k in ("total", "max", "rank", "group", "group_size", "grade", "assessment_id")}


def year_window(year: int, unit_ids: tuple[int, ...], today: date) -> KpiWindow:
    """The report's window: 1 January to 31 December, measured up to today while the year runs."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return KpiWindow(start, end, min(end, max(today, start)), unit_ids, ())


def kpi_figures(session: Session, window: KpiWindow) -> list[dict]:
    """Per family in the report: each KPI's key, title (msgid), unit and value for the window."""
    out = []
    by_key = {f.key: f for f in families()}
    for family_key, keys in REPORT_KPIS.items():
        family = by_key.get(family_key)
        if family is None:
            continue
        row = family_rows(session, family, window, Grain.TOTAL).get(None, {})
        kpis = []
        for key in keys:
            kpi = definition(key)
            if kpi is None:
                continue
            value = kpi.value(row)
            kpis.append({"key": key, "title": kpi.title, "unit": str(kpi.unit),
                         "value": None if value is None else round(value, 4)})
        out.append({"key": family_key, "title": family.title, "kpis": kpis})
    return out


def _between(column, window: KpiWindow):
    start = datetime.combine(window.start, time.min, tzinfo=tz())
    end = datetime.combine(window.as_of + timedelta(days=1), time.min, tzinfo=tz())
    return and_(column >= start, column < end)


def extra_figures(session: Session, unit_ids: tuple[int, ...], window: KpiWindow) -> dict:
    """Counts beside the KPIs for the units (one unit, or every unit of a jurisdiction)."""
    def count(stmt) -> int:
        return int(session.exec(stmt).one() or 0)

    ids = list(unit_ids)

    published = count(select(func.count()).select_from(CatalogEntry).where(
        CatalogEntry.provider_unit_id.in_(ids), CatalogEntry.is_published.is_(True)))  # type: ignore[attr-defined]
    made = count(select(func.count()).select_from(ShareRequest).where(
        ShareRequest.requester_unit_id.in_(ids), _between(ShareRequest.created_at, window)))
    received = count(select(func.count()).select_from(ShareRequest).where(
        ShareRequest.provider_unit_id.in_(ids), _between(ShareRequest.created_at, window)))
    corrections = count(select(func.count()).select_from(Correction).where(
        Correction.provider_unit_id.in_(ids), _between(Correction.created_at, window)))
    accounts = count(select(func.count()).select_from(User).where(User.unit_id.in_(ids),
                                                                  User.is_active.is_(True)))  # type: ignore[attr-defined]
    stewards = count(select(func.count(func.distinct(User.unit_id))).select_from(User).join(UserRole, UserRole.user_id == User.id).where(
        User.unit_id.in_(ids), User.is_active.is_(True), UserRole.role == str(Role.UNIT_STEWARD)))  # type: ignore[attr-defined]
    events = count(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.unit_id.in_(ids), _between(AuditEvent.occurred_at, window)))
    late = count(select(func.count()).select_from(SlaClock).where(
        SlaClock.responsible_unit_id.in_(ids), SlaClock.due_on >= window.start,  # type: ignore[operator]
        SlaClock.due_on < window.as_of, or_(SlaClock.outcome.is_(None),  # type: ignore[union-attr,operator]
                                            SlaClock.outcome != str(ClockOutcome.CANCELLED)), missed()))
    return {"entries_published": published, "requests_made": made, "requests_received": received,
            "corrections_received": corrections, "accounts": accounts,
            "administrator": stewards > 0 if len(ids) == 1 else stewards,
            "audit_events": events, "deadlines_missed": late}


def unit_snapshot(session: Session, unit_id: int, year: int, today: date) -> dict:
    """Everything the platform knows about the unit's year, as plain JSON-ready data."""
    unit = session.get(Unit, unit_id)
    window = year_window(year, (unit_id,), today)
    return {"year": year, "unit_id": unit_id, "unit": unit.name if unit else "", "as_of": window.as_of.isoformat(),
            "families": kpi_figures(session, window), "extras": extra_figures(session, (unit_id,), window),
            "assessment": assessment_result(unit_id, year)}


def jurisdiction_snapshot(session: Session, unit_id: int, region_ids, year: int, today: date) -> dict:
    """The bureau's own figures are its jurisdiction's: every unit of its regions, as the dashboard shows them for
    the same regions and year (the administrator figure is then the number of units with one)."""
    ids = tuple(session.exec(select(Unit.id).where(Unit.region_id.in_(sorted(region_ids)))).all())  # type: ignore[union-attr]
    unit = session.get(Unit, unit_id)
    start, end = date(year, 1, 1), date(year, 12, 31)
    window = KpiWindow(start, end, min(end, max(today, start)), ids, tuple(sorted(region_ids)))
    return {"year": year, "unit_id": unit_id, "unit": unit.name if unit else "", "as_of": window.as_of.isoformat(),
            "families": kpi_figures(session, window), "extras": extra_figures(session, ids, window),
            "assessment": assessment_result(unit_id, year)}
