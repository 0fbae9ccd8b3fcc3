"""Reads of the project registry: the list by stage, one project with its entries and gate history, a preview of
either gate, and the home counts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlmodel import func, select

from models import CatalogEntry, Region, Unit
from models.project import Gate, Project, ProjectEntry, ProjectGateCheck, ProjectStage
from services.core.actor import Actor
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import gettext as _
from services.core.permissions import Scope, allowed_scope
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.projects import rules
from services.projects.commands import evaluate
from services.projects.rules import GateResult

LIST_COLUMNS = ["id", "name", "unit_id", "unit", "region", "budget", "stage", "entries", "no_operating_funds",
                "failed_acceptances", "submitted_at", "version"]


def _scoped(stmt, actor: Actor, scope: Scope):
    if scope is Scope.UNIT:
        return stmt.where(Project.unit_id == actor.unit_id)
    if scope is Scope.REGION:
        return stmt.where(Project.region_id.in_(sorted(actor.region_ids)))  # type: ignore[union-attr]
    return stmt


def list_projects(actor: Actor, *, stage: str | None = None, unit_id: int | None = None,
                  no_funds_only: bool = False) -> pd.DataFrame:
    """Projects in the actor's scope, newest first, with their number of linked entries."""
    with read_scope(actor, "project.view") as (session, scope):
        linked = (select(ProjectEntry.project_id, func.count().label("n")).group_by(ProjectEntry.project_id)
                  .subquery())
        stmt = (select(Project.id, Project.name, Project.unit_id, Unit.name, Region.name, Project.budget, Project.stage,
                       func.coalesce(linked.c.n, 0), Project.no_operating_funds, Project.failed_acceptances,
                       Project.submitted_at, Project.version)
                .join(Unit, Unit.id == Project.unit_id).join(Region, Region.id == Unit.region_id)
                .outerjoin(linked, linked.c.project_id == Project.id)
                .order_by(Project.id.desc()))  # type: ignore[union-attr]
        stmt = _scoped(stmt, actor, scope)
        if stage:
            stmt = stmt.where(Project.stage == stage)
        if unit_id is not None:
            stmt = stmt.where(Project.unit_id == unit_id)
        if no_funds_only:
            stmt = stmt.where(Project.no_operating_funds.is_(True))  # type: ignore[attr-defined]
        rows = session.exec(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=LIST_COLUMNS)


@dataclass
class GateCheckView:
    gate: str
    attempt: int
    passed: bool
    checked_at: datetime
    reasons: list[rules.Reason]


@dataclass
class ProjectView:
    id: int
    name: str
    unit_id: int
    unit: str
    region_id: int | None
    budget: float
    description: str | None
    stage: str
    return_reason: str | None
    no_operating_funds: bool
    failed_acceptances: int
    version: int
    entries: pd.DataFrame
    checks: list[GateCheckView] = field(default_factory=list)


ENTRY_COLUMNS = ["entry_id", "resource_code", "name", "role", "status", "is_published", "aggregation_active",
                 "fresh_until", "provider"]


def _visible(actor: Actor, scope: Scope, project: Project) -> bool:
    if scope is Scope.UNIT:
        return project.unit_id == actor.unit_id
    if scope is Scope.REGION:
        return project.region_id in actor.region_ids
    return True


def get_project(actor: Actor, project_id: int) -> ProjectView:
    with read_scope(actor, "project.view") as (session, scope):
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound()
        if not _visible(actor, scope, project):
            raise PermissionDenied(_("This record is outside the units you are responsible for."), action="project.view")
        unit = session.get(Unit, project.unit_id)
        rows = session.exec(select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name, ProjectEntry.role,
                                   CatalogEntry.status, CatalogEntry.is_published, CatalogEntry.aggregation_active,
                                   CatalogEntry.fresh_until, Unit.name)
                            .join(ProjectEntry, ProjectEntry.entry_id == CatalogEntry.id)
                            .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                            .where(ProjectEntry.project_id == project_id)
                            .order_by(ProjectEntry.role, CatalogEntry.resource_code)).all()
        checks = session.exec(select(ProjectGateCheck).where(ProjectGateCheck.project_id == project_id)
                              .order_by(ProjectGateCheck.id)).all()
        return ProjectView(
            project.id, project.name, project.unit_id, unit.name if unit else "", project.region_id,  # type: ignore[arg-type]
            project.budget, project.description, project.stage, project.return_reason, project.no_operating_funds,
            project.failed_acceptances, project.version,
            pd.DataFrame([tuple(r) for r in rows], columns=ENTRY_COLUMNS),
            [GateCheckView(c.gate, c.attempt, c.passed, c.checked_at,
                           [rules.reason_from_dict(d) for d in json.loads(c.reasons or "[]")]) for c in checks])


def preview_gate(actor: Actor, project_id: int, gate: str, *, today: date | None = None) -> GateResult:
    """What the gate would say now (nothing recorded): the unit checks before submitting, the bureau before
    deciding."""
    if gate not in set(Gate):
        raise NotFound()
    with read_scope(actor, "project.view") as (session, scope):
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound()
        if not _visible(actor, scope, project):
            raise PermissionDenied(_("This record is outside the units you are responsible for."), action="project.view")
        return evaluate(session, project, gate, today or local_date())


def entry_choices(actor: Actor, project_id: int, role: str) -> dict[int, str]:
    """Entries the unit may link: its own entries (created) or published entries of any unit (used)."""
    with read_scope(actor, "project.view") as (session, _scope):
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound()
        linked = select(ProjectEntry.entry_id).where(ProjectEntry.project_id == project_id)
        stmt = select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name).where(
            CatalogEntry.id.not_in(linked), CatalogEntry.status != "withdrawn")  # type: ignore[union-attr]
        if role == "creates":
            stmt = stmt.where(CatalogEntry.provider_unit_id == project.unit_id)
        else:
            stmt = stmt.where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
        rows = session.exec(stmt.order_by(CatalogEntry.resource_code).limit(500)).all()
    return {r[0]: f"{r[1]} {r[2]}" for r in rows}


@dataclass(frozen=True)
class HomeCounts:
    proposals: int = 0  # the unit's proposals not yet submitted
    waiting: int = 0  # the bureau: waiting for approval or acceptance
    no_funds: int = 0  # failed acceptance, no operating funds


def home_counts(actor: Actor) -> HomeCounts:
    if allowed_scope(actor, "project.view") is None:
        return HomeCounts()
    with read_scope(actor, "project.view") as (session, scope):
        stmt = _scoped(select(Project.stage, Project.no_operating_funds, func.count())
                       .group_by(Project.stage, Project.no_operating_funds), actor, scope)
        rows = session.exec(stmt).all()
    proposals = sum(n for stage, _f, n in rows if stage == ProjectStage.PROPOSAL)
    waiting = sum(n for stage, _f, n in rows if stage in (ProjectStage.REVIEW, ProjectStage.ACCEPTANCE))
    no_funds = sum(n for _s, flag, n in rows if flag)
    return HomeCounts(proposals, waiting, no_funds)
