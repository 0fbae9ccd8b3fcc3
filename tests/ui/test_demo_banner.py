"""While demo mode is on, every page (the sign-in page included) carries a banner saying so; off, none."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from services.core.settings import get_settings
from tests.ui.conftest import APP
from tests.ui.test_pages import TIMEOUT, _texts, sign_in


def test_demo_mode_shows_a_banner_on_the_sign_in_page_and_after_sign_in(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("GOVDATA_DEMO_MODE" in e for e in _texts(at.warning)), _texts(at.warning)
    at = sign_in("leader")
    assert any("GOVDATA_DEMO_MODE" in e for e in _texts(at.warning))


def test_no_banner_outside_demo_mode(app_db, monkeypatch):
    monkeypatch.setenv("GOVDATA_DEMO_MODE", "false")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert not any("GOVDATA_DEMO_MODE" in e for e in _texts(at.warning))
