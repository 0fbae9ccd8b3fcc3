"""Generated files through the import paths (issue #12 finding 7, GB/T 22239 input validation): every input ends
in a report or a refusal with a message — 0 unhandled exceptions over 1,000 generated files per path."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.aggregation import update_log
from services.catalog import spreadsheet
from services.core.errors import ServiceError
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
