"""Aggregation reads: a unit's registrations (published entries, mounted or not) with their freshness, the
update log, the bureau's overview by unit, stale entries, filings waiting for the bureau, home counts.

Freshness comes from the entry's columns (`fresh_until`), never from scanning the update log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_, case, func, or_
from sqlmodel import select

from models import CatalogEntry, Unit
from models.aggregation import (
    AggregationRegistration,
    DataChange,
    DataUpdate,
    FilingStatus,
    RegistrationState,
)
from services.aggregation import rules
from services.core.actor import Actor
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.timeutil import local_date
from services.core.uow import read_scope


def _scope_units(stmt, column, actor: Actor, scope: Scope):
    if scope is Scope.UNIT:
        return stmt.where(column == actor.unit_id)
    if scope is Scope.REGION:
        return stmt.where(column.in_(select(Unit.id).where(Unit.region_id.in_(tuple(actor.region_ids)))))
    return stmt


def stale_condition(today: date):
    return and_(CatalogEntry.aggregation_active.is_(True), CatalogEntry.fresh_until.is_not(None),  # type: ignore[attr-defined,union-attr]
                CatalogEntry.fresh_until < today)  # type: ignore[operator]


def registrations(actor: Actor, *, unit_id: int | None = None, today: date | None = None,
                  only: str | None = None) -> pd.DataFrame:
    """Published entries of the unit with their registration; `only` = "not_mounted" | "stale" narrows."""
    today = today or local_date()
    with read_scope(actor, "aggregation.view", unit_id=unit_id) as (session, scope):
        stmt = (select(CatalogEntry.id.label("entry_id"), CatalogEntry.resource_code, CatalogEntry.name,  # type: ignore[union-attr]
                       CatalogEntry.provider_unit_id, CatalogEntry.update_frequency, CatalogEntry.data_updated_at,
                       CatalogEntry.fresh_until, CatalogEntry.aggregation_active,
                       AggregationRegistration.id.label("registration_id"), AggregationRegistration.mode,  # type: ignore[union-attr]
                       AggregationRegistration.source_system, AggregationRegistration.expected_records,
                       AggregationRegistration.state, AggregationRegistration.reason,
                       AggregationRegistration.filing_status, AggregationRegistration.filing_note,
                       AggregationRegistration.version)
                .outerjoin(AggregationRegistration, AggregationRegistration.entry_id == CatalogEntry.id)
                .where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
                .order_by(CatalogEntry.resource_code))
        if unit_id is not None:
            stmt = stmt.where(CatalogEntry.provider_unit_id == unit_id)
        stmt = _scope_units(stmt, CatalogEntry.provider_unit_id, actor, scope)
        if only == "not_mounted":
            stmt = stmt.where(AggregationRegistration.id.is_(None))  # type: ignore[union-attr]
        elif only == "stale":
            stmt = stmt.where(stale_condition(today))
        df = pd.DataFrame(session.exec(stmt).all(), columns=[
            "entry_id", "resource_code", "name", "provider_unit_id", "update_frequency", "data_updated_at",
            "fresh_until", "aggregation_active", "registration_id", "mode", "source_system", "expected_records",
            "state", "reason", "filing_status", "filing_note", "version"])
    df["fresh"] = [bool(active) and rules.is_fresh(until, today)
                   for active, until in zip(df["aggregation_active"], df["fresh_until"], strict=True)]
    df["days_late"] = [rules.days_late(until, today) if active else 0
                       for active, until in zip(df["aggregation_active"], df["fresh_until"], strict=True)]
    return df


def update_log(actor: Actor, *, unit_id: int | None = None, entry_id: int | None = None, page: int = 1,
               page_size: int = 50) -> tuple[pd.DataFrame, int]:
    with read_scope(actor, "aggregation.view", unit_id=unit_id) as (session, scope):
        stmt = (select(DataUpdate.id, CatalogEntry.resource_code, CatalogEntry.name, DataUpdate.updated_at,
                       DataUpdate.record_count, DataUpdate.added, DataUpdate.changed, DataUpdate.deleted,
                       DataUpdate.source)
                .join(CatalogEntry, CatalogEntry.id == DataUpdate.entry_id))
        if unit_id is not None:
            stmt = stmt.where(DataUpdate.unit_id == unit_id)
        if entry_id is not None:
            stmt = stmt.where(DataUpdate.entry_id == entry_id)
        stmt = _scope_units(stmt, DataUpdate.unit_id, actor, scope)
        total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = session.exec(stmt.order_by(DataUpdate.updated_at.desc(), DataUpdate.id.desc())  # type: ignore[attr-defined]
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return pd.DataFrame(rows, columns=["id", "resource_code", "name", "updated_at", "record_count", "added",
                                       "changed", "deleted", "source"]), int(total or 0)


def overview(actor: Actor, *, today: date | None = None) -> pd.DataFrame:
    """Per providing unit: published, mounted, mount rate, fresh, stale, fresh rate, filings not possible."""
    today = today or local_date()
    with read_scope(actor, "aggregation.view") as (session, scope):
        active = CatalogEntry.aggregation_active.is_(True)  # type: ignore[attr-defined]
        fresh = and_(active, or_(CatalogEntry.fresh_until.is_(None), CatalogEntry.fresh_until >= today))  # type: ignore[union-attr,operator]
        stmt = (select(CatalogEntry.provider_unit_id, Unit.name,
                       func.count().label("published"),
                       func.sum(case((active, 1), else_=0)).label("mounted"),
                       func.sum(case((fresh, 1), else_=0)).label("fresh"),
                       func.sum(case((stale_condition(today), 1), else_=0)).label("stale"))
                .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
                .group_by(CatalogEntry.provider_unit_id, Unit.name))
        stmt = _scope_units(stmt, CatalogEntry.provider_unit_id, actor, scope)
        df = pd.DataFrame(session.exec(stmt).all(),
                          columns=["unit_id", "unit", "published", "mounted", "fresh", "stale"])
        filings = dict(session.exec(select(AggregationRegistration.unit_id, func.count())
                                    .where(AggregationRegistration.state == RegistrationState.NOT_POSSIBLE)
                                    .group_by(AggregationRegistration.unit_id)).all())
    df["not_possible"] = [int(filings.get(u, 0)) for u in df["unit_id"]]
    for column in ("published", "mounted", "fresh", "stale"):
        df[column] = df[column].fillna(0).astype(int)
    df["mount_rate"] = [round(100 * m / p, 1) if p else None for m, p in zip(df["mounted"], df["published"], strict=True)]
    df["fresh_rate"] = [round(100 * f / m, 1) if m else None for f, m in zip(df["fresh"], df["mounted"], strict=True)]
    return df.sort_values(["stale", "unit"], ascending=[False, True]).reset_index(drop=True)


def pending_filings(actor: Actor) -> pd.DataFrame:
    with read_scope(actor, "aggregation.acknowledge") as (session, _scope):
        rows = session.exec(select(AggregationRegistration.id, AggregationRegistration.version, Unit.name,
                                   CatalogEntry.resource_code, CatalogEntry.name, AggregationRegistration.reason,
                                   AggregationRegistration.updated_at)
                            .join(CatalogEntry, CatalogEntry.id == AggregationRegistration.entry_id)
                            .join(Unit, Unit.id == AggregationRegistration.unit_id)
                            .where(AggregationRegistration.filing_status == FilingStatus.PENDING)
                            .order_by(AggregationRegistration.updated_at)).all()
    return pd.DataFrame(rows, columns=["id", "version", "unit", "resource_code", "name", "reason", "filed_at"])


def open_changes(actor: Actor, *, unit_id: int | None = None) -> pd.DataFrame:
    with read_scope(actor, "aggregation.view", unit_id=unit_id) as (session, scope):
        stmt = (select(DataChange.id, CatalogEntry.resource_code, CatalogEntry.name, DataChange.changed_on,
                       DataChange.note)
                .join(CatalogEntry, CatalogEntry.id == DataChange.entry_id)
                .where(DataChange.resolved_at.is_(None)).order_by(DataChange.changed_on))  # type: ignore[union-attr]
        if unit_id is not None:
            stmt = stmt.where(DataChange.unit_id == unit_id)
        stmt = _scope_units(stmt, DataChange.unit_id, actor, scope)
        return pd.DataFrame(session.exec(stmt).all(), columns=["id", "resource_code", "name", "changed_on", "note"])


@dataclass(frozen=True)
class HomeCounts:
    not_mounted: int
    stale: int
    filings_pending: int


def home_counts(actor: Actor, *, today: date | None = None) -> HomeCounts:
    """What waits: the unit's unmounted and stale entries; for the bureau, filings to answer."""
    today = today or local_date()
    with read_scope(actor, "aggregation.view") as (session, scope):
        base = select(func.count()).select_from(CatalogEntry).where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
        base = _scope_units(base, CatalogEntry.provider_unit_id, actor, scope)
        not_mounted = session.exec(base.where(~select(AggregationRegistration.id).where(
            AggregationRegistration.entry_id == CatalogEntry.id).exists())).one()
        stale = session.exec(base.where(stale_condition(today))).one()
        pending = 0
        if scope is Scope.ALL:
            pending = session.exec(select(func.count()).select_from(AggregationRegistration)
                                   .where(AggregationRegistration.filing_status == FilingStatus.PENDING)).one()
    return HomeCounts(int(not_mounted or 0), int(stale or 0), int(pending or 0))


def label(mapping: dict, value: str | None) -> str:
    msgid = mapping.get(value) if value else None
    return _(msgid) if msgid else (value or "")
