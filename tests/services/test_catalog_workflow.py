"""The catalog's workflow surface for pages: the actions a user may take on an entry (one place, from the
transition table and the permissions) and save-and-submit as one business action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from models import AuditEvent, CatalogEntry
from services import catalog
from services.core.db import read_session
from services.core.errors import ValidationError
from tests.services.catalog_fixtures import entry_input

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)


def _entries() -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(CatalogEntry)).one()


def _audited(action: str) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)).one()


def test_a_steward_may_edit_and_submit_a_new_entry_and_a_reviewer_may_not(world):
    assert catalog.available_actions(world["police"], None) == {"edit", "submit"}
    assert catalog.available_actions(world["reviewer"], None) == frozenset()


def test_actions_follow_the_entry_through_its_states(world):
    steward, reviewer = world["police"], world["reviewer"]
    entry_id = catalog.create_entry(steward, entry_input(world), now=NOW)
    assert catalog.available_actions(steward, catalog.get_entry(steward, entry_id)) == {"edit", "submit", "discard"}
    catalog.submit_entry(steward, entry_id, now=NOW)
    submitted = catalog.get_entry(steward, entry_id)
    assert catalog.available_actions(steward, submitted) == {"recall"}
    assert catalog.available_actions(reviewer, catalog.get_entry(reviewer, entry_id)) == {"approve", "return"}
    catalog.approve_entry(reviewer, entry_id, now=NOW)
    published = catalog.get_entry(steward, entry_id)
    assert catalog.available_actions(steward, published) == {"edit", "submit", "withdraw"}
    # the bureau fixes share types of restricted entries only
    assert "fix_share_type" not in catalog.available_actions(reviewer, catalog.get_entry(reviewer, entry_id))


def test_another_units_steward_gets_no_action_on_an_entry(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    catalog.approve_entry(world["reviewer"], entry_id, now=NOW)
    assert catalog.available_actions(world["civil"], catalog.get_entry(world["civil"], entry_id)) == frozenset()


def test_restricted_not_shared_entry_offers_fixing_and_filing_to_the_bureau(world):
    data = entry_input(world, share_type="not_shared")
    entry_id = catalog.save_and_submit(world["police"], None, data, now=NOW)
    catalog.approve_entry(world["reviewer"], entry_id, now=NOW)
    acts = catalog.available_actions(world["reviewer"], catalog.get_entry(world["reviewer"], entry_id))
    assert {"fix_share_type", "file"} <= acts
    catalog.file_entry(world["reviewer"], entry_id, now=NOW)
    assert "file" not in catalog.available_actions(world["reviewer"], catalog.get_entry(world["reviewer"], entry_id))


def test_every_available_action_is_allowed_by_the_transition_table(world):
    """The page draws a button per available action: in every state the entry passes through, none of them may
    be one the transition table refuses (submit on a published entry is save-and-submit: edit, then submit)."""
    steward, reviewer = world["police"], world["reviewer"]
    entry_id = catalog.create_entry(steward, entry_input(world, share_type="not_shared"), now=NOW)
    steps = [lambda: catalog.submit_entry(steward, entry_id, now=NOW),
             lambda: catalog.approve_entry(reviewer, entry_id, now=NOW), lambda: None]
    for step in steps:
        for actor in (steward, reviewer):
            entry = catalog.get_entry(actor, entry_id)
            for action in catalog.available_actions(actor, entry):
                if action == "submit" and entry.status in ("published", "withdrawn"):
                    continue
                catalog.next_state(entry, action)  # raises ValidationError when the table refuses
        step()


def test_save_and_submit_creates_and_submits_in_one_action(world):
    entry_id = catalog.save_and_submit(world["police"], None, entry_input(world), now=NOW)
    entry = catalog.get_entry(world["police"], entry_id)
    assert (entry.status, entry.change_kind) == ("submitted", "new")
    assert _audited("catalog.create") == 1 and _audited("catalog.submit") == 1


def test_a_refused_save_and_submit_saves_nothing_and_reports_every_problem(world):
    before = _entries()
    data = entry_input(world, summary=None, share_method=None, restriction_basis=None, share_type="conditional",
                       share_conditions=None, code="bad code!")
    with pytest.raises(ValidationError) as refused:
        catalog.save_and_submit(world["police"], None, data, now=NOW)
    fields = set(refused.value.errors)
    # a format problem and the submission rules, all in one answer
    assert {"resource_code", "summary", "share_method", "restriction_basis", "share_conditions"} <= fields
    assert _entries() == before
    assert _audited("catalog.create") == 0


def test_save_and_submit_of_a_change_keeps_the_published_version_live(world):
    steward = world["police"]
    entry_id = catalog.save_and_submit(steward, None, entry_input(world, name="户籍人口信息"), now=NOW)
    catalog.approve_entry(world["reviewer"], entry_id, now=NOW)
    working, version, _status = catalog.get_working_copy(steward, entry_id)
    working.summary = "更新后的摘要"
    catalog.save_and_submit(steward, entry_id, working, expected_version=version, now=NOW)
    entry = catalog.get_entry(steward, entry_id)
    assert (entry.status, entry.change_kind, entry.is_published) == ("submitted", "change", True)
    assert entry.summary != "更新后的摘要"  # the published columns wait for the bureau
    assert entry.pending["fields"]["summary"] == "更新后的摘要"


def _too_long(limit: int) -> str:
    return f"最多 {limit} 个字符，当前内容有 {limit + 1} 个字符。"


def test_over_long_review_notes_are_refused_with_the_limit_and_nothing_changes(world):
    """The review forms have no max_chars (a longer paste would vanish): the services refuse the text."""
    reviewer, long_note = world["reviewer"], "注" * (catalog.NOTE_MAX + 1)
    entry_id = catalog.save_and_submit(world["police"], None, entry_input(world, share_type="not_shared"), now=NOW)
    with pytest.raises(ValidationError) as refused:
        catalog.approve_entry(reviewer, entry_id, note=long_note, now=NOW)
    assert refused.value.errors == {"note": _too_long(catalog.NOTE_MAX)}
    assert catalog.get_entry(reviewer, entry_id).status == "submitted"
    catalog.approve_entry(reviewer, entry_id, now=NOW)
    with pytest.raises(ValidationError) as refused:
        catalog.file_entry(reviewer, entry_id, long_note, now=NOW)
    assert refused.value.errors == {"note": _too_long(catalog.NOTE_MAX)}
    with pytest.raises(ValidationError) as refused:
        catalog.fix_share_type(reviewer, entry_id, "conditional", long_note, now=NOW)
    assert refused.value.errors == {"reason": _too_long(catalog.NOTE_MAX)}
    assert "file" in catalog.available_actions(reviewer, catalog.get_entry(reviewer, entry_id))
    assert catalog.get_entry(reviewer, entry_id).share_type == "not_shared"
    assert _audited("catalog.file") == 0
