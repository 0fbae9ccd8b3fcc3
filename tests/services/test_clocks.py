"""SLA clocks: due dates from the active profile and the calendar, status, extension caps, pause and resume."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models import SlaClock
from services.core.db import write_session
from services.core.errors import ValidationError
from services.deadlines import clocks, configuration
from services.deadlines.clocks import ClockStatus

# Tue 30 Sep 2025, 10:00 in Shanghai.
START = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _start(world, step="share_answer", case_id=1, now=START, unit="police") -> SlaClock:
    with write_session() as session:
        clock = clocks.start(session, case_kind="share_request", case_id=case_id, step=step,
                             unit_id=world.units[unit], region_id=None, now=now)
        session.commit()
        return clock


def test_longyan_share_answer_is_due_five_working_days_after_receipt(world):
    clock = _start(world)
    # 1–8 Oct off; 9, 10, 11 (worked Saturday), 13, 14 Oct.
    assert (clock.started_on, clock.workdays, clock.due_on) == (date(2025, 9, 30), 5, date(2025, 10, 14))
    assert clock.responsible_region_id == world.regions["city"]


def test_qingyuan_answer_in_two_and_implementation_in_three_working_days(world):
    configuration.use_profile(world["secadmin"], "qingyuan", now=START)
    answer = _start(world)
    implement = _start(world, step="share_implement")
    assert answer.due_on == date(2025, 10, 10)
    assert implement.due_on == date(2025, 10, 11)


def test_step_without_a_number_has_no_deadline_and_is_tracked_by_age(world):
    clock = _start(world, step="dispute")
    assert clock.due_on is None and clock.workdays is None
    assert clocks.status(clock, date(2025, 10, 20)) is ClockStatus.NO_DEADLINE
    assert clocks.workdays_left(clock, date(2025, 10, 20)) is None
    assert clocks.age_workdays(clock, date(2025, 10, 13)) == 4


def test_status_moves_from_on_time_to_due_soon_to_overdue(world):
    clock = _start(world)  # due Tue 14 Oct 2025
    assert clocks.status(clock, date(2025, 10, 9)) is ClockStatus.ON_TIME
    assert clocks.workdays_left(clock, date(2025, 10, 9)) == 4  # 10, 11, 13, 14 Oct
    assert clocks.status(clock, date(2025, 10, 13)) is ClockStatus.DUE_SOON
    assert clocks.status(clock, date(2025, 10, 14)) is ClockStatus.DUE_SOON
    assert clocks.workdays_left(clock, date(2025, 10, 14)) == 0
    assert clocks.status(clock, date(2025, 10, 15)) is ClockStatus.OVERDUE
    assert clocks.workdays_left(clock, date(2025, 10, 17)) == -3


def test_a_weekend_right_after_the_due_date_is_already_late(world):
    with write_session() as session:
        clock = clocks.start(session, case_kind="share_request", case_id=9, step="share_answer",
                             unit_id=world.units["police"], region_id=None, started_on=date(2025, 10, 17), now=START)
        session.commit()
    assert clock.due_on == date(2025, 10, 24)  # Fri
    assert clocks.status(clock, date(2025, 10, 25)) is ClockStatus.OVERDUE
    assert clocks.workdays_left(clock, date(2025, 10, 25)) == -1
    assert clocks.workdays_left(clock, date(2025, 10, 27)) == -1


def test_closing_on_or_before_the_due_date_is_on_time_and_after_it_late(world):
    _start(world, case_id=1)
    _start(world, case_id=2)
    with write_session() as session:
        [on_time] = clocks.close(session, case_kind="share_request", case_id=1, now=at(date(2025, 10, 14)))
        [late] = clocks.close(session, case_kind="share_request", case_id=2, now=at(date(2025, 10, 15)))
        session.commit()
        assert clocks.current(session, "share_request", 1) is None
    assert clocks.status(on_time, date(2025, 12, 1)) is ClockStatus.CLOSED_ON_TIME
    assert clocks.status(late, date(2025, 12, 1)) is ClockStatus.CLOSED_LATE
    assert late.outcome == "done" and late.closed_on == date(2025, 10, 15)


def test_starting_a_step_again_supersedes_the_open_clock(world):
    first = _start(world)
    second = _start(world, now=at(date(2025, 10, 9)))
    with write_session() as session:
        old = session.get(SlaClock, first.id)
        assert old.outcome == "cancelled"
        assert clocks.current(session, "share_request", 1).id == second.id
    assert second.due_on == date(2025, 10, 15)


def test_extension_is_capped_by_the_profile(world):
    configuration.use_profile(world["secadmin"], "yunyang", now=START)
    with write_session() as session:
        clock = clocks.start(session, case_kind="correction", case_id=3, step="correction_verify",
                             unit_id=world.units["police"], region_id=None, now=START)
        assert clock.due_on == date(2025, 10, 21)  # 10 working days
        clocks.extend(session, clock, 6, now=START)
        assert clock.due_on == date(2025, 10, 29)
        with pytest.raises(ValidationError) as err:
            clocks.extend(session, clock, 5, now=START)
        assert "10" in err.value.errors["workdays"]
        clocks.extend(session, clock, 4, now=START)
        assert clock.due_on == date(2025, 11, 4) and clock.extended_days == 10
        session.commit()


def test_profiles_without_an_extension_rule_refuse_extensions(world):
    clock = _start(world)
    with write_session() as session, pytest.raises(ValidationError):
        clocks.extend(session, session.get(SlaClock, clock.id), 1, now=START)


def test_pause_freezes_and_resume_moves_the_deadline_by_the_working_days_held(world):
    clock = _start(world)  # due 14 Oct
    with write_session() as session:
        clock = session.get(SlaClock, clock.id)
        clocks.pause(session, clock, now=at(date(2025, 10, 9)))
        assert clocks.status(clock, date(2025, 10, 20)) is ClockStatus.PAUSED
        with pytest.raises(ValidationError):
            clocks.pause(session, clock, now=at(date(2025, 10, 10)))
        clocks.resume(session, clock, now=at(date(2025, 10, 13)))  # held 10, 11 and 13 Oct
        assert clock.paused_workdays == 3 and clock.due_on == date(2025, 10, 17)
        with pytest.raises(ValidationError):
            clocks.resume(session, clock, now=at(date(2025, 10, 14)))
        session.commit()


def test_closed_clocks_cannot_be_extended_or_paused(world):
    _start(world)
    with write_session() as session:
        [clock] = clocks.close(session, case_kind="share_request", case_id=1, outcome="cancelled", now=START)
        with pytest.raises(ValidationError):
            clocks.pause(session, clock, now=START + timedelta(days=1))


def test_bulk_due_dates_keep_steps_without_deadline_empty(db):
    assert clocks.bulk_due_dates([date(2025, 9, 30), date(2025, 9, 30)], [3, None]) == [date(2025, 10, 11), None]
