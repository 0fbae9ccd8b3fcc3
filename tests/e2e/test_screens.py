"""What the user must see (issue 13) in a real browser at 1366x768: the review queue keeps the row the reviewer
selected and drops it after the decision; the dashboard drills down to a case; a validation message sits under
its field; nothing hides under the top bar. Screenshots of the changed pages in both languages."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import go, settle, shot, sign_in

pytestmark = pytest.mark.e2e

ROW_PX, HEADER_PX = 35, 35


def click_row(page, grid, row: int) -> None:
    """Tick a row of a selectable st.dataframe (its row-marker column on the left of the canvas)."""
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + HEADER_PX + ROW_PX * row + ROW_PX / 2)
    settle(page)


def open_page(page, link_text: str) -> None:
    """Go to a page of the navigation, waiting for a slow first run (the leader's dashboard) to finish."""
    page.get_by_test_id("stSidebarNav").get_by_text(link_text, exact=True).wait_for(timeout=90_000)
    settle(page)
    go(page, link_text)


def language(page, name: str) -> None:
    """Switch the language in the sidebar (the choice is saved with the account: switch back at the end)."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").last
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=name).click()
    settle(page)


def english(page) -> None:
    language(page, "English")


def chinese(page) -> None:
    language(page, "简体中文")


def assert_below_top_bar(page) -> None:
    header = page.get_by_test_id("stHeader").bounding_box()
    first = page.locator("[data-testid='stMainBlockContainer'] h1").first.bounding_box()
    assert first["y"] >= header["y"] + header["height"], (first, header)


def test_review_queue_selection_is_the_submission_and_clears_after_the_decision(page):
    sign_in(page, "reviewer")
    go(page, "目录审核")
    page.get_by_text("条待审，按审核期限先后排列").first.wait_for()
    assert_below_top_bar(page)
    page.get_by_text("在表格中选中一条提交后进行审核。").first.wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    click_row(page, grid, 0)
    panel_title = page.locator("h3").first.inner_text()
    assert panel_title, "the panel shows the selected submission"
    page.get_by_role("button", name="审核通过并发布").scroll_into_view_if_needed()
    shot(page, "review-selected")
    page.get_by_label("退回理由", exact=True).fill("更新周期与实际不符")
    page.get_by_role("button", name="退回修改").click()
    settle(page)
    page.get_by_text("已退回单位修改。").first.wait_for()
    assert_below_top_bar(page)
    # after the decision: nothing selected, no panel, the returned entry gone from the queue
    assert page.get_by_role("button", name="审核通过并发布").count() == 0
    page.get_by_text("在表格中选中一条提交后进行审核。").first.wait_for()
    assert panel_title.split("（")[0] not in page.get_by_test_id("stMainBlockContainer").inner_text()
    shot(page, "review-after-return")
    page.get_by_label("搜索资源名称、资源代码或单位", exact=True).fill("人口")
    page.keyboard.press("Enter")
    settle(page)
    shot(page, "review-filtered")
    english(page)
    page.get_by_text("Select a submission in the table to review it.").first.wait_for()
    shot(page, "review-en")
    chinese(page)


def test_dashboard_drills_down_to_a_case(page):
    sign_in(page, "leader")
    page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)
    settle(page)
    assert_below_top_bar(page)
    shot(page, "dashboard")
    open_page(page, "超期事项")
    page.get_by_text("全部在办环节", exact=True).click()
    settle(page)
    assert_below_top_bar(page)
    shot(page, "overdue-cases")
    page.get_by_text("选中一行即可打开该事项。").first.wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    # "all open steps" lists the share requests' answer steps first (most overdue first)
    click_row(page, grid, 0)
    page.locator("h1", has_text="共享申请").first.wait_for()
    assert page.locator("h1").first.inner_text() == "共享申请"
    page.get_by_text(re.compile(r"^GX\d+")).first.wait_for()
    body = page.get_by_test_id("stMainBlockContainer").inner_text()
    assert "GX" in body, "the request itself is shown, with its tracking number"
    assert_below_top_bar(page)
    shot(page, "drill-down-case")
    english(page)
    assert page.locator("h1").first.inner_text() == "Share request"
    shot(page, "drill-down-case-en")
    chinese(page)


def test_a_validation_message_sits_under_its_field(page):
    sign_in(page, "steward_gaj")
    go(page, "申请共享数据")
    page.get_by_role("tab", name="目录外数据").click()
    settle(page)
    page.get_by_role("button", name="提交需求").click()
    settle(page)
    field = page.get_by_label("数据名称", exact=True)
    message = page.get_by_text("数据名称：", exact=False).first
    message.wait_for()
    field_box, message_box = field.bounding_box(), message.bounding_box()
    assert message_box["y"] > field_box["y"] + field_box["height"] - 1
    assert message_box["y"] - (field_box["y"] + field_box["height"]) < 80, "right under the field"
    body = page.get_by_test_id("stMainBlockContainer").inner_text()
    for internal in ("title：", "purpose：", "legal_basis：", "scenario：", "items："):
        assert internal not in body
    assert "200MB" not in body and "10MB" in body.replace(" ", "")
    message.scroll_into_view_if_needed()
    shot(page, "validation-under-field")
    english(page)
    page.get_by_role("tab", name="Data not in the catalog").click()
    settle(page)
    page.get_by_role("button", name="Send request").click()
    settle(page)
    assert page.get_by_text("Name of the data: ", exact=False).first.is_visible()
    page.get_by_text("Name of the data: ", exact=False).first.scroll_into_view_if_needed()
    shot(page, "validation-under-field-en")
    chinese(page)


def test_leader_sees_every_units_catalog_quality(page):
    sign_in(page, "leader")
    page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)
    settle(page)
    page.goto(page.url.split("?")[0].rsplit("/", 1)[0] + "/catalog-quality")  # the session cookie keeps the user
    page.get_by_text("完整度与覆盖率").first.wait_for(timeout=90_000)
    settle(page)
    assert_below_top_bar(page)
    grid = page.get_by_test_id("stDataFrame").first
    assert grid.bounding_box()["height"] > 200, "the rollup lists the units"
    shot(page, "catalog-quality-leader")
    english(page)
    shot(page, "catalog-quality-leader-en")
    chinese(page)
