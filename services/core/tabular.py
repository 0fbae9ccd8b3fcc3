"""Lists handed to a colleague: a table written as CSV (UTF-8 with BOM, opens in Excel) or XLSX with
formula-safe cells, and the audit event every export records.

A domain's export function reads its rows (with the user's filter and its own permission check), hands the
shown columns here and returns the `ExportFile`; the page only offers the download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.timeutil import now_utc, to_local
from services.core.uow import unit_of_work

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class ExportFile:
    filename: str
    mime: str
    data: bytes
    rows: int


def safe_cell(value: Any) -> Any:
    if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def check_format(fmt: str, rows: int) -> None:
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
        raise ValidationError({"format": _("{n} rows match: more than a worksheet holds. Narrow the filter or "
                                           "export CSV.", n=rows)})


def write_table(frame: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    """The frame's columns (already the headers the user reads) and rows, every cell formula-safe."""
    header = [str(c) for c in frame.columns]
    rows = ([safe_cell(v) for v in row] for row in frame.itertuples(index=False, name=None))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.append(header)
    for values in rows:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_frame(actor: Actor, frame: pd.DataFrame, fmt: str, *, permission: str, action: str, object_type: str,
                 stem: str, sheet: str, filters: dict | None = None,
                 present: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                 unit_id: int | None = None, region_id: int | None = None,
                 now: datetime | None = None) -> ExportFile:
    """Write `frame` (after `present`, the page's headers and names) and record the export as an audited
    action with its filter, format and row count; a refused permission is audited as denied."""
    now = now_utc(now)
    check_format(fmt, len(frame))
    shown = present(frame) if present is not None else frame
    data = write_table(shown, fmt, sheet)
    filename = f"{stem}-{to_local(now).strftime('%Y%m%d-%H%M%S')}.{fmt}"  # type: ignore[union-attr]
    with unit_of_work(actor, now) as uow:
        uow.require(permission, unit_id=unit_id, region_id=region_id, object_type=object_type)
        uow.audit(action, object_type=object_type,
                  detail={"filter": _plain(filters or {}), "format": fmt, "rows": len(frame), "file": filename})
        uow.commit()
    return ExportFile(filename=filename, mime=MIME[fmt], data=data, rows=len(frame))


def _plain(filters: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in filters.items()
            if v not in (None, "", [], ())}
