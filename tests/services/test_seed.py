"""The demo seed: deterministic per seed, near the DESIGN.md preset, and its audit history verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, AuditHead, Region, Unit, User
from services.core import audit
from services.core.bulk import insert_rows, reserve_ids
from services.core.db import read_session, write_session
from services.core.timeutil import local_date
from services.seed import SCALES, seed

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday morning in Shanghai


def _snapshot() -> dict:
    with read_session() as session:
        counts = {model.__name__: session.execute(select(func.count()).select_from(model)).scalar()
                  for model in (Region, Unit, User, AuditEvent)}
        first_events = session.execute(
            select(AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.username, AuditEvent.action,
                   AuditEvent.object_id, AuditEvent.detail, AuditEvent.hash)
            .where(AuditEvent.action != "seed.demo").order_by(AuditEvent.seq).limit(50)).all()
        units = session.execute(select(Unit.uscc, Unit.name).order_by(Unit.id).limit(20)).all()
    return {"counts": counts, "events": [tuple(r) for r in first_events], "units": [tuple(r) for r in units]}


def test_same_seed_gives_same_rows_and_other_seed_differs(db):
    seed("demo", seed_value=7, now=NOW)
    first = _snapshot()
    seed("demo", seed_value=7, reset=True, now=NOW)
    assert _snapshot() == first
    seed("demo", seed_value=8, reset=True, now=NOW)
    other = _snapshot()
    assert {k: v for k, v in other["counts"].items() if k != "AuditEvent"} == \
        {k: v for k, v in first["counts"].items() if k != "AuditEvent"}
    assert other["events"] != first["events"]


def test_demo_preset_counts_are_near_the_design_table(db):
    counts = seed("demo", seed_value=42, now=NOW)
    preset = SCALES["demo"]
    assert 30 <= counts["units"] <= 50  # DESIGN.md: ~40 units (city + 3 counties)
    assert counts["regions"] == 4
    assert counts["audit_events"] == pytest.approx(preset.audit_events, rel=0.05)
    with read_session() as session:
        stored = session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    assert stored == counts["audit_events"]
    # Steps of other areas report their own counts once registered; requests need the catalog step's entries.
    if "entries" in counts:
        assert counts["entries"] == pytest.approx(preset.entries, rel=0.25)
        if "share_requests" in counts:
            assert counts["share_requests"] == pytest.approx(preset.share_requests, rel=0.25)


def test_audit_chain_verifies_after_seeding_and_head_points_at_the_last_event(db):
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        result = audit.verify(session)
        head = session.get(AuditHead, 1)
        last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert result.ok, result.reason
    assert result.checked == SCALES["demo"].audit_events or result.checked > 0.95 * SCALES["demo"].audit_events
    assert (head.last_seq, head.last_hash) == tuple(last)


def test_history_continues_an_existing_chain(db):
    with write_session() as session:
        audit.record(session, None, "auth.sign_in", object_type="user", result="failure", username="someone",
                     now=NOW - timedelta(days=1))
        session.commit()
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        first = session.execute(select(AuditEvent).order_by(AuditEvent.seq).limit(2)).scalars().all()
        assert audit.verify(session).ok
    assert first[0].username == "someone"
    assert first[1].prev_hash == first[0].hash


def test_history_spans_two_years_with_quiet_weekends_and_holidays(db):
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        moments = session.execute(select(AuditEvent.occurred_at).where(AuditEvent.action == "auth.sign_in")).scalars().all()
    days = [local_date(m) for m in moments]
    assert min(days) <= local_date(NOW) - timedelta(days=700)
    assert max(days) <= local_date(NOW)
    weekday = sum(1 for d in days if d.weekday() < 5)
    assert weekday > 0.9 * len(days)
    # 2025 National Day holiday (1-8 Oct, official schedule): a trickle compared with an ordinary October week.
    holiday = sum(1 for d in days if d.year == 2025 and d.month == 10 and 1 <= d.day <= 8)
    busy_week = sum(1 for d in days if d.year == 2025 and d.month == 10 and 13 <= d.day <= 17)
    assert holiday * 5 < busy_week


def test_bulk_rows_read_back_like_orm_rows_and_reserved_ids_do_not_collide(db):
    stamp = datetime(2025, 6, 30, 16, 30, 15, 123456, tzinfo=UTC)
    with write_session() as session:
        ids = reserve_ids(session, Region, 2)
        again = reserve_ids(session, Region, 1)
        assert set(ids).isdisjoint(again)
        insert_rows(session, Region, [dict(id=i, code=f"9901{i:02d}", name=f"区{i}", level="county", created_at=stamp)
                                      for i in ids])
        session.add(Region(code="990199", name="ORM", level="county"))
        session.commit()
    with read_session() as session:
        rows = session.execute(select(Region.id, Region.created_at, Region.parent_id).order_by(Region.id)).all()
    assert [r.created_at for r in rows[:2]] == [stamp, stamp]
    assert rows[0].parent_id is None
    assert len({r.id for r in rows}) == 3


def test_bulk_insert_refuses_unknown_columns_and_writes_nothing(db):
    with write_session() as session:
        with pytest.raises(KeyError):
            insert_rows(session, Region, [dict(code="990101", name="x", level="county", colour="red")])
        session.rollback()
    with read_session() as session:
        assert session.execute(select(func.count()).select_from(Region)).scalar() == 0
