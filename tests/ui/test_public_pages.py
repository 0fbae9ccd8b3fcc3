"""The open-data portal without an account: every public page renders, a demand is filed through the form and
tracked by its code, and the staff pages stay unreachable."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services.core.settings import get_settings
from tests.services.opendata_fixtures import PERSON_ID
from tests.ui.conftest import APP
from ui.opendata.widgets import PUBLIC_PAGES

TIMEOUT = 60


def test_public_pages_render_without_an_account(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for path, _title, _icon in PUBLIC_PAGES:
        at.switch_page(path).run()
        assert not at.exception, f"{path}: {at.exception}"
        assert at.title and at.title[0].value
    at.switch_page("pages/public/open_catalog.py").run()
    next(b for b in at.button if b.label == "生成文件").click().run()  # builds the CSV on request only
    assert not at.exception and at.session_state["open_catalog_file"][1].startswith(b"\xef\xbb\xbf")
    with pytest.raises(ValueError):
        at.switch_page("pages/opendata/requests.py")


def test_a_demand_filed_through_the_form_is_tracked_without_personal_data(app_db, monkeypatch):
    monkeypatch.setenv("GOVDATA_CAPTCHA_ENABLED", "false")  # demo mode only
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/public/open_request.py").run()
    fields = {t.label: t for t in at.text_input}
    fields["所需数据"].input("公交线路及站点数据")
    fields["个人或组织名称"].input("张三")
    fields["公民身份号码（个人）或统一社会信用代码"].input(PERSON_ID)
    fields["电话或电子邮箱"].input("13800000000")
    at.text_area[1].input("研究城市公交线路")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    code = at.code[0].value
    at.switch_page("pages/public/open_track.py").run()
    at.text_input[0].input(code)
    at.button[0].click().run()
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "公交线路及站点数据" in shown and "张三" not in shown and PERSON_ID not in shown
