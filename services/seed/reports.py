"""Seed step: annual data-management reports where the active profile sets the duty (Yunyang §46; every other
profile: not applicable, nothing seeded). Last year's reports are in — most accepted, a few late, one returned
for revision — with the bureau's jurisdiction report compiled from them; this year's are open, some drafted.

Figures are computed by the report service's own function at the submission day and frozen like a submission."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlmodel import select

from models import AnnualReport, SlaClock, Unit
from models.clock import CaseKind, ClockStep
from models.org import UnitKind
from models.report import ReportKind, ReportStatus
from services.core.db import write_session
from services.core.timeutil import local_date, tz
from services.deadlines import clocks, policy
from services.reports import commands as report_commands
from services.reports import figures
from services.seed import SeedContext, register

MAX_UNITS = 80  # the province preset has thousands of units: the demo story needs a city's worth
WORK = "全年完成政务数据资源目录编制和更新，推进数据汇聚与共享，按时答复共享申请和纠错。"
PROBLEMS = "部分数据更新不及时，个别资源挂接率偏低，数据质量仍需提升。"
PLAN = "完善目录动态更新机制，提高数据汇聚覆盖面和时效性，加强数据安全管理。"
BUREAU_WORK = "组织全县各部门完成目录编制、数据汇聚和共享工作，开展年度考核。"


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz())


def _clock(session, report: AnnualReport, started: date, closed: date | None, now: datetime) -> None:
    step = ClockStep.ANNUAL_REPORT_UNIT if report.kind == ReportKind.UNIT else ClockStep.ANNUAL_REPORT_BUREAU
    clock = clocks.start_until(session, case_kind=CaseKind.ANNUAL_REPORT, case_id=report.id, step=step,  # type: ignore[arg-type]
                               unit_id=report.unit_id, region_id=report.region_id, due_on=report.due_on,  # type: ignore[arg-type]
                               started_on=started, now=now)
    if closed is not None:
        clock.closed_at, clock.closed_on, clock.outcome = _moment(closed, 16), closed, "done"
        session.add(clock)


@register("reports")
def seed_reports(ctx: SeedContext) -> None:
    today = local_date(ctx.now)
    this_year = today.year  # the running year's reports are open
    last_year = this_year - 1
    last, current = report_commands.due_dates(last_year), report_commands.due_dates(this_year)
    if last is None or current is None or not policy.active_profile().annual_report_unit_due:
        return
    rng = ctx.rng
    users = ctx.ids.get("users", {})
    with write_session() as session:
        units = session.exec(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.id)).all()  # type: ignore[attr-defined]
        bureau = next((u for u in units if u.kind == UnitKind.BUREAU), None)
        reporting = [u for u in units if u.kind != UnitKind.BUREAU][:MAX_UNITS]
        if bureau is None or not reporting:
            return
        region_ids = frozenset(u.region_id for u in units)
        late = set(rng.sample(range(len(reporting)), k=min(3, len(reporting))))
        returned = rng.randrange(len(reporting))
        n = 0
        for i, unit in enumerate(reporting):
            submitted = last.unit + timedelta(days=rng.randint(3, 6)) if i in late else \
                last.unit - timedelta(days=rng.randint(1, 15))
            status = ReportStatus.RETURNED if i == returned else ReportStatus.ACCEPTED
            report = AnnualReport(unit_id=unit.id, region_id=unit.region_id, year=last_year, kind=ReportKind.UNIT,  # type: ignore[arg-type]
                                  status=status, due_on=last.unit, work_done=WORK, problems=PROBLEMS,
                                  next_year_plan=PLAN, submitted_at=_moment(submitted),
                                  late=submitted > last.unit,
                                  reviewed_at=_moment(submitted + timedelta(days=2)), reviewed_by=users.get("reviewer"),
                                  return_reason="问题分析不够具体，请补充数据更新不及时的原因和整改措施"
                                  if status == ReportStatus.RETURNED else None, created_at=_moment(date(last_year, 12, 1)))
            report.snapshot = json.dumps(figures.unit_snapshot(session, unit.id, last_year, submitted),  # type: ignore[arg-type]
                                         ensure_ascii=False, default=str)
            session.add(report)
            session.flush()
            _clock(session, report, date(last_year, 12, 1), submitted, ctx.now)
            if status == ReportStatus.RETURNED:  # returned: waiting for the revised report, already late
                _clock(session, report, submitted + timedelta(days=2), None, ctx.now)
            n += 1
        jurisdiction = AnnualReport(unit_id=bureau.id, region_id=bureau.region_id, year=last_year,  # type: ignore[arg-type]
                                    kind=ReportKind.JURISDICTION, status=ReportStatus.SUBMITTED, due_on=last.bureau,
                                    work_done=BUREAU_WORK, problems=PROBLEMS, next_year_plan=PLAN,
                                    submitted_at=_moment(last.bureau - timedelta(days=2)),
                                    submitted_by=users.get("reviewer"), created_at=_moment(date(last_year, 12, 1)))
        session.add(jurisdiction)
        session.flush()
        jurisdiction.snapshot = json.dumps(report_commands.build_snapshot(
            session, jurisdiction, region_ids, last.bureau - timedelta(days=2)), ensure_ascii=False, default=str)
        _clock(session, jurisdiction, date(last_year, 12, 1), last.bureau - timedelta(days=2), ctx.now)
        n += 1
        # This year's reports: open, a third drafted (only once the year's reporting has begun).
        opened = min(today, current.unit)
        for unit in reporting:
            report = AnnualReport(unit_id=unit.id, region_id=unit.region_id, year=this_year, kind=ReportKind.UNIT,  # type: ignore[arg-type]
                                  due_on=current.unit, created_at=_moment(opened),
                                  work_done=WORK if rng.random() < 0.33 else None)
            session.add(report)
            session.flush()
            _clock(session, report, opened, None, ctx.now)
            n += 1
        own = AnnualReport(unit_id=bureau.id, region_id=bureau.region_id, year=this_year, kind=ReportKind.JURISDICTION,  # type: ignore[arg-type]
                           due_on=current.bureau, created_at=_moment(opened))
        session.add(own)
        session.flush()
        _clock(session, own, opened, None, ctx.now)
        session.commit()
        clocks_n = session.exec(select(SlaClock.id).where(SlaClock.case_kind == CaseKind.ANNUAL_REPORT)).all()
    ctx.counts.update(annual_reports=n + 1, annual_report_clocks=len(clocks_n))
