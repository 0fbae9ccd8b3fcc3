"""Real browser: a unit data administrator registers an informatization project, sees the approval gate refuse it
for want of a pre-compiled catalog, links one of the unit's entries and submits it; the bureau approves it through
the gate."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import go, settle, shot, sign_in
from tests.e2e.test_screens import click_row

pytestmark = pytest.mark.e2e
NAME = "浏览器测试智慧警务平台"


def test_a_project_is_registered_linked_submitted_and_approved_through_the_gate(page, server):
    sign_in(page, "steward_gaj")
    go(page, "信息化项目")
    page.get_by_text("登记项目", exact=True).click()
    page.get_by_label("项目名称", exact=True).fill(NAME)
    page.get_by_role("button", name="登记", exact=True).click()
    settle(page)
    page.get_by_text("没有预编数据资源目录").first.wait_for()
    entry_box = page.get_by_test_id("stSelectbox").filter(has_text="目录条目").first
    entry_box.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_role("button", name="关联目录").click()
    settle(page)
    page.get_by_text("立项审查：条件已满足。").first.wait_for()
    shot(page, "project-linked")
    page.get_by_role("button", name="提交立项审批").click()
    settle(page)
    page.get_by_text("已保存。").first.wait_for()

    page.get_by_role("button", name="退出登录").click()
    settle(page)
    sign_in(page, "reviewer")
    go(page, "信息化项目")
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    settle(page)
    click_row(page, grid, 0)
    page.locator("h3").filter(has_text=NAME).first.wait_for()
    page.get_by_role("button", name="立项审批（审查）").click()
    settle(page)
    page.get_by_text("审查通过。").first.wait_for()
    page.get_by_text("立项审查通过。").first.wait_for()
    shot(page, "project-approved")
