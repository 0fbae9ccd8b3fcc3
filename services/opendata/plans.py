"""Yearly open plans (年度开放计划, Qingyuan ch.5): each unit lists the entries it will open and by when, files the
plan with the bureau, which accepts it or returns it with reasons; progress counts the planned entries that are
published with an open attribute, and planned entries past their date and not yet open are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import case
from sqlmodel import delete, func, select

from models import CatalogEntry, OpenPlan, OpenPlanItem, Unit
from models.opendata import PlanStatus
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.timeutil import local_date, now_utc
from services.core.uow import read_scope, unit_of_work
from services.core.validators import text_error
from services.opendata.open_catalog import OPEN_ATTRIBUTES

P = PlanStatus
EDITABLE = (P.DRAFT, P.RETURNED)
RETURN_REASON_MAX = 1000  # the column's length; the form states it, the service refuses a longer text


@dataclass
class PlanItemInput:
    entry_id: int
    target_date: date


def save_plan(actor: Actor, year: int, items: list[PlanItemInput], *, expected_version: int | None = None,
              now: datetime | None = None) -> int:
    """Create or replace the items of the unit's plan for `year` (while it is a draft or returned)."""
    with unit_of_work(actor, now) as uow:
        uow.require("open.plan")
        unit_id = actor.unit_id
        uow.require("open.plan", unit_id=unit_id, object_type="open_plan", object_id=year)
        plan = uow.session.exec(select(OpenPlan).where(OpenPlan.unit_id == unit_id, OpenPlan.year == year)
                                .with_for_update()).first()
        if plan is None:
            unit = uow.session.get(Unit, unit_id)
            plan = OpenPlan(unit_id=unit_id, region_id=unit.region_id if unit else None, year=year)
            uow.session.add(plan)
            uow.session.flush()
        else:
            uow.check_version(plan, expected_version)
        if plan.status not in EDITABLE:
            raise ValidationError({"": _("A filed or accepted plan cannot be changed.")})
        errors = {}
        entry_ids = [i.entry_id for i in items]
        if len(set(entry_ids)) != len(entry_ids):
            errors["entry_id"] = _("Each entry appears once in the plan.")
        own = set(uow.session.exec(select(CatalogEntry.id).where(CatalogEntry.id.in_(entry_ids),  # type: ignore[union-attr]
                                                                CatalogEntry.provider_unit_id == unit_id)).all())
        if own != set(entry_ids):
            errors["entry_id"] = _("A plan lists the unit's own catalog entries only.")
        if any(i.target_date.year != year for i in items):
            errors["target_date"] = _("Target dates fall within the plan's year.")
        if errors:
            raise ValidationError(errors)
        uow.session.exec(delete(OpenPlanItem).where(OpenPlanItem.plan_id == plan.id))  # type: ignore[call-overload]
        for item in items:
            uow.session.add(OpenPlanItem(plan_id=plan.id, entry_id=item.entry_id, target_date=item.target_date))
        uow.audit("open.plan_save", object_type="open_plan", object_id=plan.id,
                  detail={"year": year, "items": len(items)})
        uow.commit()
        return plan.id  # type: ignore[return-value]


