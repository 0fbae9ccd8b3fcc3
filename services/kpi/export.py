"""XLSX export of the tables behind the dashboard (audited like every export)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from services.core.actor import Actor
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.uow import read_scope, unit_of_work
from services.kpi import KpiResult, KpiUnit, Period, by_unit, compute, families
from services.kpi.cases import CASE_KIND_TITLES, STEP_TITLES, CaseList, CaseMode, case_list, title_of
from services.kpi.series import catalog_funnel, monthly_requests, overdue_by_unit, share_types_by_unit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_TITLES = {"green": N_("On target"), "amber": N_("Near target"), "red": N_("Off target"),
                 "none": N_("No target"), "not_applicable": N_("Not applicable")}
UNIT_TITLES = {KpiUnit.PERCENT: N_("Percent"), KpiUnit.COUNT: N_("Count"), KpiUnit.DAYS: N_("Working days")}


def _cell(value):
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, (list, tuple, set, dict)):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    return value


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            # Text beginning with = is data, never a formula (it may come from any unit's input).
            if cell.data_type == "f":
                cell.data_type = "s"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(name)) * 2 + 4))
    sheet.freeze_panes = "A2"


def _frame_rows(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    return [[None if pd.isna(v) else v for v in row] for row in frame[columns].itertuples(index=False)] \
        if not frame.empty else []


def kpi_rows(results: list[KpiResult]) -> list[list]:
    return [[_(r.title), r.key, _(UNIT_TITLES[r.unit]), r.value, r.target, r.previous, r.delta,
             _(STATUS_TITLES[str(r.status)])] for r in results]


def build_workbook(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
                   now: datetime | None = None) -> tuple[bytes, dict[str, int]]:
    """The workbook and the number of rows per sheet."""
    filters = dict(region_id=region_id, unit_id=unit_id, now=now)
    book = Workbook()
    book.remove(book.active)
    counts: dict[str, int] = {}

    results = compute(actor, period, **filters)
    _sheet(book, _("KPIs"), [_("KPI"), _("Key"), _("Unit of measure"), _("Value"), _("Target"), _("Previous period"),
                             _("Change"), _("Status")], kpi_rows(results))
    counts["kpis"] = len(results)
    for family in families():
        frame = by_unit(actor, period, family.key, **filters)
        keys = [k.key for k in family.kpis]
        _sheet(book, _("{family} by unit", family=_(family.title)), [_("Unit"), _("Region")] + [_(k.title) for k in family.kpis],
               _frame_rows(frame, ["unit", "region"] + keys))
        counts[f"by_unit.{family.key}"] = len(frame)
    monthly = monthly_requests(actor, period, **filters)
    _sheet(book, _("Monthly requests"), [_("Month"), _("Requests submitted"), _("Answer deadlines due"),
                                         _("Answered on time"), _("On-time answer rate")],
           _frame_rows(monthly, ["month", "submitted", "answer_due", "answer_on_time", "on_time_rate"]))
    funnel = catalog_funnel(actor, period, **filters)
    _sheet(book, _("Catalog funnel"), [_("Stage"), _("Entries")],
           [[_(t), n] for t, n in zip(funnel["title"], funnel["entries"], strict=True)])
    types = share_types_by_unit(actor, period, **filters)
    _sheet(book, _("Share types by unit"), [_("Unit"), _("Share type"), _("Entries")],
           _frame_rows(types, ["unit", "share_type", "entries"]))
    overdue = overdue_by_unit(actor, period, **filters)
    _sheet(book, _("Overdue by unit"), [_("Unit"), _("Kind of case"), _("Overdue")],
           [[u, title_of(CASE_KIND_TITLES, k), n] for u, k, n in _frame_rows(overdue, ["unit", "case_kind", "overdue"])])
    cases = case_list(actor, CaseMode.OVERDUE, period=period, **filters)
    _case_sheet(book, _("Overdue cases"), cases)
    counts["overdue_cases"] = len(cases.rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), counts


def _case_sheet(book: Workbook, title: str, cases: CaseList) -> None:
    _sheet(book, title, [_("Reference"), _("Subject"), _("Kind of case"), _("Step"), _("Responsible unit"),
                         _("Region"), _("Started on"), _("Due on"), _("Closed on"), _("Working days late")],
           [[ref, subject, title_of(CASE_KIND_TITLES, kind), title_of(STEP_TITLES, step), *rest]
            for ref, subject, kind, step, *rest in _frame_rows(
                cases.rows, ["reference", "subject", "case_kind", "step", "unit", "region", "started_on", "due_on",
                             "closed_on", "workdays_late"])])


def _audit_export(actor: Actor, what: str, period: Period, detail: dict, now: datetime | None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("kpi.export", object_type="kpi", object_id=what)
        uow.audit("kpi.export", object_type="kpi", object_id=what,
                  detail={"period": [period.start, period.end], **detail})
        uow.commit()


def export_dashboard(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
                     now: datetime | None = None) -> bytes:
    with read_scope(actor, "kpi.export", region_id=region_id, now=now):
        pass  # refuse (and audit the refusal) before any figure is computed
    data, counts = build_workbook(actor, period, region_id=region_id, unit_id=unit_id, now=now)
    _audit_export(actor, "dashboard", period, {"region_id": region_id, "unit_id": unit_id, "rows": counts}, now)
    return data


def export_cases(actor: Actor, mode: CaseMode | str, *, period: Period, region_id: int | None = None,
                 unit_id: int | None = None, kind: str | None = None, step: str | None = None,
                 now: datetime | None = None) -> bytes:
    with read_scope(actor, "kpi.export", region_id=region_id, now=now):
        pass
    cases = case_list(actor, mode, period=period, region_id=region_id, unit_id=unit_id, kind=kind, step=step, now=now)
    book = Workbook()
    book.remove(book.active)
    _case_sheet(book, _("Cases"), cases)
    buffer = io.BytesIO()
    book.save(buffer)
    _audit_export(actor, f"cases.{CaseMode(mode)}", period,
                  {"region_id": region_id, "unit_id": unit_id, "kind": kind, "step": step, "rows": len(cases.rows)},
                  now)
    return buffer.getvalue()


def file_name(prefix: str, period: Period) -> str:
    return f"{prefix}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"


CASE_COLUMNS = {"reference": N_("Reference"), "subject": N_("Subject"), "case_kind": N_("Kind of case"),
                "step": N_("Step"), "unit": N_("Responsible unit"), "region": N_("Region"),
                "started_on": N_("Started on"), "due_on": N_("Due on"), "closed_on": N_("Closed on"),
                "workdays_late": N_("Working days late")}


def export_case_list(actor: Actor, mode: CaseMode | str, fmt: str, *, period: Period, region_id: int | None = None,
                     unit_id: int | None = None, kind: str | None = None, step: str | None = None,
                     now: datetime | None = None):
    """The case list as on screen (the user's filter), as CSV (UTF-8 with BOM) or XLSX, every cell formula-safe
    and the export audited (services.core.tabular, the helper of every list export)."""
    from services.core.tabular import export_frame

    with read_scope(actor, "kpi.export", region_id=region_id, now=now):
        pass  # refuse (and audit the refusal) before the list is read
    cases = case_list(actor, mode, period=period, region_id=region_id, unit_id=unit_id, kind=kind, step=step, now=now)

    def present(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.reindex(columns=list(CASE_COLUMNS)).copy()
        out["case_kind"] = out["case_kind"].map(lambda v: title_of(CASE_KIND_TITLES, v))
        out["step"] = out["step"].map(lambda v: title_of(STEP_TITLES, v))
        return out.rename(columns={k: _(v) for k, v in CASE_COLUMNS.items()})

    return export_frame(actor, cases.rows, fmt, permission="kpi.export", action="kpi.export", object_type="kpi",
                        stem=f"cases_{CaseMode(mode)}_{period.start:%Y%m%d}-{period.end:%Y%m%d}", sheet=_("Cases"),
                        filters={"mode": str(CaseMode(mode)), "period": f"{period.start}/{period.end}",
                                 "region_id": region_id, "unit_id": unit_id, "kind": kind, "step": step},
                        present=present, region_id=region_id, now=now)
