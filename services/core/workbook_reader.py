"""Reading the rows of an .xlsx workbook quickly and completely.

Cells are parsed by python-calamine (Rust), many times faster than openpyxl's read-only mode, which spent most of
a large catalog import creating Python objects per cell (docs/performance.md). The number of rows comes from the cells
themselves, never from the sheet's <dimension> element: a file whose dimension understates the data (some
exporters write one, and openpyxl trusted it) is read to its last row.

Values are those openpyxl's read-only, formula-preserving mode (data_only=False) returned, as far as a reader
that strips text and takes the date part of dates (catalog_io._cell_text) can tell:
  - text as text, quote-prefixed text included (the quote prefix is a style; "=SUM(A1)" typed as text stays text);
    leading and trailing blanks of text not marked xml:space="preserve" are dropped (openpyxl kept them);
  - empty cells, and empty strings, as None;
  - numbers as int when integral (openpyxl: int for an integer literal, float for 18.0 or 1E3), float otherwise;
  - booleans as bool;
  - date-formatted numbers as datetime, or as date when the value is a whole day (openpyxl: always datetime);
    time-only values as time, duration formats as timedelta. One difference: the built-in formats 27-36 and
    50-58 (the East Asian date formats, e.g. 31 = yyyy"年"m"月"d"日" in Chinese Excel) are dates here, where
    openpyxl returned the serial number (45296 instead of 2024-01-05).
A sheet is read by openpyxl instead when its cells hold something calamine cannot return the same way:
  - a formula (<f>): calamine gives the cached result, openpyxl the formula text "=...", which the import takes as
    data and never evaluates;
  - an error value (t="e", e.g. #N/A typed into Excel): calamine gives an empty cell, openpyxl the error text;
  - an integer literal of 16 or more digits: calamine parses every number as a 64-bit float, openpyxl exactly;
  - an _xHHHH_ escape in its text or in the shared strings: calamine decodes it, openpyxl kept it as written,
    and the export (openpyxl) writes such text unescaped, so decoding it would break the round trip.
These are found by scanning the sheet's XML (no parsing), and that sheet alone is then read by openpyxl, with
its dimension ignored. Rows are lists starting at column A, the first one being row 1 of the sheet."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import openpyxl
import python_calamine

CALAMINE, OPENPYXL = "calamine", "openpyxl"
WORKBOOK_PART = "xl/workbook.xml"
_SCAN_CHUNK = 4 << 20  # bytes of decompressed sheet XML scanned at a time
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_ERROR = re.compile(rb"""t=["']e["']""")
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")


class UnreadableWorkbook(Exception):
    """The file is not an .xlsx workbook, or a part of it cannot be parsed."""


@dataclass
class Sheet:
    name: str
    height: int  # rows from row 1 through the last row that holds a value (0: the sheet is empty)
    reader: str  # CALAMINE or OPENPYXL
    _rows: Callable[[], Iterator[list[Any]]]

    def rows(self) -> Iterator[list[Any]]:
        """Every row from row 1 through `height`, each a list of values from column A (lengths may differ)."""
        return self._rows()


class Workbook:
    def __init__(self, source: str | Path | IO[bytes]):
        try:
            if isinstance(source, str | Path):
                data = Path(source).read_bytes()
            else:
                if source.seekable():
                    source.seek(0)  # the whole file, wherever the stream stands (as zipfile and openpyxl read it)
                data = source.read()
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            if WORKBOOK_PART not in self._zip.namelist():
                raise UnreadableWorkbook("no xl/workbook.xml: not an .xlsx workbook")
            self._parts, shared_strings = _parts(self._zip)
            self._escaped_strings = any(_has_escape(self._zip, p) for p in shared_strings)
            self._book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except UnreadableWorkbook:
            raise
        except Exception as exc:  # noqa: BLE001 - zip, XML and calamine errors all mean "cannot be read"
            raise UnreadableWorkbook(str(exc)) from exc
        self._data = data
        self._openpyxl: Any = None
        self.sheet_names: list[str] = list(self._book.sheet_names)

    def sheet(self, name: str) -> Sheet:
        """The sheet `name` (KeyError when there is none); UnreadableWorkbook when its XML cannot be parsed."""
        if name not in self.sheet_names:
            raise KeyError(name)
        part = self._parts.get(name)
        try:
            if self._escaped_strings or part is None or _needs_openpyxl(self._zip, part):
                return self._openpyxl_sheet(name)
            ws = self._book.get_sheet_by_name(name)
        except Exception as exc:  # noqa: BLE001
            raise UnreadableWorkbook(f"{name}: {exc}") from exc
        end = ws.end
        height = end[0] + 1 if end is not None else 0
        return Sheet(name, height, CALAMINE, lambda: _calamine_rows(ws))

    def _openpyxl_sheet(self, name: str) -> Sheet:
        if self._openpyxl is None:
            self._openpyxl = openpyxl.load_workbook(io.BytesIO(self._data), read_only=True, data_only=False)
        ws = self._openpyxl[name]
        ws.reset_dimensions()  # read to the last row whatever the <dimension> says
        raw = list(ws.iter_rows(values_only=True))
        while raw and all(v is None for v in raw[-1]):  # rows of empty (e.g. only formatted) cells at the end
            raw.pop()
        rows = [[_openpyxl_value(v) for v in row] for row in raw]
        return Sheet(name, len(rows), OPENPYXL, lambda: iter(rows))

    def close(self) -> None:
        if self._openpyxl is not None:
            self._openpyxl.close()
        self._book.close()
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_workbook(source: str | Path | IO[bytes]) -> Workbook:
    return Workbook(source)


def _calamine_rows(ws) -> Iterator[list[Any]]:
    start = ws.start
    if start is None:
        return
    # iter_rows() yields the rows above the first value as empty rows (python-calamine 0.9), but each row begins at
    # the first column holding a value (start[1]): pad to column A. (It fails on an empty sheet: start is None.)
    first_col = start[1]
    pad = [None] * first_col
    for row in ws.iter_rows():
        for i, v in enumerate(row):
            kind = type(v)
            if kind is str:
                if not v:
                    row[i] = None
            elif kind is float and v.is_integer():
                row[i] = int(v)
        yield pad + row if first_col else row


def _openpyxl_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == "":
        return None
    text = getattr(value, "text", None)  # an array formula: its "=..." text
    return text if isinstance(text, str) else value


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parts(zf: zipfile.ZipFile) -> tuple[dict[str, str], list[str]]:
    """{sheet name: its XML part} and the shared-string parts, from the workbook's relationships."""
    rels_path = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    shared: list[str] = []
    if rels_path in zf.namelist():
        for rel in ElementTree.fromstring(zf.read(rels_path)):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id", "")] = path
            if rel.get("Type", "").endswith("/sharedStrings"):
                shared.append(path)
    parts: dict[str, str] = {}
    for element in ElementTree.fromstring(zf.read(WORKBOOK_PART)).iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            path = targets.get(rid or "")
            if path is not None and path in zf.namelist():
                parts[element.get("name", "")] = path
    return parts, [p for p in shared if p in zf.namelist()]


def _has_escape(zf: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with zf.open(part) as fh:
        while block := fh.read(_SCAN_CHUNK):
            if _ESCAPE.search(tail + block):
                return True
            tail = block[-16:]
    return False


def _needs_openpyxl(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether the cells of the sheet XML `part` hold a formula, an error value, an integer literal of 16 digits
    or more, or an _xHHHH_ escape (see the module docstring). A plain byte scan of <sheetData>: ~0.2 s for 70 MB."""
    with zf.open(part) as fh:
        block = fh.read(_SCAN_CHUNK)
        root = _ROOT.search(block)
        prefix = re.escape(root.group(1) + b":") if root and root.group(1) else b""
        end = b"</" + (root.group(1) + b":" if root and root.group(1) else b"") + b"sheetData>"
        patterns = (re.compile(b"<" + prefix + rb"f[\s/>]"), re.compile(b"<" + prefix + rb"v>\s*[+-]?\d{16}"),
                    _ERROR, _ESCAPE)
        tail = b""
        while block:
            block = tail + block
            stop = block.find(end)
            if stop >= 0:
                block = block[:stop]
            if any(p.search(block) for p in patterns):
                return True
            if stop >= 0:
                return False
            tail = block[-64:]
            block = fh.read(_SCAN_CHUNK)
    return False