def file_plan(actor: Actor, plan_id: int, *, expected_version: int | None = None, now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("open.plan")
        plan = uow.get(OpenPlan, plan_id, for_update=True)
        uow.require("open.plan", unit_id=plan.unit_id, object_type="open_plan", object_id=plan_id)
        uow.check_version(plan, expected_version)
        if plan.status not in EDITABLE:
            raise ValidationError({"": _("This plan has already been filed.")})
        if not uow.session.exec(select(func.count()).select_from(OpenPlanItem)
                                .where(OpenPlanItem.plan_id == plan_id)).one():
            raise ValidationError({"": _("List at least one entry before filing the plan.")})
        plan.status, plan.filed_at, plan.return_reason = P.FILED, now_utc(now), None
        uow.audit("open.plan_file", object_type="open_plan", object_id=plan_id, detail={"year": plan.year})
        uow.commit()


def review_plan(actor: Actor, plan_id: int, *, accept: bool, reason: str = "", expected_version: int | None = None,
                now: datetime | None = None) -> None:
    """The bureau accepts a filed plan or returns it with reasons."""
    with unit_of_work(actor, now) as uow:
        uow.require("open.plan_review")
        plan = uow.get(OpenPlan, plan_id, for_update=True)
        uow.require("open.plan_review", unit_id=plan.unit_id, region_id=plan.region_id, object_type="open_plan",
                    object_id=plan_id)
        uow.check_version(plan, expected_version)
        if plan.status != P.FILED:
            raise ValidationError({"": _("Only a filed plan is accepted or returned.")})
        if not accept and not (reason or "").strip():
            raise ValidationError({"return_reason": _("A returned plan states its reasons.")})
        if not accept and (problem := text_error(reason.strip(), RETURN_REASON_MAX)) is not None:
            raise ValidationError({"return_reason": problem})
        plan.status = P.ACCEPTED if accept else P.RETURNED
        plan.return_reason = None if accept else reason.strip()
        plan.reviewed_at, plan.reviewed_by = now_utc(now), actor.user_id
        uow.audit("open.plan_review", object_type="open_plan", object_id=plan_id,
                  detail={"year": plan.year, "accepted": accept})
        uow.commit()


PROGRESS_COLUMNS = ["plan_id", "unit_id", "unit", "status", "items", "opened", "overdue", "version"]


def progress(actor: Actor, year: int, *, now: datetime | None = None) -> pd.DataFrame:
    """Per unit: the plan's status, planned entries, those already open, and those past their date not yet open."""
    today = local_date(now)
    with read_scope(actor, "open.view") as (session, scope):
        opened = (CatalogEntry.is_published.is_(True)  # type: ignore[attr-defined]
                  & CatalogEntry.open_attribute.in_([str(a) for a in OPEN_ATTRIBUTES]))  # type: ignore[union-attr]
        stmt = (select(OpenPlan.id, OpenPlan.unit_id, Unit.name, OpenPlan.status, func.count(OpenPlanItem.id),
                       func.sum(case((opened, 1), else_=0)),
                       func.sum(case((~opened & (OpenPlanItem.target_date < today), 1), else_=0)), OpenPlan.version)
                .join(Unit, Unit.id == OpenPlan.unit_id)
                .outerjoin(OpenPlanItem, OpenPlanItem.plan_id == OpenPlan.id)
                .outerjoin(CatalogEntry, CatalogEntry.id == OpenPlanItem.entry_id)
                .where(OpenPlan.year == year)
                .group_by(OpenPlan.id, OpenPlan.unit_id, Unit.name, OpenPlan.status, OpenPlan.version)
                .order_by(Unit.name))
        if scope is Scope.UNIT:
            stmt = stmt.where(OpenPlan.unit_id == actor.unit_id)
        rows = session.exec(stmt).all()
    return pd.DataFrame([(r[0], r[1], r[2], r[3], int(r[4] or 0), int(r[5] or 0), int(r[6] or 0), r[7]) for r in rows],
                        columns=PROGRESS_COLUMNS)


def plan_items(actor: Actor, plan_id: int) -> pd.DataFrame:
    with read_scope(actor, "open.view") as (session, scope):
        plan = session.get(OpenPlan, plan_id)
        if plan is None or (scope is Scope.UNIT and plan.unit_id != actor.unit_id):
            return pd.DataFrame(columns=["entry_id", "resource_code", "name", "target_date", "open_attribute"])
        rows = session.exec(select(OpenPlanItem.entry_id, CatalogEntry.resource_code, CatalogEntry.name,
                                   OpenPlanItem.target_date, CatalogEntry.open_attribute)
                            .join(CatalogEntry, CatalogEntry.id == OpenPlanItem.entry_id)
                            .where(OpenPlanItem.plan_id == plan_id).order_by(OpenPlanItem.target_date)).all()
    return pd.DataFrame([tuple(r) for r in rows],
                        columns=["entry_id", "resource_code", "name", "target_date", "open_attribute"])
