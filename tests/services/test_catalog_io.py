"""The catalog spreadsheet contract: headers, enumerations, all-or-nothing import with located problems,
round trip of export and import, and formula-like text kept as data both ways."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlmodel import func, select

from models import CatalogEntry, DataItem
from services import catalog
from services.administration import orgs
from services.catalog import spreadsheet as catalog_io
from services.core.db import read_session
from services.core.errors import PermissionDenied
from services.deadlines import configuration
from tests.services.catalog_fixtures import entry_input, published_entry

ENTRY_HEADERS = ["资源代码", "资源名称", "资源摘要", "资源分类", "基础库", "提供单位代码", "资源格式", "共享类型", "共享条件",
                 "共享方式", "共享范围", "开放属性", "开放条件", "限制依据", "更新周期", "安全级别", "数源单位代码", "发布日期",
                 "关联资源代码"]
ITEM_HEADERS = ["资源代码", "信息项名称", "数据类型", "长度", "是否敏感", "是否数源"]


def _uscc(world, key: str) -> str:
    return orgs.get_unit(world.units[key]).uscc


def _row(world, code: str, name: str, unit: str = "police", **overrides) -> list:
    values = {"资源代码": code, "资源名称": name, "资源摘要": f"{name}摘要", "资源分类": "部门", "基础库": None,
              "提供单位代码": _uscc(world, unit), "资源格式": "数据库", "共享类型": "无条件共享", "共享条件": None,
              "共享方式": "接口交换", "共享范围": "全市", "开放属性": "不予开放", "开放条件": None,
              "限制依据": "《个人信息保护法》", "更新周期": "每日", "安全级别": "内部", "数源单位代码": _uscc(world, unit),
              "发布日期": None, "关联资源代码": None}
    values.update(overrides)
    return [values[h] for h in ENTRY_HEADERS]


def _workbook(entry_rows: list[list], item_rows: list[list], *, entry_headers=ENTRY_HEADERS) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "目录"
    ws.append(entry_headers)
    for r in entry_rows:
        ws.append(r)
    wi = wb.create_sheet("信息项")
    wi.append(ITEM_HEADERS)
    for r in item_rows:
        wi.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _count(model) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_valid_workbook_creates_drafts_of_the_providing_unit(world):
    book = _workbook([_row(world, "GA-1", "户籍人口信息"), _row(world, "GA-2", "出入境证件信息")],
                     [["GA-1", "公民身份号码", "字符型", 18, "是", "是"], ["GA-1", "姓名", "字符型", 50, "否", "是"],
                      ["GA-2", "证件号码", "字符型", 20, "是", "是"]])
    report = catalog_io.import_catalog(world["police"], book)
    assert report.ok and report.written
    assert (report.created, report.updated, report.items_read) == (2, 0, 3)
    rows, total = catalog.list_entries(world["police"])
    assert total == 2
    assert set(rows["status"]) == {"draft"}
    data, _v, _s = catalog.get_working_copy(world["police"], int(rows[rows["resource_code"] == "GA-1"]["id"].iloc[0]))
    assert [(i.name, i.is_sensitive, i.length) for i in data.data_items] == [("公民身份号码", True, 18), ("姓名", False, 50)]


def test_one_bad_row_rejects_the_whole_file_and_locates_every_problem(world):
    book = _workbook([_row(world, "GA-1", "户籍人口信息"), _row(world, "GA-2", "", 共享类型="随便共享"),
                      _row(world, "GA-3", "车辆登记信息", 提供单位代码="91350100M000100XX")],
                     [["GA-1", "姓名", "字符型", 50, "否", "是"], ["GA-9", "孤立信息项", "字符型", None, "否", "否"],
                      ["GA-1", "年龄", "布丁型", "abc", "否", "否"]])
    report = catalog_io.import_catalog(world["police"], book)
    assert not report.ok and not report.written
    located = {(p.sheet, p.row, p.column) for p in report.problems}
    assert ("目录", 3, "资源名称") in located
    assert ("目录", 3, "共享类型") in located
    assert ("目录", 4, "提供单位代码") in located
    assert ("信息项", 3, "资源代码") in located
    assert ("信息项", 4, "数据类型") in located
    assert ("信息项", 4, "长度") in located
    assert _count(CatalogEntry) == 0 and _count(DataItem) == 0


def test_dry_run_reports_without_writing(world):
    book = _workbook([_row(world, "GA-1", "户籍人口信息")], [["GA-1", "姓名", "字符型", 50, "否", "是"]])
    report = catalog_io.import_catalog(world["police"], book, dry_run=True)
    assert report.ok and not report.written and report.created == 1
    assert _count(CatalogEntry) == 0


def test_steward_cannot_import_another_units_entries(world):
    book = _workbook([_row(world, "MZ-1", "婚姻登记信息", unit="civil")], [["MZ-1", "登记日期", "日期型", None, "否", "是"]])
    report = catalog_io.import_catalog(world["police"], book)
    assert [(p.row, p.column) for p in report.problems] == [(2, "提供单位代码")]
    bureau = catalog_io.import_catalog(world["reviewer"], _workbook(
        [_row(world, "MZ-1", "婚姻登记信息", unit="civil")], [["MZ-1", "登记日期", "日期型", None, "否", "是"]]))
    assert bureau.ok and bureau.created == 1


def test_enumerations_accept_the_active_profiles_names_and_codes(world):
    configuration.use_profile(world["secadmin"], "shanghai")
    book = _workbook([_row(world, "GA-1", "甲", 共享类型="普遍共享"), _row(world, "GA-2", "乙", 共享类型="unconditional",
                                                                     资源格式="database", 更新周期="monthly")],
                     [["GA-1", "姓名", "string", None, "N", "Y"], ["GA-2", "姓名", "字符型", None, "否", "是"]])
    report = catalog_io.import_catalog(world["police"], book)
    assert report.ok, report.problems
    rows, _total = catalog.list_entries(world["police"])
    assert set(rows["share_type"]) == {"unconditional"}


def test_missing_required_column_is_reported_on_the_header_row(world):
    headers = [h for h in ENTRY_HEADERS if h != "提供单位代码"]
    book = _workbook([["GA-1"] + [None] * (len(headers) - 1)], [], entry_headers=headers)
    report = catalog_io.import_catalog(world["police"], book)
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("目录", 1, "提供单位代码")]


def test_export_then_import_round_trips_unchanged(world):
    entry_id = published_entry(world, name="户籍人口信息", share_type="conditional", code="GA-RT-1",
                               items=["公民身份号码", "姓名"])
    buf = io.BytesIO()
    assert catalog_io.export_catalog(world["police"], buf, working=True) == 1
    buf.seek(0)
    report = catalog_io.import_catalog(world["police"], buf)
    assert report.ok and report.updated == 1
    changes = catalog.entry_diff(world["police"], entry_id)
    assert changes == []


def test_formula_like_text_is_kept_as_data_both_ways(world):
    dangerous = "=HYPERLINK(\"http://example.invalid\",\"点击\")"
    published_entry(world, name="+86 电话目录", code="GA-F-1", summary=dangerous, items=["@用户名", "-余额"])
    buf = io.BytesIO()
    catalog_io.export_catalog(world["police"], buf, working=True)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        sheets = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert all("<f>" not in xml for xml in sheets)
    buf.seek(0)
    parsed = catalog_io.read_workbook(buf)
    entry = parsed.entries[0].values
    assert entry["summary"] == dangerous and entry["name"] == "+86 电话目录"
    assert [r.values["name"] for r in parsed.items] == ["@用户名", "-余额"]


def test_progress_is_reported_while_reading(world):
    rows = [_row(world, f"GA-{n:04d}", f"目录{n}") for n in range(30)]
    items = [[f"GA-{n:04d}", "姓名", "字符型", 50, "否", "是"] for n in range(30)]
    seen: list[float] = []
    catalog_io.PROGRESS_EVERY, old = 10, catalog_io.PROGRESS_EVERY
    try:
        catalog_io.import_catalog(world["police"], _workbook(rows, items), dry_run=True,
                                  progress=lambda f, _m: seen.append(f))
    finally:
        catalog_io.PROGRESS_EVERY = old
    assert len(seen) >= 5 and seen[-1] == 1.0


def test_workbook_without_a_dimension_element_imports_every_row(world):
    # Written in write-only mode, as generators and exporters do: no <dimension>, so the size is unknown.
    wb = openpyxl.Workbook(write_only=True)
    entries, items = wb.create_sheet("目录"), wb.create_sheet("信息项")
    entries.append(ENTRY_HEADERS)
    items.append(ITEM_HEADERS)
    for n in range(3):
        entries.append(_row(world, f"GA-W{n}", f"流式目录{n}"))
        items.append([f"GA-W{n}", "姓名", "字符型", 50, "否", "是"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    report = catalog_io.import_catalog(world["police"], buf)
    assert (report.ok, report.created, report.items_read) == (True, 3, 3)


def test_read_only_sheet_size_comes_from_the_dimension_element(world):
    book = openpyxl.load_workbook(_workbook([_row(world, "GA-D1", "尺寸")], []), read_only=True)
    assert (book["目录"].max_row, book["目录"].max_column) == (2, len(ENTRY_HEADERS))
    assert (book["信息项"].max_row, book["信息项"].max_column) == (1, len(ITEM_HEADERS))


def test_import_with_submit_sends_entries_for_review(world):
    book = _workbook([_row(world, "GA-1", "户籍人口信息")], [["GA-1", "姓名", "字符型", 50, "否", "是"]])
    report = catalog_io.import_catalog(world["police"], book, submit=True)
    assert report.submitted == 1
    assert list(catalog.review_queue(world["reviewer"])["resource_code"]) == ["GA-1"]


def test_entry_under_review_is_not_overwritten_by_import(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world, code="GA-1"))
    catalog.submit_entry(world["police"], entry_id)
    report = catalog_io.import_catalog(world["police"], _workbook([_row(world, "GA-1", "新名称")],
                                                                 [["GA-1", "姓名", "字符型", 50, "否", "是"]]))
    assert [(p.row, p.column) for p in report.problems] == [(2, "资源代码")]


def test_unreadable_file_is_a_reported_problem(world):
    report = catalog_io.import_catalog(world["police"], io.BytesIO(b"not a workbook"))
    assert not report.ok and report.problems[0].sheet == ""


def test_leader_cannot_import(world):
    with pytest.raises(PermissionDenied):
        catalog_io.import_catalog(world["leader"], _workbook([], []))


def test_the_template_offers_a_drop_down_list_on_every_coded_column_and_its_example_imports(world):
    import io as _io

    from openpyxl import load_workbook

    from services.catalog import spreadsheet as catalog_io
    from services.catalog.spreadsheet import ENUM_COLUMNS, ITEM_ENUM_COLUMNS, spec

    data = catalog_io.template_for(world["police"])
    wb = load_workbook(_io.BytesIO(data))
    contract = spec()
    for sheet, headers, coded in ((contract["entry_sheet"], contract["entry_headers"], ENUM_COLUMNS),
                                  (contract["item_sheet"], contract["item_headers"], ITEM_ENUM_COLUMNS)):
        ws = wb[sheet]
        assert [c.value for c in ws[1]] == list(headers.values())
        lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}
        for key in coded:
            letter = ws.cell(row=1, column=list(headers).index(key) + 1).column_letter
            assert letter in lists, (sheet, key)
            assert lists[letter].type == "list"
        assert ws.max_row >= 2, "an example row"
    # the drop-down names are names the import reads, and the example passes the import's checks
    report = catalog_io.import_catalog(world["police"], _io.BytesIO(data), dry_run=True)
    assert report.ok, report.problems
    assert report.entries_read == 1 and report.items_read == 2


def test_every_drop_down_name_is_read_back_by_the_import(world):
    from services.catalog.spreadsheet import ENUM_COLUMNS, enum_choices, parse_enum

    for kind in (*ENUM_COLUMNS, "data_type"):
        for name in enum_choices(kind):
            code, ok = parse_enum(kind, name)
            assert ok and code, (kind, name)
