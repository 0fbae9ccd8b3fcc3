"""Reads of annual reports: the year's list, one report with its figures (frozen once submitted, computed on the
fly while a draft), the home counts, and the PDF and XLSX exports (audited)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlmodel import func, select

from models import AnnualReport, Unit
from models.report import ReportKind, ReportStatus
from services.core import pdf
from services.core.actor import Actor
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import gettext as _
from services.core.permissions import Scope, allowed_scope
from services.core.tabular import MIME, ExportFile, safe_cell
from services.core.timeutil import local_date, now_utc, to_local
from services.core.uow import read_scope, unit_of_work
from services.reports import rules
from services.reports.commands import build_snapshot, due_dates

LIST_COLUMNS = ["id", "unit_id", "unit", "kind", "status", "due_on", "submitted_at", "late", "return_reason", "version"]


def _scoped(stmt, actor: Actor, scope: Scope):
    if scope is Scope.UNIT:
        return stmt.where(AnnualReport.unit_id == actor.unit_id)
    return stmt


def list_reports(actor: Actor, year: int, *, kind: str | None = None) -> pd.DataFrame:
    with read_scope(actor, "report.view") as (session, scope):
        stmt = (select(AnnualReport.id, AnnualReport.unit_id, Unit.name, AnnualReport.kind, AnnualReport.status,
                       AnnualReport.due_on, AnnualReport.submitted_at, AnnualReport.late, AnnualReport.return_reason,
                       AnnualReport.version)
                .join(Unit, Unit.id == AnnualReport.unit_id).where(AnnualReport.year == year)
                .order_by(AnnualReport.kind, Unit.name))  # the jurisdiction report first
        if kind:
            stmt = stmt.where(AnnualReport.kind == kind)
        rows = session.exec(_scoped(stmt, actor, scope)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=LIST_COLUMNS)


@dataclass
class ReportView:
    id: int
    unit_id: int
    unit: str
    region_id: int | None
    year: int
    kind: str
    status: str
    due_on: date | None
    submitted_at: datetime | None
    late: bool
    return_reason: str | None
    sections: dict[str, str | None]
    figures: dict  # frozen at submission; live while a draft or returned
    frozen: bool
    version: int


def get_report(actor: Actor, report_id: int, *, today: date | None = None) -> ReportView:
    with read_scope(actor, "report.view") as (session, scope):
        report = session.get(AnnualReport, report_id)
        if report is None:
            raise NotFound()
        if scope is Scope.UNIT and report.unit_id != actor.unit_id:
            raise PermissionDenied(_("This record is outside the units you are responsible for."), action="report.view")
        unit = session.get(Unit, report.unit_id)
        frozen = report.snapshot is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
        if frozen:
            data = json.loads(report.snapshot)  # type: ignore[arg-type]
        else:
            data = build_snapshot(session, report, actor.region_ids, today or local_date())
        return ReportView(report.id, report.unit_id, unit.name if unit else "", report.region_id, report.year,  # type: ignore[arg-type]
                          report.kind, report.status, report.due_on, report.submitted_at, report.late,
                          report.return_reason, {k: getattr(report, k) for k in rules.SECTIONS}, data, frozen,
                          report.version)


def schedule(year: int) -> rules.DueDates | None:
    """The year's due dates (None where the active profile sets no annual report)."""
    return due_dates(year)


@dataclass(frozen=True)
class HomeCounts:
    to_write: int = 0  # the unit's draft or returned reports
    to_review: int = 0  # the bureau: submitted unit reports waiting


def home_counts(actor: Actor) -> HomeCounts:
    if allowed_scope(actor, "report.view") is None:
        return HomeCounts()
    with read_scope(actor, "report.view") as (session, scope):
        rows = session.exec(_scoped(select(AnnualReport.kind, AnnualReport.status, func.count())
                                    .group_by(AnnualReport.kind, AnnualReport.status), actor, scope)).all()
    to_write = sum(n for kind, status, n in rows if kind == ReportKind.UNIT and status in rules.EDITABLE) \
        if scope is Scope.UNIT else 0
    to_review = sum(n for kind, status, n in rows if kind == ReportKind.UNIT and status == ReportStatus.SUBMITTED) \
        if allowed_scope(actor, "report.review") is not None else 0
    return HomeCounts(to_write, to_review)


