"""Real browser: the system administrator registers an interface client and sees its key once."""

from __future__ import annotations

from tests.e2e.conftest import go, settle, shot, sign_in


def _pick(page, label: str, option: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.click()
    page.get_by_role("option", name=option).first.click()
    settle(page)


def test_sysadmin_registers_a_client_and_sees_its_key_once(page):
    sign_in(page, "sysadmin")
    go(page, "系统对接")
    page.get_by_label("对接系统", exact=True).fill("交管数据前置机")
    unit = page.get_by_label("单位", exact=True)
    unit.click()
    page.get_by_role("option").first.click()
    settle(page)
    _pick(page, "权限范围", "catalog:read · 读取已发布目录")
    page.keyboard.press("Escape")
    page.get_by_role("heading", name="登记对接系统").click()  # closes the open option list
    settle(page)
    page.get_by_role("button", name="登记并签发密钥").click()
    settle(page)
    key = page.get_by_test_id("stCode").first.inner_text().strip()
    assert key.startswith("gdh_") and len(key) > 40
    shot(page, "api_clients_key_shown_once")
    page.reload()
    page.get_by_test_id("stSidebarNav").wait_for()
    settle(page)
    go(page, "系统对接")
    assert page.get_by_test_id("stCode").count() == 0  # shown once
    assert page.get_by_text("共 1 个对接系统").is_visible()
