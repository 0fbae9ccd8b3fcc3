"""The assessment from scheme to publication: values frozen at the snapshot, manual scores and deductions with
evidence, the appeal window on working days, appeals decided with reasons, ranks per group, the published result
other domains read, and the exports read back (openpyxl, csv, the PDF's text)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zlib
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from models import AuditEvent, Notification, SlaClock, Unit
from services import assessment
from services.assessment import exports, queries
from services.core.db import read_session, write_session
from services.core.errors import NotFound, PermissionDenied, ValidationError
from services.deadlines import calendar
from tests.services.sharing_fixtures import at

YEAR = 2025
START = date(2026, 1, 12)  # a Monday


def _missed_deadline(unit_id: int, due: date) -> None:
    """An open catalog-update clock of the unit, overdue since `due` (counted as a missed deadline)."""
    with write_session() as session:
        session.add(SlaClock(case_kind="catalog_trigger", case_id=999, step="catalog_update", responsible_unit_id=unit_id,
                             started_on=date(due.year, 1, 2), workdays=10, due_on=due))
        session.commit()


def _manual_everything(w, aid: int, points: float = 4.0) -> None:
    res = assessment.results(w["assessor"], aid)
    for ind in res.assessment.scheme.indicators():
        if ind.method == "manual":
            for unit_id in res.cards:
                assessment.enter_score(w["assessor"], aid, unit_id, ind.code, points=min(points, ind.points),
                                       evidence="自查材料", now=at(START))


def _scored(w) -> int:
    aid = assessment.create_assessment(w["assessor"], YEAR, now=at(START))
    assessment.start_scoring(w["assessor"], aid, now=at(START))
    _manual_everything(w, aid)
    return aid


def test_the_assessment_runs_from_scheme_to_publication(world):
    w = world
    _missed_deadline(w.units["police"], date(2025, 6, 2))
    aid = assessment.create_assessment(w["assessor"], YEAR, now=at(START))
    view = assessment.get_assessment(w["assessor"], aid)
    assert view.status == "draft" and view.scheme.positive_points == 100 and "2025" in view.title
    units = assessment.start_scoring(w["assessor"], aid, now=at(START))
    assert units == 7  # every unit but the bureau
    with pytest.raises(ValidationError):  # the scheme is frozen with the assessment
        assessment.update_scheme(w["assessor"], aid, view.scheme_json, now=at(START))
    with pytest.raises(ValidationError):  # manual scores missing: never silently zero
        assessment.open_review(w["assessor"], aid, now=at(START))
    _manual_everything(w, aid)
    with pytest.raises(ValidationError):
        assessment.enter_score(w["assessor"], aid, w.units["police"], "org.rules", points=3, evidence="", now=at(START))
    assessment.enter_score(w["assessor"], aid, w.units["police"], "ded.untrue", occurrences=2,
                           evidence="抽查发现两条目录与实际不符", now=at(START))
    res = assessment.results(w["assessor"], aid)
    police = res.cards[w.units["police"]]
    assert police.indicators["ded.deadlines"].occurrences == 1
    assert police.indicators["ded.untrue"].points == 2
    # the informatization-projects KPI family counts failed acceptances: none for this unit
    assert police.indicators["ded.projects"].status != "not_measured"
    assert police.indicators["ded.projects"].occurrences == 0
    # nothing fell due for anyone: automatic indicators full marks (85); manual 4 of 5/5/5, 4 of 4, 3 of 3 (12);
    # one missed deadline × 0.5 and two untrue entries × 1 taken off
    assert police.total == 85 + 12 - 0.5 - 2

    due = assessment.open_review(w["assessor"], aid, now=at(START))
    assert due == calendar.deadline(START, 5)
    with read_session() as session:
        windows = session.exec(select(SlaClock).where(SlaClock.case_kind == "assessment_card")).all()
        assert len(windows) == 7 and {c.due_on for c in windows} == {due}
        assert session.exec(select(Notification).where(Notification.case_kind == "assessment_card")).all()

    # units see their own provisional scorecard only
    own = assessment.results(w["civil"], aid)
    assert set(own.cards) == {w.units["civil"]}
    with pytest.raises(PermissionDenied):
        queries.evidence(w["civil"], aid, w.units["police"])
    police_card = res.card_ids[w.units["police"]]
    with pytest.raises(PermissionDenied):
        assessment.respond(w["civil"], police_card, accept=True, now=at(START))
    assessment.respond(w["police"], police_card, accept=True, now=at(START))
    civil_card = res.card_ids[w.units["civil"]]
    with pytest.raises(ValidationError):
        assessment.respond(w["civil"], civil_card, accept=False, indicator="org.rules", reason="", now=at(START))
    appeal_id = assessment.respond(w["civil"], civil_card, accept=False, indicator="org.rules",
                                   reason="制度已于6月印发，附文件", now=at(START))
    with pytest.raises(ValidationError):  # one answer per scorecard
        assessment.respond(w["civil"], civil_card, accept=True, now=at(START))
    late = calendar.deadline(due, 1)
    with pytest.raises(ValidationError):  # the window is over
        assessment.respond(w["county_police"], res.card_ids[w.units["county_police"]], accept=True, now=at(late))

    with pytest.raises(ValidationError):  # an appeal is waiting
        assessment.publish(w["assessor"], aid, now=at(late))
    with pytest.raises(PermissionDenied):
        assessment.decide_appeal(w["civil"], appeal_id, adjust=True, reason="x", points=5, now=at(late))
    with pytest.raises(ValidationError):
        assessment.decide_appeal(w["assessor"], appeal_id, adjust=True, reason="", points=5, now=at(late))
    assessment.decide_appeal(w["assessor"], appeal_id, adjust=True, reason="文件属实，予以调整", points=5, now=at(late))
    assessment.publish(w["assessor"], aid, good_practice="公安局目录维护及时", problems="部分单位更新滞后",
                       now=at(late))

    published = assessment.results(w["civil"], aid)  # after publication every unit reads the ranking
    assert len(published.cards) == 7
    civil = published.cards[w.units["civil"]]
    assert civil.indicators["org.rules"].points == 5 and civil.indicators["org.rules"].overridden
    result = assessment.published_result(w.units["civil"], YEAR)
    assert set(result) == {"total", "max", "rank", "group", "group_size", "grade", "assessment_id"}
    assert result["total"] == civil.total and result["max"] == 100.0 and result["group"] == "city_department"
    assert result["group_size"] == 2 and result["assessment_id"] == aid and result["rank"] == 1
    assert assessment.published_result(w.units["civil"], YEAR + 1) is None
    assert assessment.published_result(w.units["bureau"], YEAR) is None
    with pytest.raises(ValidationError):  # published = frozen
        assessment.recompute(w["assessor"], aid, now=at(late))
    with read_session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.action.like("assessment.%"))).all()]  # type: ignore[attr-defined]
    for action in ("assessment.create", "assessment.start", "assessment.score", "assessment.open_review",
                   "assessment.accept", "assessment.appeal", "assessment.decide_appeal", "assessment.publish"):
        assert action in actions


def test_frozen_values_do_not_move_with_new_data_until_an_explicit_recompute(world):
    w = world
    aid = _scored(w)
    before = assessment.results(w["assessor"], aid).cards[w.units["police"]].total
    _missed_deadline(w.units["police"], date(2025, 9, 1))
    _missed_deadline(w.units["police"], date(2025, 10, 8))
    assert assessment.results(w["assessor"], aid).cards[w.units["police"]].total == before
    changes = assessment.recompute(w["assessor"], aid, now=at(START))
    assert [(c["unit_id"], c["indicator"], c["before"], c["after"]) for c in changes] == [
        (w.units["police"], "ded.deadlines", 0.0, 2.0)]
    assert assessment.results(w["assessor"], aid).cards[w.units["police"]].total == before - 1.0
    with read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "assessment.recompute")).one()
        assert '"moved": 1' in event.detail


def test_ties_rank_together_within_each_group(world):
    w = world
    aid = _scored(w)
    res = assessment.results(w["assessor"], aid)
    ranking = queries.ranking(res)
    assert set(ranking["group"]) == {"city_department", "county_government", "county_department"}
    county = ranking[ranking["group"] == "county_department"]
    assert list(county["rank"]) == [1, 1, 1] and set(county["group_size"]) == {3}


def test_units_see_nothing_before_review_and_other_roles_cannot_score(world):
    w = world
    aid = _scored(w)
    with pytest.raises(NotFound):
        assessment.results(w["police"], aid)
    assert assessment.list_assessments(w["police"]).empty
    with pytest.raises(PermissionDenied):
        assessment.enter_score(w["reviewer"], aid, w.units["police"], "org.rules", points=1, evidence="x")
    with pytest.raises(PermissionDenied):
        assessment.create_assessment(w["leader"], 2024, now=at(START))
    with pytest.raises(ValidationError):
        assessment.create_assessment(w["assessor"], YEAR, now=at(START))  # one per year
    with pytest.raises(ValidationError) as refused:  # a pasted title longer than the column is refused
        assessment.create_assessment(w["assessor"], 2024, title="考" * 201, now=at(START))
    assert refused.value.errors == {"title": "最多 200 个字符，当前内容有 201 个字符。"}
    assert list(assessment.list_assessments(w["assessor"])["year"]) == [YEAR]


def _unicode_text(data: bytes) -> str:
    plain = bytearray(data)
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            plain += zlib.decompress(match.group(1))
    return "".join(chr(int(p, 16)) for p in re.findall(rb"<[0-9A-F]{4}> <([0-9A-F]{4,8})>", bytes(plain)))


def test_exports_read_back_with_figures_and_chinese_text_and_no_formula(world):
    w = world
    with write_session() as session:  # a unit name that a spreadsheet would run as a formula
        unit = session.get(Unit, w.units["civil"])
        unit.name = "=HYPERLINK(\"http://x\")民政局"
        session.add(unit)
        session.commit()
    aid = _scored(w)
    assessment.open_review(w["assessor"], aid, now=at(START))
    late = calendar.deadline(calendar.deadline(START, 5), 1)
    with pytest.raises(ValidationError) as refused:  # the form has no max_chars: the service refuses the paste
        assessment.publish(w["assessor"], aid, good_practice="好" * 5001, problems="目录维护滞后", now=at(late))
    assert refused.value.errors == {"good_practice": "最多 5000 个字符，当前内容有 5001 个字符。"}
    assert assessment.get_assessment(w["assessor"], aid).status == "review"
    assessment.publish(w["assessor"], aid, good_practice="数据更新及时", problems="目录维护滞后", now=at(late))
    res = assessment.results(w["assessor"], aid)
    police_total = res.cards[w.units["police"]].total

    xlsx = exports.export_ranking(w["assessor"], aid, "xlsx", now=at(late))
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["序号", "单位名称", "类别", "总分", "排名", "等次"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["示范市公安局"][3] == police_total
    formula_cell = next(c for c in sheet["B"] if c.value and "HYPERLINK" in str(c.value))
    assert formula_cell.data_type == "s" and str(formula_cell.value).startswith("'")
    assert len(book.worksheets) == 1 + len(res.assessment.scheme.dimensions)

    text = exports.export_ranking(w["assessor"], aid, "csv", now=at(late)).data
    assert text.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0][:4] == ["序号", "单位名称", "类别", "总分"] and len(table) == 8
    assert all(not row[1].startswith("=") for row in table[1:])

    report = exports.report_pdf(w["assessor"], aid, now=at(late))
    assert report.data.startswith(b"%PDF-")
    mapped = _unicode_text(report.data)
    for char in "示范市公安局数据更新及时目录维护滞后":
        assert char in mapped, char
    card = exports.scorecard_pdf(w["police"], aid, w.units["police"], now=at(late))
    assert f"{police_total:.2f}"[0] in _unicode_text(card.data)
    with pytest.raises(PermissionDenied):
        exports.scorecard_pdf(w["police"], aid, w.units["civil"], now=at(late))
    with read_session() as session:
        assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "assessment.export",
                                                         AuditEvent.result == "success")).all()) == 4


def test_the_assessment_kpis_count_answers_and_waiting_appeals(world):
    from services import kpi
    from services.kpi import Period, PeriodKind

    w = world
    aid = _scored(w)
    assessment.open_review(w["assessor"], aid, now=at(START))
    cards = assessment.results(w["assessor"], aid).card_ids
    assessment.respond(w["police"], cards[w.units["police"]], accept=True, now=at(START))
    assessment.respond(w["civil"], cards[w.units["civil"]], accept=False, indicator="org.rules", reason="补充材料",
                       now=at(START))
    month = Period.current(PeriodKind.MONTH, START)
    values = {r.key: r.value for r in kpi.compute(w["leader"], month, family_keys=["assessment"], now=at(START))}
    assert values["assessment.answered"] == pytest.approx(100 * 2 / 7)
    assert values["assessment.appeals_waiting"] == 1
    by_unit = kpi.by_unit(w["leader"], month, "assessment", now=at(START)).set_index("unit_id")
    assert by_unit.loc[w.units["civil"], "assessment.appeals_waiting"] == 1
    assert by_unit.loc[w.units["police"], "assessment.answered"] == 100


def test_the_appeal_window_is_in_the_units_to_do_list_and_reminded_when_due(world):
    from services.deadlines import inbox, reminders

    w = world
    aid = _scored(w)
    due = assessment.open_review(w["assessor"], aid, now=at(START))
    page = inbox.inbox(w["police"], now=at(START))
    rows = page.rows[page.rows["case_kind"] == "assessment_card"]
    assert len(rows) == 1 and rows.iloc[0]["case_ref"] == assessment.get_assessment(w["assessor"], aid).title
    assert str(rows.iloc[0]["due_on"])[:10] == due.isoformat()
    reminders.refresh(now=at(due))
    with read_session() as session:
        reminded = session.exec(select(Notification).where(Notification.case_kind == "assessment_card",
                                                           Notification.kind == "due_soon")).all()
    assert {n.user_id for n in reminded} >= {w["police"].user_id, w["civil"].user_id}


PDF = b"%PDF-1.4\n" + "会议纪要".encode() + b"0" * 64


@pytest.fixture
def file_store(tmp_path, monkeypatch):
    from services.core.settings import get_settings

    root = tmp_path / "files"
    monkeypatch.setenv("GOVDATA_ATTACHMENT_DIR", str(root))
    get_settings.cache_clear()
    yield root
    monkeypatch.undo()
    get_settings.cache_clear()


def _stored(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def test_scores_keep_attached_evidence_files_encrypted_and_readable_by_the_assessors_and_the_unit(world, file_store):
    w = world
    aid = assessment.create_assessment(w["assessor"], YEAR, now=at(START))
    assessment.start_scoring(w["assessor"], aid, now=at(START))
    police = w.units["police"]
    # a file alone is evidence enough for a manual score
    assessment.enter_score(w["assessor"], aid, police, "org.rules", points=3,
                           uploads=[assessment.Upload("../制度文件.pdf", PDF)], now=at(START))
    files = _stored(file_store)
    assert len(files) == 1 and PDF not in files[0].read_bytes()  # encrypted at rest
    assert files[0].relative_to(file_store).parts[0] == "assessment_score"
    # a wrong type, or a failing score, writes nothing (the file is kept only when the score is)
    with pytest.raises(ValidationError):
        assessment.enter_score(w["assessor"], aid, police, "org.rules", points=3,
                               uploads=[assessment.Upload("a.exe", b"MZ" + b"0" * 16)], now=at(START))
    with pytest.raises(ValidationError):
        assessment.enter_score(w["assessor"], aid, police, "org.rules", points=99,
                               uploads=[assessment.Upload("b.pdf", PDF)], now=at(START))
    with pytest.raises(PermissionDenied):
        assessment.enter_score(w["civil"], aid, police, "org.rules", points=3,
                               uploads=[assessment.Upload("c.pdf", PDF)], now=at(START))
    assert len(_stored(file_store)) == 1
    with pytest.raises(ValidationError):  # at most five files per score, counting those kept
        assessment.enter_score(w["assessor"], aid, police, "org.rules", points=3, evidence="x",
                               uploads=[assessment.Upload(f"{i}.pdf", PDF) for i in range(5)], now=at(START))
    assert len(_stored(file_store)) == 1

    frame = queries.evidence(w["assessor"], aid, police).set_index("code")
    [(attachment_id, name)] = frame.loc["org.rules", "files"]
    assert name == "制度文件.pdf"
    assert queries.evidence_file(w["assessor"], aid, police, attachment_id) == (name, "application/pdf", PDF)
    with read_session() as session:
        details = session.exec(select(AuditEvent.detail).where(AuditEvent.action == "assessment.score")).all()
        assert sum("制度文件.pdf" in str(d) for d in details) == 1

    _manual_everything(w, aid)
    assessment.open_review(w["assessor"], aid, now=at(START))
    # the unit reads the files of its own scorecard, never another unit's
    assert queries.evidence_file(w["police"], aid, police, attachment_id)[2] == PDF
    with pytest.raises(PermissionDenied):
        queries.evidence_file(w["civil"], aid, police, attachment_id)
    civil_files = queries.evidence(w["civil"], aid, w.units["civil"])
    with pytest.raises((NotFound, PermissionDenied)):  # an id of another unit's file under its own card
        queries.evidence_file(w["civil"], aid, w.units["civil"], attachment_id)
    assert all(not f for f in civil_files["files"])
