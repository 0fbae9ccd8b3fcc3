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


def test_an_over_long_client_name_reaches_the_service_and_is_refused_under_its_field(app_db):
    """An administration form: the paste is not cut by the widget, the service names the field and the limit."""
    from services.administration import api_clients
    from services.administration.auth import sign_in as service_sign_in
    from services.seed.orgs import DEMO_PASSWORD

    at = sign_in("sysadmin")
    at.switch_page("pages/administration/api_clients.py").run()
    [name] = [t for t in at.text_input if t.label == "对接系统"]
    assert not name.max_chars, "Streamlit drops a paste longer than max_chars without a word"
    name.input("系" * 5000)
    at.selectbox[0].set_value(next(iter(api_clients.unit_choices())))
    at.multiselect[0].set_value(["catalog:read"])
    next(b for b in at.button if b.label == "登记并签发密钥").click().run()
    assert not at.exception, at.exception
    errors = [str(e.value).replace("\\", "") for e in at.error]
    assert any(e.startswith("对接系统：") and str(api_clients.NAME_MAX) in e for e in errors), errors
    assert api_clients.list_clients(service_sign_in("sysadmin", DEMO_PASSWORD).actor).empty


def test_no_text_widget_sets_max_chars():
    """Every length is the service's to refuse with a message; max_chars would drop a longer paste silently."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [f"{path.relative_to(root)}:{n}" for folder in ("pages", "ui") for path in (root / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if "max_chars=" in line]
    assert offenders == []
