"""Lists handed to a colleague: every export applies the user's filter, checks the permission, writes
formula-safe cells (CSV with a BOM for Excel) and is recorded in the audit log."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from sqlmodel import select

from models import AuditEvent
from services import catalog
from services.catalog import exports as catalog_exports
from services.core.db import read_session
from services.core.errors import PermissionDenied
from services.core.tabular import write_table
from tests.services.catalog_fixtures import entry_input


def _last_event(action: str) -> AuditEvent:
    with read_session() as s:
        return s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()


def test_cells_that_look_like_formulas_stay_text_and_csv_opens_in_excel():
    frame = pd.DataFrame({"名称": ["=HYPERLINK(\"http://x\")", "+1", "安全"], "n": [1, 2, 3]})
    data = write_table(frame, "csv", "s")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "安全" in text
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(write_table(frame, "xlsx", "s"))).active
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")" and sheet["A2"].data_type == "s"


def test_review_queue_export_applies_the_filter_and_is_audited(world):
    for name in ("户籍人口信息", "机动车登记信息"):
        entry_id = catalog.create_entry(world["police"], entry_input(world, name=name))
        catalog.submit_entry(world["police"], entry_id)
    assert len(catalog.review_queue(world["reviewer"])) == 2
    assert list(catalog.review_queue(world["reviewer"], search="户籍")["name"]) == ["户籍人口信息"]
    file = catalog_exports.export_review_queue(world["reviewer"], "csv", search="户籍")
    assert file.rows == 1 and file.filename.endswith(".csv")
    assert "户籍人口信息" in file.data.decode("utf-8-sig") and "机动车" not in file.data.decode("utf-8-sig")
    detail = json.loads(_last_event("catalog.review_export").detail)
    assert detail["rows"] == 1 and detail["filter"] == {"search": "户籍"}


def test_review_queue_export_is_refused_outside_the_bureau(world):
    with pytest.raises(PermissionDenied):
        catalog_exports.export_review_queue(world["police"], "xlsx")


def test_share_request_exports_follow_the_filter_and_the_scope(world):
    from services import sharing
    from services.sharing import exports as sharing_exports
    from services.sharing.queries import RequestFilter, list_requests
    from tests.services.sharing_fixtures import application, entry, item_ids

    entry_id = entry(world)
    sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)[:1]))
    everything = sharing_exports.export_requests(world["reviewer"], RequestFilter(view="all"), "xlsx")
    _rows, total = list_requests(world["reviewer"], RequestFilter(view="all"), page_size=1000)
    assert everything.rows == total >= 1
    none = sharing_exports.export_requests(world["reviewer"], RequestFilter(view="all", status=["expired"]), "csv")
    assert none.rows == 0
    detail = json.loads(_last_event("share.export").detail)
    assert detail["filter"]["status"] == ["expired"] and detail["rows"] == 0


def test_catalog_quality_export_covers_every_unit_for_the_leader(world):
    from services.catalog import quality as catalog_quality

    catalog_quality.add_responsibility(world["reviewer"], world.units["police"], "户籍人口信息")
    file = catalog_exports.export_quality(world["leader"], "csv")
    assert file.rows == len(catalog_quality.unit_rollup(world["leader"])) >= 1
    assert _last_event("catalog.quality_export") is not None
