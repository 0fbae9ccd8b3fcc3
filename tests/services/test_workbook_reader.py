"""The workbook reader: the same parsed entries whatever wrote the file (openpyxl in normal or write-only mode,
with, without or with a wrong <dimension>, shared or inline strings, empty formatted rows at the end), every
row read, and the cells calamine cannot return as openpyxl did (formulas, error values, long integers, _xHHHH_
escapes) still read as before."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import PatternFill

from services.catalog import spreadsheet as catalog_io
from services.core import workbook_reader
from services.core.i18n import gettext as _
from tests.services.test_catalog_io import _row, _workbook

EXTRA = "备注"  # a column the contract does not know: ignored
ENTRY_HEADERS = ["资源分类", "资源代码", EXTRA, "资源名称", "资源摘要", "提供单位代码", "发布日期", "关联资源代码"]
ITEM_HEADERS = ["资源代码", "信息项名称", "数据类型", "长度", "是否敏感", "是否数源"]
DANGEROUS = '=HYPERLINK("http://example.invalid","点击")'
BLANK_ROW = 12  # a row left empty between blocks: skipped, the rows after it keep their numbers


def _entry_rows() -> list[list]:
    rows = []
    for n in range(2, 52):
        rows.append(["部门", f"GA-{n:03d}", None, f"目录{n}", f"摘要{n}", "12350100003652181X", None, None])
    rows[0][3:5] = ["+86 电话目录", DANGEROUS]  # formula-looking text is data
    rows[1][3:5] = ["-余额", "@用户名"]
    rows[2][6] = datetime(2024, 1, 5)  # a date cell
    rows[3][6] = "2024-01-05"  # a date typed as text
    rows[4][6] = datetime(2024, 1, 5, 10, 30)
    rows[5][6] = "2024/1/5"  # not ISO: passed on as typed, the check rejects it
    rows[6][7] = 18  # numbers: integers read as "18", never "18.0"
    rows[7][7] = 18.0
    rows[8][7] = 2.5
    rows[9][5] = "913501001234567890"  # an all-digit code typed as text stays text
    rows[BLANK_ROW - 2] = [None] * len(ENTRY_HEADERS)
    return rows


def _item_rows() -> list[list]:
    rows = [[f"GA-{2 + n % 50:03d}", f"信息项{n}", "字符型", 50, "是" if n % 2 else "否", "否"] for n in range(60)]
    rows[0][1], rows[1][1] = "@用户名", "-余额"
    rows[2][3] = 18.0
    rows[3][4:6] = [True, False]
    return rows


def _expected(rows: list[list], headers: list[str]) -> list[tuple[int, dict]]:
    out = []
    for number, row in enumerate(rows, start=2):
        texts = {h: catalog_io._cell_text(v) for h, v in zip(headers, row, strict=True) if h != EXTRA}
        if any(texts.values()):
            out.append((number, texts))
    return out


def _parsed(parsed: catalog_io.ParsedWorkbook) -> tuple[list, list]:
    s = catalog_io.spec()
    eh = {key: header for key, header in s["entry_headers"].items() if header in ENTRY_HEADERS}
    ih = s["item_headers"]

    def rows(sheet_rows, headers):
        return [(r.row, {headers[k]: catalog_io._cell_text(v) for k, v in r.values.items()}) for r in sheet_rows]

    return rows(parsed.entries, eh), rows(parsed.items, ih)


# --- writers ----------------------------------------------------------------------------------------
def _quoted(ws, value):
    """Formula-looking text as a quote-prefixed text cell, as the export writes it."""
    if not (isinstance(value, str) and value.startswith(catalog_io.FORMULA_PREFIXES)):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type, cell.quotePrefix = "s", True
    return cell


def _openpyxl_book(write_only: bool = False, trailing_formatted_rows: int = 0) -> bytes:
    wb = openpyxl.Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    for title, headers, rows in (("目录", ENTRY_HEADERS, _entry_rows()), ("信息项", ITEM_HEADERS, _item_rows())):
        ws = wb.create_sheet(title)
        ws.append(headers)
        for row in rows:
            if write_only:
                ws.append([_quoted(ws, v) for v in row])
                continue
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(catalog_io.FORMULA_PREFIXES):
                    cell.data_type, cell.quotePrefix = "s", True
        for n in range(trailing_formatted_rows):  # formatted but empty: written as <c r=".." s=".."/>
            ws.cell(row=len(rows) + 5 + n, column=1).fill = PatternFill("solid", fgColor="FFFF00")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _edit_sheets(data: bytes, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            content = zin.read(name)
            if name.startswith("xl/worksheets/"):
                content = edit(content)
            zout.writestr(name, content)
    return out.getvalue()


def _without_dimension(data: bytes) -> bytes:
    return _edit_sheets(data, lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml))


def _understated(data: bytes) -> bytes:
    return _edit_sheets(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', xml))


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
STYLES = (f'<styleSheet xmlns="{MAIN}"><numFmts count="0"/><fonts count="1"><font/></fonts>'
          '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="7">'
          '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/>'
          '<xf numFmtId="0" quotePrefix="1"/><xf numFmtId="0" fillId="1" applyFill="1"/>'
          '<xf numFmtId="31" applyNumberFormat="1"/><xf numFmtId="46" applyNumberFormat="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def xlsx(sheets: list[tuple[str, str]], shared: list[str] | None = None) -> bytes:
    """A workbook from hand-written sheet XML (`sheets`: name, body inside <worksheet>, or the whole element
    when it begins with <x:worksheet), as exporters other than openpyxl write them; `shared` are the <si>
    bodies of the shared-string table."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
        if shared is not None:
            overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                          'officedocument.spreadsheetml.sharedStrings+xml"/>')
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   f'{overrides}</Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                                  'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>' + "".join(
            f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _b) in enumerate(sheets, 1))
            + "</sheets></workbook>")
        rels = [f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)]
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>')
        if shared is not None:
            rels.append(f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="/xl/sharedStrings.xml"/>')
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">' + "".join(f"<si>{s}</si>" for s in shared)
                       + "</sst>")
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>')
        z.writestr("xl/styles.xml", STYLES)
        for i, (_name, body) in enumerate(sheets, 1):
            whole = body if body.startswith("<x:worksheet") else f'<worksheet xmlns="{MAIN}">{body}</worksheet>'
            z.writestr(f"xl/worksheets/sheet{i}.xml", whole)
    return buf.getvalue()


