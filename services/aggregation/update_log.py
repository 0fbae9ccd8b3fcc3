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
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import CatalogEntry
from models.aggregation import AggregationRegistration, DataUpdate, RegistrationState
from services.aggregation import rules
from services.aggregation.commands import _apply_update, apply_updates, local_noon
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
    # A NUL character has no meaning in an exchange platform's export, and PostgreSQL refuses it in text.
    return str(value).replace("\x00", "").strip()


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


def _preload(session, codes: set[str]) -> tuple[dict[str, CatalogEntry], set[int]]:
    """The entries named by resource code, and which of them are mounted (active registration)."""
    entries = {e.resource_code: e for e in session.exec(
        select(CatalogEntry).where(CatalogEntry.resource_code.in_(codes))).all()} if codes else {}  # type: ignore[attr-defined]
    mounted = set(session.exec(select(AggregationRegistration.entry_id).where(
        AggregationRegistration.entry_id.in_([e.id for e in entries.values()]),  # type: ignore[attr-defined]
        AggregationRegistration.state == RegistrationState.ACTIVE)).all()) if entries else set()
    return entries, mounted


def _check_row(number: int, values: dict[str, Any], entries: dict[str, CatalogEntry], mounted: set[int],
               scope: Scope, actor: Actor, today: date, problems: list[Problem]) -> tuple[CatalogEntry, UpdateInput] | None:
    """One update as a file row or a pushed event: the checks of the form, problems located by row and column."""
    code = _text(values.get("resource_code"))
    entry = entries.get(code)
    if entry is None or not entry.is_published:
        problems.append(Problem(number, "resource_code", _("No published entry has the resource code {code}.", code=code)))
        return None
    if scope is Scope.UNIT and entry.provider_unit_id != actor.unit_id:
        problems.append(Problem(number, "resource_code", _("Entry {code} is not your unit's.", code=code)))
        return None
    if entry.id not in mounted:
        problems.append(Problem(number, "resource_code", _(
            "Register the entry's aggregation (mounted) before recording updates.")))
        return None
    moment = _when(values.get("updated_at"))
    counts = {k: _count(values.get(k)) for k in ("record_count", "added", "changed", "deleted")}
    if moment is None:
        problems.append(Problem(number, "updated_at", _("Give the date of the update.")))
        return None
    if _text(values.get("record_count")) == "":
        counts["record_count"] = None
    data = UpdateInput(entry_id=entry.id, updated_on=moment.astimezone(tz()).date(),  # type: ignore[arg-type]
                       record_count=counts["record_count"], added=counts["added"],  # type: ignore[arg-type]
                       changed=counts["changed"], deleted=counts["deleted"],  # type: ignore[arg-type]
                       source=_text(values.get("source")) or None)
    errors = rules.update_errors(data, today)
    for column, message in errors.items():
        problems.append(Problem(number, column, message))
    if errors:
        return None
    return entry, UpdateInput(data.entry_id, moment, data.record_count, data.added,  # type: ignore[arg-type]
                              data.changed, data.deleted, data.source)


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
        entries, mounted = _preload(session, codes)
        checked: list[tuple[CatalogEntry, UpdateInput]] = []
        for number, row in enumerate(raw[1:], start=2):
            if not any(_text(v) for v in row):
                continue
            values = {name: (row[i] if i < len(row) else None) for i, name in enumerate(header) if name in COLUMNS}
            found = _check_row(number, values, entries, mounted, scope, actor, today, report.problems)
            if found is not None:
                checked.append(found)
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


@dataclass
class PushReport:
    """What a push of update-log events did; `problems` name the event (0-based) and its field."""

    received: int = 0
    written: int = 0
    duplicates: int = 0  # event ids this client pushed before (or twice in one batch): counted once
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)


MAX_EVENTS = 5_000
EVENT_ID_MAX = 64


def push_events(actor: Actor, client_id: int, events: list[dict[str, Any]], *, now: datetime | None = None) -> PushReport:
    """Update-log events from a client system (the system interface): the checks of the file import, all or
    nothing, idempotent by the client's event id (`event_id`): an event already recorded is skipped, whether
    the earlier push was this batch, a retry or a push that raced with this one."""
    for attempt in range(2):
        try:
            return _push(actor, client_id, events, now)
        except IntegrityError:  # another push recorded the same event id first: skip it this time
            if attempt:
                raise
    raise AssertionError("unreachable")


def _push(actor: Actor, client_id: int, events: list[dict[str, Any]], now: datetime | None) -> PushReport:
    report = PushReport(received=len(events))
    with unit_of_work(actor, now) as uow:
        scope = uow.require("aggregation.record_update", object_type="data_update", object_id=f"client {client_id}")
        if not events:
            raise ValidationError({"events": _("Send one or more events.")})
        if len(events) > MAX_EVENTS:
            raise ValidationError({"events": _("At most {n} events per call.", n=MAX_EVENTS)})
        session, today = uow.session, local_date(now)
        entries, mounted = _preload(session, {_text(e.get("resource_code")) for e in events})
        checked: list[tuple[str, CatalogEntry, UpdateInput]] = []
        batch_ids: set[str] = set()
        for number, event in enumerate(events):
            event_id = _text(event.get("event_id"))
            if not event_id or len(event_id) > EVENT_ID_MAX:
                report.problems.append(Problem(number, "event_id", _(
                    "Give the event an id of 1 to {n} characters.", n=EVENT_ID_MAX)))
                continue
            found = _check_row(number, event, entries, mounted, scope, actor, today, report.problems)
            if found is None:
                continue
            if event_id in batch_ids:
                report.duplicates += 1
                continue
            batch_ids.add(event_id)
            checked.append((event_id, *found))
        if report.problems:
            return report  # nothing written: the unit of work rolls back
        known = set(session.exec(select(DataUpdate.client_event_id).where(
            DataUpdate.client_id == client_id,
            DataUpdate.client_event_id.in_(list(batch_ids)))).all()) if batch_ids else set()  # type: ignore[union-attr]
        fresh = [c for c in checked if c[0] not in known]
        report.duplicates += len(checked) - len(fresh)
        moment_now = now_utc(now)
        apply_updates(session, [(entry, data, event_id) for event_id, entry, data in
                                sorted(fresh, key=lambda c: c[2].updated_on)], actor, now, moment_now,
                      client_id=client_id)
        report.written = len(fresh)
        report.entries = len({e.id for _i, e, _d in fresh})
        uow.audit("aggregation.push_updates", object_type="data_update", object_id=f"client {client_id}",
                  detail={"received": report.received, "written": report.written, "duplicates": report.duplicates,
                          "entries": report.entries})
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
