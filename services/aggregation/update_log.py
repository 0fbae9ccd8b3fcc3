"""The update log as a file (CSV or XLSX), the format an exchange platform produces: one row per update with
resource code, updated at, record count, added, changed, deleted and source. Import checks every row first and
writes all of them or nothing; problems name the row and the column. Export writes the same format."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
from sqlmodel import select

from models import CatalogEntry
from models.aggregation import AggregationRegistration, DataUpdate, RegistrationState
from services.aggregation import rules
from services.aggregation.commands import _apply_update, local_noon
from services.aggregation.rules import UpdateInput
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.timeutil import local_date, now_utc, tz
from services.core.uow import read_scope, unit_of_work
from services.core.workbook_reader import UnreadableWorkbook, open_workbook

COLUMNS = ("resource_code", "updated_at", "record_count", "added", "changed", "deleted", "source")
# Headers an exchange platform or a person may write instead of the column keys.
ALIASES = {"资源代码": "resource_code", "更新时间": "updated_at", "记录数": "record_count", "新增": "added",
           "修改": "changed", "删除": "deleted", "更新来源": "source", "来源": "source"}
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Problem:
    row: int  # 1-based, the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    rows_read: int = 0
    written: int = 0
    skipped: int = 0  # rows already in the log (same entry and time): a file sent twice counts once
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)


def _rows(filename: str, content: bytes) -> list[list[Any]]:
    if filename.lower().endswith(".xlsx"):
        try:
            with open_workbook(io.BytesIO(content)) as book:
                return [list(r) for r in book.sheet(book.sheet_names[0]).rows()]
        except (UnreadableWorkbook, IndexError) as exc:
            raise ValidationError({"file": _("The file cannot be read as an .xlsx workbook.")}) from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GB18030 text.")}) from exc
    return [row for row in csv.reader(io.StringIO(text))]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz())
    if isinstance(value, date):
        return local_noon(value)
    text = _text(value)
    if not text:
        return None
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%Y/%m/%d %H:%M:%S"),
                  lambda t: datetime.strptime(t, "%Y/%m/%d")):
        try:
            moment = parse(text.replace("T", " ") if "/" in text else text)
        except ValueError:
            continue
        if len(text) <= 10:
            return local_noon(moment.date())
        return moment if moment.tzinfo else moment.replace(tzinfo=tz())
    return None


def _count(value: Any) -> int | None:
    text = _text(value)
    if text == "":
        return 0
    try:
        number = int(text)
    except ValueError:
        return None
    return number


def import_updates(actor: Actor, filename: str, content: bytes, *, now: datetime | None = None) -> ImportReport:
    """Check every row; when none has a problem, record every update in one transaction."""
    report = ImportReport()
    with unit_of_work(actor, now) as uow:
        scope = uow.require("aggregation.record_update", object_type="data_update", object_id=filename)
        raw = _rows(filename, content)
        if not raw:
            raise ValidationError({"file": _("The file is empty.")})
        header = [ALIASES.get(_text(h), _text(h).lower()) for h in raw[0]]
        missing = [c for c in COLUMNS[:3] if c not in header]
        if missing:
            raise ValidationError({"file": _("The header row lacks the columns: {columns}.",
                                             columns=", ".join(missing))})
        body = [r for r in raw[1:] if any(_text(v) for v in r)]
        if len(body) > MAX_ROWS:
            raise ValidationError({"file": _("At most {n} rows per file.", n=MAX_ROWS)})
        report.rows_read = len(body)
        session, today = uow.session, local_date(now)
        codes = {_text(r[header.index("resource_code")]) for r in body if len(r) > header.index("resource_code")}
        entries = {e.resource_code: e for e in session.exec(
            select(CatalogEntry).where(CatalogEntry.resource_code.in_(codes))).all()} if codes else {}  # type: ignore[attr-defined]
        mounted = set(session.exec(select(AggregationRegistration.entry_id).where(
            AggregationRegistration.entry_id.in_([e.id for e in entries.values()]),  # type: ignore[attr-defined]
            AggregationRegistration.state == RegistrationState.ACTIVE)).all()) if entries else set()
        checked: list[tuple[CatalogEntry, UpdateInput]] = []
        for number, row in enumerate(raw[1:], start=2):
            if not any(_text(v) for v in row):
                continue
            values = {name: (row[i] if i < len(row) else None) for i, name in enumerate(header) if name in COLUMNS}
            code = _text(values.get("resource_code"))
            entry = entries.get(code)
            if entry is None or not entry.is_published:
                report.problems.append(Problem(number, "resource_code",
                                               _("No published entry has the resource code {code}.", code=code)))
                continue
            if scope is Scope.UNIT and entry.provider_unit_id != actor.unit_id:
                report.problems.append(Problem(number, "resource_code",
                                               _("Entry {code} is not your unit's.", code=code)))
                continue
            if entry.id not in mounted:
                report.problems.append(Problem(number, "resource_code", _(
                    "Register the entry's aggregation (mounted) before recording updates.")))
                continue
            moment = _when(values.get("updated_at"))
            counts = {k: _count(values.get(k)) for k in ("record_count", "added", "changed", "deleted")}
            if moment is None:
                report.problems.append(Problem(number, "updated_at", _("Give the date of the update.")))
                continue
            if _text(values.get("record_count")) == "":
                counts["record_count"] = None
            data = UpdateInput(entry_id=entry.id, updated_on=moment.astimezone(tz()).date(),  # type: ignore[arg-type]
                               record_count=counts["record_count"], added=counts["added"],  # type: ignore[arg-type]
                               changed=counts["changed"], deleted=counts["deleted"],  # type: ignore[arg-type]
                               source=_text(values.get("source")) or None)
            errors = rules.update_errors(data, today)
            for column, message in errors.items():
                report.problems.append(Problem(number, column, message))
            if not errors:
                checked.append((entry, UpdateInput(data.entry_id, moment, data.record_count, data.added,  # type: ignore[arg-type]
                                                   data.changed, data.deleted, data.source)))
        if report.problems:
            return report  # nothing written: the unit of work rolls back
        moment_now = now_utc(now)
        ids = list({e.id for e, _d in checked})
        seen = {(i, t.astimezone(tz()).replace(microsecond=0)) for i, t in session.exec(
            select(DataUpdate.entry_id, DataUpdate.updated_at).where(DataUpdate.entry_id.in_(ids))).all()} if ids else set()  # type: ignore[attr-defined]
        fresh_rows = []
        for entry, data in checked:
            key = (entry.id, data.updated_on.astimezone(tz()).replace(microsecond=0))  # type: ignore[attr-defined]
            if key in seen:
                report.skipped += 1
                continue
            seen.add(key)
            fresh_rows.append((entry, data))
        checked = fresh_rows
        for entry, data in sorted(checked, key=lambda c: c[1].updated_on):
            _apply_update(session, entry, data, actor, now, moment_now)
        report.written = len(checked)
        report.entries = len({e.id for e, _d in checked})
        uow.audit("aggregation.import_updates", object_type="data_update", object_id=filename[:100],
                  detail={"rows": report.written, "skipped": report.skipped, "entries": report.entries})
        uow.commit()
    return report


def _export_rows(actor: Actor, unit_id: int | None, since: date | None) -> list[tuple]:
    with read_scope(actor, "aggregation.view", unit_id=unit_id) as (session, scope):
        stmt = (select(CatalogEntry.resource_code, DataUpdate.updated_at, DataUpdate.record_count, DataUpdate.added,
                       DataUpdate.changed, DataUpdate.deleted, DataUpdate.source)
                .join(CatalogEntry, CatalogEntry.id == DataUpdate.entry_id)
                .order_by(DataUpdate.updated_at, DataUpdate.id))
        if scope is Scope.UNIT:
            unit_id = actor.unit_id
        if unit_id is not None:
            stmt = stmt.where(DataUpdate.unit_id == unit_id)
        if since is not None:
            stmt = stmt.where(DataUpdate.updated_at >= local_noon(since).replace(hour=0))
        return [(code, when.astimezone(tz()).strftime("%Y-%m-%d %H:%M:%S"), *rest)
                for code, when, *rest in session.exec(stmt).all()]


def export_updates(actor: Actor, *, fmt: str = "csv", unit_id: int | None = None, since: date | None = None) -> bytes:
    """The update log in the import format (CSV in UTF-8 with BOM, or XLSX)."""
    rows = _export_rows(actor, unit_id, since)
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "updates"
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append([v if v is not None else "" for v in row])
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
