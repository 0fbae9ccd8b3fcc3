"""Screens as users read them (issue 13, the rest of defects 7 and 12): names not codes, the user's language,
figures that fit their tiles, labels that are not page titles, charts whose labels do not overlap."""

from __future__ import annotations

import pandas as pd
from sqlmodel import select

from models import User
from services.core.db import read_session, write_session
from tests.ui.test_screens import sign_in
from ui.navigation import PAGES


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def test_a_home_metric_is_not_labelled_with_a_page_title(app_db):
    at = sign_in("sysadmin")
    from services.core.i18n import gettext as _

    titles = {_(spec.title) for spec in PAGES}
    labels = [m.label for m in at.metric]
    assert labels, "the administrator's home shows the account figures"
    assert not titles & set(labels), labels


def test_the_demo_banner_speaks_the_users_language(app_db):
    with write_session() as s:
        user = s.exec(select(User).where(User.username == "leader")).one()
        user.language = "en"
        s.add(user)
        s.commit()
    at = sign_in("leader")
    banners = [w for w in _texts(at.warning) if "GOVDATA_DEMO_MODE" in w]
    assert banners and banners[0].startswith("**Demo mode**"), banners


def test_working_day_tiles_keep_their_figure_and_the_period_bar_has_no_redundant_date_box(app_db):
    at = sign_in("leader")  # the leader lands on the dashboard
    assert not at.exception, at.exception
    values = [m.value for m in at.metric]
    assert values and not [v for v in values if "工作日" in v], values
    assert "起止日期" not in [t.label for t in at.text_input], "a fixed period's dates are in the caption"


def test_the_audit_log_names_object_types_and_the_system_role(app_db):
    at = sign_in("auditadmin")
    at.switch_page("pages/administration/audit_log.py").run()
    assert not at.exception, at.exception
    [table] = [d for d in at.dataframe if d.key == "audit_table"]
    frame: pd.DataFrame = table.value
    shown = set(frame["对象类型"].dropna()) | set(frame["角色"].dropna())
    raw = {"user", "catalog_entry", "share_request", "database", "system", "kpi"}
    assert not shown & raw, shown
    assert "None" not in set(frame["对象编号"].astype(str)), "an event without an object shows a blank"
    assert all(d.min.year <= 2000 for d in at.date_input if d.key in ("audit_start", "audit_end")), "since 2000"


def test_open_triggers_are_headed_in_the_users_language(app_db):
    from datetime import timedelta

    from services import catalog
    from services.core.actor_store import load_actor
    from services.core.timeutil import local_date

    with read_session() as s:
        steward = load_actor(s, s.exec(select(User).where(User.username == "steward_gaj")).one())
    catalog.record_trigger(steward, steward.unit_id, "law", local_date() - timedelta(days=1), note="新法规施行")
    at = sign_in("steward_gaj")
    at.switch_page("pages/catalog/mine.py").run()
    assert not at.exception, at.exception
    headers = [c for d in at.dataframe for c in d.value.columns]
    assert "Update due" not in headers and "应更新日期" in headers, headers


def test_unit_charts_lay_unit_names_along_the_side():
    from ui.kpi import charts

    frame = pd.DataFrame({"unit_id": [1, 2], "unit": ["示范市人力资源和社会保障局", "示范市住房和城乡建设局"],
                          "catalog.completeness": [80.0, 90.0], "catalog.coverage": [70.0, 95.0]})
    fig = charts.catalog_by_unit(frame, 95.0, 90.0)
    assert {trace.orientation for trace in fig.data} == {"h"}
    assert fig.layout.yaxis.automargin


def test_the_unit_profile_starts_with_its_title(app_db):
    at = sign_in("leader")
    at.switch_page("pages/supervision/unit_profile.py").run()
    assert not at.exception, at.exception
    first = next(e for e in at.main if getattr(e, "type", None) not in ("alert",) and e.proto is not None
                 and type(e).__name__ != "Warning")
    assert type(first).__name__ == "Title", type(first).__name__


def test_the_overdue_list_offers_csv_and_xlsx(app_db):
    at = sign_in("leader")
    at.switch_page("pages/supervision/overdue_cases.py").run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.button]
    assert "导出" in labels, labels


