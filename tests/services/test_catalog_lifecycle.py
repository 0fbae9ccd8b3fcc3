"""Catalog lifecycle: drafts, validation, submission with clocks, review (approve / return), changes and
withdrawals as new versions, share-type fixing and filings, triggers and annual maintenance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models import CatalogEntry, SlaClock
from services import catalog
from services.core.db import read_session
from services.core.errors import Conflict, PermissionDenied, ValidationError
from services.deadlines import calendar, configuration
from tests.services.catalog_fixtures import entry_input, published_entry

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)  # Tue 30 Sep 2025, 10:00 in Shanghai


def _clocks(case_kind: str, case_id: int) -> list[SlaClock]:
    with read_session() as session:
        return list(session.exec(select(SlaClock).where(SlaClock.case_kind == case_kind,
                                                        SlaClock.case_id == case_id).order_by(SlaClock.id)).all())


def _entry(entry_id: int) -> CatalogEntry:
    with read_session() as session:
        return session.get(CatalogEntry, entry_id)


def _publish(world, **kwargs) -> int:
    entry_id = catalog.create_entry(world["police"], entry_input(world, **kwargs), now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    catalog.approve_entry(world["reviewer"], entry_id, now=NOW)
    return entry_id


def test_draft_may_be_incomplete_and_reports_missing_fields(world):
    data = entry_input(world, summary=None, share_scope=None, data_items=[])
    entry_id = catalog.create_entry(world["police"], data, now=NOW)
    score, missing = catalog.completeness(catalog.get_working_copy(world["police"], entry_id)[0])
    assert missing == ["summary", "share_scope", "data_items"]
    assert _entry(entry_id).completeness == score < 1


def test_duplicate_resource_code_is_refused_with_a_field_message(world):
    catalog.create_entry(world["police"], entry_input(world, code="GA-0001"), now=NOW)
    with pytest.raises(ValidationError) as err:
        catalog.create_entry(world["police"], entry_input(world, code="GA-0001"), now=NOW)
    assert "GA-0001" in err.value.errors["resource_code"]


def test_duplicate_data_item_names_are_refused(world):
    with pytest.raises(ValidationError) as err:
        catalog.create_entry(world["police"], entry_input(world, items=["姓名", " 姓 名 "]), now=NOW)
    assert "data_items" in err.value.errors


def test_conditional_entry_without_legal_basis_cannot_be_submitted(world):
    data = entry_input(world, share_type="conditional", restriction_basis=None, open_attribute="open")
    entry_id = catalog.create_entry(world["police"], data, now=NOW)
    with pytest.raises(ValidationError) as err:
        catalog.submit_entry(world["police"], entry_id, now=NOW)
    assert set(err.value.errors) == {"restriction_basis"}
    assert _entry(entry_id).status == "draft"


def test_base_library_entry_must_be_shared_unconditionally(world):
    data = entry_input(world, classification="base", base_library="population", share_type="conditional")
    entry_id = catalog.create_entry(world["police"], data, now=NOW)
    with pytest.raises(ValidationError) as err:
        catalog.submit_entry(world["police"], entry_id, now=NOW)
    assert "Yunyang" in err.value.errors["share_type"] or "云阳" in err.value.errors["share_type"]


def test_entry_without_data_items_cannot_be_submitted(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world, data_items=[]), now=NOW)
    with pytest.raises(ValidationError) as err:
        catalog.submit_entry(world["police"], entry_id, now=NOW)
    assert "data_items" in err.value.errors


def test_submission_starts_bureau_review_clock_with_profile_days(world):
    configuration.use_profile(world["secadmin"], "qingyuan", now=NOW)
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    (clock,) = _clocks("catalog_entry", entry_id)
    assert clock.step == "catalog_review"
    assert clock.responsible_unit_id == world.units["bureau"]
    assert clock.due_on == calendar.deadline(date(2025, 9, 30), 5)


def test_approval_publishes_version_one_and_closes_the_clock(world):
    entry_id = _publish(world, name="户籍人口信息")
    entry = _entry(entry_id)
    assert (entry.status, entry.is_published, entry.published_version) == ("published", True, 1)
    assert entry.published_on == date(2025, 9, 30)
    assert all(c.closed_at is not None for c in _clocks("catalog_entry", entry_id))
    history = catalog.entry_history(world["civil"], entry_id)
    assert list(history["version_no"]) == [1]


def test_change_of_published_entry_stays_pending_until_approved(world):
    entry_id = _publish(world, share_type="unconditional", items=["公民身份号码", "姓名"])
    data, version, _status = catalog.get_working_copy(world["police"], entry_id)
    data.name = "户籍人口基本信息"
    data.data_items.append(catalog.DataItemInput("民族", "string", 10))
    catalog.update_entry(world["police"], entry_id, data, expected_version=version, now=NOW)
    # the published catalog still shows the approved state
    assert catalog.get_entry(world["civil"], entry_id).name == "户籍人口信息"
    _rows, total = catalog.search_published(world["civil"], text="民族")
    assert total == 0
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    changes = catalog.entry_diff(world["reviewer"], entry_id)
    assert {c.field for c in changes} == {"name", "data_items"}
    assert [c.after["name"] for c in changes if c.field == "data_items"] == ["民族"]
    assert catalog.approve_entry(world["reviewer"], entry_id, now=NOW) == 2
    view = catalog.get_entry(world["civil"], entry_id)
    assert view.name == "户籍人口基本信息"
    assert len(view.data_items) == 3
    assert catalog.search_published(world["civil"], text="民族")[1] == 1


def test_returned_entry_carries_reasons_and_can_be_resubmitted(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    with pytest.raises(ValidationError):
        catalog.return_entry(world["reviewer"], entry_id, "  ", now=NOW)
    catalog.return_entry(world["reviewer"], entry_id, "共享范围过宽，请细化", now=NOW)
    entry = _entry(entry_id)
    assert (entry.status, entry.return_reason) == ("returned", "共享范围过宽，请细化")
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    assert _entry(entry_id).status == "submitted"
    assert _entry(entry_id).return_reason is None


def test_withdrawal_is_reviewed_and_produces_a_new_version(world):
    entry_id = _publish(world)
    catalog.request_withdrawal(world["police"], entry_id, "职能调整，数据不再采集", now=NOW)
    assert catalog.get_entry(world["civil"], entry_id).is_published  # still live while under review
    assert catalog.approve_entry(world["reviewer"], entry_id, now=NOW) == 2
    entry = _entry(entry_id)
    assert (entry.status, entry.is_published) == ("withdrawn", False)
    assert catalog.search_published(world["civil"])[1] == 0


def test_refused_withdrawal_leaves_the_entry_published(world):
    entry_id = _publish(world)
    catalog.request_withdrawal(world["police"], entry_id, "不再需要", now=NOW)
    catalog.return_entry(world["reviewer"], entry_id, "该数据仍被多个部门使用", now=NOW)
    entry = _entry(entry_id)
    assert (entry.status, entry.is_published, entry.published_version) == ("published", True, 1)


def test_illegal_transition_is_refused_with_a_clear_message(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    with pytest.raises(ValidationError) as err:
        catalog.approve_entry(world["reviewer"], entry_id, now=NOW)
    assert "草稿" in err.value.message


def test_stale_version_raises_conflict(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    data, version, _status = catalog.get_working_copy(world["police"], entry_id)
    catalog.update_entry(world["police"], entry_id, data, expected_version=version, now=NOW)
    with pytest.raises(Conflict):
        catalog.update_entry(world["police"], entry_id, data, expected_version=version, now=NOW)


def test_steward_cannot_edit_another_units_entry(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    data, version, _status = catalog.get_working_copy(world["police"], entry_id)
    with pytest.raises(PermissionDenied):
        catalog.update_entry(world["civil"], entry_id, data, expected_version=version, now=NOW)


def test_reviewer_fixes_share_type_of_restricted_entry_as_new_version(world):
    entry_id = _publish(world, share_type="conditional")
    catalog.fix_share_type(world["reviewer"], entry_id, "unconditional", "属于履职必需的基础数据", now=NOW)
    view = catalog.get_entry(world["civil"], entry_id)
    assert (view.share_type, view.published_version, view.share_conditions) == ("unconditional", 2, None)


def test_share_type_of_unconditional_entry_is_not_fixed(world):
    entry_id = _publish(world, share_type="unconditional")
    with pytest.raises(ValidationError):
        catalog.fix_share_type(world["reviewer"], entry_id, "not_shared", "理由", now=NOW)


def test_filing_of_not_shared_entry_is_recorded_once(world):
    entry_id = _publish(world, share_type="not_shared")
    catalog.file_entry(world["reviewer"], entry_id, "已报送备案材料", now=NOW)
    assert _entry(entry_id).filed_at is not None
    with pytest.raises(ValidationError):
        catalog.file_entry(world["reviewer"], entry_id, now=NOW)
    assert catalog.restricted_entries(world["reviewer"], unfiled_only=True).empty


def test_trigger_starts_update_clock_and_submission_stops_it(world):
    configuration.use_profile(world["secadmin"], "yunyang", now=NOW)
    entry_id = _publish(world)
    trigger_id = catalog.record_trigger(world["police"], world.units["police"], "law", date(2025, 9, 26),
                                        entry_id=entry_id, note="新修订的户口登记条例施行", now=NOW)
    (clock,) = _clocks("catalog_trigger", trigger_id)
    assert (clock.step, clock.started_on) == ("catalog_update", date(2025, 9, 26))
    assert clock.due_on == calendar.deadline(date(2025, 9, 26), 10)
    data, version, _status = catalog.get_working_copy(world["police"], entry_id)
    data.summary = "依据新条例调整"
    catalog.update_entry(world["police"], entry_id, data, expected_version=version, now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    (clock,) = _clocks("catalog_trigger", trigger_id)
    assert clock.closed_at is not None
    assert catalog.list_triggers(world["police"], open_only=True).empty


def test_trigger_date_in_the_future_is_refused(world):
    with pytest.raises(ValidationError) as err:
        catalog.record_trigger(world["police"], world.units["police"], "duty", date(2025, 10, 9), now=NOW)
    assert "occurred_on" in err.value.errors


def test_entries_not_maintained_for_a_year_are_due(world):
    configuration.use_profile(world["secadmin"], "shanghai", now=NOW)  # Shanghai §10: the yearly maintenance duty
    old = _publish(world, name="旧目录")
    later = NOW + timedelta(days=400)
    fresh = catalog.create_entry(world["police"], entry_input(world, name="新目录"), now=later)
    catalog.submit_entry(world["police"], fresh, now=later)
    catalog.approve_entry(world["reviewer"], fresh, now=later)
    due = catalog.maintenance_due(world["police"], now=later)
    assert list(due["id"]) == [old]
    catalog.confirm_maintained(world["police"], [old], now=later)
    assert catalog.maintenance_due(world["police"], now=later).empty


def test_discarding_a_never_published_draft_deletes_it(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    assert catalog.discard_draft(world["police"], entry_id, now=NOW) is True
    assert _entry(entry_id) is None


def test_discarding_a_change_keeps_the_published_version(world):
    entry_id = published_entry(world, name="户籍人口信息")
    data, version, _status = catalog.get_working_copy(world["police"], entry_id)
    data.name = "改名"
    catalog.update_entry(world["police"], entry_id, data, expected_version=version, now=NOW)
    assert catalog.discard_draft(world["police"], entry_id, now=NOW) is False
    entry = _entry(entry_id)
    assert (entry.status, entry.name, entry.pending) == ("published", "户籍人口信息", None)


def test_every_business_action_is_audited(world):
    from models import AuditEvent

    entry_id = _publish(world)
    with read_session() as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.object_id == str(entry_id))).all()
    assert {"catalog.create", "catalog.submit", "catalog.approve"} <= set(actions)


def test_an_over_long_account_of_a_trigger_is_refused_and_the_trigger_stays_open(world):
    trigger_id = catalog.record_trigger(world["police"], world.units["police"], "duty", date(2025, 9, 26), now=NOW)
    with pytest.raises(ValidationError) as refused:
        catalog.resolve_trigger(world["police"], trigger_id, "处" * (catalog.TRIGGER_NOTE_MAX + 1), now=NOW)
    n = catalog.TRIGGER_NOTE_MAX
    assert refused.value.errors == {"note": f"最多 {n} 个字符，当前内容有 {n + 1} 个字符。"}
    assert list(catalog.list_triggers(world["police"], open_only=True)["id"]) == [trigger_id]
