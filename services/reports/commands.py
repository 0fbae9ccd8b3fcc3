"""Changes to annual data-management reports (Yunyang §46).

The bureau opens a report year: a draft report and a clock for every unit of its jurisdiction (due by the profile's
date, moved to a working day) and one for its own jurisdiction report (due the profile's working days later, across
the New Year holiday). A unit writes its sections and submits: the platform's figures are computed at that moment
and frozen as JSON in the report, so later data never changes it. The bureau accepts or returns with reasons (the
clock starts again toward the same due date). The jurisdiction report is compiled from the units' frozen figures."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from models import AnnualReport, Unit
from models.clock import CaseKind, ClockStep
from models.org import UnitKind
from models.report import ReportKind, ReportStatus
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.permissions import allowed_scope
from services.core.timeutil import local_date, now_utc
from services.core.uow import UnitOfWork, unit_of_work
from services.core.validators import text_error
from services.deadlines import calendar, clocks, policy
from services.reports import figures, rules
from services.reports.rules import DueDates, UnitLine

clocks.FIXED_DATE_STEPS.update({str(ClockStep.ANNUAL_REPORT_UNIT), str(ClockStep.ANNUAL_REPORT_BUREAU)})
R = ReportStatus
STEP = {ReportKind.UNIT: ClockStep.ANNUAL_REPORT_UNIT, ReportKind.JURISDICTION: ClockStep.ANNUAL_REPORT_BUREAU}
WRITE_PERMISSION = {ReportKind.UNIT: "report.edit", ReportKind.JURISDICTION: "report.compile"}


def due_dates(year: int) -> DueDates | None:
    """The year's due dates under the active profile and the working-day calendar (None: not applicable)."""
    profile = policy.active_profile()
    return rules.due_dates(year, profile.annual_report_unit_due, profile.annual_report_bureau_workdays,
                           profile.annual_report_government_due,
                           lambda day: rules.first_workday_on_or_after(day, calendar.is_workday), calendar.deadline)


def _not_applicable() -> ValidationError:
    return ValidationError({"year": _("The active policy profile sets no annual data-management report.")})


def _start_clock(session: Session, report: AnnualReport, now: datetime | None) -> None:
    clocks.start_until(session, case_kind=CaseKind.ANNUAL_REPORT, case_id=report.id, step=STEP[report.kind],  # type: ignore[arg-type,index]
                       unit_id=report.unit_id, region_id=report.region_id, due_on=report.due_on, now=now)  # type: ignore[arg-type]


def open_year(actor: Actor, year: int, *, now: datetime | None = None) -> int:
    """The bureau opens the report year for its jurisdiction; returns how many reports were created (a unit that
    already has its report is left alone)."""
    with unit_of_work(actor, now) as uow:
        uow.require("report.review", object_type="annual_report", object_id=year)
        dates = due_dates(year)
        if dates is None:
            raise _not_applicable()
        if not 2015 <= year <= 2034:
            raise ValidationError({"year": _("Choose a year the working-day calendar covers.")})
        session = uow.session
        region_ids = sorted(uow.actor.region_ids) or [uow.actor.region_id]
        units = session.exec(select(Unit).where(Unit.region_id.in_(region_ids), Unit.is_active.is_(True))  # type: ignore[union-attr,attr-defined]
                             .order_by(Unit.id)).all()
        existing = {(r.unit_id, r.kind) for r in session.exec(select(AnnualReport).where(AnnualReport.year == year)).all()}
        wanted = [(u, ReportKind.UNIT, dates.unit) for u in units if u.kind != UnitKind.BUREAU]
        own = session.get(Unit, uow.actor.unit_id)
        if own is not None:
            wanted.append((own, ReportKind.JURISDICTION, dates.bureau))
        created = 0
        for unit, kind, due in wanted:
            if (unit.id, kind) in existing:
                continue
            report = AnnualReport(unit_id=unit.id, region_id=unit.region_id, year=year, kind=kind, due_on=due,  # type: ignore[arg-type]
                                  created_at=now_utc(now))
            session.add(report)
            session.flush()
            _start_clock(session, report, now)
            created += 1
        uow.audit("report.open_year", object_type="annual_report", object_id=year,
                  detail={"created": created, "unit_due": dates.unit.isoformat(), "bureau_due": dates.bureau.isoformat()})
        uow.commit()
        return created


def _open(uow: UnitOfWork, report_id: int, *, expected_version: int | None) -> AnnualReport:
    """The report, locked, after the role check (unit or bureau writer) and the permission on its unit."""
    if allowed_scope(uow.actor, "report.edit") is None:
        uow.require("report.compile", object_type="annual_report", object_id=report_id)  # the role, before any read
    report = uow.get(AnnualReport, report_id, for_update=True)
    uow.require(WRITE_PERMISSION[report.kind], unit_id=report.unit_id, region_id=report.region_id,  # type: ignore[index]
                object_type="annual_report", object_id=report_id)
    uow.check_version(report, expected_version)
    return report


