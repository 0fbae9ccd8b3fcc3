"""Annual data-management reports (Yunyang §46): due dates from the profile and the working-day calendar (across
the New Year holiday), the clocks, figures equal to the KPI registry's for the same unit and year, a submitted
report frozen against later data, review, the jurisdiction compilation, the assessment plug-in and the exports."""

from __future__ import annotations

import io
import os
import pathlib
import sys
import tempfile
import types
from datetime import date

import pytest
from sqlmodel import select

from models import SlaClock
from models.clock import CaseKind
from services import kpi, reports
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from services.deadlines import calendar
from services.kpi.period import Period
from services.reports import figures
from tests.services.catalog_fixtures import published_entry
from tests.services.sharing_fixtures import at, use

YEAR = 2025
SECTIONS = {"work_done": "完成目录编制", "problems": "更新不及时", "next_year_plan": "完善数据汇聚"}


def opened(world) -> dict[str, int]:
    use(world, "yunyang")
    reports.open_year(world["reviewer"], YEAR, now=at(date(2025, 12, 1)))
    frame = reports.list_reports(world["reviewer"], YEAR)
    ids = dict(zip(frame["unit_id"], frame["id"], strict=True))
    return {key: ids[unit] for key, unit in world.units.items() if unit in ids}


def write_and_submit(world, key: str, report_id: int, day: date) -> None:
    reports.save_sections(world[key], report_id, SECTIONS, now=at(day))
    reports.submit_report(world[key], report_id, now=at(day))


def test_due_dates_follow_the_profile_and_the_working_day_calendar(world):
    use(world, "yunyang")
    dates = reports.schedule(YEAR)
    assert dates.unit == date(2025, 12, 31)  # a Wednesday, a working day
    # Ten working days after 31 December, counted across the New Year holiday (1 January off): mid-January.
    assert calendar.elapsed_workdays(dates.unit, dates.bureau) == 10
    assert not calendar.is_workday(date(2026, 1, 1))
    assert date(2026, 1, 13) <= dates.bureau <= date(2026, 1, 16)
    assert calendar.is_workday(dates.government) and dates.government >= date(2026, 1, 31)
    # A units' date on a day off moves to the next working day: 31 December 2022 was a Saturday.
    assert reports.schedule(2022).unit == date(2023, 1, 3)  # 1–2 January 2023 off, Tuesday 3 January


def test_other_profiles_have_no_annual_report(world):
    use(world, "longyan")
    assert reports.schedule(YEAR) is None
    with pytest.raises(ValidationError):
        reports.open_year(world["reviewer"], YEAR, now=at(date(2025, 12, 1)))


def test_opening_the_year_starts_a_clock_per_report(world):
    ids = opened(world)
    assert "bureau" in ids and "police" in ids and "county_police" in ids
    with read_session() as session:
        clock = session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.ANNUAL_REPORT,
                                                    SlaClock.case_id == ids["police"])).one()
        bureau_clock = session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.ANNUAL_REPORT,
                                                           SlaClock.case_id == ids["bureau"])).one()
    assert clock.due_on == date(2025, 12, 31) and clock.responsible_unit_id == world.units["police"]
    assert bureau_clock.due_on == reports.schedule(YEAR).bureau
    assert reports.open_year(world["reviewer"], YEAR, now=at(date(2025, 12, 2))) == 0  # nothing twice


def test_figures_equal_the_kpi_registry_for_the_same_unit_and_year(world):
    ids = opened(world)
    published_entry(world, "police", name="户籍人口信息")
    view = reports.get_report(world["police"], ids["police"], today=date(2026, 2, 1))
    results = kpi.compute(world["leader"], Period.between(date(YEAR, 1, 1), date(YEAR, 12, 31)),
                          unit_id=world.units["police"], now=at(date(2026, 2, 1)))
    registry = {r.key: r.value for r in results}
    compared = 0
    for family in view.figures["families"]:
        for figure in family["kpis"]:
            expected = registry[figure["key"]]
            assert figure["value"] == (None if expected is None else round(expected, 4)), figure["key"]
            compared += 1
    assert compared >= 15
    assert view.figures["extras"]["entries_published"] == 1 and view.figures["extras"]["administrator"] is True