# --- figures as rows, PDF and XLSX ------------------------------------------------------------------------------
def _value_text(unit: str, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "days":
        return f"{value:.1f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def figure_rows(figures: dict) -> list[tuple[str, str, str]]:
    """(section, figure, value) in the reader's language, for the page, the PDF and the XLSX."""
    out = []
    for family in figures.get("families", []):
        section = family["title"]
        for kpi in family["kpis"]:
            name = kpi["title"]
            out.append((_(section), _(name), _value_text(kpi["unit"], kpi["value"])))
    for key, msgid in rules.EXTRA_FIGURES.items():
        value = figures.get("extras", {}).get(key)
        out.append((_("Work figures"), _(msgid), _value_text("count", value)))
    return out


def assessment_rows(figures: dict) -> list[tuple[str, str]] | None:
    result = figures.get("assessment")
    if not result:
        return None
    return [(_(msgid), "—" if result.get(key) is None else str(result.get(key)))
            for key, msgid in rules.ASSESSMENT_FIELDS.items()]


def jurisdiction_tables(figures: dict) -> dict[str, pd.DataFrame]:
    """The compiled jurisdiction part: units' lines, rankings per figure, late and missing lists."""
    data = figures.get("jurisdiction")
    if not data:
        return {}
    status_text = {k: _(v) for k, v in rules.STATUS_NAMES.items()}
    lines = pd.DataFrame([(u["unit"], status_text.get(u["status"], u["status"]), _("Yes") if u["late"] else _("No"))
                          for u in figures.get("unit_lines", [])], columns=[_("Unit"), _("Status"), _("Late")])
    out = {"units": lines}
    titles = {k: _(rules_title) for k, rules_title in _kpi_titles().items()}
    for key, ranking in data.get("rankings", {}).items():
        out[key] = pd.DataFrame([(r["rank"], r["unit"], r["value"]) for r in ranking],
                                columns=[_("Rank"), _("Unit"), titles.get(key, key)])
    return out


def _kpi_titles() -> dict[str, str]:
    from services.kpi.registry import definition

    return {key: definition(key).title for key in rules.RANKED_KPIS if definition(key) is not None}  # type: ignore[union-attr]


def _blocks(view: ReportView) -> list:
    status_text = _(rules.STATUS_NAMES.get(view.status, view.status))
    blocks: list = [pdf.KeyValues([
        (_("Unit"), view.unit), (_("Year"), str(view.year)), (_("Status"), status_text),
        (_("Due date"), view.due_on.isoformat() if view.due_on else "—"),
        (_("Submitted"), to_local(view.submitted_at).strftime("%Y-%m-%d") if view.submitted_at else "—"),
        (_("Late"), _("Yes") if view.late else _("No")),
        (_("Figures as of"), str(view.figures.get("as_of", ""))),
    ])]
    blocks.append(pdf.Heading(_("Figures from the platform"), 2))
    blocks.append(pdf.Table([_("Section"), _("Figure"), _("Value")], figure_rows(view.figures), widths=[2, 4, 1.5],
                            numeric=[2]))
    blocks.append(pdf.Heading(_("Assessment result"), 2))
    assessment = assessment_rows(view.figures)
    blocks.append(pdf.KeyValues(assessment) if assessment else pdf.Paragraph(_("No published assessment."), muted=True))
    data = view.figures.get("jurisdiction")
    if data:
        blocks.append(pdf.Heading(_("Units of the jurisdiction"), 2))
        blocks.append(pdf.KeyValues([(_("Units reporting"), str(data["units"])), (_("Submitted"), str(data["submitted"])),
                                     (_("Accepted"), str(data["accepted"])),
                                     (_("Late"), "、".join(data["late"]) or "—"),
                                     (_("Not submitted"), "、".join(data["missing"]) or "—"),
                                     (_("Returned"), "、".join(data["returned"]) or "—")]))
        for _key, frame in jurisdiction_tables(view.figures).items():
            blocks.append(pdf.Table(list(frame.columns), frame.values.tolist()))
    for key in rules.SECTIONS:
        blocks.append(pdf.Heading(_(rules.SECTION_TITLES[key]), 2))
        blocks.append(pdf.Paragraph(view.sections.get(key) or "—"))
    return blocks


def _audited_export(actor: Actor, view: ReportView, fmt: str, now: datetime | None) -> str:
    moment = now_utc(now)
    filename = f"annual-report-{view.year}-{view.unit_id}-{to_local(moment).strftime('%Y%m%d-%H%M%S')}.{fmt}"  # type: ignore[union-attr]
    with unit_of_work(actor, now) as uow:
        uow.require("report.view", unit_id=view.unit_id, region_id=view.region_id, object_type="annual_report",
                    object_id=view.id)
        uow.audit("report.export", object_type="annual_report", object_id=view.id,
                  detail={"format": fmt, "file": filename, "frozen": view.frozen})
        uow.commit()
    return filename


def export_pdf(actor: Actor, report_id: int, *, now: datetime | None = None) -> ExportFile:
    view = get_report(actor, report_id)
    title = _("Annual data-management report {year}", year=view.year)
    data = pdf.render_pdf(title, _blocks(view), subtitle=view.unit,
                          footer=_("Generated by GovData Hub"), generated_at=now_utc(now))
    filename = _audited_export(actor, view, "pdf", now)
    return ExportFile(filename=filename, mime="application/pdf", data=data, rows=1)


def export_xlsx(actor: Actor, report_id: int, *, now: datetime | None = None) -> ExportFile:
    """The figures (and the jurisdiction's tables) as a workbook; every cell formula-safe."""
    from openpyxl import Workbook

    view = get_report(actor, report_id)
    wb = Workbook()
    ws = wb.active
    ws.title = str(view.year)
    ws.append([_("Section"), _("Figure"), _("Value")])
    for row in figure_rows(view.figures):
        ws.append([safe_cell(v) for v in row])
    for key, frame in jurisdiction_tables(view.figures).items():
        sheet = wb.create_sheet(key[:31])
        sheet.append([str(c) for c in frame.columns])
        for values in frame.itertuples(index=False, name=None):
            sheet.append([safe_cell(v) for v in values])
    out = io.BytesIO()
    wb.save(out)
    filename = _audited_export(actor, view, "xlsx", now)
    return ExportFile(filename=filename, mime=MIME["xlsx"], data=out.getvalue(), rows=len(figure_rows(view.figures)))
