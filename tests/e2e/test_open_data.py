"""Real browser: a member of the public files an open-data demand without an account and tracks it; the bureau
answers it; the tracking page shows the answer and none of the applicant's personal data."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import go, settle, shot, sign_in
from tests.services.opendata_fixtures import PERSON_ID

pytestmark = pytest.mark.e2e


def test_the_public_files_a_demand_and_tracks_the_answer(page, server):
    page.get_by_text("开放数据目录（无需登录）").click()
    settle(page)
    page.get_by_text("开放数据目录", exact=True).first.wait_for()
    shot(page, "open-catalog")
    page.get_by_test_id("stPageLink").get_by_text("申请开放数据").first.click()
    settle(page)
    page.get_by_label("所需数据", exact=True).fill("全市公交线路及站点数据")
    page.get_by_label("个人或组织名称", exact=True).fill("张三")
    page.get_by_label("公民身份号码（个人）或统一社会信用代码", exact=True).fill(PERSON_ID)
    page.get_by_label("电话或电子邮箱", exact=True).fill("13800000000")
    page.get_by_label("使用用途", exact=True).fill("研究城市公交线路")
    page.get_by_role("button", name="提交").click()
    settle(page)
    receipt = page.get_by_text(re.compile("申请已收到")).inner_text()
    code = re.search(r"KF\d{8}-[A-Z0-9]{10}", receipt).group(0)
    shot(page, "open-request-received")

    page.goto(f"{server}/open-track?code={code}")
    settle(page)
    page.get_by_text("待答复").first.wait_for()
    assert "张三" not in page.inner_text("body") and PERSON_ID not in page.inner_text("body")

    page.goto(server)
    sign_in(page, "reviewer")
    go(page, "开放数据申请")
    page.get_by_label("查询码", exact=True).fill(code)
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_test_id("stMarkdown").get_by_text(re.compile("全市公交线路及站点数据")).first.wait_for()
    page.get_by_test_id("stRadio").get_by_text("同意", exact=True).click()
    page.get_by_label("答复意见", exact=True).fill("同意开放，已列入本年度开放计划")
    page.get_by_role("button", name="提交答复").click()
    settle(page)
    page.get_by_text("答复已登记").first.wait_for()

    context = page.context.browser.new_context(locale="zh-CN")
    public = context.new_page()
    public.goto(f"{server}/open-track?code={code}")
    settle(public)
    public.get_by_text(re.compile("同意开放，已列入本年度开放计划")).first.wait_for()
    body = public.inner_text("body")
    assert "已同意" in body and "张三" not in body and PERSON_ID not in body
    shot(public, "open-track-answered")
    context.close()