def test_a_submitted_report_is_unchanged_by_later_data(world):
    ids = opened(world)
    published_entry(world, "police", name="户籍人口信息")
    write_and_submit(world, "police", ids["police"], date(2025, 12, 20))
    before = reports.get_report(world["police"], ids["police"]).figures
    published_entry(world, "police", name="出入境信息")
    after = reports.get_report(world["police"], ids["police"])
    assert after.frozen and after.figures == before and after.figures["extras"]["entries_published"] == 1
    draft = reports.get_report(world["civil"], ids["civil"])
    assert not draft.frozen
    with pytest.raises(ValidationError):
        reports.save_sections(world["police"], ids["police"], SECTIONS, now=at(date(2025, 12, 21)))


def test_submission_needs_every_section_and_a_late_one_counts_as_missed(world):
    ids = opened(world)
    with pytest.raises(ValidationError) as err:
        reports.submit_report(world["civil"], ids["civil"], now=at(date(2025, 12, 10)))
    assert set(err.value.errors) == set(SECTIONS)
    write_and_submit(world, "civil", ids["civil"], date(2026, 1, 6))
    view = reports.get_report(world["civil"], ids["civil"])
    assert view.late
    with read_session() as session:
        clock = session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.ANNUAL_REPORT,
                                                    SlaClock.case_id == ids["civil"])).one()
    assert clock.closed_on > clock.due_on


def test_the_bureau_returns_with_reasons_and_accepts(world):
    ids = opened(world)
    write_and_submit(world, "police", ids["police"], date(2025, 12, 20))
    with pytest.raises(ValidationError):
        reports.review_report(world["reviewer"], ids["police"], accept=False, now=at(date(2025, 12, 22)))
    with pytest.raises(PermissionDenied):
        reports.review_report(world["police"], ids["police"], accept=True, now=at(date(2025, 12, 22)))
    with pytest.raises(ValidationError) as refused:  # the form has no max_chars: the service refuses the paste
        reports.review_report(world["reviewer"], ids["police"], accept=False, reason="析" * 2001,
                              now=at(date(2025, 12, 22)))
    assert refused.value.errors == {"return_reason": "最多 2000 个字符，当前内容有 2001 个字符。"}
    assert reports.get_report(world["police"], ids["police"]).status == "submitted"
    reports.review_report(world["reviewer"], ids["police"], accept=False, reason="问题分析不足",
                          now=at(date(2025, 12, 22)))
    view = reports.get_report(world["police"], ids["police"])
    assert view.status == "returned" and view.return_reason == "问题分析不足" and not view.frozen
    write_and_submit(world, "police", ids["police"], date(2025, 12, 24))
    reports.review_report(world["reviewer"], ids["police"], accept=True, now=at(date(2025, 12, 25)))
    assert reports.get_report(world["police"], ids["police"]).status == "accepted"


def test_units_see_only_their_own_report(world):
    ids = opened(world)
    with pytest.raises(PermissionDenied):
        reports.get_report(world["civil"], ids["police"])
    with pytest.raises(PermissionDenied):
        reports.save_sections(world["civil"], ids["police"], SECTIONS, now=at(date(2025, 12, 2)))
    assert set(reports.list_reports(world["civil"], YEAR)["unit_id"]) == {world.units["civil"]}


