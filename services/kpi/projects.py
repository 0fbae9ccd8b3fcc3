"""KPI family `projects` (informatization projects, Longyan §28, Yunyang §47), by the project's unit: decisions at
the two gates in the period (from `project_gate_check`, one row per decision) and the projects marked as getting no
operating funds. The assessment binds its deduction for failed acceptances to `projects.acceptance_failed`."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select

from models.project import Gate, Project, ProjectGateCheck
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


def checks_query(window: KpiWindow, grain: Grain) -> Select:
    approval = ProjectGateCheck.gate == str(Gate.APPROVAL)
    acceptance = ProjectGateCheck.gate == str(Gate.ACCEPTANCE)
    passed = ProjectGateCheck.passed.is_(True)  # type: ignore[attr-defined]
    first = and_(acceptance, ProjectGateCheck.attempt == 1)
    stmt = select(count_where(and_(approval, passed)).label("approved"),
                  count_where(and_(approval, ~passed)).label("approval_refused"),
                  count_where(and_(acceptance, passed)).label("accepted"),
                  count_where(and_(acceptance, ~passed)).label("acceptance_failed"),
                  count_where(first).label("first_acceptances"),
                  count_where(and_(first, passed)).label("first_time_passed")).where(
        ProjectGateCheck.checked_at >= window.start_at, ProjectGateCheck.checked_at < window.as_of_end,  # type: ignore[operator]
        window.units(ProjectGateCheck.unit_id))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(ProjectGateCheck.unit_id.label(UNIT_COLUMN)).group_by(ProjectGateCheck.unit_id)
    return stmt


def funds_query(window: KpiWindow, grain: Grain) -> Select:
    stmt = select(func.count().label("no_operating_funds")).where(
        Project.no_operating_funds.is_(True), window.units(Project.unit_id))  # type: ignore[attr-defined]
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(Project.unit_id.label(UNIT_COLUMN)).group_by(Project.unit_id)
    return stmt


FAMILY = register_family(KpiFamily(
    key="projects",
    title=N_("Informatization projects"),
    order=55,
    unit_role=N_("Project unit"),
    queries=(checks_query, funds_query),
    kpis=(
        KpiDefinition("projects.approved", N_("Projects approved"), KpiUnit.COUNT, Direction.HIGHER, None, "approved",
                      description=N_("Approval decisions in the period that passed the approval gate."),
                      drill="units"),
        KpiDefinition("projects.approval_refused", N_("Approvals refused at the gate"), KpiUnit.COUNT,
                      Direction.LOWER, None, "approval_refused",
                      description=N_("Approval decisions in the period refused for a missing catalog or data that "
                                     "can be obtained by sharing."), drill="units"),
        KpiDefinition("projects.acceptance_failed", N_("Projects failing acceptance"), KpiUnit.COUNT, Direction.LOWER,
                      0, "acceptance_failed",
                      description=N_("Acceptance decisions in the period refused because a linked entry was not "
                                     "published, aggregated or fresh."), drill="units"),
        KpiDefinition("projects.first_time_acceptance", N_("Projects passing acceptance first time"),
                      KpiUnit.PERCENT, Direction.HIGHER, 100.0, "first_time_passed", "first_acceptances",
                      description=N_("First acceptance decisions of a project in the period that passed, divided by "
                                     "all first acceptance decisions in the period."), drill="units"),
        KpiDefinition("projects.no_operating_funds", N_("Projects without operating funds"), KpiUnit.COUNT,
                      Direction.LOWER, 0, "no_operating_funds",
                      description=N_("Projects whose last acceptance failed (no operating funds), now."),
                      drill="units"),
    ),
))
