"""Changes to informatization projects: the registry (register, edit, link the catalog entries the project creates
or uses), the unit's stage reports, and the bureau's two gates.

Both gates record their outcome (`project_gate_check`) and commit it: a refused approval sends the project back to
the proposal with the reasons; a refused acceptance sends it back to construction and marks it as getting no
operating funds (Longyan §28, Yunyang §47) until a later acceptance passes. The KPI family `projects` counts these
rows."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from models import CatalogEntry, DataItem, OneSourceDecision, Unit
from models.catalog import Classification, EntryStatus
from models.clock import CaseKind, ClockStep
from models.project import EntryRole, Gate, Project, ProjectEntry, ProjectGateCheck, ProjectStage
from services import catalog
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.jurisdiction import competent_bureau
from services.core.timeutil import local_date, now_utc
from services.core.uow import UnitOfWork, unit_of_work
from services.core.validators import text_error
from services.deadlines import clocks, policy
from services.projects import rules
from services.projects.rules import GateEntry, GateResult, ProjectInput, SourceHint

S = ProjectStage


def _open(uow: UnitOfWork, project_id: int, permission: str, *, expected_version: int | None = None) -> Project:
    """The project, locked, after the role check and the permission on its unit (or its region, for the bureau)."""
    uow.require(permission, object_type="project", object_id=project_id)  # the role, before any read
    project = uow.get(Project, project_id, for_update=True)
    uow.require(permission, unit_id=project.unit_id, region_id=project.region_id, object_type="project",
                object_id=project_id)
    uow.check_version(project, expected_version)
    return project


def _move(project: Project, action: str) -> str:
    stage = rules.next_stage(project.stage, action)
    if stage is None:
        raise ValidationError({"stage": _("A project in this stage cannot do that.")})
    return stage


def _bureau_id(session: Session, project: Project) -> int | None:
    bureau = competent_bureau(session, project.region_id)
    return bureau.id if bureau else None


def register_project(actor: Actor, data: ProjectInput, *, now: datetime | None = None) -> int:
    """A unit registers a project proposal (立项申请); its catalog entries are linked afterwards."""
    with unit_of_work(actor, now) as uow:
        uow.require("project.register")
        uow.require("project.register", unit_id=actor.unit_id, object_type="project")
        errors = rules.input_errors(data)
        if errors:
            raise ValidationError(errors)
        unit = uow.get(Unit, actor.unit_id)
        project = Project(name=data.name.strip(), unit_id=unit.id, region_id=unit.region_id,  # type: ignore[arg-type]
                          budget=float(data.budget or 0), description=(data.description or "").strip() or None,
                          created_by=actor.user_id, created_at=now_utc(now))
        uow.session.add(project)
        uow.session.flush()
        uow.audit("project.register", object_type="project", object_id=project.id,
                  detail={"name": project.name, "budget": project.budget})
        uow.commit()
        return project.id  # type: ignore[return-value]


def update_project(actor: Actor, project_id: int, data: ProjectInput, *, expected_version: int | None = None,
                   now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.register", expected_version=expected_version)
        if project.stage not in rules.EDITABLE_STAGES:
            raise ValidationError({"stage": _("Only a proposal can be edited.")})
        errors = rules.input_errors(data)
        if errors:
            raise ValidationError(errors)
        before = {"name": project.name, "budget": project.budget}
        project.name, project.budget = data.name.strip(), float(data.budget or 0)
        project.description = (data.description or "").strip() or None
        project.updated_at = now_utc(now)
        uow.audit("project.update", object_type="project", object_id=project_id,
                  detail={"before": before, "after": {"name": project.name, "budget": project.budget}})
        uow.commit()


def link_entry(actor: Actor, project_id: int, entry_id: int, role: str, *, now: datetime | None = None) -> None:
    """Link a catalog entry: one of the unit's own entries the project creates (its pre-compiled catalog, drafts
    included) or a published entry of any unit the project uses."""
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.register")
        if project.stage not in rules.LINKABLE_STAGES:
            raise ValidationError({"stage": _("Entries are linked before the project asks for acceptance.")})
        if role not in set(EntryRole):
            raise ValidationError({"role": _("Choose whether the project creates or uses the entry.")})
        entry = uow.session.get(CatalogEntry, entry_id)
        if entry is None or entry.status == EntryStatus.WITHDRAWN:
            raise ValidationError({"entry_id": _("Choose an entry of the catalog.")})
        if role == EntryRole.CREATES and entry.provider_unit_id != project.unit_id:
            raise ValidationError({"entry_id": _("A project creates entries of its own unit only.")})
        if role == EntryRole.USES and not entry.is_published:
            raise ValidationError({"entry_id": _("A project uses published entries only.")})
        exists = uow.session.exec(select(ProjectEntry).where(ProjectEntry.project_id == project_id,
                                                             ProjectEntry.entry_id == entry_id)).first()
        if exists is not None:
            raise ValidationError({"entry_id": _("This entry is already linked to the project.")})
        uow.session.add(ProjectEntry(project_id=project_id, entry_id=entry_id, role=role))
        project.version += 1
        uow.audit("project.link_entry", object_type="project", object_id=project_id,
                  detail={"entry": entry.resource_code, "role": role})
        uow.commit()


def unlink_entry(actor: Actor, project_id: int, entry_id: int, *, now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.register")
        if project.stage not in rules.LINKABLE_STAGES:
            raise ValidationError({"stage": _("Entries are linked before the project asks for acceptance.")})
        link = uow.session.exec(select(ProjectEntry).where(ProjectEntry.project_id == project_id,
                                                           ProjectEntry.entry_id == entry_id)).first()
        if link is None:
            raise ValidationError({"entry_id": _("This entry is not linked to the project.")})
        uow.session.delete(link)
        project.version += 1
        uow.audit("project.unlink_entry", object_type="project", object_id=project_id, detail={"entry_id": entry_id})
        uow.commit()


def submit_project(actor: Actor, project_id: int, *, expected_version: int | None = None,
                   now: datetime | None = None) -> None:
    """The unit submits the proposal with its catalog for approval; the bureau's review clock starts."""
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.register", expected_version=expected_version)
        project.stage = _move(project, "submit")
        project.submitted_at, project.updated_at = now_utc(now), now_utc(now)
        clocks.start(uow.session, case_kind=CaseKind.PROJECT, case_id=project_id, step=ClockStep.PROJECT_REVIEW,
                     unit_id=_bureau_id(uow.session, project), region_id=project.region_id, now=now)
        uow.audit("project.submit", object_type="project", object_id=project_id, detail={"name": project.name})
        uow.commit()


