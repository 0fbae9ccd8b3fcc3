"""Score exports: the 通报 ranking as XLSX (a sheet per dimension with the indicator detail; frozen header, widths,
number formats, no cell ever a formula) or CSV (UTF-8 with BOM, formula-safe), the 通报 report and a one-page
scorecard per unit as PDF (services.core.pdf, Chinese fonts shipped). Every export is an audited action."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd

from services.assessment import queries, rules
from services.assessment.queries import Results
from services.assessment.rules import Method
from services.core import pdf
from services.core.actor import Actor
from services.core.errors import PermissionDenied, ValidationError
from services.core.i18n import current_language
from services.core.i18n import gettext as _
from services.core.tabular import MIME, ExportFile, safe_cell, write_table
from services.core.timeutil import now_utc, to_local
from services.core.uow import read_scope, unit_of_work

FORMATS = ("xlsx", "csv", "pdf")
PDF_MIME = "application/pdf"


def _label(mapping: dict, code: str | None) -> str:
    msgid = mapping.get(code) if code else None
    return _(msgid) if msgid else (code or "")


def ranking_table(res: Results, language: str | None = None) -> pd.DataFrame:
    """The ranking with the headers a reader sees (序号, 单位名称, 类别, 总分, 排名, 等次, dimensions, 扣分, 较上年)."""
    language = language or current_language()
    frame = queries.ranking(res, language)
    dims = [d for d in res.assessment.scheme.dimensions if d.points > 0]
    columns = {_("No."): [], _("Unit name"): [], _("Group"): [], _("Total"): [], _("Rank"): [], _("Grade"): []}
    out = pd.DataFrame(columns)
    if frame.empty:
        return out
    out[_("No.")] = range(1, len(frame) + 1)
    out[_("Unit name")] = frame["unit"]
    out[_("Group")] = frame["group"].map(lambda g: _label(rules.GROUP_LABELS, g))
    out[_("Total")] = frame["total"]
    out[_("Rank")] = frame["rank"]
    out[_("Grade")] = frame["grade"].map(lambda g: _label(rules.GRADE_LABELS, g))
    for d in dims:
        out[d.title(language)] = frame[f"dim:{d.code}"]
    out[_("Deductions")] = (-frame["deducted"]).where(frame["deducted"] != 0, 0.0)
    out[_("Change from last year")] = frame["change"]
    return out


def _audit(actor: Actor, assessment_id: int, kind: str, fmt: str, rows: int, filename: str, *,
           unit_id: int | None = None, now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("assessment.export", unit_id=unit_id, object_type="assessment", object_id=assessment_id)
        uow.audit("assessment.export", object_type="assessment", object_id=assessment_id,
                  detail={"kind": kind, "format": fmt, "rows": rows, "file": filename, "unit_id": unit_id})
        uow.commit()


def _may_export(actor: Actor, unit_id: int | None = None, now: datetime | None = None) -> None:
    """The export permission first (a refusal is audited), before anything is read."""
    with read_scope(actor, "assessment.export", unit_id=unit_id, now=now):
        pass


def _stem(res: Results, kind: str, now: datetime) -> str:
    return f"assessment-{res.assessment.year}-{kind}-{to_local(now).strftime('%Y%m%d-%H%M%S')}"  # type: ignore[union-attr]


def _ranking_results(actor: Actor, assessment_id: int | None, year: int | None) -> Results:
    _may_export(actor)
    res = queries.results(actor, assessment_id, year=year)
    if res.assessment.status != "published" and actor.has("unit_steward") and not actor.has(
            "assessor", "leader", "bureau_reviewer"):
        raise PermissionDenied(_("The ranking is shown to units once it is published."), action="assessment.export")
    return res


def export_ranking(actor: Actor, assessment_id: int | None = None, fmt: str = "xlsx", *, year: int | None = None,
                   now: datetime | None = None) -> ExportFile:
    """The ranking as XLSX (with a sheet per dimension) or CSV."""
    now = now_utc(now)
    if fmt not in ("xlsx", "csv"):
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    res = _ranking_results(actor, assessment_id, year)
    table = ranking_table(res)
    data = write_table(table, "csv", "") if fmt == "csv" else _workbook(res, table)
    filename = f"{_stem(res, 'ranking', now)}.{fmt}"
    _audit(actor, res.assessment.id, "ranking", fmt, len(table), filename, now=now)
    return ExportFile(filename, MIME[fmt], data, len(table))


def _workbook(res: Results, table: pd.DataFrame) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    language = current_language()
    wb = Workbook()
    ws = wb.active
    ws.title = _("Ranking")[:31]

    def put(sheet, frame: pd.DataFrame, numeric_from: int) -> None:
        sheet.append([str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in frame.itertuples(index=False, name=None):
            sheet.append([safe_cell(v) for v in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # user text never becomes a formula
                elif isinstance(cell.value, float) and cell.column > numeric_from:
                    cell.number_format = "0.00"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(frame.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)]) + 4
            sheet.column_dimensions[get_column_letter(index)].width = min(48, max(8, width * 1.3))

    put(ws, table, 3)
    ranking = queries.ranking(res, language)
    for d in res.assessment.scheme.dimensions:
        detail = {_("Unit"): ranking["unit"].tolist() if not ranking.empty else []}
        for ind in d.indicators:
            column = f"{ind.title(language)} ({ind.cap if ind.method is Method.DEDUCTION else ind.points:g})"
            values = []
            for unit_id in (ranking["unit_id"] if not ranking.empty else []):
                r = res.cards[int(unit_id)].indicators[ind.code]
                values.append(round(-r.points if ind.method is Method.DEDUCTION else r.points, rules.ROUND))
            detail[column] = values
        put(wb.create_sheet(d.title(language)[:31]), pd.DataFrame(detail), 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def report_pdf(actor: Actor, assessment_id: int | None = None, *, year: int | None = None,
               now: datetime | None = None) -> ExportFile:
    """The 通报 report: overview (units assessed, mean, share passing), the ranking per group, good practice and
    problems as the assessors wrote them."""
    now = now_utc(now)
    res = _ranking_results(actor, assessment_id, year)
    a = res.assessment
    table = ranking_table(res)
    totals = [c.total for c in res.cards.values()]
    passing = sum(1 for c in res.cards.values() if c.grade and c.grade != rules.Grade.FAIL)
    blocks: list = [pdf.KeyValues([
        (_("Units assessed"), str(len(totals))),
        (_("Mean score"), f"{sum(totals) / len(totals):.2f}" if totals else "—"),
        (_("Share passing"), f"{100 * passing / len(totals):.1f}%" if totals else "—"),
        (_("Values as of"), a.snapshot_on.isoformat() if a.snapshot_on else "—"),
        (_("Status"), _label(rules.STATUS_LABELS, a.status)),
    ])]
    columns = [_("Rank"), _("Unit name"), _("Total"), _("Grade"), _("Deductions"), _("Change from last year")]
    for group in rules.UnitGroup:
        part = table[table[_("Group")] == _(rules.GROUP_LABELS[group])] if not table.empty else table
        if part.empty:
            continue
        blocks.append(pdf.Heading(_(rules.GROUP_LABELS[group]), 2))
        blocks.append(pdf.Table(columns, [[_fmt(r[c]) if c != _("Rank") else str(r[c]) for c in columns]
                                          for _i, r in part.iterrows()],
                                widths=(0.8, 3.2, 1, 1, 1, 1.2), numeric=(0, 2, 4, 5)))
    blocks.append(pdf.Heading(_("Good practice"), 2))
    blocks.append(pdf.Paragraph(a.good_practice or "—"))
    blocks.append(pdf.Heading(_("Problems found"), 2))
    blocks.append(pdf.Paragraph(a.problems or "—"))
    data = pdf.render_pdf(a.title, blocks, subtitle=_("Assessment results (通报)"), footer=a.title,
                          generated_at=now)
    filename = f"{_stem(res, 'report', now)}.pdf"
    _audit(actor, a.id, "report", "pdf", len(table), filename, now=now)
    return ExportFile(filename, PDF_MIME, data, len(table))


def scorecard_pdf(actor: Actor, assessment_id: int, unit_id: int, *, now: datetime | None = None) -> ExportFile:
    """One unit's score sheet: total, rank, grade, change; every indicator; every deduction with its evidence."""
    now = now_utc(now)
    _may_export(actor, unit_id, now)
    res = queries.results(actor, assessment_id)
    queries.require_card_access(actor, res, unit_id)
    card = res.cards[unit_id]
    language = current_language()
    sheet = queries.scorecard(res, unit_id, language)
    evidence = queries.evidence(actor, assessment_id, unit_id).set_index("code")
    name, region = res.names.get(unit_id, (str(unit_id), ""))
    blocks: list = [pdf.KeyValues([
        (_("Unit"), name), (_("Region"), region), (_("Group"), _label(rules.GROUP_LABELS, card.group)),
        (_("Total"), f"{card.total:.2f}"), (_("Rank"), f"{card.rank} / {card.group_size}"),
        (_("Grade"), _label(rules.GRADE_LABELS, str(card.grade) if card.grade else None)),
        (_("Change from last year"), _fmt(res.change(unit_id))),
    ])]
    positive = sheet[sheet["method"] != Method.DEDUCTION]
    blocks.append(pdf.Heading(_("Indicators"), 2))
    blocks.append(pdf.Table([_("Dimension"), _("Indicator"), _("Value"), _("Points"), _("Maximum")],
                            [[r["dimension"], r["indicator"], _fmt(r["value"]), _fmt(r["points"]), _fmt(r["max"])]
                             for _i, r in positive.iterrows()], widths=(1.4, 3, 1, 1, 1), numeric=(2, 3, 4)))
    deductions = sheet[(sheet["method"] == Method.DEDUCTION) & (sheet["points"] != 0)]
    blocks.append(pdf.Heading(_("Deductions"), 2))
    if deductions.empty:
        blocks.append(pdf.Paragraph(_("No deduction."), muted=True))
    else:
        blocks.append(pdf.Table([_("Indicator"), _("Rule"), _("Occurrences"), _("Points"), _("Evidence")],
                                [[r["indicator"], r["standard"], _fmt(r["occurrences"]), _fmt(r["points"]),
                                  str(evidence["evidence"].get(r["code"]) or evidence["override_reason"].get(r["code"])
                                      or "—") if r["code"] in evidence.index else "—"]
                                 for _i, r in deductions.iterrows()], widths=(1.6, 2.4, 0.9, 0.8, 2.2),
                                numeric=(2, 3)))
    data = pdf.render_pdf(res.assessment.title, blocks, subtitle=_("Scorecard of {unit}", unit=name),
                          footer=res.assessment.title, generated_at=now)
    filename = f"{_stem(res, f'scorecard-{unit_id}', now)}.pdf"
    _audit(actor, res.assessment.id, "scorecard", "pdf", len(sheet), filename, unit_id=unit_id, now=now)
    return ExportFile(filename, PDF_MIME, data, len(sheet))


def export(actor: Actor, year: int, fmt: str, *, now: datetime | None = None) -> ExportFile:
    """`manage.py assessment export`: the ranking (xlsx, csv) or the 通报 report (pdf) of a year."""
    if fmt == "pdf":
        return report_pdf(actor, year=year, now=now)
    return export_ranking(actor, fmt=fmt, year=year, now=now)
