"""Out-of-range dates and over-long pastes (issue 13, defect 8): the widget takes what the user typed or pasted and
the service refuses it with a message in the user's language — nothing is replaced or dropped without a word."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from models import CatalogTrigger
from services.core.db import read_session
from tests.ui.test_screens import button, sign_in


def _triggers() -> int:
    with read_session() as s:
        return s.exec(select(func.count()).select_from(CatalogTrigger)).one()


def _trigger_form(at):
    at.switch_page("pages/catalog/mine.py").run()
    assert not at.exception, at.exception
    [day] = [d for d in at.date_input if d.label == "变化发生日期"]
    return day


def test_a_trigger_dated_far_in_the_past_or_the_future_is_refused_with_a_message(app_db):
    at = sign_in("steward_gaj")
    before = _triggers()
    for typed, message in ((date(1990, 1, 1), "日期不得早于 2000-01-01"), (date(2099, 12, 31), "不能")):
        day = _trigger_form(at)
        assert day.min <= typed <= day.max, "the box must take the typed date, not put back the previous one"
        day.set_value(typed)
        button(at, "登记变化").click().run()
        assert not at.exception, at.exception
        errors = " ".join(str(e.value) for e in at.error).replace("\\", "")
        assert message in errors, errors
        assert _triggers() == before


def test_a_long_paste_reaches_the_service_and_is_refused_with_its_length(app_db):
    at = sign_in("steward_gaj")
    at.session_state["catalog_entry_id"] = None
    at.switch_page("pages/catalog/entry.py").run()
    [summary] = [t for t in at.text_area if t.label == "资源摘要"]
    assert not summary.max_chars, "Streamlit drops a paste longer than max_chars without a word"
    summary.input("数" * 5000)
    button(at, "保存草稿").click().run()
    assert not at.exception, at.exception
    errors = [str(e.value).replace("\\", "") for e in at.error]
    assert any(e.startswith("资源摘要：") and "1000" in e and "5000" in e for e in errors), errors