def test_a_unit_without_a_figure_reads_a_dash_in_the_dashboard_tables(app_db):
    at = sign_in("leader")
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe if d.key in ("sharing_units", "catalog_units", "clock_units")]
    assert tables
    for frame in tables:
        cells = {str(v) for column in frame.columns for v in frame[column]}
        assert "None" not in cells and "nan" not in cells, frame.head()
    assert any("—" in {str(v) for v in frame.iloc[:, 3:].stack()} for frame in tables), "gaps read as a dash"


def test_the_monthly_chart_keeps_its_legend_off_the_month_labels():
    from ui.kpi import charts

    frame = pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "submitted": range(12),
                          "on_time_rate": [90.0] * 12})
    fig = charts.monthly_requests(frame, 95.0)
    assert fig.layout.legend.y <= -0.25 and fig.layout.margin.b >= 80 and fig.layout.xaxis.automargin


def test_a_review_without_a_statutory_deadline_says_so(app_db):
    at = sign_in("reviewer")
    at.switch_page("pages/catalog/review.py").run()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    due = set(frame["审核期限"])
    assert "" not in due and "None" not in due, due


def test_english_labels_end_in_an_english_colon(app_db):
    with write_session() as s:
        user = s.exec(select(User).where(User.username == "approver_ds")).one()
        user.language = "en"
        s.add(user)
        s.commit()
    at = sign_in("approver_ds")
    at.switch_page("pages/account/account.py").run()
    assert not at.exception, at.exception
    profile = " ".join(_texts(at.markdown))
    assert "**User name**: approver" in profile and "：" not in profile.split("**Roles**")[0], profile[:200]


def test_an_uploader_states_its_real_limit_in_the_users_language(app_db):
    from services.core.settings import get_settings

    at = sign_in("steward_gaj")
    at.switch_page("pages/sharing/apply.py").run()
    assert not at.exception, at.exception
    limit = int(get_settings().share_attachment_max_mb)
    notes = [c for c in _texts(at.caption) if "每个文件不超过" in c]
    assert notes and all(f"{limit} MB" in n for n in notes), _texts(at.caption)


def test_no_two_pages_of_a_role_share_a_title():
    from services.core import i18n
    from services.core.i18n import gettext as _
    from ui.navigation import pages_for

    i18n.set_language("zh_CN")
    for role in ("unit_steward", "leader", "bureau_reviewer", "assessor", "county_approver", "sys_admin",
                 "security_admin", "audit_admin"):
        titles = [_(spec.title) for spec in pages_for([role])]
        assert len(titles) == len(set(titles)), (role, titles)


def test_aggregation_reads_frequencies_by_name_and_times_in_local_time(app_db):
    at = sign_in("steward_gaj")
    at.switch_page("pages/aggregation/registrations.py").run()
    assert not at.exception, at.exception
    [registrations] = [d.value for d in at.dataframe if d.key == "agg_regs"]
    frequencies = set(registrations["更新周期"])
    assert not frequencies & {"daily", "realtime", "weekly", "monthly"}, frequencies
    [log] = [d.value for d in at.dataframe if "更新时间" in d.value.columns]
    if len(log):
        assert not [t for t in log["更新时间"].astype(str) if "+00:00" in t], log["更新时间"].head()


def test_a_table_column_of_dates_and_gaps_converts_for_the_browser(monkeypatch):
    """A date column with gaps became dates beside "" and Streamlit logged an ArrowTypeError on every render."""
    from datetime import date

    import pyarrow as pa

    from ui import tables

    shown = {}
    monkeypatch.setattr(tables.st, "dataframe", lambda frame, **kw: shown.setdefault("frame", frame))
    frame = pd.DataFrame({"name": ["甲", "乙"], "fresh_until": [date(2026, 12, 1), None]})
    tables.data_table(frame, {"name": "Name", "fresh_until": "Fresh until"}, key="t", selectable=False)
    pa.Table.from_pandas(shown["frame"])
    assert list(shown["frame"].iloc[:, 1]) == ["2026-12-01", ""]
