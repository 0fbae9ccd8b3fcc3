"""Tampering by someone who can write to the database but holds neither the audit key nor the checkpoint file:
every case the security review tried is reported by the plain verification."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import text
from sqlmodel import select

from models import AuditEvent, AuditHead
from services.administration import audit_log, orgs
from services.core import audit
from services.core.db import read_session, write_session
from tests.services.test_audit import _touch_units


def _verify():
    with read_session() as s:
        return audit.verify(s)


def _unkeyed(ev: dict) -> str:
    """What the hash of an event would be without the key (the old SHA-256 chain an attacker can recompute)."""
    payload = json.dumps([ev["seq"], ev["occurred_at"].isoformat(timespec="microseconds"), ev["user_id"],
                          ev["username"], ev["roles"], ev["unit_id"], ev["action"], ev["object_type"],
                          ev["object_id"], ev["result"], ev["detail"], ev["prev_hash"]],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _rows():
    with read_session() as s:
        return [ev.model_dump() for ev in s.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()]


def _rewrite_from(rows: list[dict], start: int, prev: str) -> None:
    """Rewrite rows[start:] with recomputed links and hashes and move the head, as an attacker would."""
    with write_session() as s:
        for ev in rows[start:]:
            ev["prev_hash"] = prev
            ev["hash"] = _unkeyed(ev)
            prev = ev["hash"]
            s.execute(text("UPDATE audit_event SET detail = :d, prev_hash = :p, hash = :h WHERE seq = :q"),
                      {"d": ev["detail"], "p": ev["prev_hash"], "h": ev["hash"], "q": ev["seq"]})
        s.execute(text("UPDATE audit_head SET last_hash = :h, last_seq = :q WHERE id = 1"),
                  {"h": prev, "q": rows[-1]["seq"]})
        s.commit()


def test_an_edit_with_every_later_hash_recomputed_is_detected(world):
    _touch_units(world, 4)
    rows = _rows()
    rows[1]["detail"] = '{"forged": true}'
    _rewrite_from(rows, 1, rows[0]["hash"])
    result = _verify()
    assert not result.ok and result.broken_seq == 2


def test_a_forged_event_with_the_head_moved_is_detected(world):
    _touch_units(world, 3)
    rows = _rows()
    forged = dict(rows[-1], seq=rows[-1]["seq"] + 1, action="unit.update", prev_hash=rows[-1]["hash"])
    forged["hash"] = _unkeyed(forged)
    forged.pop("id")
    with write_session() as s:
        s.add(AuditEvent(**forged))
        s.execute(text("UPDATE audit_head SET last_seq = :q, last_hash = :h WHERE id = 1"),
                  {"q": forged["seq"], "h": forged["hash"]})
        s.commit()
    result = _verify()
    assert not result.ok and result.broken_seq == forged["seq"]


def test_deleting_the_oldest_events_and_moving_the_anchor_is_detected(world):
    _touch_units(world, 4)
    rows = _rows()
    with write_session() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq <= 2"))
        s.execute(text("UPDATE audit_head SET anchor_seq = 2, anchor_hash = :h WHERE id = 1"), {"h": rows[1]["hash"]})
        s.commit()
    result = _verify()
    assert not result.ok and result.broken_seq == 1


def test_truncating_the_newest_events_with_the_head_moved_back_is_detected(world):
    _touch_units(world, 4)
    rows = _rows()
    with write_session() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq >= 3"))
        s.execute(text("UPDATE audit_head SET last_seq = 2, last_hash = :h WHERE id = 1"), {"h": rows[1]["hash"]})
        s.commit()
    result = _verify()
    assert not result.ok and result.broken_seq == 3


def test_deleting_every_event_and_the_head_is_detected(world):
    _touch_units(world, 2)
    with write_session() as s:
        s.execute(text("DELETE FROM audit_event"))
        s.execute(text("DELETE FROM audit_head"))
        s.commit()
    result = _verify()
    assert not result.ok and result.broken_seq == 1


def test_the_checkpoint_follows_the_chain_and_a_purge_keeps_it_verifiable(world):
    from datetime import UTC, date, datetime

    old = datetime(2020, 1, 1, tzinfo=UTC)
    unit = orgs.get_unit(world.units["police"])
    orgs.save_unit(world["sysadmin"], orgs.UnitInput(uscc=unit.uscc, name="旧名称", kind=unit.kind, level=unit.level,
                                                     region_id=unit.region_id), unit.id, now=old)
    _touch_units(world, 2)
    assert audit_log.purge(world["auditadmin"], date(2021, 1, 1)) == 1
    assert _verify().ok
    checkpoint = audit.load_checkpoint()
    with read_session() as s:
        head = s.get(AuditHead, 1)
    assert (checkpoint.seq, checkpoint.hash) == (head.last_seq, head.last_hash)
    assert checkpoint.anchor_seq == 1


def test_the_audit_administrator_exports_the_checkpoint_and_verification_accepts_it(world, tmp_path):
    _touch_units(world, 2)
    exported = audit_log.export_checkpoint(world["auditadmin"])
    path = tmp_path / "checkpoint.json"
    path.write_bytes(exported)
    _touch_units(world, 1)
    with read_session() as s:
        assert audit.verify(s, checkpoint=audit.read_checkpoint(path)).ok
    with write_session() as s:
        s.execute(text("DELETE FROM audit_event"))
        s.execute(text("UPDATE audit_head SET last_seq = 0, last_hash = :g, anchor_seq = 0, anchor_hash = :g"),
                  {"g": audit.GENESIS})
        s.commit()
    with read_session() as s:
        assert not audit.verify(s, checkpoint=audit.read_checkpoint(path)).ok