def return_project(actor: Actor, project_id: int, reason: str, *, expected_version: int | None = None,
                   now: datetime | None = None) -> None:
    """The bureau returns a proposal for reasons other than the gate (budget, scope…)."""
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.approve", expected_version=expected_version)
        if not (reason or "").strip():
            raise ValidationError({"reason": _("A returned project states its reasons.")})
        if (problem := text_error(reason.strip(), rules.REASON_MAX)) is not None:
            raise ValidationError({"reason": problem})
        project.stage = _move(project, "return")
        project.return_reason, project.updated_at = reason.strip(), now_utc(now)
        clocks.close(uow.session, case_kind=CaseKind.PROJECT, case_id=project_id, step=ClockStep.PROJECT_REVIEW,
                     now=now)
        uow.audit("project.return", object_type="project", object_id=project_id, detail={"reason": reason.strip()})
        uow.commit()


def start_construction(actor: Actor, project_id: int, *, expected_version: int | None = None,
                       now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.register", expected_version=expected_version)
        project.stage = _move(project, "start_construction")
        project.updated_at = now_utc(now)
        uow.audit("project.start_construction", object_type="project", object_id=project_id)
        uow.commit()


def request_acceptance(actor: Actor, project_id: int, *, expected_version: int | None = None,
                       now: datetime | None = None) -> None:
    """The unit reports the project built and asks for acceptance; the bureau's acceptance clock starts."""
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.register", expected_version=expected_version)
        project.stage = _move(project, "request_acceptance")
        project.acceptance_requested_at = project.updated_at = now_utc(now)
        clocks.start(uow.session, case_kind=CaseKind.PROJECT, case_id=project_id, step=ClockStep.PROJECT_ACCEPTANCE,
                     unit_id=_bureau_id(uow.session, project), region_id=project.region_id, now=now)
        uow.audit("project.request_acceptance", object_type="project", object_id=project_id)
        uow.commit()


# --- the gates --------------------------------------------------------------------------------------------------
def gate_entries(session: Session, project_id: int) -> list[GateEntry]:
    """The linked entries as the gates read them: the working copy's items (a draft's columns, or the change
    under review), the published and aggregation columns of the entry."""
    rows = session.exec(select(ProjectEntry.role, CatalogEntry).join(CatalogEntry, CatalogEntry.id == ProjectEntry.entry_id)
                        .where(ProjectEntry.project_id == project_id).order_by(CatalogEntry.resource_code)).all()
    out = []
    for role, entry in rows:
        items = tuple((catalog.normalise_name(i.name), bool(i.is_source))
                      for i in catalog.working_copy(session, entry).data_items)
        out.append(GateEntry(entry.id, entry.resource_code, entry.name, role, bool(entry.is_published),  # type: ignore[arg-type]
                             bool(entry.aggregation_active), entry.fresh_until, items))
    return out


def source_hints(session: Session, unit_id: int, norm_names: set[str]) -> dict[str, SourceHint]:
    """Items another unit's published entry declares as its own source (数源), by normalised name: a base-library
    entry means "obtain it by sharing" (the catalog's `quality.obtainable_by_sharing` hint), any other a one-source
    claim — unless the bureau ruled this unit the source (`one_source_decision`)."""
    if not norm_names:
        return {}
    ruled_ours = set(session.exec(select(OneSourceDecision.norm_name).where(
        OneSourceDecision.norm_name.in_(list(norm_names)), OneSourceDecision.source_unit_id == unit_id)).all())  # type: ignore[attr-defined]
    rows = session.exec(
        select(DataItem.norm_name, DataItem.name, Unit.name, CatalogEntry.resource_code, CatalogEntry.name,
               CatalogEntry.classification)
        .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id).join(Unit, Unit.id == CatalogEntry.provider_unit_id)
        .where(DataItem.norm_name.in_(list(norm_names)), DataItem.is_source.is_(True),  # type: ignore[attr-defined]
               CatalogEntry.is_published.is_(True), CatalogEntry.provider_unit_id != unit_id)  # type: ignore[attr-defined]
        .order_by(DataItem.norm_name, CatalogEntry.resource_code)).all()
    hints: dict[str, SourceHint] = {}
    for norm, item, unit, code, entry_name, classification in rows:
        if norm in ruled_ours:
            continue
        base = classification == Classification.BASE
        if norm not in hints or (base and not hints[norm].base_library):
            hints[norm] = SourceHint(item, f"{unit} ({code} {entry_name})", base)
    return hints


