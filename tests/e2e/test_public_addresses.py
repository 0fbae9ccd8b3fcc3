"""Real browser: every public address opens its page directly in a fresh session, without Streamlit's "Page not
found" dialog — also for the very first visitor of a newly started server process, which Streamlit used to treat
as a folder-based multipage app until app.py's navigation had run once (serve.py)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SERVER_ENV, VIEWPORT, session_cookie, settle, sign_in, start_app, stop_app

pytestmark = pytest.mark.e2e

# Public address → a text its page shows.
PUBLIC = {"open-catalog": "开放数据目录", "open-request": "申请开放数据", "open-track": "申请查询",
          "transparency": "各单位答复情况", "report-correction": "政务数据纠错", "track-correction": "纠错进度查询",
          "sign-in": "用户名", "": "用户名"}


def test_every_public_address_opens_without_a_page_not_found_dialog(browser):
    proc, url = start_app(dict(SERVER_ENV))  # a new process: its first session is the case that failed
    try:
        for path, text in PUBLIC.items():
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # fresh session, no cookie
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{url}/{path}")
            page.get_by_text(text).first.wait_for()
            settle(page)
            dialog = page.get_by_role("dialog")
            assert not (dialog.count() and dialog.first.is_visible()), (path, dialog.first.inner_text())
            assert page.get_by_test_id("stSidebarNav").count() == 0  # nobody is signed in
            context.close()
    finally:
        stop_app(proc)


@pytest.mark.parametrize(("username", "path", "title"), [
    ("leader", "dashboard", "领导驾驶舱"),  # the leader's default page, opened by its own address
    ("steward_gaj", "home", "我的待办"),  # everyone else's default page
])
def test_a_signed_in_user_opens_their_default_page_by_its_address(browser, server, username, path, title):
    """A bookmark or a typed address of the user's first page opens it; Streamlit serves a default page at "/"
    only, so app.py registers it at its own address too."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server)
        sign_in(page, username)
        assert session_cookie(page) is not None
        page.goto(f"{server}/{path}")
        page.get_by_test_id("stSidebarNav").wait_for()
        settle(page)
        dialog = page.get_by_role("dialog")
        assert not (dialog.count() and dialog.first.is_visible()), dialog.first.inner_text()
        assert title in page.locator("h1").first.inner_text()
    finally:
        context.close()


def test_a_signed_in_address_opened_signed_out_asks_to_sign_in_and_then_opens_the_page(browser, server):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # no session cookie
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server}/dashboard")
        page.get_by_label("用户名", exact=True).wait_for()
        settle(page)
        dialog = page.get_by_role("dialog")
        assert not (dialog.count() and dialog.first.is_visible()), dialog.first.inner_text()
        sign_in(page, "leader")
        assert "领导驾驶舱" in page.locator("h1").first.inner_text()
        assert not (dialog.count() and dialog.first.is_visible()), dialog.first.inner_text()
    finally:
        context.close()
