"""Real browser against `streamlit run app.py`: sign-in, navigation sections per role, no developer chrome,
English, a validation message in a dialog; screenshots for the README and the user guide."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import go, session_cookie, settle, shot, sign_in

pytestmark = pytest.mark.e2e


def _nav_text(page) -> str:
    return page.get_by_test_id("stSidebarNav").inner_text()


def test_sign_in_page_has_no_developer_chrome(page):
    page.get_by_label("用户名", exact=True).wait_for()
    settle(page)
    # What a user must see: the product's name, both fields and the sign-in button.
    assert "政务数据汇聚共享管理平台" in page.locator("h1").first.inner_text()
    assert page.get_by_label("用户名", exact=True).is_visible() and page.get_by_label("密码", exact=True).is_visible()
    assert page.get_by_role("button", name="登录").first.is_visible()
    # What they must not: Streamlit's deploy button and developer menu.
    assert page.get_by_test_id("stAppDeployButton").count() == 0
    menu = page.get_by_test_id("stMainMenu")
    assert menu.count() == 0 or not menu.is_visible()
    shot(page, "sign-in")


def test_steward_sees_work_sections_but_no_administration(page):
    sign_in(page, "steward_gaj")
    nav = _nav_text(page)
    assert "工作台" in nav and "我的账号" in nav
    assert "系统管理" not in nav and "账号管理" not in nav and "审计日志" not in nav
    shot(page, "steward-home")


def test_sysadmin_manages_units_and_sees_the_credit_code_check(page):
    sign_in(page, "sysadmin")
    nav = _nav_text(page)
    for label in ("系统管理", "行政区划", "单位管理", "账号管理"):
        assert label in nav
    assert "角色授权" not in nav and "审计日志" not in nav
    shot(page, "sysadmin-home")
    go(page, "单位管理")
    page.get_by_text("统一社会信用代码").first.wait_for()
    shot(page, "admin-units")
    page.get_by_role("button", name="新增单位").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("统一社会信用代码", exact=True).fill("12345")
    dialog.get_by_label("名称", exact=True).fill("示范市测试局")
    dialog.get_by_role("button", name="保存").click()
    settle(page)
    assert "18 位" in dialog.inner_text()
    shot(page, "admin-unit-dialog")
    page.keyboard.press("Escape")
    go(page, "账号管理")
    shot(page, "admin-accounts")


def test_audit_admin_reads_the_log(page):
    sign_in(page, "auditadmin")
    shot(page, "auditadmin-home")
    go(page, "审计日志")
    page.get_by_text("第 1 /").first.wait_for()
    shot(page, "audit-log")


def test_security_admin_sees_role_grants(page):
    sign_in(page, "secadmin")
    go(page, "角色授权")
    page.get_by_text("三员分立").wait_for()
    shot(page, "security-roles")


def test_switching_to_english_changes_navigation_and_titles(page):
    sign_in(page, "sysadmin")
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name="English").click()
    page.get_by_test_id("stSidebarNav").get_by_text("Accounts", exact=True).wait_for()  # the rerun in English
    settle(page)
    nav = _nav_text(page)
    assert "Administration" in nav and "Accounts" in nav
    assert page.locator("h1").first.inner_text() == "My to-do"
    go(page, "Accounts")
    assert page.locator("h1").first.inner_text() == "Accounts"
    shot(page, "english-accounts")


def test_reload_keeps_the_user_signed_in_until_they_sign_out(page, server):
    """The server sets the session cookie HttpOnly and SameSite=Strict: no script in the page can read it."""
    sign_in(page, "steward_gaj")
    cookie = session_cookie(page)
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "govdata_session" not in page.evaluate("document.cookie")
    page.reload()
    page.get_by_test_id("stSidebarNav").wait_for()
    settle(page)
    assert "我的待办" in page.locator("h1").first.inner_text()
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名", exact=True).wait_for()
    settle(page)
    assert "govdata_session" not in {c["name"] for c in page.context.cookies()}
    page.reload()
    page.get_by_label("用户名", exact=True).wait_for()
    settle(page)
    assert page.get_by_test_id("stSidebarNav").count() == 0


@pytest.mark.parametrize(("username", "link", "title", "name"), [
    ("leader", None, "领导驾驶舱", "leader-dashboard"),
    ("approver_ds", "县级审批", "县级审批", "county-queue"),
    ("reviewer", "目录审核", "目录审核", "catalog-review"),
    ("steward_gaj", "申请共享数据", "申请共享数据", "share-apply"),
])
def test_each_role_lands_on_its_working_screen(page, username, link, title, name):
    sign_in(page, username)
    if link:
        go(page, link)
    assert title in page.locator("h1").first.inner_text()
    shot(page, name)


def test_catalog_upload_preview_states_the_rows_read_per_sheet(page, tmp_path):
    from services.catalog import spreadsheet as catalog_io

    workbook = tmp_path / "catalog_template.xlsx"
    workbook.write_bytes(catalog_io.template_bytes())
    sign_in(page, "steward_gaj")
    go(page, "目录表格导入导出")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(workbook))
    rows = catalog_io.read_workbook(str(workbook)).rows_read  # the template's header and example rows
    page.get_by_text(f"各工作表读取行数（含表头行）：目录 {rows['目录']} · 信息项 {rows['信息项']}").wait_for()
    settle(page)
    shot(page, "catalog-upload-preview")


def test_public_files_a_correction_without_signing_in_and_tracks_it(page, server):
    import re

    page.goto(f"{server}/report-correction")
    page.get_by_label("错误说明", exact=True).wait_for()
    settle(page)
    assert "政务数据纠错" in page.locator("h1").first.inner_text()
    assert page.get_by_test_id("stSidebarNav").count() == 0  # nobody is signed in
    page.get_by_label("错误说明", exact=True).fill("本人户籍地址登记有误，已于去年办理迁移")
    page.get_by_label("姓名", exact=True).fill("周晓梅")
    page.get_by_label("电话或电子邮箱", exact=True).fill("13800138000")
    page.get_by_role("button", name="提交").click()
    settle(page)
    page.get_by_text("已受理，编号").wait_for()
    page.get_by_text("您的查询码").first.wait_for()  # drawn after the receipt line: wait for it on a loaded machine
    text = page.get_by_test_id("stMain").inner_text()
    tracking = re.search(r"您的查询码：\s*([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})", text)
    assert tracking, text
    shot(page, "public-correction-filed")

    page.goto(f"{server}/track-correction")
    page.get_by_label("查询码", exact=True).wait_for()
    settle(page)
    page.get_by_label("查询码", exact=True).fill(tracking.group(1))
    page.get_by_role("button", name="查询", exact=True).click()
    settle(page)
    page.get_by_text("核实中").wait_for()
    shown = page.get_by_test_id("stMain").inner_text()
    assert "JC" in shown and "状态" in shown
    assert "周晓梅" not in shown and "13800138000" not in shown  # the tracking page shows nothing personal
    shot(page, "public-correction-tracked")
