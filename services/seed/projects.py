"""Seed step: about thirty informatization projects across every stage, with their linked entries, the gate
decisions that took them there (two approvals refused for a missing catalog, failed acceptances with the real
reasons of their entries) and open review and acceptance clocks for those waiting.

Gate reasons are computed by the service's own rules from the entries as they stand, so the registry and the
acceptance screen agree."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from sqlmodel import select

from models import CatalogEntry, Project, ProjectEntry, ProjectGateCheck, Unit
from models.clock import CaseKind, ClockStep
from models.org import UnitKind
from models.project import EntryRole, Gate, ProjectStage
from services.core.db import write_session
from services.core.jurisdiction import competent_bureau
from services.core.timeutil import local_date, tz
from services.deadlines import clocks
from services.projects import rules
from services.projects.commands import gate_entries
from services.seed import SeedContext, register

S = ProjectStage
# The story of the demo registry: (stage, how many) — "failed" is construction after a refused acceptance.
PLAN = [(S.PROPOSAL, 4), (S.REVIEW, 4), (S.APPROVED, 4), (S.CONSTRUCTION, 4), (S.ACCEPTANCE, 4), (S.OPERATION, 6),
        ("failed", 3), ("refused", 2)]
NAMES = ["一网通办平台升级", "智慧社区管理系统", "城市运行监测平台", "电子证照共享系统", "数字档案馆", "智慧医疗服务平台",
         "不动产登记信息系统", "企业开办一件事平台", "智慧教育云平台", "社会救助信息系统", "智慧交通指挥系统",
         "生态环境监测平台", "市场监管综合平台", "公共资源交易系统", "应急指挥调度平台", "智慧农业服务平台"]


def _moment(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz())


@register("projects")
def seed_projects(ctx: SeedContext) -> None:
    rng = ctx.rng
    today = local_date(ctx.now)
    with write_session() as session:
        units = session.exec(select(Unit).where(Unit.kind != UnitKind.BUREAU, Unit.kind != UnitKind.COUNTY_EGOV)
                             .order_by(Unit.id)).all()
        entries = session.exec(select(CatalogEntry.id, CatalogEntry.provider_unit_id, CatalogEntry.is_published,
                                      CatalogEntry.aggregation_active, CatalogEntry.fresh_until, CatalogEntry.status)
                               .order_by(CatalogEntry.id)).all()
        by_unit: dict[int, dict[str, list[int]]] = {}
        for entry_id, unit_id, published, active, fresh, status in entries:
            kinds = by_unit.setdefault(unit_id, {"draft": [], "good": [], "bad": []})
            if not published:
                if status != "withdrawn":
                    kinds["draft"].append(entry_id)
            elif active and (fresh is None or fresh >= today):
                kinds["good"].append(entry_id)
            else:
                kinds["bad"].append(entry_id)
        candidates = [u for u in units if by_unit.get(u.id, {}).get("good")]
        if not candidates:
            return
        stewards = ctx.ids.get("users", {})
        reviewer = stewards.get("reviewer")
        n_projects = 0
        checked: list[str] = []
        failing = [u for u in candidates if by_unit[u.id]["bad"] or by_unit[u.id]["draft"]] or candidates
        for stage, count in PLAN:
            for _i in range(count):
                unit = rng.choice(failing if stage == "failed" else candidates)
                pool = by_unit[unit.id]
                started = today - timedelta(days=rng.randint(120, 500))
                project = Project(name=f"{unit.short_name or unit.name}{NAMES[n_projects % len(NAMES)]}",
                                  unit_id=unit.id, region_id=unit.region_id,  # type: ignore[arg-type]
                                  budget=float(rng.choice([80, 120, 260, 450, 980, 1500])),
                                  description="建设内容、数据资源目录和共享需求见立项申请", created_at=_moment(started))
                session.add(project)
                session.flush()
                n_projects += 1
                early = stage in (S.PROPOSAL, S.REVIEW, "refused")
                created = pool["draft"][:1] if early and pool["draft"] else rng.sample(pool["good"], 1)
                if stage == "failed":
                    created = created + (pool["bad"][:1] if pool["bad"] else pool["draft"][:1])
                if stage == "refused":
                    created = []
                for entry_id in dict.fromkeys(created):
                    session.add(ProjectEntry(project_id=project.id, entry_id=entry_id, role=EntryRole.CREATES))
                session.flush()
                bureau = competent_bureau(session, unit.region_id)
                bureau_id = bureau.id if bureau else None
                submitted = started + timedelta(days=20)
                approved = submitted + timedelta(days=12)
                requested = approved + timedelta(days=rng.randint(60, 100))

                def check(gate: str, day, project=project, unit=unit) -> bool:
                    found = gate_entries(session, project.id)  # type: ignore[arg-type]
                    reasons = (rules.approval_reasons(found, {}, sharing_check=False) if gate == Gate.APPROVAL
                               else rules.acceptance_reasons(found, today))
                    session.add(ProjectGateCheck(
                        project_id=project.id, unit_id=unit.id, gate=gate, attempt=1, passed=not reasons,  # type: ignore[arg-type]
                        reasons=json.dumps([r.as_dict() for r in reasons], ensure_ascii=False) if reasons else None,
                        checked_by=reviewer, checked_at=_moment(day, 15)))
                    checked.append(gate)
                    if reasons:
                        project.return_reason = "\n".join(r.text() for r in reasons)
                    return not reasons

                if stage == S.PROPOSAL:
                    project.stage = S.PROPOSAL
                elif stage == "refused":
                    project.stage, project.submitted_at = S.PROPOSAL, _moment(submitted)
                    check(Gate.APPROVAL, approved)
                else:
                    project.submitted_at = _moment(submitted)
                    if stage == S.REVIEW:
                        project.stage = S.REVIEW
                        clocks.start(session, case_kind=CaseKind.PROJECT, case_id=project.id,  # type: ignore[arg-type]
                                     step=ClockStep.PROJECT_REVIEW, unit_id=bureau_id, region_id=unit.region_id,
                                     started_on=today - timedelta(days=rng.randint(1, 20)), now=ctx.now)
                    else:
                        check(Gate.APPROVAL, approved)
                        project.approved_at = _moment(approved)
                        project.stage = S.APPROVED if stage == S.APPROVED else S.CONSTRUCTION
                        if stage == S.ACCEPTANCE:
                            project.stage, project.acceptance_requested_at = S.ACCEPTANCE, _moment(requested)
                            clocks.start(session, case_kind=CaseKind.PROJECT, case_id=project.id,  # type: ignore[arg-type]
                                         step=ClockStep.PROJECT_ACCEPTANCE, unit_id=bureau_id,
                                         region_id=unit.region_id, started_on=today - timedelta(days=rng.randint(1, 15)),
                                         now=ctx.now)
                        elif stage in (S.OPERATION, "failed"):
                            accepted_day = min(requested + timedelta(days=10), today - timedelta(days=5))
                            project.acceptance_requested_at = _moment(requested)
                            if check(Gate.ACCEPTANCE, accepted_day):
                                project.stage, project.accepted_at = S.OPERATION, _moment(accepted_day)
                            else:
                                project.failed_acceptances, project.no_operating_funds = 1, True
                project.updated_at = ctx.now
                session.add(project)
        session.commit()
    ctx.counts.update(projects=n_projects, project_gate_checks=len(checked))