def _serial(value: datetime) -> str:
    return repr((value - datetime(1899, 12, 30)).total_seconds() / 86400)


def _raw_book(strings: str, trailing_empty_rows: bool = False) -> bytes:
    """Sheet XML of our own: text as shared strings (Excel, WPS) or inline strings (several other exporters)."""
    shared: list[str] = []

    def cell(ref: str, value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, datetime):
            return f'<c r="{ref}" s="{2 if value.time() != time(0) else 1}"><v>{_serial(value)}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        style = ' s="3"' if value.startswith(catalog_io.FORMULA_PREFIXES) else ""
        if strings == "shared":
            shared.append(f"<t>{escape(value)}</t>")
            return f'<c r="{ref}"{style} t="s"><v>{len(shared) - 1}</v></c>'
        return f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    sheets = []
    for title, headers, rows in (("目录", ENTRY_HEADERS, _entry_rows()), ("信息项", ITEM_HEADERS, _item_rows())):
        body = []
        for number, row in enumerate([headers, *rows], start=1):
            cells = "".join(cell(f"{openpyxl.utils.get_column_letter(c)}{number}", v) for c, v in enumerate(row, 1))
            body.append(f'<row r="{number}">{cells}</row>' if cells else "")
        if trailing_empty_rows:
            last = len(rows) + 1
            body.append(f'<row r="{last + 1}"/><row r="{last + 3}"><c r="A{last + 3}" s="4"/>'
                        f'<c r="B{last + 3}" s="4"/></row>')
        sheets.append((title, "<sheetData>" + "".join(body) + "</sheetData>"))
    return xlsx(sheets, shared if strings == "shared" else None)