def evaluate(session: Session, project: Project, gate: str, today) -> GateResult:
    entries = gate_entries(session, project.id)  # type: ignore[arg-type]
    if gate == Gate.APPROVAL:
        names = {name for e in entries if e.role == EntryRole.CREATES for name, own in e.items if own}
        check = policy.active_profile().project_sharing_check
        hints = source_hints(session, project.unit_id, names) if check else {}
        reasons = rules.approval_reasons(entries, hints, sharing_check=check)
    else:
        reasons = rules.acceptance_reasons(entries, today)
    return GateResult(str(gate), not reasons, reasons)


def _record(uow: UnitOfWork, project: Project, result: GateResult, now: datetime | None) -> None:
    attempt = len(uow.session.exec(select(ProjectGateCheck.id).where(ProjectGateCheck.project_id == project.id,
                                                                    ProjectGateCheck.gate == result.gate)).all()) + 1
    uow.session.add(ProjectGateCheck(
        project_id=project.id, unit_id=project.unit_id, gate=result.gate, attempt=attempt, passed=result.passed,  # type: ignore[arg-type]
        reasons=json.dumps([r.as_dict() for r in result.reasons], ensure_ascii=False) if result.reasons else None,
        checked_by=uow.actor.user_id, checked_at=now_utc(now)))


def approve_project(actor: Actor, project_id: int, *, expected_version: int | None = None,
                    now: datetime | None = None) -> GateResult:
    """The approval gate: approved when the project has its pre-compiled catalog and (where the profile asks)
    collects nothing it can obtain by sharing; otherwise back to the proposal with every reason."""
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.approve", expected_version=expected_version)
        _move(project, "approve")
        result = evaluate(uow.session, project, Gate.APPROVAL, local_date(now))
        _record(uow, project, result, now)
        moment = now_utc(now)
        if result.passed:
            project.stage, project.approved_at, project.return_reason = S.APPROVED, moment, None
        else:
            project.stage = rules.GATE_REFUSED[Gate.APPROVAL]
            project.return_reason = "\n".join(result.texts())
        project.updated_at = moment
        clocks.close(uow.session, case_kind=CaseKind.PROJECT, case_id=project_id, step=ClockStep.PROJECT_REVIEW,
                     now=now)
        uow.audit("project.approve", object_type="project", object_id=project_id,
                  detail={"passed": result.passed, "reasons": [r.as_dict() for r in result.reasons]})
        uow.commit()
        return result


def accept_project(actor: Actor, project_id: int, *, expected_version: int | None = None,
                   now: datetime | None = None) -> GateResult:
    """The acceptance gate: accepted when every linked entry is published, aggregated and fresh; otherwise back
    to construction, marked as getting no operating funds, with every entry that fails and why."""
    with unit_of_work(actor, now) as uow:
        project = _open(uow, project_id, "project.accept", expected_version=expected_version)
        _move(project, "accept")
        result = evaluate(uow.session, project, Gate.ACCEPTANCE, local_date(now))
        _record(uow, project, result, now)
        moment = now_utc(now)
        if result.passed:
            project.stage, project.accepted_at = S.OPERATION, moment
            project.no_operating_funds, project.return_reason = False, None
        else:
            project.stage = rules.GATE_REFUSED[Gate.ACCEPTANCE]
            project.failed_acceptances += 1
            project.no_operating_funds = True
            project.return_reason = "\n".join(result.texts())
        project.updated_at = moment
        clocks.close(uow.session, case_kind=CaseKind.PROJECT, case_id=project_id, step=ClockStep.PROJECT_ACCEPTANCE,
                     now=now)
        uow.audit("project.accept", object_type="project", object_id=project_id,
                  detail={"passed": result.passed, "reasons": [r.as_dict() for r in result.reasons]})
        uow.commit()
        return result
