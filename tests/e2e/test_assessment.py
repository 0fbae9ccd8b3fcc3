"""The assessment in a real browser on the demo: the assessor answers the waiting appeal, then downloads last
year's published ranking (XLSX, opened with openpyxl) and the 通报 report (PDF); a unit's data administrator
reads the unit's scorecard and downloads its score sheet."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import go, settle, shot, sign_in

pytestmark = pytest.mark.e2e


def _choose(page, label: str, option_text: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.click()
    page.get_by_role("option").filter(has_text=option_text).first.click()
    settle(page)


def test_assessor_answers_an_appeal_and_downloads_the_ranking_and_report(page):
    sign_in(page, "assessor")
    go(page, "考核评分")
    page.locator("h1", has_text="考核评分").wait_for()
    page.get_by_role("tab", name="申诉").click()
    settle(page)
    page.get_by_label("答复理由（告知单位）", exact=True).fill("材料形成于考核期后，维持原分。")
    page.get_by_role("button", name="答复", exact=True).click()
    settle(page)
    page.get_by_text("申诉已答复。").first.wait_for()
    shot(page, "assessment-work")

    go(page, "考核结果")
    _choose(page, "考核", "2025")
    page.get_by_text("考核单位数").first.wait_for()
    shot(page, "assessment-results")
    page.get_by_role("button", name="导出").first.click()
    settle(page)
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").filter(has_text=".xlsx").first.click()
    with open(download.value.path(), "rb") as fh:
        data = fh.read()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]][:6] == ["序号", "单位名称", "类别", "总分", "排名", "等次"]
    assert sheet.max_row > 10

    page.get_by_role("button", name="生成通报（PDF）").click()
    settle(page)
    with page.expect_download() as report:
        page.get_by_test_id("stDownloadButton").filter(has_text=".pdf").first.click()
    with open(report.value.path(), "rb") as fh:
        assert fh.read().startswith(b"%PDF-")


def test_a_unit_reads_its_scorecard_and_downloads_its_score_sheet(page):
    sign_in(page, "steward_gaj")
    go(page, "本单位考核得分")
    page.locator("h1", has_text="本单位考核得分").wait_for()
    page.get_by_text("总分").first.wait_for()
    shot(page, "assessment-my-scorecard")
    page.get_by_role("button", name="生成得分表（PDF）").click()
    settle(page)
    with page.expect_download() as sheet:
        page.get_by_test_id("stDownloadButton").filter(has_text=".pdf").first.click()
    with open(sheet.value.path(), "rb") as fh:
        assert fh.read().startswith(b"%PDF-")
