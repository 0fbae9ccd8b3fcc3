"""The demo seed's projects (every stage, approvals refused, failed acceptances with their reasons, clocks for those
waiting) and, for a Yunyang deployment, last year's reports in and compiled and this year's open."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from models import AnnualReport, AuditEvent, Project, ProjectGateCheck, SlaClock
from services.core.db import read_session
from services.seed import seed

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_demo_seed_has_projects_in_every_stage_and_failed_gates(db):
    counts = seed("demo", seed_value=42, now=NOW, profile="yunyang")
    assert 25 <= counts["projects"] <= 35
    with read_session() as session:
        stages = set(session.execute(select(Project.stage).distinct()).scalars())
        no_funds = session.execute(select(func.count()).select_from(Project)
                                   .where(Project.no_operating_funds.is_(True))).scalar()
        refused = session.execute(select(ProjectGateCheck.gate, ProjectGateCheck.reasons)
                                  .where(ProjectGateCheck.passed.is_(False))).all()
        waiting = session.execute(select(func.count()).select_from(SlaClock).where(
            SlaClock.case_kind == "project", SlaClock.closed_at.is_(None))).scalar()
        reports = session.execute(select(AnnualReport.year, AnnualReport.kind, AnnualReport.status,
                                         AnnualReport.late, AnnualReport.snapshot)).all()
        report_clocks = session.execute(select(func.count()).select_from(SlaClock).where(
            SlaClock.case_kind == "annual_report", SlaClock.closed_at.is_(None))).scalar()
    assert stages == {"proposal", "review", "approved", "construction", "acceptance", "operation"}
    assert no_funds >= 1
    assert {g for g, _r in refused} == {"approval", "acceptance"}
    assert all(json.loads(r) for _g, r in refused)
    assert waiting == 8
    last = [r for r in reports if r.year == 2025]
    assert {r.status for r in last if r.kind == "unit"} == {"accepted", "returned"}
    assert sum(1 for r in last if r.late) >= 2
    bureau = next(r for r in last if r.kind == "jurisdiction")
    compiled = json.loads(bureau.snapshot)["jurisdiction"]
    assert compiled["submitted"] == sum(1 for r in last if r.kind == "unit" and r.status == "accepted")
    assert compiled["late"]
    assert {r.status for r in reports if r.year == 2026} == {"draft"}
    with read_session() as session:
        actions = set(session.execute(select(AuditEvent.action).where(AuditEvent.object_type.in_(
            ("project", "annual_report")))).scalars())
    assert {"project.register", "project.submit", "project.approve", "project.accept", "report.submit",
            "report.review"} <= actions
    assert report_clocks == sum(1 for r in reports if r.year == 2026) + 1  # plus the returned one
    assert all(json.loads(r.snapshot)["as_of"] <= date(2025, 12, 31).isoformat() or r.late
               for r in last if r.kind == "unit")


def test_other_profiles_seed_no_reports(db):
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        assert session.execute(select(func.count()).select_from(AnnualReport)).scalar() == 0
        assert session.execute(select(func.count()).select_from(Project)).scalar() > 0
