"""The dashboard's tiles show exactly what `manage.py kpi` prints; the leader lands on the dashboard; the
drill-down pages open on the filters carried in the URL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from models import CalendarDay, Unit
from services.core.db import read_session, write_session
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.seed.orgs import DEMO_PASSWORD
from tests.services.test_kpi import add_clock, add_entry, add_request
from tests.ui.conftest import APP

TIMEOUT = 90


def sign_in(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    fields = {t.label: t for t in at.text_input}
    fields["用户名"].input(username)
    fields["密码"].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _workday_before(day, n: int):
    """The n-th working day before `day` by the seeded calendar."""
    with read_session() as s:
        days = s.exec(select(CalendarDay.day).where(CalendarDay.day < day, CalendarDay.is_workday)
                      .order_by(CalendarDay.day.desc()).limit(n)).all()  # type: ignore[union-attr]
    return days[-1]


def _add_figures() -> None:
    """A few catalog entries and share requests around today, whatever today is, so no tile is trivially empty."""
    today = local_date()
    with read_session() as s:
        units = [u.id for u in s.exec(select(Unit).where(Unit.kind == "department").order_by(Unit.id).limit(3)).all()]
    with write_session() as s:
        add_entry(s, units[0], completeness=0.9, share_type="conditional", basis="《数据安全法》第三十八条",
                  published_on=today - timedelta(days=400))
        add_entry(s, units[1], completeness=0.6, share_type="not_shared", published_on=today - timedelta(days=300))
        add_entry(s, units[1], completeness=1.0, open_attribute="open", published_on=today - timedelta(days=30))
        late, on_time = add_request(s, units[0], units[2]), add_request(s, units[1], units[2], status="approved")
        due = _workday_before(today, 2)
        start = _workday_before(today, 6)
        add_clock(s, late, "share_answer", units[0], start, due)  # open and overdue
        add_clock(s, on_time, "share_answer", units[1], start, due, closed=due)
        s.commit()


def _number(text: str) -> float | None:
    if text == "—":
        return None
    match = re.search(r"-?[\d,]+(\.\d+)?", text)
    assert match, text
    return float(match.group(0).replace(",", ""))


def test_tiles_show_the_same_numbers_as_the_command_line(app_db):
    _add_figures()
    at = sign_in("leader")
    assert at.title[0].value == _("Leadership dashboard")  # the leader's first page
    tiles = {re.sub(r"^:\w+\[●\] ", "", m.label): m.value for m in at.metric}

    import manage

    result = CliRunner().invoke(manage.app, ["kpi", "--json"], env={"GOVDATA_DATABASE_URL": app_db})
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    assert len(tiles) == len(cli)
    compared = 0
    for key, figures in cli.items():
        shown = _number(tiles[figures["title"]])
        if figures["value"] is None:
            assert shown is None, key
        else:
            assert shown == round(figures["value"], 0 if figures["unit"] == "count" else 1), key
            compared += 1
    assert compared >= 8
    assert cli["sharing.overdue_now"]["value"] >= 1  # the overdue request added above


def test_region_filter_in_the_url_narrows_the_tiles_like_the_cli_region_option(app_db):
    _add_figures()
    at = sign_in("leader")
    with read_session() as s:
        from models import Region

        county = s.exec(select(Region).where(Region.level == "county").order_by(Region.code)).first()
    at.query_params["region"] = str(county.id)
    at.switch_page("pages/supervision/dashboard.py").run()
    assert not at.exception, at.exception
    tiles = {re.sub(r"^:\w+\[●\] ", "", m.label): m.value for m in at.metric}
    import manage

    result = CliRunner().invoke(manage.app, ["kpi", "--json", "--region", county.code], env={"GOVDATA_DATABASE_URL": app_db})
    cli = json.loads(result.stdout)
    for figures in cli.values():
        shown = _number(tiles[figures["title"]])
        expected = None if figures["value"] is None else round(figures["value"], 0 if figures["unit"] == "count" else 1)
        assert shown == expected, figures["title"]


def test_overdue_cases_page_lists_the_overdue_request(app_db):
    _add_figures()
    at = sign_in("leader")
    at.query_params["mode"] = "overdue"
    at.switch_page("pages/supervision/overdue_cases.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) >= 1
    assert (table["workdays_late"] >= 1).all()


def test_unit_page_opens_on_the_unit_in_the_url(app_db):
    _add_figures()
    with read_session() as s:
        unit = s.exec(select(Unit).where(Unit.kind == "department").order_by(Unit.id)).first()
    at = sign_in("assessor")
    at.query_params["unit"] = str(unit.id)
    at.switch_page("pages/supervision/unit_profile.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == unit.name
    from services.core.actor import Actor
    from services.kpi.cases import case_list

    open_steps = case_list(Actor.system("test"), "open", unit_id=unit.id).total
    assert open_steps >= 1  # the overdue request added above
    assert _("Open steps ({n})", n=open_steps) in [tab.label for tab in at.tabs]


def test_reviewer_sets_a_target_from_the_dashboard_and_the_tile_shows_it(app_db):
    at = sign_in("reviewer")
    at.switch_page("pages/supervision/dashboard.py").run()
    at.number_input[0].set_value(80.0)  # the first KPI of the form: catalog coverage
    next(b for b in at.button if b.label == _("Save target")).click().run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "80.0%" in captions