VARIANTS = {
    "openpyxl": lambda: _openpyxl_book(),
    "openpyxl write-only (no dimension)": lambda: _openpyxl_book(write_only=True),
    "dimension removed": lambda: _without_dimension(_openpyxl_book()),
    "dimension understated (A1:B2)": lambda: _understated(_openpyxl_book()),
    "shared strings": lambda: _raw_book("shared"),
    "inline strings": lambda: _raw_book("inline"),
    "empty rows at the end (formatted cells)": lambda: _openpyxl_book(trailing_formatted_rows=3),
    "empty rows at the end (hand-written)": lambda: _raw_book("shared", trailing_empty_rows=True),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_kind_of_workbook_gives_the_same_parsed_entries(variant):
    parsed = catalog_io.read_workbook(io.BytesIO(VARIANTS[variant]()))
    assert parsed.problems == []
    entries, items = _parsed(parsed)
    assert entries == _expected(_entry_rows(), ENTRY_HEADERS)
    assert items == _expected(_item_rows(), ITEM_HEADERS)
    assert parsed.rows_read == {"目录": 51, "信息项": 61}


def test_cells_read_as_the_contract_says():
    parsed = catalog_io.read_workbook(io.BytesIO(_raw_book("shared")))
    entries, items = _parsed(parsed)
    by_row = dict(entries)
    assert (by_row[2]["资源名称"], by_row[2]["资源摘要"]) == ("+86 电话目录", DANGEROUS)
    assert (by_row[3]["资源名称"], by_row[3]["资源摘要"]) == ("-余额", "@用户名")
    assert [by_row[n]["发布日期"] for n in (4, 5, 6, 7)] == ["2024-01-05", "2024-01-05", "2024-01-05", "2024/1/5"]
    assert [by_row[n]["关联资源代码"] for n in (8, 9, 10)] == ["18", "18", "2.5"]
    assert by_row[11]["提供单位代码"] == "913501001234567890"
    assert BLANK_ROW not in by_row and 51 in by_row
    assert [r.values["length"] for r in parsed.items[2:4]] == [18, 50]
    assert [v for _n, v in items[3:4]] == [{"资源代码": "GA-005", "信息项名称": "信息项3", "数据类型": "字符型",
                                           "长度": "50", "是否敏感": "是", "是否数源": "否"}]


def test_an_understated_dimension_no_longer_drops_rows():
    data = _understated(_openpyxl_book())
    old = openpyxl.load_workbook(io.BytesIO(data), read_only=True)  # what the import used to rely on
    assert len(list(old["目录"].iter_rows(values_only=True))) == 2
    with workbook_reader.open_workbook(io.BytesIO(data)) as wb:
        sheet = wb.sheet("目录")
        rows = list(sheet.rows())
    assert (sheet.height, len(rows), sheet.reader) == (51, 51, workbook_reader.CALAMINE)
    assert rows[-1][:2] == ["部门", "GA-051"] and len(rows[1]) == len(ENTRY_HEADERS)


# --- cells calamine cannot return as openpyxl did: that sheet is read by openpyxl -------------------
def _trimmed(row: list) -> list:
    while row and row[-1] is None:
        row = row[:-1]
    return row


def _sheet(cells: str, shared: list[str] | None = None, whole: str | None = None,
           other: str = workbook_reader.CALAMINE) -> workbook_reader.Sheet:
    """Sheet S (cells: the content of <sheetData>), read beside a plain sheet T (read by `other`)."""
    data = xlsx([("S", whole or f"<sheetData>{cells}</sheetData>"),
                 ("T", '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>')], shared)
    with workbook_reader.open_workbook(io.BytesIO(data)) as wb:
        sheet = wb.sheet("S")
        assert wb.sheet("T").reader == other
        sheet.values = [_trimmed(row) for row in sheet.rows()]  # type: ignore[attr-defined]
    return sheet


def test_formula_cells_read_as_their_formula_text_not_their_cached_result():
    sheet = _sheet('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
                   '<c r="C1"><f t="shared" ref="C1:C3" si="0">A1+1</f><v>3</v></c></row>'
                   '<row r="2"><c r="C2"><f t="shared" si="0"/><v>3</v></c></row>'
                   '<row r="3"><c r="A3" t="inlineStr"><is><t>text</t></is></c><c r="C3"><f t="shared" si="0"/>'
                   '<v>3</v></c></row>')
    assert sheet.reader == workbook_reader.OPENPYXL
    assert sheet.values == [["=1+1", '="a"&"b"', "=A1+1"], [None, None, "=A2+1"], ["text", None, "=A3+1"]]


def test_a_formula_sheet_is_also_read_to_its_last_row_whatever_its_dimension():
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 51))
    data = xlsx([("S", '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><f>1+1</f></c></row>'
                       f"{rows}</sheetData>")])
    with workbook_reader.open_workbook(io.BytesIO(data)) as wb:
        sheet = wb.sheet("S")
        values = list(sheet.rows())
    assert (sheet.reader, sheet.height, values[-1]) == (workbook_reader.OPENPYXL, 50, [50])


