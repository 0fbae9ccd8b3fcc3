from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import AuditEvent
from services.administration import orgs
from services.core import audit
from services.core.actor import Actor
from services.core.db import read_session, write_session
from services.core.errors import ValidationError


def _verify():
    with read_session() as s:
        return audit.verify(s)


def _touch_units(world, n=3):
    for i in range(n):
        unit = orgs.get_unit(world.units["police"])
        data = orgs.UnitInput(uscc=unit.uscc, name=f"示范市公安局{i}", kind=unit.kind, level=unit.level,
                              region_id=unit.region_id)
        orgs.save_unit(world["sysadmin"], data, unit.id)


def test_chain_is_intact_after_business_actions(world):
    _touch_units(world)
    result = _verify()
    assert result.ok and result.checked == 3


def test_update_event_records_before_and_after(world):
    _touch_units(world, 1)
    with read_session() as s:
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "unit.update")).one()
    assert '"before": "示范市公安局"' in ev.detail and '"after": "示范市公安局0"' in ev.detail
    assert ev.username == "sysadmin" and ev.object_type == "unit"


def test_verify_names_the_first_edited_event(world):
    _touch_units(world, 4)
    with write_session() as s:
        s.execute(text("UPDATE audit_event SET detail = '{}' WHERE seq = 2"))
        s.commit()
    result = _verify()
    assert not result.ok and result.broken_seq == 2


def test_verify_detects_a_deleted_event(world):
    _touch_units(world, 4)
    with write_session() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = 3"))
        s.commit()
    result = _verify()
    assert not result.ok and result.broken_seq == 3


def test_verify_detects_a_truncated_tail(world):
    _touch_units(world, 4)
    with write_session() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = 4"))
        s.commit()
    assert _verify().broken_seq == 4


def test_purge_refuses_inside_retention_and_keeps_chain_verifiable(world):
    old = datetime(2025, 1, 10, tzinfo=UTC)
    with write_session() as s:
        for i in range(3):
            audit.record(s, Actor.system(), "test.old", now=old + timedelta(hours=i))
        s.commit()
    _touch_units(world, 2)
    with write_session() as s, pytest.raises(ValidationError):
        audit.purge_before(s, Actor.system(), date.today() - timedelta(days=10))
    with write_session() as s:
        assert audit.purge_before(s, Actor.system(), date(2025, 6, 1)) == 3
        s.commit()
    result = _verify()
    assert result.ok and result.checked == 3  # two updates + the purge event itself


def test_denied_action_is_audited_even_though_the_change_rolls_back(world):
    from services.core.errors import PermissionDenied

    unit = orgs.get_unit(world.units["police"])
    with pytest.raises(PermissionDenied):
        orgs.save_unit(world["police"], orgs.UnitInput(uscc=unit.uscc, name="x", kind=unit.kind, level=unit.level,
                                                       region_id=unit.region_id), unit.id)
    with read_session() as s:
        ev = s.exec(select(AuditEvent)).one()
    assert ev.result == "denied" and ev.action == "unit.manage" and ev.object_id == str(unit.id)
    assert orgs.get_unit(unit.id).name == "示范市公安局"


def test_purge_goes_by_time_and_never_removes_a_newer_event_written_before_an_old_one(world):
    old = datetime(2024, 1, 10, tzinfo=UTC)
    recent = datetime.now(UTC)
    with write_session() as s:
        audit.record(s, Actor.system(), "test.old", now=old)
        audit.record(s, Actor.system(), "test.today", now=recent)
        audit.record(s, Actor.system(), "test.imported_old", now=old)
        s.commit()
    with write_session() as s:
        assert audit.purge_before(s, Actor.system(), date(2025, 1, 1)) == 1
        s.commit()
    with read_session() as s:
        kept = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()]
    assert kept == ["test.today", "test.imported_old", "audit.purge"]
    assert _verify().ok


def test_purge_before_the_first_year_is_an_empty_purge_not_an_overflow(world):
    with write_session() as s:
        assert audit.purge_before(s, Actor.system(), date(1, 1, 1)) == 0
        s.commit()
