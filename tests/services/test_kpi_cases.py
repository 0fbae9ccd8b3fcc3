"""The items behind the red numbers: overdue and late case lists, the unit page and the XLSX export."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from models import AuditEvent
from services.core.db import read_session, write_session
from services.core.errors import PermissionDenied
from services.kpi import cases, series
from services.kpi.cases import CaseMode, case_list, unit_catalog_issues, unit_requests
from services.kpi.export import export_cases, export_dashboard
from tests.services import test_kpi as base
from tests.services.test_kpi import NOVEMBER, NOW, add_clock, add_entry, add_request, local

calendar = base.calendar  # the same hand-built fixtures as the KPI tests
sharing = base.sharing


def test_overdue_list_shows_each_open_step_past_due_with_working_days_late(sharing):
    w, ids = sharing
    listed = case_list(w["leader"], CaseMode.OVERDUE, period=NOVEMBER, now=NOW)
    assert listed.total == 2
    rows = listed.rows.set_index("clock_id")
    assert set(rows.index) == {ids["overdue_answer"], ids["overdue_implement"]}
    # Due Tue 18 Nov, today Thu 20 Nov → 19 and 20 Nov = 2 working days late.
    assert rows.loc[ids["overdue_answer"], "workdays_late"] == 2
    assert rows.loc[ids["overdue_answer"], "reference"].startswith("GX")
    assert rows.loc[ids["overdue_implement"], "unit"] == "东山县公安局"


def test_overdue_list_filters_by_kind_step_and_unit(sharing):
    w, ids = sharing
    only_implement = case_list(w["leader"], "overdue", period=NOVEMBER, step="share_implement", now=NOW)
    assert list(only_implement.rows["clock_id"]) == [ids["overdue_implement"]]
    police = case_list(w["leader"], "overdue", period=NOVEMBER, unit_id=w.units["police"], now=NOW)
    assert list(police.rows["clock_id"]) == [ids["overdue_answer"]]
    assert case_list(w["leader"], "overdue", period=NOVEMBER, kind="correction", now=NOW).total == 0


def test_late_list_is_exactly_the_missed_deadlines_behind_the_on_time_rate(sharing):
    w, ids = sharing
    late = case_list(w["leader"], CaseMode.LATE, period=NOVEMBER, step="share_answer", now=NOW)
    # On-time answer rate 2/4: the two misses are b (answered 12 Nov, due 10 Nov) and c (still open).
    assert late.total == 2
    by_ref = late.rows.set_index("clock_id")
    assert ids["overdue_answer"] in by_ref.index
    closed_late = by_ref[by_ref["closed_on"].notna()].iloc[0]
    # Due Mon 10 Nov, answered Wed 12 Nov → 11 and 12 Nov = 2 working days late.
    assert closed_late["closed_on"] == date(2025, 11, 12)
    assert closed_late["workdays_late"] == 2


def test_unit_page_lists_catalog_issues_and_uncovered_responsibilities(calendar):
    from models import ResponsibilityItem

    w = calendar
    police = w.units["police"]
    with write_session() as s:
        add_entry(s, police, completeness=1.0, maintained=local(2025, 6, 1))  # no issue
        add_entry(s, police, completeness=0.6, share_type="not_shared", maintained=local(2025, 6, 1))
        add_entry(s, police, completeness=1.0, maintained=local(2024, 1, 1))
        s.add(ResponsibilityItem(unit_id=police, resource_name="出入境证件", created_at=local(2025, 4, 1)))
        s.commit()
    issues = unit_catalog_issues(w["leader"], police, NOVEMBER, now=NOW)
    assert len(issues) == 3
    texts = list(issues["issues"])
    assert "核心元数据不完整；受限共享但未列明法律法规依据" in texts
    assert "近12个月未维护" in texts
    assert "责任清单事项尚未发布" in texts


def test_unit_requests_show_what_the_unit_received_as_provider(sharing):
    w, _ids = sharing
    frame = unit_requests(w["leader"], w.units["county_police"], NOVEMBER, now=NOW)
    assert len(frame) == 1 and frame.iloc[0]["status"] == "approved"


def test_monthly_series_counts_requests_and_on_time_answers_per_month(sharing):
    w, _ids = sharing
    frame = series.monthly_requests(w["leader"], NOVEMBER, months=3, now=NOW).set_index("month")
    assert list(frame.index) == ["2025-09", "2025-10", "2025-11"]
    # Submitted: g on 30 Sep, h on 28 Oct, a–f on 3 Nov (the default) → 1, 1, 6.
    assert list(frame["submitted"]) == [1, 1, 6]
    assert frame.loc["2025-11", "on_time_rate"] == 50.0
    assert pd_none(frame.loc["2025-09", "on_time_rate"])


def pd_none(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)


def test_catalog_funnel_and_share_types(calendar):
    w = calendar
    with write_session() as s:
        add_entry(s, w.units["police"], share_type="unconditional", open_attribute="open")
        add_entry(s, w.units["police"], share_type="not_shared")
        add_entry(s, w.units["civil"], published=False, submitted=False)
        add_entry(s, w.units["civil"], published=False, status="returned")
        s.commit()
    funnel = series.catalog_funnel(w["leader"], NOVEMBER, now=NOW).set_index("stage")["entries"].to_dict()
    assert funnel == {"compiled": 4, "submitted": 3, "published": 2, "shareable": 1, "open": 1}
    types = series.share_types_by_unit(w["leader"], NOVEMBER, now=NOW)
    assert sorted(types["share_type"]) == ["not_shared", "unconditional"]


def test_dashboard_export_has_every_table_and_is_audited(sharing):
    w, _ids = sharing
    data = export_dashboard(w["assessor"], NOVEMBER, now=NOW)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "关键指标"
    assert "超期事项" in book.sheetnames
    kpis = {row[1]: row for row in book["关键指标"].iter_rows(min_row=2, values_only=True)}
    assert kpis["sharing.on_time_answer"][3] == 50.0
    with read_session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "kpi.export")).one()
    assert json.loads(event.detail)["rows"]["overdue_cases"] == 2


def test_text_beginning_with_equals_is_exported_as_text(calendar):
    w = calendar
    with write_session() as s:
        req = add_request(s, w.units["police"], w.units["civil"])
        from models import ShareRequest

        s.get(ShareRequest, req).code = "=HYPERLINK(1)"
        add_clock(s, req, "share_answer", w.units["police"], date(2025, 11, 3), date(2025, 11, 5))
        s.commit()
    data = export_cases(w["leader"], "overdue", period=NOVEMBER, now=NOW)
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_county_approver_cannot_export_cases_and_the_refusal_is_audited(calendar):
    with pytest.raises(PermissionDenied):
        export_cases(calendar["approver"], "overdue", period=NOVEMBER, now=NOW)
    with read_session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "kpi.export",
                                               AuditEvent.result == "denied")).first() is not None


def test_case_labelers_can_be_added_by_other_workflows(calendar):
    w = calendar
    cases.register_case_labeler("correction")(lambda session, ids: {i: (f"JC{i}", "户籍地址有误") for i in ids})
    try:
        with write_session() as s:
            add_clock(s, 7, "correction_verify", w.units["police"], date(2025, 11, 3), date(2025, 11, 10),
                      kind="correction")
            s.commit()
        row = case_list(w["leader"], "overdue", period=NOVEMBER, now=NOW).rows.iloc[0]
        assert (row["reference"], row["subject"]) == ("JC7", "户籍地址有误")
    finally:
        cases.CASE_LABELERS.pop("correction")


def test_the_case_list_downloads_as_csv_with_a_bom_and_formula_safe_cells(calendar):
    from services.kpi.export import export_case_list

    w = calendar
    with write_session() as s:
        req = add_request(s, w.units["police"], w.units["civil"])
        from models import ShareRequest

        s.get(ShareRequest, req).code = "=HYPERLINK(1)"
        add_clock(s, req, "share_answer", w.units["police"], date(2025, 11, 3), date(2025, 11, 5))
        s.commit()
    file = export_case_list(w["leader"], "overdue", "csv", period=NOVEMBER, now=NOW)
    assert file.data.startswith("\ufeff".encode()) and file.filename.endswith(".csv") and file.rows == 1
    text = file.data.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("'=HYPERLINK(1)")
    with read_session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "kpi.export",
                                               AuditEvent.result == "success")).first() is not None
    with pytest.raises(PermissionDenied):
        export_case_list(w["approver"], "overdue", "csv", period=NOVEMBER, now=NOW)
