"""Yearly open plans (Qingyuan ch.5): compiled by the unit, filed with the bureau, accepted or returned; progress."""

from __future__ import annotations

from datetime import date

import pytest

from services.core.errors import PermissionDenied, ValidationError
from services.opendata import plans
from services.opendata.plans import PlanItemInput
from tests.services.opendata_fixtures import open_entry
from tests.services.sharing_fixtures import at

DAY = date(2025, 6, 2)


def test_a_plan_is_filed_returned_revised_and_accepted_and_counts_its_progress(world):
    opened = open_entry(world, open_attribute="open", name="已开放的数据")
    closed = open_entry(world, open_attribute="not_open", name="计划开放的数据")
    plan_id = plans.save_plan(world["police"], 2025, [PlanItemInput(opened, date(2025, 3, 31)),
                                                      PlanItemInput(closed, date(2025, 5, 31))], now=at(DAY))
    with pytest.raises(PermissionDenied):
        plans.file_plan(world["civil"], plan_id, now=at(DAY))
    plans.file_plan(world["police"], plan_id, now=at(DAY))
    with pytest.raises(ValidationError):
        plans.save_plan(world["police"], 2025, [], now=at(DAY))
    with pytest.raises(ValidationError):
        plans.review_plan(world["reviewer"], plan_id, accept=False, now=at(DAY))
    with pytest.raises(ValidationError) as refused:  # the form has no max_chars: the service refuses the paste
        plans.review_plan(world["reviewer"], plan_id, accept=False, reason="补" * 1001, now=at(DAY))
    assert refused.value.errors == {"return_reason": "最多 1000 个字符，当前内容有 1001 个字符。"}
    plans.review_plan(world["reviewer"], plan_id, accept=False, reason="请补充开放时间安排", now=at(DAY))
    plans.save_plan(world["police"], 2025, [PlanItemInput(opened, date(2025, 3, 31)),
                                            PlanItemInput(closed, date(2025, 12, 31))], now=at(DAY))
    plans.file_plan(world["police"], plan_id, now=at(DAY))
    plans.review_plan(world["reviewer"], plan_id, accept=True, now=at(DAY))
    row = plans.progress(world["reviewer"], 2025, now=at(DAY)).iloc[0]
    assert (row["status"], row["items"], row["opened"], row["overdue"]) == ("accepted", 2, 1, 0)
    assert plans.progress(world["police"], 2025, now=at(date(2026, 1, 5))).iloc[0]["overdue"] == 1
    assert plans.progress(world["civil"], 2025).empty


def test_a_plan_lists_the_units_own_entries_within_its_year(world):
    other = open_entry(world, "civil", open_attribute="not_open")
    with pytest.raises(ValidationError):
        plans.save_plan(world["police"], 2025, [PlanItemInput(other, date(2025, 5, 1))], now=at(DAY))
    mine = open_entry(world, open_attribute="not_open")
    with pytest.raises(ValidationError):
        plans.save_plan(world["police"], 2025, [PlanItemInput(mine, date(2026, 5, 1))], now=at(DAY))


def test_overdue_plan_items_reach_the_units_inbox_and_one_reminder_each(world):
    from services.deadlines import inbox, reminders
    from tests.services.sharing_fixtures import notifications_for

    opened = open_entry(world, open_attribute="open", name="已开放的数据")
    late = open_entry(world, open_attribute="not_open", name="逾期未开放的数据")
    later = open_entry(world, open_attribute="not_open", name="年底开放的数据")
    plan_id = plans.save_plan(world["police"], 2025, [PlanItemInput(opened, date(2025, 3, 31)),
                                                      PlanItemInput(late, date(2025, 5, 30)),
                                                      PlanItemInput(later, date(2025, 12, 31))], now=at(DAY))
    assert inbox.overdue_plan_items(world["police"], now=at(DAY)).empty  # a draft plan is no commitment yet
    plans.file_plan(world["police"], plan_id, now=at(DAY))
    mine = inbox.overdue_plan_items(world["police"], now=at(DAY))
    assert list(mine["entry_id"]) == [late] and list(mine["days_late"]) == [3]
    assert list(inbox.overdue_plan_items(world["reviewer"], now=at(DAY))["entry_id"]) == [late]
    assert inbox.overdue_plan_items(world["civil"], now=at(DAY)).empty

    first = reminders.refresh(now=at(DAY))
    texts = [n for n in notifications_for(world["police"]) if n.case_kind == reminders.PLAN_ITEM]
    assert first.overdue >= 1 and len(texts) == 1 and texts[0].kind == "overdue"
    assert "逾期未开放的数据" in reminders.render_text(texts[0].message, texts[0].params)
    reminders.refresh(now=at(date(2025, 6, 3)))  # the next day: no second reminder for the same item
    assert len([n for n in notifications_for(world["police"]) if n.case_kind == reminders.PLAN_ITEM]) == 1
    assert not [n for n in notifications_for(world["civil"]) if n.case_kind == reminders.PLAN_ITEM]
