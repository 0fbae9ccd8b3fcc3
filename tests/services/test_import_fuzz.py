"""Generated files through the import paths (issue #12 finding 7, GB/T 22239 input validation): every input ends
in a report or a refusal with a message — 0 unhandled exceptions over 1,000 generated files per path."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from services.administration import backup
from services.aggregation import update_log
from services.catalog import spreadsheet
from services.core.actor import Actor
from services.core.db import read_session
from services.core.errors import ServiceError
from services.deadlines import calendar, configuration
from tests.services.sharing_fixtures import at, use
from tests.services.test_aggregation import DAY, entry_row, mounted

# Cells as people type or paste them: full-width digits and punctuation, NUL and control characters, dates in
# several spellings, huge and negative numbers, formulas, quotes, separators, line breaks.
CELL = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="０１２３４５６７８９－：．，　0123456789-:./ ", max_size=25),
    st.sampled_from(["", "\x00", "=1+1", "-1", "1e309", "99999999999999999999", "0001-01-01", "9999-12-31 23:59:59",
                     "2025-02-30", "2025/9/25", "２０２５－０９－２５", "NaN", "inf", '"', "a,b", "行\n换"]),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)
HEADERS = st.one_of(st.just(list(update_log.COLUMNS)),
                    st.just(["资源代码", "更新时间", "记录数", "新增", "修改", "删除", "更新来源"]),
                    st.lists(CELL, max_size=8))
CALENDAR_NOW = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)
many = settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@pytest.fixture
def world_once(world):
    """A steward and the resource code of a mounted entry, made once for all the generated files."""
    use(world, "shanghai")
    return world["police"], entry_row(mounted(world)).resource_code


@pytest.fixture(scope="module")
def template() -> bytes:
    """A genuine catalog workbook (the import template with its example row), damaged by the test."""
    return spreadsheet.template_bytes("11350100MB0000000X")


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@many
@given(header=HEADERS, rows=st.lists(st.lists(CELL, max_size=9), max_size=6), real_code=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "latin-1"]))
def test_update_log_import_never_raises_anything_but_a_refusal(world_once, header, rows, real_code, encoding):
    actor, code = world_once
    if real_code and rows and rows[0]:
        rows[0][0] = code
    content = _csv(header, rows).encode(encoding, errors="replace")
    try:
        report = update_log.import_updates(actor, "generated.csv", content, now=at(DAY))
    except ServiceError:
        return
    assert report.rows_read <= len(rows)


@many
@given(data=st.binary(max_size=2_000), cut=st.integers(min_value=0, max_value=10_000),
       flip=st.integers(min_value=0, max_value=10_000))
def test_catalog_workbook_reading_reports_damaged_files_instead_of_raising(template, data, cut, flip):
    """Random bytes, truncated workbooks and workbooks with one damaged byte: read_workbook reports the problem."""
    damaged = bytearray(template[:max(cut, 1)])
    if damaged:
        damaged[flip % len(damaged)] ^= 0xFF
    for source in (data, bytes(damaged)):
        parsed = spreadsheet.read_workbook(io.BytesIO(source))
        assert isinstance(parsed, spreadsheet.ParsedWorkbook)


# --- the catalog import's per-cell checks ----------------------------------------------------------------------
# Cells as a workbook delivers them (typed: numbers, booleans, dates) or as a client system sends them, mixed with
# the genuine values of the template's example row so that many records reach the deeper checks.
_EXAMPLE_ENTRY, _EXAMPLE_ITEMS = spreadsheet.template_example("11350100MB0000000X")
TYPED = st.one_of(CELL, st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                  st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
                  st.integers(min_value=-10**20, max_value=10**20))


def _record_strategy():
    entry_cells = {key: st.one_of(st.just(value), TYPED) for key, value in _EXAMPLE_ENTRY.items()}
    entry_cells.update({key: TYPED for key in spreadsheet.spec()["entry_headers"] if key not in entry_cells})
    item = st.fixed_dictionaries({key: st.one_of(st.just(value), TYPED)
                                  for key, value in _EXAMPLE_ITEMS[0].items() if key != "resource_code"})
    return st.fixed_dictionaries(entry_cells, optional={"data_items": st.lists(item, max_size=4)})


@pytest.fixture
def steward(world):
    use(world, "shanghai")
    return world["police"]


@many
@given(records=st.lists(_record_strategy(), min_size=1, max_size=3))
def test_catalog_row_checks_report_every_generated_cell_instead_of_raising(steward, records):
    """Every generated row ends in a report whose problems name a field and say what is wrong, or a refusal."""
    try:
        report, located = spreadsheet.import_records(steward, records, dry_run=True, now=at(DAY))
    except ServiceError as refusal:
        assert refusal.message
        event("refused")
        return
    event("no problem" if not located else "problems reported")
    assert report.entries_read == len(records) and not report.written
    assert all(p.message and p.field for p in located)


# --- the working-day calendar import ----------------------------------------------------------------------------
CAL_DATE = st.one_of(st.dates(min_value=date(2014, 12, 1), max_value=date(2036, 1, 31)).map(date.isoformat),
                     st.dates(min_value=date(2027, 1, 1), max_value=date(2027, 12, 31)).map(
                         lambda d: d.strftime("%Y/%m/%d")),
                     CELL)
CAL_FLAG = st.one_of(st.sampled_from(sorted(calendar.TRUE_WORDS | calendar.FALSE_WORDS)), CELL)
CAL_HEADER = st.one_of(st.just(["日期", "是否工作日", "备注"]), st.just(["date", "is_workday", "note"]),
                       st.lists(CELL, max_size=4))


@pytest.fixture
def calendar_admin(world):
    configuration.ensure_filled(now=CALENDAR_NOW)
    return world["secadmin"]


@many
@given(header=CAL_HEADER, rows=st.lists(st.tuples(CAL_DATE, CAL_FLAG, CELL), max_size=5),
       as_xlsx=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "latin-1"]))
def test_calendar_import_imports_or_refuses_every_generated_schedule(calendar_admin, header, rows, as_xlsx, encoding):
    """A schedule file is imported whole or refused with the rows at fault; never an unhandled exception."""
    if as_xlsx:
        wb = Workbook()
        wb.active.append([_xlsx_safe(c) for c in header])
        for row in rows:
            wb.active.append([_xlsx_safe(c) for c in row])
        buf = io.BytesIO()
        wb.save(buf)
        content, name = buf.getvalue(), "schedule.xlsx"
    else:
        content, name = _csv(header, [list(r) for r in rows]).encode(encoding, errors="replace"), "schedule.csv"
    try:
        result = configuration.import_file(calendar_admin, content, name, now=CALENDAR_NOW)
    except ServiceError as refusal:
        assert refusal.message
        event("refused")
        return
    event("imported")
    assert 0 < result.days_listed <= len(rows) and result.years


def _xlsx_safe(value: str) -> str:
    """openpyxl refuses control characters in cells, as Excel does: such a file cannot exist."""
    return "".join(c for c in value if c >= " " or c in "\t\n\r")


# --- backup restore of a damaged archive ------------------------------------------------------------------------
def _domain_snapshot() -> dict[str, list[dict]]:
    """Every table but the audit log (a refused restore is itself audited)."""
    with read_session() as session:
        conn = session.connection()
        return {t.name: [dict(r) for r in conn.execute(sa_select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in SQLModel.metadata.sorted_tables if not t.name.startswith("audit")}


class _Archive(tuple):
    def __repr__(self) -> str:  # a failing example names the damage, not the 50 kB archive
        return "<genuine backup>"


@pytest.fixture
def archive(world, tmp_path):
    file = tmp_path / "good.zip"
    manifest = backup.create_backup(Actor.system("test"), file)
    return _Archive((file.read_bytes(), manifest, _domain_snapshot(), tmp_path))


@many
@given(cut=st.integers(min_value=0, max_value=10**6), flips=st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=255)), min_size=1, max_size=3),
    truncate=st.booleans())
def test_a_damaged_backup_is_refused_with_a_message_and_the_database_is_unchanged(archive, cut, flips, truncate):
    """Random byte flips and truncations of a genuine signed backup, restored over the live data: always refused with
    a message and the database is unchanged. Either the damage is detected (zip structure, checksum of every table
    file, signature of the manifest), or it lies in bytes that are never read and the archive still holds exactly the
    backed-up tables, signed — then only the live data stops it (no --force here: a full reload per example would
    take minutes on PostgreSQL; test_backup.py restores with --force)."""
    good, manifest, before, folder = archive
    damaged = bytearray(good[:max(cut % len(good), 1)] if truncate else good)
    for position, mask in flips:
        damaged[position % len(damaged)] ^= mask
    file = folder / "damaged.zip"
    file.write_bytes(bytes(damaged))
    with pytest.raises(ServiceError) as refused:
        backup.restore_backup(Actor.system("test"), file)
    assert refused.value.message
    try:
        intact = backup.read_manifest(file)
    except ServiceError:
        event("damage detected")
    else:
        assert intact.signed and intact.tables == manifest.tables
        event("damage in bytes never read: tables identical, signature valid")
    assert _domain_snapshot() == before
