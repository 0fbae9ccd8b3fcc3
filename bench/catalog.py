"""Catalog benchmarks: the published-catalog search (target < 200 ms at province scale) and importing 10,000
entries with 200,000 data items from a workbook (target < 30 s), rolled back so the database stays as found."""

from __future__ import annotations

import io
import os
import threading
import time

import openpyxl
from sqlmodel import select

from models import Unit, UnitKind
from services import catalog
from services.catalog import spreadsheet as catalog_io
from services.core import db

IMPORT_ENTRIES = 10_000
ITEMS_PER_ENTRY = 20
ITEM_NAMES = ["公民身份号码", "姓名", "性别", "民族", "出生日期", "住址", "联系电话", "统一社会信用代码", "单位名称",
              "法定代表人", "登记日期", "登记机关", "证照编号", "有效期起", "有效期止", "经办机构", "数据来源", "更新时间",
              "备注", "记录状态"]


def search(ctx) -> dict[str, float]:
    """One page of the published catalog: free text over names, codes and data items; a unit filter; no filter."""
    actor = ctx.actor("steward_gaj")
    if "unit_id" not in ctx.memo:
        with db.read_session() as session:
            ctx.memo["unit_id"] = session.exec(select(Unit.id).where(Unit.kind != UnitKind.BUREAU)
                                               .order_by(Unit.id)).first()
    timings: dict[str, float] = {}
    for label, kwargs in (("text", {"text": "公民身份号码"}), ("text_and_share_type",
                                                                 {"text": "登记", "share_type": "conditional"}),
                          ("unit", {"unit_id": ctx.memo["unit_id"]}), ("first_page", {})):
        start = time.perf_counter()
        catalog.search_published(actor, page=1, page_size=50, **kwargs)
        timings[label] = time.perf_counter() - start
    return timings


def _workbook(units: list[str]) -> bytes:
    spec = catalog_io.spec()
    wb = openpyxl.Workbook(write_only=True)
    entries, items = wb.create_sheet(spec["entry_sheet"]), wb.create_sheet(spec["item_sheet"])
    entries.append(list(spec["entry_headers"].values()))
    items.append(list(spec["item_headers"].values()))
    for n in range(IMPORT_ENTRIES):
        code = f"BENCH-{n:06d}"
        entries.append([code, f"批量导入测试目录{n}", "离线编制的目录", "部门", None, units[n % len(units)], "数据库",
                        "有条件共享" if n % 3 else "无条件共享", "依法履职使用" if n % 3 else None, "接口交换", "全市政务部门",
                        "不予开放", None, "《中华人民共和国数据安全法》第三十八条", "每月", "内部", units[n % len(units)], None,
                        None])
        for k in range(ITEMS_PER_ENTRY):
            items.append([code, ITEM_NAMES[k], "字符型", 50, "是" if k < 3 else "否", "否"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def import_10k(ctx) -> dict[str, float]:
    """Import 10,000 entries with 200,000 data items as the bureau (any unit), then roll everything back."""
    if "workbook" not in ctx.memo:
        with db.read_session() as session:
            usccs = list(session.exec(select(Unit.uscc).where(Unit.kind != UnitKind.BUREAU).order_by(Unit.id)))
        ctx.memo["workbook"] = _workbook(usccs)
    actor = ctx.actor("reviewer")
    with db.rolled_back(), PeakRss() as peak:
        start = time.perf_counter()
        report = catalog_io.import_catalog(actor, io.BytesIO(ctx.memo["workbook"]))
        total = time.perf_counter() - start
    if not report.ok or report.created != IMPORT_ENTRIES:
        ctx.notes.append(f"import rejected: {report.problems[:3]}")
    ctx.memo.setdefault("peak_mb", []).append(peak.added_mb)
    peaks = sorted(ctx.memo["peak_mb"])
    ctx.notes[:] = [n for n in ctx.notes if not n.startswith("peak RSS")]
    ctx.notes.append(f"peak RSS +{peaks[len(peaks) // 2]:.0f} MB over the process before the import (median)")
    return {"total": total}


class PeakRss:
    """The largest resident set size seen while the block runs, above the size when it began (sampled from
    /proc every 20 ms, so memory held by native readers counts too, not only Python allocations)."""

    def __enter__(self) -> PeakRss:
        self._page = os.sysconf("SC_PAGE_SIZE")
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _rss(self) -> int:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * self._page

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def added_mb(self) -> float:
        return (self.peak - self.start) / 2**20