def test_formulas_are_found_under_a_namespace_prefix():
    sheet = _sheet("", whole=f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1</x:f>'
                             "<x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>")
    assert (sheet.reader, sheet.values) == (workbook_reader.OPENPYXL, [["=1+1"]])


def test_what_follows_the_cells_does_not_matter():
    # a two-line page header (escaped as openpyxl writes it) and a data validation list, after the cell data
    data = xlsx([("S", '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
                       "<headerFooter><oddHeader>第一行_x000A_第二行</oddHeader></headerFooter>"
                       '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"><x14:dataValidations '
                       'xmlns:x14="x14" xmlns:xm="xm"><x14:dataValidation><x14:formula1><xm:f>T!$A$1:$A$5</xm:f>'
                       "</x14:formula1></x14:dataValidation></x14:dataValidations></ext></extLst>")])
    with workbook_reader.open_workbook(io.BytesIO(data)) as wb:
        assert wb.sheet("S").reader == workbook_reader.CALAMINE


def test_error_values_long_integers_and_escapes_read_as_written():
    assert _sheet('<row r="1"><c r="A1" t="e"><v>#N/A</v></c></row>').values == [["#N/A"]]
    long = _sheet('<row r="1"><c r="A1"><v>12345678901234567890</v></c><c r="B1"><v>-9007199254740993</v></c>'
                  "</row>")
    assert (long.reader, long.values) == (workbook_reader.OPENPYXL, [[12345678901234567890, -9007199254740993]])
    escaped = _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>')
    assert escaped.values == [["a_x000D_b"]]
    # the shared strings serve every sheet: all are read by openpyxl
    shared = _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=["<t>c_x0041_d</t>"],
                    other=workbook_reader.OPENPYXL)
    assert (shared.reader, shared.values) == (workbook_reader.OPENPYXL, [["c_x0041_d"]])


