"""The project and annual-report screens per role: a steward registers a project and sees what the approval gate
would refuse; the bureau approves through the gate; leadership reads; under the Yunyang profile a steward writes
and submits the annual report and the bureau accepts it; under another profile the page says not applicable."""

from __future__ import annotations

from sqlmodel import select

from models import AnnualReport, Project, User
from services import projects, reports
from services.core.actor_store import load_actor
from services.core.db import read_session
from services.deadlines import configuration
from tests.ui.test_screens import button, page_text, sign_in

PROJECTS = "pages/projects/projects.py"
REPORTS = "pages/reports/annual.py"


def actor(username: str):
    with read_session() as session:
        return load_actor(session, session.exec(select(User).where(User.username == username)).one())


def test_steward_registers_a_project_and_sees_the_gate_preview(app_db):
    at = sign_in("steward_gaj")
    at.switch_page(PROJECTS).run()
    assert not at.exception, at.exception
    name = next(t for t in at.text_input if t.label == "项目名称")
    name.input("智慧警务数据平台")
    button(at, "登记").click().run()
    assert not at.exception, at.exception
    with read_session() as session:
        project = session.exec(select(Project).where(Project.name == "智慧警务数据平台")).one()
    assert project.stage == "proposal"
    text = page_text(at)
    assert "智慧警务数据平台" in text
    assert "没有预编数据资源目录" in " ".join(str(e.value) for e in at.error)
    assert any(b.label == "提交立项审批" for b in at.button)


def test_the_bureau_approves_through_the_gate_and_leadership_only_reads(app_db):
    with read_session() as session:
        waiting = session.exec(select(Project).where(Project.stage == "review")).first()
    at = sign_in("reviewer")
    at.session_state["project_id"] = waiting.id
    at.switch_page(PROJECTS).run()
    assert not at.exception, at.exception
    button(at, "立项审批（审查）").click().run()
    assert not at.exception, at.exception
    with read_session() as session:
        assert session.get(Project, waiting.id).stage in ("approved", "proposal")
    leader = sign_in("leader")
    leader.session_state["project_id"] = waiting.id
    leader.switch_page(PROJECTS).run()
    assert not leader.exception, leader.exception
    assert not [b for b in leader.button if b.label in ("立项审批（审查）", "验收（审查）", "提交立项审批")]


def test_reports_are_not_applicable_under_a_profile_without_the_duty(app_db):
    at = sign_in("steward_gaj")
    at.switch_page(REPORTS).run()
    assert not at.exception, at.exception
    assert "不适用" in " ".join(str(i.value) for i in at.info)


def test_steward_submits_the_annual_report_and_the_bureau_accepts_it(app_db):
    configuration.use_profile(actor("secadmin"), "yunyang")
    reports.open_year(actor("reviewer"), 2026)
    at = sign_in("steward_gaj")
    at.switch_page(REPORTS).run()
    assert not at.exception, at.exception
    number = next(n for n in at.number_input if n.label == "报告年度")
    number.set_value(2026).run()
    assert "户籍" in page_text(at) or at.dataframe, "the unit's report and its figures are shown"
    for key, text in (("report_work_done", "完成目录编制"), ("report_problems", "更新不及时"),
                      ("report_next_year_plan", "完善数据汇聚")):
        at.text_area(key=key).input(text)
    button(at, "保存并报送").click().run()
    assert not at.exception, at.exception
    steward = actor("steward_gaj")
    with read_session() as session:
        report = session.exec(select(AnnualReport).where(AnnualReport.unit_id == steward.unit_id,
                                                         AnnualReport.year == 2026)).one()
    assert report.status == "submitted" and report.snapshot
    bureau = sign_in("reviewer")
    bureau.session_state["annual_report_id"] = report.id
    bureau.switch_page(REPORTS).run()
    next(n for n in bureau.number_input if n.label == "报告年度").set_value(2026).run()
    assert not bureau.exception, bureau.exception
    button(bureau, "接受").click().run()
    assert not bureau.exception, bureau.exception
    assert reports.get_report(actor("reviewer"), report.id).status == "accepted"
    assert projects.home_counts(actor("reviewer")).waiting >= 0
