"""Assessment screens on the seeded demo: the assessor answers the waiting appeal, the unit steward reads and
answers its provisional scorecard, the leader reads the published ranking and a unit's scorecard."""

from __future__ import annotations

from sqlmodel import select

from models import AuditEvent
from models.assessment import Assessment, AssessmentAppeal
from services.core.db import read_session
from tests.ui.test_pages import sign_in

WORK = "pages/supervision/assessment.py"
RESULTS = "pages/supervision/assessment_results.py"
MINE = "pages/supervision/my_scorecard.py"


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_assessor_answers_the_waiting_appeal(app_db):
    at = sign_in("assessor")
    at.switch_page(WORK).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "考核评分"
    assessments = next(s for s in at.selectbox if s.label == "考核")
    assert "2026" in assessments.options[0], "this year's assessment, in the appeal window, comes first"
    decision_form = [f for f in at.text_area if f.label == "答复理由（告知单位）"]
    assert decision_form, "the waiting appeal of the demo can be answered"
    decision_form[0].input("材料形成于考核期后，维持原分。")
    next(b for b in at.button if b.label == "答复").click().run()
    assert not at.exception, at.exception
    with read_session() as session:
        appeal = session.exec(select(AssessmentAppeal).order_by(AssessmentAppeal.id.desc())).first()
        assert appeal.status == "upheld" and appeal.answer == "材料形成于考核期后，维持原分。"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "assessment.decide_appeal",
                                                     AuditEvent.object_id == str(appeal.id))).first()


def test_steward_reads_its_scorecard_and_answers_it(app_db):
    at = sign_in("steward_gaj")
    at.switch_page(MINE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "本单位考核得分"
    assert any(m.label == "总分" for m in at.metric)
    assert any(e.label.startswith("人工评分的佐证材料") for e in at.expander), "the assessors' evidence, own card"
    accept = [b for b in at.button if b.label == "确认得分"]
    if accept:  # the demo left this unit's window open: accept the provisional scorecard
        accept[0].click().run()
        assert not at.exception, at.exception
        assert "已确认得分" in _texts(at.success) or not [b for b in at.button if b.label == "确认得分"]
    # a unit never sees the ranking of a provisional assessment: only its own scorecard
    at.switch_page(RESULTS).run()
    assert not at.exception, at.exception
    # last year's published ranking: another unit's scorecard opens without its evidence, and nothing is refused
    with read_session() as session:
        published = session.exec(select(Assessment.id).where(Assessment.status == "published")).first()
    next(s for s in at.selectbox if s.label == "考核").set_value(published).run()
    chooser = next(s for s in at.selectbox if s.label == "查看得分表")
    other = next(i for i, label in enumerate(chooser.options) if i and "公安" not in label)
    chooser.select_index(other).run()
    assert not at.exception and not at.error, at.error
    assert any(m.label == "排名" for m in at.metric)
    assert not any(e.label.startswith("人工评分的佐证材料") for e in at.expander)


def test_leader_reads_the_ranking_and_a_scorecard(app_db):
    at = sign_in("leader")
    at.switch_page(RESULTS).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "考核结果"
    assert any(m.label == "考核单位数" for m in at.metric)
    chooser = next(s for s in at.selectbox if s.label == "查看得分表")
    chooser.select_index(1).run()
    assert not at.exception, at.exception
    assert any(m.label == "排名" for m in at.metric), "the chosen unit's scorecard is shown"
    assert any(e.label.startswith("人工评分的佐证材料") for e in at.expander), "with the assessors' evidence"
    at.switch_page("pages/supervision/dashboard.py").run()
    assert not at.exception, at.exception
    assert "2025" in " ".join(h.value for h in at.subheader)
