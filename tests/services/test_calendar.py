"""Working-day calendar: hand-checked deadlines on the official 2024–2026 schedules, provisional 2027, edits,
imports and the property laws of the counting rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from models import AuditEvent, CalendarDay, SlaClock
from services.core.db import write_session
from services.core.errors import PermissionDenied, ValidationError
from services.deadlines import calendar, clocks, configuration

CAL = calendar.builtin_calendar()
NOW = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)  # Wed 30 Dec 2026, 10:00 in Shanghai

# (start, working days, deadline) checked by hand against the State Council notices.
HAND_CHECKED = [
    # 2025: 1–8 Oct off, Sun 28 Sep and Sat 11 Oct worked (RULES.md §9 example).
    (date(2025, 9, 30), 3, date(2025, 10, 11)),
    (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Fri → the worked Sunday
    (date(2025, 10, 3), 1, date(2025, 10, 9)),  # start on a holiday counts from the next working day
    (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Spring Festival: Sun 26 Jan worked
    (date(2025, 1, 24), 3, date(2025, 2, 5)),  # 28 Jan – 4 Feb off
    (date(2025, 2, 7), 1, date(2025, 2, 8)),  # Sat 8 Feb worked
    (date(2025, 10, 12), 1, date(2025, 10, 13)),  # start on an ordinary Sunday
    # 2024: 10–17 Feb off (Sun 4 and Sun 18 Feb worked); 1–7 Oct off (Sun 29 Sep and Sat 12 Oct worked).
    (date(2024, 2, 9), 1, date(2024, 2, 18)),
    (date(2024, 2, 12), 2, date(2024, 2, 19)),
    (date(2024, 9, 27), 3, date(2024, 10, 8)),
    (date(2024, 10, 3), 5, date(2024, 10, 12)),
    (date(2024, 5, 10), 1, date(2024, 5, 11)),  # Sat 11 May worked
    # 2026: 1–3 Jan off (Sun 4 Jan worked); 15–23 Feb off (Sat 14 and Sat 28 Feb worked); Sun 20 Sep, Sat 10 Oct.
    (date(2025, 12, 31), 1, date(2026, 1, 4)),
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    (date(2026, 2, 20), 1, date(2026, 2, 24)),
    (date(2026, 9, 18), 1, date(2026, 9, 20)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),
    # Into the provisional 2027: 1 Jan is a statutory holiday, no substitute days are known yet.
    (date(2026, 12, 30), 3, date(2027, 1, 5)),
]


@pytest.mark.parametrize(("start", "n", "due"), HAND_CHECKED)
def test_hand_checked_deadlines(start, n, due):
    assert CAL.deadline(start, n) == due
    assert CAL.elapsed(start, due) == n
    assert CAL.is_workday(due)


def test_worked_weekends_and_weekday_holidays_are_official():
    assert CAL.is_workday(date(2025, 10, 11)) and CAL.is_workday(date(2024, 2, 18))
    assert not CAL.is_workday(date(2025, 10, 8)) and not CAL.is_workday(date(2026, 2, 23))
    assert not CAL.is_provisional(date(2026, 10, 10))
    assert CAL.is_provisional(date(2027, 1, 5))


def test_provisional_year_keeps_statutory_holidays_and_weekends():
    assert not CAL.is_workday(date(2027, 1, 1))  # 元旦
    assert not CAL.is_workday(date(2027, 10, 1))  # 国庆节
    assert not CAL.is_workday(date(2027, 1, 9))  # Saturday
    assert CAL.is_workday(date(2027, 1, 4))


def test_zero_and_negative_working_days():
    assert CAL.deadline(date(2025, 10, 4), 0) == date(2025, 10, 4)
    with pytest.raises(ValidationError):
        CAL.deadline(date(2025, 10, 4), -1)


def test_dates_outside_the_calendar_are_refused_with_a_message():
    with pytest.raises(calendar.CalendarRangeError):
        CAL.deadline(date(2014, 12, 31), 1)
    with pytest.raises(calendar.CalendarRangeError):
        CAL.deadline(date(2035, 12, 30), 5)


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 6, 30))


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=60))
def test_deadline_is_always_a_working_day_and_round_trips(start, n):
    due = CAL.deadline(start, n)
    assert CAL.is_workday(due)
    assert due > start
    assert CAL.elapsed(start, due) == n


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=60), extra=st.integers(min_value=1, max_value=30))
def test_deadline_grows_with_n(start, n, extra):
    assert CAL.deadline(start, n + extra) > CAL.deadline(start, n)


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=60))
def test_vectorised_deadlines_equal_the_scalar_rule(start, n):
    import numpy as np

    [ordinal] = CAL.deadlines(np.array([start.toordinal()]), np.array([n]))
    assert date.fromordinal(int(ordinal)) == CAL.deadline(start, n)


# --- the table ------------------------------------------------------------------------------------------
def _open_clock(started_on: date, workdays: int) -> int:
    with write_session() as session:
        clock = SlaClock(case_kind="share_request", case_id=1, step="share_answer", started_on=started_on,
                         workdays=workdays, due_on=calendar.deadline(started_on, workdays))
        session.add(clock)
        session.commit()
        return clock.id  # type: ignore[return-value]


def _due(clock_id: int) -> date | None:
    with write_session() as session:
        return session.get(SlaClock, clock_id).due_on


def test_empty_table_falls_back_to_the_package_calendar(db):
    assert calendar.deadline(date(2025, 9, 30), 3) == date(2025, 10, 11)


def test_fill_writes_every_day_with_running_count_and_is_idempotent(db):
    first = configuration.ensure_filled(now=NOW)
    assert first["inserted"] == (date(2035, 12, 31) - date(2015, 1, 1)).days + 1
    assert configuration.ensure_filled(now=NOW)["inserted"] == 0
    with write_session() as session:
        seq = {d.day: d.workday_seq for d in session.exec(select(CalendarDay).where(
            CalendarDay.day.in_([date(2025, 9, 30), date(2025, 10, 11)]))).all()}  # type: ignore[attr-defined]
        sample = session.get(CalendarDay, date(2025, 10, 11))
    assert seq[date(2025, 10, 11)] - seq[date(2025, 9, 30)] == 3
    assert sample.source == "official" and sample.is_workday and "国庆" in sample.note
    years = {s.year: s.source for s in calendar.status()}
    assert years[2026] == "official" and years[2027] == "provisional"
    assert calendar.deadline(date(2026, 12, 30), 3) == date(2027, 1, 5)


def test_editing_a_day_moves_open_clocks_and_says_so_in_the_audit_log(world):
    configuration.ensure_filled(now=NOW)
    clock_id = _open_clock(date(2026, 12, 30), 3)
    assert _due(clock_id) == date(2027, 1, 5)
    moved = configuration.set_day(world["secadmin"], date(2027, 1, 4), False, "元旦调休", now=NOW)
    assert moved == 1
    assert _due(clock_id) == date(2027, 1, 6)
    assert calendar.deadline(date(2026, 12, 30), 3) == date(2027, 1, 6)
    with write_session() as session:
        row = session.get(CalendarDay, date(2027, 1, 4))
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "calendar.edit_day")).one()
    assert (row.source, row.note, row.is_workday) == ("override", "元旦调休", False)
    detail = json.loads(event.detail)
    assert detail["clocks_moved"] == 1 and detail["before"]["is_workday"] is True


def test_importing_an_official_year_replaces_the_provisional_one_and_moves_clocks(world):
    configuration.ensure_filled(now=NOW)
    clock_id = _open_clock(date(2026, 12, 30), 3)
    # An illustrative schedule in the form of a State Council notice: holidays and worked weekends only.
    csv_text = ("日期,是否工作日,备注\n2027-01-01,0,元旦\n2027-01-02,0,元旦\n2027-01-03,0,元旦\n"
                "2027-01-04,0,元旦调休\n2027-01-09,1,元旦调休上班\n")
    result = configuration.import_file(world["secadmin"], csv_text.encode("utf-8"), "2027.csv", now=NOW)
    assert result.years == [2027] and result.clocks_moved == 1
    assert _due(clock_id) == date(2027, 1, 6)
    assert calendar.is_workday(date(2027, 1, 9))
    # Days the notice does not list follow the ordinary week; the statutory holiday 1 Oct is not listed here.
    assert calendar.is_workday(date(2027, 10, 1))
    years = {s.year: s.source for s in calendar.status()}
    assert years[2027] == "official"
    with write_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "calendar.import")).one()
    assert json.loads(event.detail)["clocks_moved"] == 1


def test_import_with_a_bad_row_writes_nothing(world):
    configuration.ensure_filled(now=NOW)
    bad = "date,is_workday,note\n2027-01-04,0,ok\n2027-13-01,0,bad date\n2027-01-05,maybe,bad flag\n"
    with pytest.raises(ValidationError) as err:
        configuration.import_file(world["secadmin"], bad.encode(), "x.csv", now=NOW)
    message = err.value.errors["file"]
    assert "3" in message and "4" in message
    assert calendar.is_workday(date(2027, 1, 4))
    assert {s.year: s.source for s in calendar.status()}[2027] == "provisional"


def test_import_reads_excel_files(world):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["date", "is_workday", "note"])
    ws.append([date(2027, 2, 5), 0, "春节"])
    ws.append(["2027-02-13", "是", "春节调休上班"])
    buf = io.BytesIO()
    wb.save(buf)
    result = configuration.import_file(world["secadmin"], buf.getvalue(), "2027.xlsx", now=NOW)
    assert result.days_listed == 2
    assert not calendar.is_workday(date(2027, 2, 5)) and calendar.is_workday(date(2027, 2, 13))


def test_import_refuses_unknown_file_types_and_headers(world):
    with pytest.raises(ValidationError):
        configuration.import_file(world["secadmin"], b"whatever", "x.pdf", now=NOW)
    with pytest.raises(ValidationError):
        configuration.import_file(world["secadmin"], b"a,b\n2027-01-01,0\n", "x.csv", now=NOW)


def test_only_the_security_admin_edits_the_calendar(world):
    with pytest.raises(PermissionDenied):
        configuration.set_day(world["sysadmin"], date(2027, 1, 4), False, now=NOW)
    with pytest.raises(PermissionDenied):
        calendar.year_days(world["reviewer"], 2027)


def test_year_grid_names_each_kind_of_day(world):
    configuration.ensure_filled(now=NOW)
    grid = calendar.year_days(world["secadmin"], 2025).set_index("day")
    assert grid.loc[date(2025, 10, 11), "kind"] == "worked_weekend"
    assert grid.loc[date(2025, 10, 8), "kind"] == "holiday"
    assert grid.loc[date(2025, 10, 12), "kind"] == "weekend"
    assert grid.loc[date(2025, 10, 9), "kind"] == "workday"
    assert len(grid) == 365


def test_clock_due_dates_follow_the_table_not_only_the_package(world):
    clocks_before = clocks.bulk_due_dates([date(2026, 12, 30)], [3])
    configuration.ensure_filled(now=NOW)
    configuration.set_day(world["secadmin"], date(2026, 12, 31), False, "示例", now=NOW)
    assert clocks_before == [date(2027, 1, 5)]
    assert clocks.bulk_due_dates([date(2026, 12, 30)], [3]) == [date(2027, 1, 6)]