def test_the_jurisdiction_report_compiles_the_units_reports(world):
    ids = opened(world)
    published_entry(world, "police", name="户籍人口信息")
    write_and_submit(world, "police", ids["police"], date(2025, 12, 20))
    write_and_submit(world, "civil", ids["civil"], date(2026, 1, 5))
    reports.review_report(world["reviewer"], ids["police"], accept=True, now=at(date(2026, 1, 6)))
    write_and_submit(world, "reviewer", ids["bureau"], date(2026, 1, 9))
    view = reports.get_report(world["leader"], ids["bureau"])
    data = view.figures["jurisdiction"]
    assert data["submitted"] == 2 and data["accepted"] == 1
    assert data["late"] == ["示范市民政局"]
    assert "东山县公安局" in data["missing"]
    assert data["totals"]["entries_published"] == 1
    assert not view.late
    # The bureau's own figures are its jurisdiction's, equal to the dashboard for its region and the year.
    registry = {r.key: r.value for r in kpi.compute(world["leader"], Period.between(date(YEAR, 1, 1), date(YEAR, 12, 31)),
                                                    region_id=world.regions["city"], now=at(date(2026, 1, 9)))}
    for family in view.figures["families"]:
        for figure in family["kpis"]:
            expected = registry[figure["key"]]
            assert figure["value"] == (None if expected is None else round(expected, 4)), figure["key"]
    assert view.figures["extras"]["entries_published"] == 1 and view.figures["extras"]["administrator"] >= 5


def test_assessment_section_reads_the_plug_in_or_says_none(world, monkeypatch):
    ids = opened(world)
    assert reports.get_report(world["police"], ids["police"]).figures["assessment"] is None
    fake = types.ModuleType("tests_fake_assessment")
    fake.published_result = lambda unit_id, year: ({"total": 88.5, "max": 100, "rank": 2, "group": "市级部门",
                                                    "group_size": 9, "grade": "良好", "assessment_id": 7}
                                                   if unit_id == world.units["police"] and year == YEAR else None)
    monkeypatch.setitem(sys.modules, "tests_fake_assessment", fake)
    monkeypatch.setattr(figures, "ASSESSMENT_RESULT_SOURCE", "tests_fake_assessment:published_result")
    assert reports.get_report(world["police"], ids["police"]).figures["assessment"]["grade"] == "良好"
    assert reports.get_report(world["civil"], ids["civil"]).figures["assessment"] is None
    write_and_submit(world, "police", ids["police"], date(2025, 12, 20))
    monkeypatch.setattr(figures, "ASSESSMENT_RESULT_SOURCE", "services.no_such_module:published_result")
    assert reports.get_report(world["police"], ids["police"]).figures["assessment"]["total"] == 88.5  # frozen


def test_exports_are_audited_and_readable(world):
    from openpyxl import load_workbook

    ids = opened(world)
    write_and_submit(world, "police", ids["police"], date(2025, 12, 20))
    file = reports.export_pdf(world["police"], ids["police"], now=at(date(2025, 12, 21)))
    assert file.data.startswith(b"%PDF") and file.filename.endswith(".pdf")
    book = load_workbook(io.BytesIO(reports.export_xlsx(world["reviewer"], ids["police"]).data))
    assert book.active.max_row > 15
    with pytest.raises(PermissionDenied):
        reports.export_pdf(world["civil"], ids["police"])
    write_and_submit(world, "reviewer", ids["bureau"], date(2026, 1, 9))
    compiled = reports.export_pdf(world["leader"], ids["bureau"])
    assert compiled.data.startswith(b"%PDF")
    out = pathlib.Path(os.environ.get("GOVDATA_REPORT_PDF_DIR", tempfile.gettempdir())) / "annual-report-test.pdf"
    out.write_bytes(compiled.data)
    sheets = load_workbook(io.BytesIO(reports.export_xlsx(world["leader"], ids["bureau"]).data)).sheetnames
    assert len(sheets) >= 3  # figures, the units' lines, the rankings


def test_a_report_due_tomorrow_reminds_the_units_administrator_and_an_overdue_one_again(world):
    from models import Notification
    from services.deadlines import reminders

    ids = opened(world)
    reminders.refresh(now=at(date(2025, 12, 30)))  # one working day left
    reminders.refresh(now=at(date(2026, 1, 5)))  # overdue
    with read_session() as session:
        kinds = set(session.exec(select(Notification.kind).where(
            Notification.user_id == world["police"].user_id, Notification.case_kind == "annual_report",
            Notification.case_id == ids["police"])).all())
    assert kinds == {"due_soon", "overdue"}
