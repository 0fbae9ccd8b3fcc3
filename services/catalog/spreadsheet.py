"""The catalog spreadsheet (offline compilation, Shanghai §9): template, export and all-or-nothing import.

The contract lives in data/templates/catalog_spreadsheet.json: two sheets (目录, 信息项), columns matched by
header, enumerations written with their Chinese names and read back from those names, the active profile's
names, the standard names or the codes. Export writes exactly what import reads. Text beginning with
= + - @ is data: it is written as a quote-prefixed text cell and read back unchanged, never evaluated."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from sqlalchemy import insert
from sqlmodel import Session, select

from models import CatalogEntry, DataItem, OneSourceDecision, Unit
from models.catalog import ChangeKind, EntryStatus
from services.catalog import commands, rules, store
from services.catalog.rules import DataItemInput, EntryInput, normalise_name
from services.core import workbook_reader
from services.core.actor import Actor
from services.core.errors import Conflict, PermissionDenied
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.settings import DATA_DIR
from services.core.timeutil import local_date, now_utc
from services.core.uow import read_scope, unit_of_work
from services.core.validators import normalize_code, uscc_error

Progress = Callable[[float, str], None]


FORMULA_PREFIXES = ("=", "+", "-", "@")
PROGRESS_EVERY = 2_000  # rows between progress callbacks
CHUNK = 900  # ids per IN (...) list, under SQLite's bound-parameter limit


@lru_cache(maxsize=1)
def spec() -> dict:
    return json.loads((DATA_DIR / "templates" / "catalog_spreadsheet.json").read_text(encoding="utf-8"))


def _enum_names(kind: str) -> dict[str, list[str]]:
    return spec()["enumerations"][kind]


def enum_text(kind: str, code: str | None) -> str | None:
    """The name a code is written with in the spreadsheet (profile names for share type and open attribute)."""
    if code is None:
        return None
    if kind in ("share_type", "open_attribute"):
        from services.deadlines import policy

        profile = policy.active_profile()
        return profile.share_type_name(code) if kind == "share_type" else profile.open_attribute_name(code)
    if kind == "flag":
        return "是" if code else "否"
    names = _enum_names(kind).get(code)
    return names[0] if names else code


def parse_enum(kind: str, text: str | None, memo: dict | None = None) -> tuple[str | None, bool]:
    """(code, ok): empty cells give (None, True); an unknown name gives (None, False). `memo` caches the
    answers within one import (a workbook repeats the same few names thousands of times)."""
    if text is None or str(text).strip() == "":
        return None, True
    if memo is not None:
        key = (kind, text)
        if key not in memo:
            memo[key] = parse_enum(kind, text)
        return memo[key]
    raw = str(text).strip()
    if kind in ("share_type", "open_attribute"):
        from services.deadlines import policy

        code = policy.parse_share_type(raw) if kind == "share_type" else policy.parse_open_attribute(raw)
        return code, code is not None
    wanted = "".join(raw.split()).upper()
    for code, names in _enum_names(kind).items():
        if wanted in {code.upper(), *("".join(n.split()).upper() for n in names)}:
            return code, True
    return None, False


def _allowed_names(kind: str) -> str:
    if kind in ("share_type", "open_attribute"):
        from models.catalog import OpenAttribute, ShareType

        codes = ShareType if kind == "share_type" else OpenAttribute
        return "、".join(enum_text(kind, str(c)) or "" for c in codes)
    return "、".join(names[0] for names in _enum_names(kind).values() if names and names[0])


# --- report -----------------------------------------------------------------------------------------
@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    entries_read: int = 0
    items_read: int = 0
    created: int = 0
    updated: int = 0
    submitted: int = 0
    rejected_rows: int = 0
    rows_read: dict[str, int] = field(default_factory=dict)  # per sheet, header row included
    dry_run: bool = False
    written: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # not blocking: items obtainable by sharing

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        out = asdict(self)
        out["ok"] = self.ok
        return out


# --- reading ----------------------------------------------------------------------------------------
@dataclass
class SheetRow:
    row: int
    values: dict[str, Any]


@dataclass
class ParsedWorkbook:
    entries: list[SheetRow] = field(default_factory=list)
    items: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _read_sheet(ws: workbook_reader.Sheet, headers: dict[str, str], sheet: str, required: set[str],
                report: list[Problem], progress: Progress | None, done: list[int], total: int) -> list[SheetRow]:
    rows = ws.rows()
    try:
        header_row = next(rows)
    except StopIteration:
        report.append(Problem(sheet, 1, "", _("The sheet is empty: the first row must hold the column headers.")))
        return []
    by_header = {_cell_text(h): i for i, h in enumerate(header_row) if _cell_text(h)}
    positions: dict[str, int] = {}
    for key, header in headers.items():
        if header in by_header:
            positions[key] = by_header[header]
        elif key in required:
            report.append(Problem(sheet, 1, header, _("The column {header} is missing.", header=header)))
    if any(p.sheet == sheet and p.row == 1 for p in report):
        return []
    out: list[SheetRow] = []
    for number, values in enumerate(rows, start=2):
        done[0] += 1
        if progress and done[0] % PROGRESS_EVERY == 0:
            progress(min(done[0] / total, 1.0) if total else 0.0,
                     _("Reading row {n} of {sheet}", n=number, sheet=sheet))
        record = {key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()}
        if all(_cell_text(v) is None for v in record.values()):
            continue  # blank rows between blocks are common in hand-made sheets
        out.append(SheetRow(number, record))
    return out


def read_workbook(source: str | Path | IO[bytes], progress: Progress | None = None) -> ParsedWorkbook:
    """Read both sheets to their last row (services/core/workbook_reader.py); problems with the file itself are
    reported, not raised."""
    s = spec()
    parsed = ParsedWorkbook()
    unreadable = Problem("", 0, "", _("The file is not an Excel workbook (.xlsx) that can be read."))
    try:
        wb = workbook_reader.open_workbook(source)
    except workbook_reader.UnreadableWorkbook:
        parsed.problems.append(unreadable)
        return parsed
    with wb:
        for sheet in (s["entry_sheet"], s["item_sheet"]):
            if sheet not in wb.sheet_names:
                parsed.problems.append(Problem(sheet, 0, "", _("The workbook has no sheet named {sheet}.", sheet=sheet)))
        if parsed.problems:
            return parsed
        try:
            ws_e, ws_i = wb.sheet(s["entry_sheet"]), wb.sheet(s["item_sheet"])
        except workbook_reader.UnreadableWorkbook:
            parsed.problems.append(unreadable)
            return parsed
        parsed.rows_read = {ws_e.name: ws_e.height, ws_i.name: ws_i.height}
        total = ws_e.height + ws_i.height
        done = [0]
        parsed.entries = _read_sheet(ws_e, s["entry_headers"], s["entry_sheet"], set(s["required_headers"]),
                                     parsed.problems, progress, done, total)
        parsed.items = _read_sheet(ws_i, s["item_headers"], s["item_sheet"], {"resource_code", "name"},
                                   parsed.problems, progress, done, total)
        if progress:
            progress(1.0, _("Read {n} rows.", n=done[0]))
    return parsed


# --- checking ---------------------------------------------------------------------------------------
@dataclass
class _Plan:
    new: list[EntryInput] = field(default_factory=list)
    changed: list[tuple[int, EntryInput]] = field(default_factory=list)


ENUM_COLUMNS = ("classification", "base_library", "resource_format", "share_type", "share_method", "open_attribute",
                "update_frequency", "security_level")
TEXT_COLUMNS = ("summary", "share_conditions", "share_scope", "open_conditions", "restriction_basis",
                "related_codes")
FIELD_COLUMN = {"provider_unit_id": "provider_uscc", "source_unit_id": "source_uscc"}


def _check(session: Session, actor: Actor, scope: Scope, parsed: ParsedWorkbook, report: ImportReport,
           submit: bool) -> _Plan:
    s = spec()
    eh, ih = s["entry_headers"], s["item_headers"]
    es, isheet = s["entry_sheet"], s["item_sheet"]
    problems = report.problems
    bad_rows: set[tuple[str, int]] = set()
    memo: dict = {}

    def problem(sheet: str, row: int, column: str, message: str) -> None:
        problems.append(Problem(sheet, row, column, message))
        bad_rows.add((sheet, row))

    units = {u.uscc: u for u in session.exec(select(Unit)).all()}
    existing = {code: (eid, uid, status, live) for eid, code, uid, status, live in session.exec(
        select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.provider_unit_id, CatalogEntry.status,
               CatalogEntry.is_published)).all()}
    rulings = dict(session.exec(select(OneSourceDecision.norm_name, OneSourceDecision.source_unit_id)).all())
    # Items some unit already declares as its own source in a published entry (one source per item).
    declared_sources: dict[str, list[tuple[int, str]]] = {}
    if submit:
        for name, unit_id, unit_name in session.exec(
                select(DataItem.norm_name, CatalogEntry.provider_unit_id, Unit.name)
                .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
                .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(DataItem.is_source.is_(True), CatalogEntry.is_published.is_(True))).all():  # type: ignore[attr-defined]
            declared_sources.setdefault(name, []).append((unit_id, unit_name))

    # data items grouped by resource code
    items_by_code: dict[str, list[tuple[int, DataItemInput]]] = {}
    for r in parsed.items:
        v = r.values
        code = _cell_text(v.get("resource_code"))
        name = _cell_text(v.get("name"))
        if not code:
            problem(isheet, r.row, ih["resource_code"], _("The resource code is required."))
            continue
        if not name:
            problem(isheet, r.row, ih["name"], _("The data item name is required."))
        elif len(name) > 80:
            problem(isheet, r.row, ih["name"], _("At most {n} characters.", n=80))
        dtype, ok = parse_enum("data_type", _cell_text(v.get("data_type")), memo)
        if not ok:
            problem(isheet, r.row, ih["data_type"], _("Unknown value {value}; use one of: {names}.",
                                                      value=_cell_text(v.get("data_type")),
                                                      names=_allowed_names("data_type")))
        length_text = _cell_text(v.get("length"))
        length = None
        if length_text is not None:
            try:
                length = int(length_text)
                if not 0 < length <= rules.MAX_ITEM_LENGTH:
                    raise ValueError
            except ValueError:
                problem(isheet, r.row, ih["length"], _("The length must be a whole number between 1 and {k}.",
                                                       k=rules.MAX_ITEM_LENGTH))
        flags = []
        for key in ("is_sensitive", "is_source"):
            flag, ok = parse_enum("flag", _cell_text(v.get(key)), memo)
            if not ok:
                problem(isheet, r.row, ih[key], _("Write 是 or 否."))
            flags.append(flag == "true")
        items_by_code.setdefault(code, []).append(
            (r.row, DataItemInput(name or "", dtype or "string", length, flags[0], flags[1])))

    seen_codes: dict[str, int] = {}
    plan = _Plan()
    for r in parsed.entries:
        v = r.values
        code = _cell_text(v.get("resource_code")) or ""
        if code in seen_codes:
            problem(es, r.row, eh["resource_code"], _("The resource code {code} is already used in row {m}.",
                                                      code=code, m=seen_codes[code]))
            continue
        if code:
            seen_codes[code] = r.row
        values: dict[str, Any] = {k: _cell_text(v.get(k)) for k in TEXT_COLUMNS}
        for key in ENUM_COLUMNS:
            text = _cell_text(v.get(key))
            values[key], ok = parse_enum(key, text, memo)
            if not ok:
                problem(es, r.row, eh[key], _("Unknown value {value}; use one of: {names}.", value=text,
                                              names=_allowed_names(key)))
        provider = None
        uscc = normalize_code(_cell_text(v.get("provider_uscc")))
        if not uscc:
            problem(es, r.row, eh["provider_uscc"], _("The providing unit's code is required."))
        elif uscc_error(uscc):
            problem(es, r.row, eh["provider_uscc"], uscc_error(uscc) or "")
        elif uscc not in units:
            problem(es, r.row, eh["provider_uscc"], _("No unit has the unified social credit code {code}.",
                                                      code=uscc))
        else:
            provider = units[uscc]
            if scope is Scope.UNIT and provider.id != actor.unit_id:
                problem(es, r.row, eh["provider_uscc"], _("You may import only your own unit's entries."))
        source_id = None
        source_uscc = normalize_code(_cell_text(v.get("source_uscc")))
        if source_uscc:
            if uscc_error(source_uscc):
                problem(es, r.row, eh["source_uscc"], uscc_error(source_uscc) or "")
            elif source_uscc not in units:
                problem(es, r.row, eh["source_uscc"], _("No unit has the unified social credit code {code}.",
                                                        code=source_uscc))
            else:
                source_id = units[source_uscc].id
        published_on = None
        published_text = _cell_text(v.get("published_on"))
        if published_text:
            try:
                published_on = date.fromisoformat(published_text[:10])
            except ValueError:
                problem(es, r.row, eh["published_on"], _("Write the date as YYYY-MM-DD."))
        item_rows = items_by_code.pop(code, [])
        items = [item for _row, item in item_rows]
        data = rules.clean_input(EntryInput(
            resource_code=code, name=_cell_text(v.get("name")) or "", provider_unit_id=provider.id if provider else 0,
            classification=values.pop("classification") or "", source_unit_id=source_id, published_on=published_on,
            data_items=items, **values))
        current = existing.get(code)
        entry_id = None
        if current is not None and provider is not None:
            entry_id, owner, status, _live = current
            if owner != provider.id:
                problem(es, r.row, eh["resource_code"], _("The resource code {code} belongs to another unit's entry.",
                                                          code=code))
            elif status == EntryStatus.SUBMITTED:
                problem(es, r.row, eh["resource_code"], _("The entry {code} is under review: wait for the "
                                                          "bureau's decision before changing it.", code=code))
        errors = rules.format_errors(
            EntryInput(**{**{k: getattr(data, k) for k in rules.ENTRY_FIELDS}, "data_items": []}),
            provider=provider, source_exists=True, code_owner_id=None, entry_id=None)
        if not data.classification:
            errors["classification"] = _("Choose a classification.")
        errors.pop("provider_unit_id", None)  # reported above with the unit code
        if submit:
            others: dict[str, str] = {}
            for item in data.data_items:
                key = normalise_name(item.name) if item.is_source else None
                for holder_id, holder in declared_sources.get(key, ()) if key else ():
                    if holder_id != data.provider_unit_id:
                        others.setdefault(key, holder)  # type: ignore[arg-type]
            for key, message in store.validate_submission(None, data, rulings, others).items():
                errors.setdefault(key, message)
        for key, message in errors.items():
            if (es, r.row) in bad_rows and key in ENUM_COLUMNS:
                continue  # the unknown value was already reported for this column
            column = eh.get(FIELD_COLUMN.get(key, key), eh["resource_code"])
            problem(es, r.row, column, message)
        seen_items: dict[str, int] = {}
        for row_no, item in item_rows:
            key = normalise_name(item.name)
            if key and key in seen_items:
                problem(isheet, row_no, ih["name"], _("{name} is already listed in row {m}.", name=item.name,
                                                      m=seen_items[key]))
            seen_items.setdefault(key, row_no)
        if (es, r.row) in bad_rows or provider is None:
            continue
        if entry_id is None:
            plan.new.append(data)
        else:
            plan.changed.append((entry_id, data))
    for code, rows in items_by_code.items():
        for row_no, _item in rows:
            problem(isheet, row_no, ih["resource_code"], _("No entry with the resource code {code} in the {sheet} "
                                                           "sheet.", code=code, sheet=es))
    report.rejected_rows = len(bad_rows)
    return plan


# --- import -----------------------------------------------------------------------------------------
def import_catalog(actor: Actor, source: str | Path | IO[bytes], *, dry_run: bool = False, submit: bool = False,
                   progress: Progress | None = None, now: datetime | None = None) -> ImportReport:
    """Check every row, then write all of them or nothing. New codes become drafts of the providing unit;
    an existing code updates that unit's draft (or the pending change of a published entry). With `submit`
    the imported entries are also submitted for review (each must then meet the submission rules)."""
    return _import(actor, lambda: read_workbook(source, progress), dry_run=dry_run, submit=submit, progress=progress,
                   now=now)


@dataclass(frozen=True)
class RecordProblem:
    """A problem of one record given to `import_records`: `entry` is its 0-based position, `field` a JSON
    pointer inside it (`name`, `data_items/2/data_type`)."""

    entry: int
    field: str
    message: str


ITEM_KEYS = ("name", "data_type", "length", "is_sensitive", "is_source")


def import_records(actor: Actor, records: list[dict[str, Any]], *, dry_run: bool = False, submit: bool = False,
                   now: datetime | None = None) -> tuple[ImportReport, list[RecordProblem]]:
    """The spreadsheet import for records a client system sends (the system interface): each record holds the
    entry sheet's columns by key (enumerations by code or name, units by their credit code; the providing unit
    defaults to the caller's), its `data_items` and optionally the `version` read before changing it. The same checks and the same all-or-nothing write as a
    workbook; problems are located by record and field instead of sheet, row and column."""
    s = spec()
    entry_columns = dict(s["entry_headers"])
    parsed = ParsedWorkbook()
    item_rows: dict[int, tuple[int, int]] = {}  # item row number -> (record, item position)
    own_uscc: str | None = None
    if actor.unit_id is not None and any(not r.get("provider_uscc") for r in records):
        with read_scope(actor, "catalog.import") as (session, _scope):
            unit = session.get(Unit, actor.unit_id)
            own_uscc = unit.uscc if unit else None
    for number, record in enumerate(records, start=1):
        values = {key: record.get(key) for key in entry_columns}
        values["provider_uscc"] = values["provider_uscc"] or own_uscc
        parsed.entries.append(SheetRow(number, values))
        for position, item in enumerate(record.get("data_items") or []):
            row = len(item_rows) + 1
            item_rows[row] = (number - 1, position)
            parsed.items.append(SheetRow(row, {"resource_code": values.get("resource_code"),
                                               **{key: item.get(key) for key in ITEM_KEYS}}))
    parsed.rows_read = {s["entry_sheet"]: len(parsed.entries), s["item_sheet"]: len(parsed.items)}
    versions = {str(r.get("resource_code") or "").strip(): int(r["version"]) for r in records
                if r.get("version") is not None}
    report = _import(actor, lambda: parsed, dry_run=dry_run, submit=submit, progress=None, now=now, versions=versions)
    entry_keys = {header: key for key, header in s["entry_headers"].items()}
    item_keys = {header: key for key, header in s["item_headers"].items()}
    located = []
    for p in report.problems:
        if p.sheet == s["item_sheet"] and p.row in item_rows:
            entry, position = item_rows[p.row]
            located.append(RecordProblem(entry, f"data_items/{position}/{item_keys.get(p.column, p.column)}",
                                         p.message))
        else:
            located.append(RecordProblem(max(p.row - 1, 0), entry_keys.get(p.column, p.column), p.message))
    return report, located


def _import(actor: Actor, parse: Callable[[], ParsedWorkbook], *, dry_run: bool, submit: bool,
            progress: Progress | None, now: datetime | None, versions: dict[str, int] | None = None) -> ImportReport:
    """`versions` (resource code → the version the caller read) refuses the whole import with Conflict when one of
    those entries changed since (the interface's optimistic lock; the spreadsheet has no versions)."""
    now = now_utc(now)
    report = ImportReport(dry_run=dry_run)
    with unit_of_work(actor, now) as uow:
        scope = uow.require("catalog.import", object_type="catalog_entry")
        if submit:
            uow.require("catalog.submit", object_type="catalog_entry")  # refused before anything is read
        parsed = parse()
        report.entries_read, report.items_read = len(parsed.entries), len(parsed.items)
        report.rows_read = parsed.rows_read
        report.problems.extend(parsed.problems)
        plan = _Plan()
        if not parsed.problems:
            if progress:
                progress(1.0, _("Checking {n} rows…", n=report.entries_read + report.items_read))
            plan = _check(uow.session, actor, scope, parsed, report, submit)
        if report.problems or dry_run:
            report.created, report.updated = len(plan.new), len(plan.changed)
            if not dry_run:
                uow.audit("catalog.import", object_type="catalog_entry", result="failure",
                          detail={"entries": report.entries_read, "items": report.items_read,
                                  "problems": len(report.problems)})
                uow.commit()
            report.warnings = _sharing_hints(uow.session, plan)
            return report
        if progress:
            progress(1.0, _("Writing {n} entries…", n=len(plan.new) + len(plan.changed)))
        created_ids = _insert_new(uow.session, actor, plan.new, now)
        for entry_id, data in plan.changed:
            entry = uow.session.get(CatalogEntry, entry_id, with_for_update=True)
            if versions and data.resource_code in versions and entry.version != versions[data.resource_code]:
                raise Conflict()
            if entry.status == EntryStatus.PUBLISHED:
                entry.change_kind = ChangeKind.CHANGE
                entry.status = EntryStatus.DRAFT
            elif entry.status == EntryStatus.WITHDRAWN:
                entry.is_published = False
                entry.change_kind = ChangeKind.NEW
                entry.status = EntryStatus.DRAFT
            store.store_draft(uow.session, entry, data)
            entry.updated_at = now
            entry.version += 1
            uow.session.add(entry)
        report.created, report.updated = len(plan.new), len(plan.changed)
        if submit:  # one business action: the import and the submissions commit together or not at all
            uow.session.flush()
            for entry_id in created_ids + [eid for eid, _d in plan.changed]:
                commands.submit_in(uow, entry_id, now)
                report.submitted += 1
        report.written = True
        uow.audit("catalog.import", object_type="catalog_entry",
                  detail={"created": [d.resource_code for d in plan.new],
                          "updated": [d.resource_code for _id, d in plan.changed],
                          "items": report.items_read, "submit": submit})
        report.warnings = _sharing_hints(uow.session, plan)
        uow.commit()
    return report


def _insert_new(session: Session, actor: Actor, entries: list[EntryInput], now: datetime) -> list[int]:
    if not entries:
        return []
    from services.core import bulk

    ids = list(bulk.reserve_ids(session, CatalogEntry, len(entries)))
    entry_rows, item_rows = [], []
    for entry_id, data in zip(ids, entries, strict=True):
        score, _missing = rules.completeness(data)
        entry_rows.append({**{k: getattr(data, k) for k in rules.ENTRY_FIELDS}, "id": entry_id,
                           "status": EntryStatus.DRAFT.value, "change_kind": ChangeKind.NEW.value,
                           "is_published": False, "published_version": 0, "completeness": score, "item_count": 0,
                           "aggregation_active": False, "created_by": actor.user_id, "created_at": now,
                           "updated_at": now, "version": 1})
        for n, item in enumerate(data.data_items):
            item_rows.append({"entry_id": entry_id, "position": n, "name": item.name,
                              "norm_name": normalise_name(item.name)[:80], "data_type": item.data_type,
                              "length": item.length, "is_sensitive": item.is_sensitive, "is_source": item.is_source})
    # render_nulls: the ORM bulk insert otherwise leaves None values out of the statement, so rows whose empty
    # columns differ cannot share an executemany batch (10,000 entries took ~6,700 round trips). No column of
    # catalog_entry has a server default, so writing NULL is what leaving it out wrote.
    session.execute(insert(CatalogEntry).execution_options(render_nulls=True), entry_rows)
    bulk.insert_rows(session, DataItem, item_rows)
    return ids


def _sharing_hints(session: Session, plan: _Plan, limit: int = 50) -> list[Problem]:
    """Items that another unit's base-library entry already provides (Shanghai §11): one hint per data item
    name, at most `limit`, so a large import gets a readable list rather than one line per row."""
    s = spec()
    wanted: dict[str, tuple[str, int]] = {}
    for data in plan.new + [d for _id, d in plan.changed]:
        for item in data.data_items:
            wanted.setdefault(normalise_name(item.name), (data.resource_code, data.provider_unit_id))
    hints: list[Problem] = []
    keys = list(wanted)
    seen: set[str] = set()
    for i in range(0, len(keys), CHUNK):
        rows = session.exec(select(DataItem.norm_name, DataItem.name, CatalogEntry.provider_unit_id, Unit.name,
                                   CatalogEntry.resource_code)
                            .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
                            .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                            .where(DataItem.norm_name.in_(keys[i:i + CHUNK]),  # type: ignore[attr-defined]
                                   DataItem.is_source.is_(True),  # type: ignore[attr-defined]
                                   CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                                   CatalogEntry.classification == "base")
                            .order_by(DataItem.norm_name, CatalogEntry.resource_code)).all()
        for norm, item_name, provider_id, provider_name, base_code in rows:
            code, unit_id = wanted[norm]
            if norm in seen or unit_id == provider_id:
                continue
            seen.add(norm)
            hints.append(Problem(s["item_sheet"], 0, code, _(
                "{item} is already provided by {unit} in base-library entry {code}: obtain it by sharing "
                "instead of collecting it again.", item=item_name, unit=provider_name, code=base_code)))
            if len(hints) >= limit:
                return hints
    return hints


# --- export -----------------------------------------------------------------------------------------
def _text_cell(ws, value: Any):
    """Text that a spreadsheet program would take for a formula is written as a quote-prefixed text cell."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _header_cells(ws, headers: list[str]):
    cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cells.append(cell)
    return cells


def _write_workbook(target: str | Path | IO[bytes], entries: list[tuple[EntryInput, dict[int, str]]]) -> None:
    s = spec()
    wb = openpyxl.Workbook(write_only=True)
    ws_e = wb.create_sheet(s["entry_sheet"])
    ws_i = wb.create_sheet(s["item_sheet"])
    eh, ih = s["entry_headers"], s["item_headers"]
    ws_e.append(_header_cells(ws_e, list(eh.values())))
    ws_i.append(_header_cells(ws_i, list(ih.values())))
    for data, usccs in entries:
        row = []
        for key in eh:
            if key == "provider_uscc":
                value = usccs.get(data.provider_unit_id)
            elif key == "source_uscc":
                value = usccs.get(data.source_unit_id) if data.source_unit_id else None
            elif key in ENUM_COLUMNS:
                value = enum_text(key, getattr(data, key))
            elif key == "published_on":
                value = data.published_on.isoformat() if data.published_on else None
            else:
                value = getattr(data, key)
            row.append(_text_cell(ws_e, value))
        ws_e.append(row)
        for item in data.data_items:
            ws_i.append([_text_cell(ws_i, data.resource_code), _text_cell(ws_i, item.name),
                         enum_text("data_type", item.data_type), item.length, enum_text("flag", item.is_sensitive),
                         enum_text("flag", item.is_source)])
    wb.save(target)


def export_catalog(actor: Actor, target: str | Path | IO[bytes], *, unit_id: int | None = None,
                   working: bool = False, now: datetime | None = None) -> int:
    """Write entries to the spreadsheet: the published catalog, or (`working`) the unit's working copies —
    drafts and pending changes included — for offline editing and re-import. Returns the entry count."""
    now = now_utc(now)
    with read_scope(actor, "catalog.export") as (session, scope):
        if scope is Scope.UNIT:
            if unit_id not in (None, actor.unit_id):
                raise PermissionDenied(_("This record is outside the units you are responsible for."),
                                       action="catalog.export")
            unit_id = actor.unit_id
        if working:
            from services.core.permissions import require

            require(actor, "catalog.view_unpublished", unit_id=unit_id)
        stmt = select(CatalogEntry).order_by(CatalogEntry.provider_unit_id, CatalogEntry.resource_code)
        if not working:
            stmt = stmt.where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
        if unit_id:
            stmt = stmt.where(CatalogEntry.provider_unit_id == unit_id)
        entries = session.exec(stmt).all()
        items_by_entry: dict[int, list[DataItemInput]] = {}
        ids = [e.id for e in entries]
        for i in range(0, len(ids), CHUNK):
            for it in session.exec(select(DataItem).where(DataItem.entry_id.in_(ids[i:i + CHUNK]))  # type: ignore[attr-defined]
                                   .order_by(DataItem.entry_id, DataItem.position)).all():
                items_by_entry.setdefault(it.entry_id, []).append(
                    DataItemInput(it.name, it.data_type, it.length, it.is_sensitive, it.is_source))
        usccs = dict(session.exec(select(Unit.id, Unit.uscc)).all())
        out = []
        for e in entries:
            if working and e.pending and "fields" in (pending := json.loads(e.pending)):
                data = rules.input_from_json(pending["fields"])
            else:
                data = EntryInput(**{k: getattr(e, k) for k in rules.ENTRY_FIELDS},
                                  data_items=items_by_entry.get(e.id, []))  # type: ignore[arg-type]
            out.append((data, usccs))
    _write_workbook(target, out)
    from services.core import audit
    from services.core.db import write_session

    with write_session() as session:
        audit.record(session, actor, "catalog.export", object_type="catalog_entry",
                     detail={"entries": len(out), "unit_id": unit_id, "working": working,
                             "date": local_date(now)}, now=now)
        session.commit()
    return len(out)


def export_bytes(actor: Actor, **kwargs) -> bytes:
    buf = io.BytesIO()
    export_catalog(actor, buf, **kwargs)
    return buf.getvalue()


ITEM_ENUM_COLUMNS = {"data_type": "data_type", "is_sensitive": "flag", "is_source": "flag"}
LISTS_SHEET = "选项"  # hidden sheet holding the drop-down lists of the template
TEMPLATE_ROWS = 2000  # rows of the template that offer the drop-down lists


def enum_choices(kind: str) -> list[str]:
    """The names the template offers for a coded column: what export writes and import reads first."""
    if kind == "flag":
        return ["是", "否"]
    if kind in ("share_type", "open_attribute"):
        from models.catalog import OpenAttribute, ShareType

        codes = ShareType if kind == "share_type" else OpenAttribute
        return [enum_text(kind, str(c)) or str(c) for c in codes]
    return [names[0] for names in _enum_names(kind).values() if names]


def template_example(provider_uscc: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One filled-in entry and its data items, in the contract's column keys (names as the import reads)."""
    uscc = provider_uscc or "11350800MB0000000X"
    entry = {"resource_code": "EXAMPLE-0001", "name": "示例：户籍人口基本信息", "summary": "本单位在户籍管理中产生的人口基本信息。",
             "classification": enum_choices("classification")[0], "base_library": enum_choices("base_library")[0],
             "provider_uscc": uscc, "resource_format": enum_choices("resource_format")[0],
             "share_type": enum_text("share_type", "conditional"), "share_conditions": "用于履行法定职责，须签订数据使用协议",
             "share_method": enum_choices("share_method")[0], "share_scope": "本市政务部门",
             "open_attribute": enum_text("open_attribute", "not_open"),
             "restriction_basis": "《中华人民共和国个人信息保护法》第三十四条",
             "update_frequency": enum_text("update_frequency", "daily"),
             "security_level": enum_text("security_level", "internal"), "source_uscc": uscc}
    items = [{"resource_code": "EXAMPLE-0001", "name": "公民身份号码", "data_type": enum_text("data_type", "string"),
              "length": 18, "is_sensitive": "是", "is_source": "是"},
             {"resource_code": "EXAMPLE-0001", "name": "姓名", "data_type": enum_text("data_type", "string"),
              "length": 50, "is_sensitive": "否", "is_source": "是"}]
    return entry, items


def template_bytes(provider_uscc: str | None = None, *, example: bool = True) -> bytes:
    """The compilation template: both sheets with the contract's headers, a drop-down list on every coded
    column (from the contract's enumerations and the active profile's names — the names import reads), and
    an example entry with its data items, to overwrite."""
    from openpyxl.styles import Font as _Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    s = spec()
    wb = openpyxl.Workbook()
    ws_e = wb.active
    ws_e.title = s["entry_sheet"]
    ws_i = wb.create_sheet(s["item_sheet"])
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    entry_example, item_examples = template_example(provider_uscc)
    ranges: dict[str, str] = {}
    kinds = [*ENUM_COLUMNS, "data_type", "flag"]
    for col, kind in enumerate(kinds, start=1):
        letter = get_column_letter(col)
        choices = enum_choices(kind)
        lists.cell(row=1, column=col, value=kind)
        for row, name in enumerate(choices, start=2):
            lists.cell(row=row, column=col, value=name)
        ranges[kind] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(choices) + 1}"
    for ws, headers, enums, rows in ((ws_e, s["entry_headers"], {k: k for k in ENUM_COLUMNS}, [entry_example]),
                                     (ws_i, s["item_headers"], ITEM_ENUM_COLUMNS, item_examples)):
        for col, (key, header) in enumerate(headers.items(), start=1):
            cell = ws.cell(row=1, column=col, value=header)
            cell.font = _Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F4E79")
            ws.column_dimensions[get_column_letter(col)].width = max(12, len(header) * 2 + 4)
            if key in enums:
                letter = get_column_letter(col)
                dv = DataValidation(type="list", formula1=f"={ranges[enums[key]]}", allow_blank=True,
                                    showErrorMessage=True, errorTitle=header,
                                    error="请从下拉列表中选择。", promptTitle=header, prompt="请从下拉列表中选择。")
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        if example:
            for number, values in enumerate(rows, start=2):
                for col, key in enumerate(headers, start=1):
                    ws.cell(row=number, column=col, value=values.get(key))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_for(actor: Actor) -> bytes:
    """The template with the reader's own unit as the example's provider and source."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        unit = session.get(Unit, actor.unit_id) if actor.unit_id else None
        uscc = unit.uscc if unit is not None else None
    return template_bytes(uscc)


def actor_by_username(username: str) -> Actor:
    """The account an operator's command-line import acts as (its unit and roles decide what it may import)."""
    from models import User
    from services.core.actor_store import load_actor
    from services.core.db import read_session
    from services.core.errors import ValidationError

    with read_session() as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        if user is None or not user.is_active:
            raise ValidationError({"username": _("No active account is named {name}.", name=username)})
        return load_actor(session, user)