def test_plain_cells_stay_with_calamine_and_keep_their_types():
    sheet = _sheet('<row r="1"><c r="A1"><v>123456789012345</v></c><c r="B1"><v>18.0</v></c><c r="C1"><v>2.5</v>'
                   '</c><c r="D1" t="b"><v>1</v></c><c r="E1" t="str"><v>plain</v></c><c r="F1" t="inlineStr">'
                   '<is><r><t>富</t></r><r><t xml:space="preserve"> 文本</t></r></is></c></row>'
                   '<row r="2"><c r="A2" s="1"><v>45296</v></c><c r="B2" s="2"><v>45296.4375</v></c>'
                   '<c r="C2" s="2"><v>0.5</v></c><c r="D2" t="d"><v>2024-01-05T10:30:00</v></c>'
                   '<c r="E2" s="5"><v>45296</v></c><c r="F2" s="6"><v>1.5</v></c></row>')
    assert sheet.reader == workbook_reader.CALAMINE
    # E2: the built-in format 31 (yyyy"年"m"月"d"日" in Chinese Excel) is a date; openpyxl read it as 45296
    assert sheet.values == [[123456789012345, 18, 2.5, True, "plain", "富 文本"],
                            [date(2024, 1, 5), datetime(2024, 1, 5, 10, 30), time(12, 0),
                             datetime(2024, 1, 5, 10, 30), date(2024, 1, 5), timedelta(hours=36)]]
    assert [type(v) for v in sheet.values[0][:3]] == [int, int, float]


def test_rows_start_at_row_one_and_column_a():
    sheet = _sheet('<row r="3"><c r="C3" t="inlineStr"><is><t>x</t></is></c></row>')
    assert (sheet.height, sheet.values) == (3, [[], [], [None, None, "x"]])
    wide = _sheet('<row r="2"><c r="B2" t="inlineStr"><is><t>y</t></is></c></row><row r="4"><c r="D4"><v>1</v></c>'
                  "</row>")
    assert wide.values == [[], [None, "y"], [], [None, None, None, 1]]
    empty = _sheet("")
    assert (empty.height, empty.values) == (0, [])


def test_headers_not_on_the_first_row_are_reported_there():
    data = xlsx([("目录", '<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>资源代码</t></is></c></row>'
                         "</sheetData>"), ("信息项", "<sheetData/>")])
    parsed = catalog_io.read_workbook(io.BytesIO(data))
    assert ("目录", 1, "资源名称") in {(p.sheet, p.row, p.column) for p in parsed.problems}
    assert ("信息项", 1, "") in {(p.sheet, p.row, p.column) for p in parsed.problems}  # empty sheet


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04 truncated", None])
def test_files_that_are_not_xlsx_workbooks_are_reported(content, tmp_path):
    if content is None:  # a zip, but an OpenDocument spreadsheet, not .xlsx
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", "<office:document-content/>")
        content = buf.getvalue()
    with pytest.raises(workbook_reader.UnreadableWorkbook):
        workbook_reader.open_workbook(io.BytesIO(content))
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    parsed = catalog_io.read_workbook(str(path))
    assert [(p.sheet, p.row) for p in parsed.problems] == [("", 0)]


def test_a_path_or_a_stream_not_at_its_start_is_read_like_an_upload(tmp_path):
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(_raw_book("shared"))
    upload = _parsed(catalog_io.read_workbook(io.BytesIO(path.read_bytes())))
    assert upload[0] and _parsed(catalog_io.read_workbook(path)) == upload
    stream = io.BytesIO(path.read_bytes())
    stream.seek(0, io.SEEK_END)
    assert _parsed(catalog_io.read_workbook(stream)) == upload


# --- the import report ------------------------------------------------------------------------------
def test_import_reports_rows_read_per_sheet_and_each_phase(world):
    book = _workbook([_row(world, "GA-1", "户籍人口信息"), _row(world, "GA-2", "出入境证件信息")],
                     [["GA-1", "姓名", "字符型", 50, "否", "是"], ["GA-2", "证件号码", "字符型", 20, "是", "是"]])
    messages: list[str] = []
    report = catalog_io.import_catalog(world["police"], book, progress=lambda _f, msg: messages.append(msg))
    assert report.written and report.to_dict()["rows_read"] == {"目录": 3, "信息项": 3}
    assert messages == [_("Read {n} rows.", n=4), _("Checking {n} rows…", n=4), _("Writing {n} entries…", n=2)]
