"""Inbox (我的待办) and reminders: scope per role, order, due-soon and overdue marks, idempotent reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.core.db import write_session
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import set_language
from services.deadlines import clocks, inbox
from services.deadlines import reminders as notifications

# Mon 13 Oct 2025, 10:00 in Shanghai.
NOW = datetime(2025, 10, 13, 2, 0, tzinfo=UTC)
TODAY = date(2025, 10, 13)


def _clock(world, unit: str, started_on: date, *, step="share_answer", case_id=1, kind="share_request"):
    with write_session() as session:
        clock = clocks.start(session, case_kind=kind, case_id=case_id, step=step, unit_id=world.units[unit],
                             region_id=None, started_on=started_on, now=NOW)
        session.commit()
        return clock


@pytest.fixture
def clocks_world(world):
    # Longyan: share answers in 5 working days.
    _clock(world, "police", date(2025, 9, 30), case_id=1)  # due 14 Oct: due soon
    _clock(world, "police", date(2025, 9, 22), case_id=2)  # due 29 Sep: overdue
    _clock(world, "civil", date(2025, 10, 13), case_id=3)  # due 20 Oct: on time
    _clock(world, "county_police", date(2025, 10, 13), case_id=4)  # county, on time
    _clock(world, "county2_police", date(2025, 9, 1), case_id=5)  # other county, overdue
    _clock(world, "police", date(2025, 10, 1), step="dispute", case_id=6, kind="dispute")  # no deadline
    return world


def test_steward_sees_own_unit_soonest_first_with_marks(clocks_world):
    page = inbox.inbox(clocks_world["police"], now=NOW)
    assert list(page.rows["case_id"]) == [2, 1, 6]
    assert list(page.rows["status"]) == ["overdue", "due_soon", "no_deadline"]
    assert list(page.rows["workdays_left"].fillna(99)) == [-6, 1, 99]
    assert (page.counts.open, page.counts.due_soon, page.counts.overdue) == (3, 1, 1)


def test_county_approver_sees_own_county_only(clocks_world):
    page = inbox.inbox(clocks_world["approver"], now=NOW)
    assert list(page.rows["case_id"]) == [4]


def test_bureau_leader_and_assessor_see_everything(clocks_world):
    for who in ("reviewer", "leader", "assessor"):
        assert inbox.inbox(clocks_world[who], now=NOW).total == 6


def test_admins_have_no_inbox(clocks_world):
    with pytest.raises(PermissionDenied):
        inbox.inbox(clocks_world["sysadmin"], now=NOW)


def test_filters_by_status_kind_and_unit(clocks_world):
    reviewer = clocks_world["reviewer"]
    overdue = inbox.inbox(reviewer, inbox.InboxFilters(status="overdue"), now=NOW)
    assert sorted(overdue.rows["case_id"]) == [2, 5]
    soon = inbox.inbox(reviewer, inbox.InboxFilters(status="due_soon"), now=NOW)
    assert list(soon.rows["case_id"]) == [1]
    disputes = inbox.inbox(reviewer, inbox.InboxFilters(case_kind="dispute"), now=NOW)
    assert list(disputes.rows["case_id"]) == [6]
    civil = inbox.inbox(reviewer, inbox.InboxFilters(unit_id=clocks_world.units["civil"]), now=NOW)
    assert list(civil.rows["case_id"]) == [3]
    assert overdue.counts.open == 6  # counts ignore the filters


def test_pagination_is_done_by_the_database(clocks_world):
    first = inbox.inbox(clocks_world["reviewer"], page=1, page_size=4, now=NOW)
    second = inbox.inbox(clocks_world["reviewer"], page=2, page_size=4, now=NOW)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (6, 2, 4, 2)
    assert set(first.rows["clock_id"]).isdisjoint(second.rows["clock_id"])


def test_pages_keep_dated_clocks_first_and_undated_ones_last_across_page_boundaries(clocks_world):
    _clock(clocks_world, "civil", date(2025, 9, 15), step="dispute", case_id=7, kind="dispute")  # no deadline, older
    reviewer = clocks_world["reviewer"]
    whole = inbox.inbox(reviewer, page_size=50, now=NOW).rows
    assert list(whole["case_id"]) == [5, 2, 1, 3, 4, 7, 6]  # by due date, then undated by start date
    for size in (2, 3, 4, 5, 6):
        first = inbox.inbox(reviewer, page=1, page_size=size, now=NOW)
        paged = [cid for n in range(1, first.pages + 1)
                 for cid in inbox.inbox(reviewer, page=n, page_size=size, now=NOW).rows["case_id"]]
        assert paged == list(whole["case_id"]), size


def test_closed_clocks_leave_the_inbox(clocks_world):
    with write_session() as session:
        clocks.close(session, case_kind="share_request", case_id=2, now=NOW)
        session.commit()
    assert list(inbox.inbox(clocks_world["police"], now=NOW).rows["case_id"]) == [1, 6]


def test_overdue_summary_by_unit_puts_the_latest_units_first(clocks_world):
    summary = inbox.overdue_by_unit(clocks_world["leader"], now=NOW)
    top = summary.iloc[0]
    assert top["overdue"] == 1 and top["unit_id"] in {clocks_world.units["police"], clocks_world.units["county2_police"]}
    police = summary.set_index("unit_id").loc[clocks_world.units["police"]]
    assert (police["open"], police["due_soon"], police["overdue"]) == (3, 1, 1)
    county = inbox.overdue_by_unit(clocks_world["approver"], now=NOW)
    assert list(county["unit_id"]) == [clocks_world.units["county_police"]]


def test_reminders_notify_responsible_users_once(clocks_world):
    first = notifications.refresh(NOW)
    assert (first.due_soon, first.overdue) == (1, 2)  # police: 1 soon + 1 overdue; county2 police: 1 overdue
    again = notifications.refresh(NOW)
    assert again.created == 0
    police = clocks_world["police"]
    texts = [n.text for n in notifications.for_user(police)]
    assert len(texts) == 2 and any("已逾期" in t for t in texts)
    assert notifications.unread_count(clocks_world["civil"]) == 0


def test_a_due_soon_clock_that_becomes_overdue_is_reminded_again(clocks_world):
    notifications.refresh(NOW)
    later = datetime(2025, 10, 15, 2, 0, tzinfo=UTC)
    result = notifications.refresh(later)
    assert result.overdue == 1 and result.due_soon == 0


def test_reminder_text_follows_the_reader_language(clocks_world):
    notifications.refresh(NOW)
    set_language("en")
    try:
        texts = [n.text for n in notifications.for_user(clocks_world["police"])]
    finally:
        set_language("zh_CN")
    assert any(t.startswith("Answer to a share request") and "overdue" in t for t in texts)


def test_refresh_runs_once_a_day(clocks_world):
    assert notifications.refresh_if_due(NOW) is not None
    assert notifications.refresh_if_due(NOW) is None


def test_users_mark_only_their_own_notifications_read(clocks_world):
    notifications.refresh(NOW)
    police, civil = clocks_world["police"], clocks_world["civil"]
    [first, *_rest] = notifications.for_user(police)
    with pytest.raises(NotFound):
        notifications.mark_read(civil, first.id, now=NOW)
    notifications.mark_read(police, first.id, now=NOW)
    assert notifications.unread_count(police) == 1
    assert notifications.mark_all_read(police, now=NOW) == 1
    assert notifications.unread_count(police) == 0