def save_sections(actor: Actor, report_id: int, sections: dict[str, str | None], *,
                  expected_version: int | None = None, now: datetime | None = None) -> None:
    """The unit (or, for its jurisdiction report, the bureau) writes work done, problems and next year's plan."""
    with unit_of_work(actor, now) as uow:
        report = _open(uow, report_id, expected_version=expected_version)
        if report.status not in rules.EDITABLE:
            raise ValidationError({"": _("A submitted report cannot be changed.")})
        errors = rules.section_errors(sections)
        if errors:
            raise ValidationError(errors)
        for key in rules.SECTIONS:
            setattr(report, key, (sections.get(key) or "").strip() or None)
        report.updated_at = now_utc(now)
        uow.audit("report.save", object_type="annual_report", object_id=report_id,
                  detail={"year": report.year, "kind": report.kind})
        uow.commit()


def _jurisdiction_lines(session: Session, report: AnnualReport, region_ids) -> list[UnitLine]:
    rows = session.exec(select(AnnualReport, Unit.name).join(Unit, Unit.id == AnnualReport.unit_id)
                        .where(AnnualReport.year == report.year, AnnualReport.kind == str(ReportKind.UNIT),
                               AnnualReport.region_id.in_(sorted(region_ids)))  # type: ignore[union-attr]
                        .order_by(Unit.name)).all()
    return [UnitLine(r.unit_id, name, r.status, r.late,
                     json.loads(r.snapshot) if r.snapshot and r.status in (R.SUBMITTED, R.ACCEPTED) else None)
            for r, name in rows]


def build_snapshot(session: Session, report: AnnualReport, region_ids, today) -> dict:
    """The figures of the report as of today: the unit's numbers, or the compilation of the units' reports."""
    if report.kind != ReportKind.JURISDICTION:
        return figures.unit_snapshot(session, report.unit_id, report.year, today)
    snapshot = figures.jurisdiction_snapshot(session, report.unit_id, region_ids, report.year, today)
    lines = _jurisdiction_lines(session, report, region_ids)
    snapshot["jurisdiction"] = rules.compile_jurisdiction(lines)
    snapshot["unit_lines"] = [{"unit": line.unit, "status": line.status, "late": line.late} for line in lines]
    return snapshot


def submit_report(actor: Actor, report_id: int, *, expected_version: int | None = None,
                  now: datetime | None = None) -> None:
    """Submit: every section written; the figures are computed now and frozen in the report."""
    with unit_of_work(actor, now) as uow:
        report = _open(uow, report_id, expected_version=expected_version)
        status = rules.next_status(report.kind, report.status, "submit")
        if status is None:
            raise ValidationError({"": _("This report has already been submitted.")})
        errors = rules.submission_errors({k: getattr(report, k) for k in rules.SECTIONS})
        if errors:
            raise ValidationError(errors)
        today = local_date(now)
        snapshot = build_snapshot(uow.session, report, uow.actor.region_ids, today)
        report.snapshot = json.dumps(snapshot, ensure_ascii=False, default=str)
        report.status, report.return_reason = status, None
        report.submitted_at, report.submitted_by = now_utc(now), actor.user_id
        report.late = report.due_on is not None and today > report.due_on
        report.updated_at = now_utc(now)
        clocks.close(uow.session, case_kind=CaseKind.ANNUAL_REPORT, case_id=report_id, now=now)
        uow.audit("report.submit", object_type="annual_report", object_id=report_id,
                  detail={"year": report.year, "kind": report.kind, "late": report.late})
        uow.commit()


def review_report(actor: Actor, report_id: int, *, accept: bool, reason: str = "",
                  expected_version: int | None = None, now: datetime | None = None) -> None:
    """The bureau accepts a unit's submitted report or returns it with reasons."""
    with unit_of_work(actor, now) as uow:
        uow.require("report.review", object_type="annual_report", object_id=report_id)
        report = uow.get(AnnualReport, report_id, for_update=True)
        uow.require("report.review", unit_id=report.unit_id, region_id=report.region_id, object_type="annual_report",
                    object_id=report_id)
        uow.check_version(report, expected_version)
        status = rules.next_status(report.kind, report.status, "accept" if accept else "return")
        if status is None:
            raise ValidationError({"": _("Only a submitted unit report is accepted or returned.")})
        if not accept and not (reason or "").strip():
            raise ValidationError({"return_reason": _("A returned report states its reasons.")})
        if not accept and (problem := text_error(reason.strip(), rules.RETURN_REASON_MAX)) is not None:
            raise ValidationError({"return_reason": problem})
        report.status = status
        report.return_reason = None if accept else reason.strip()
        report.reviewed_at, report.reviewed_by = now_utc(now), actor.user_id
        if not accept and report.due_on is not None:
            _start_clock(uow.session, report, now)
        uow.audit("report.review", object_type="annual_report", object_id=report_id,
                  detail={"year": report.year, "accepted": accept})
        uow.commit()
