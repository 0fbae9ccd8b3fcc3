"""What screens read from services is what a person reads (issue 13): units by name, never by id."""

from __future__ import annotations

from datetime import UTC, datetime

from models import Unit
from services import catalog
from services.core.db import read_session
from tests.services.catalog_fixtures import entry_input

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)


def test_the_submitted_changes_name_the_providing_and_source_units(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    with read_session() as s:
        police = s.get(Unit, world.units["police"]).name
    changes = {c.field: c for c in catalog.entry_diff(world["reviewer"], entry_id)}
    assert changes["provider_unit_id"].after == police
    assert changes["source_unit_id"].after == police


def test_limits_are_refused_with_what_is_wrong_never_cut():
    from datetime import date

    from services.core.validators import date_error, latest_end_date, text_error

    assert text_error("x" * 1000, 1000) is None
    message = text_error("x" * 5000, 1000)
    assert message and "1000" in message and "5000" in message
    assert "2000-01-01" in date_error(date(1990, 1, 1))
    assert date_error(date(2099, 12, 31), latest=latest_end_date(date(2026, 11, 28))) is not None
    assert latest_end_date(date(2024, 2, 29)) == date(2034, 2, 28)


def test_a_withdrawal_reason_too_long_is_refused_not_cut(world):
    import pytest

    from services.core.errors import ValidationError

    entry_id = catalog.create_entry(world["police"], entry_input(world), now=NOW)
    catalog.submit_entry(world["police"], entry_id, now=NOW)
    catalog.approve_entry(world["reviewer"], entry_id, now=NOW)
    with pytest.raises(ValidationError) as err:
        catalog.request_withdrawal(world["police"], entry_id, "理" * 1500, now=NOW)
    assert "1500" in err.value.errors["reason"]


def test_a_reminder_names_the_outcome_in_the_readers_language():
    import json

    from services.core import i18n
    from services.deadlines.reminders import render_text
    from services.sharing.commands import MSG_DECIDED, OUTCOME_APPROVED

    i18n.set_language("zh_CN")
    try:
        text = render_text(MSG_DECIDED, json.dumps({"code": "GX1", "outcome": OUTCOME_APPROVED}))
    finally:
        i18n.set_language("zh_CN")
    assert "approved" not in text and "已同意" in text, text
