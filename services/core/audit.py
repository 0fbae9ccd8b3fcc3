"""The audit log: appended by services in the same transaction as the change, SHA-256 hash-chained,
verifiable, and purgeable only past the retention period."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from models import AuditEvent, AuditHead
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.core.timeutil import add_months, local_date, now_utc, tz

GENESIS = "0" * 64
VERIFY_BATCH = 5_000


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def event_hash(
    *, seq: int, occurred_at: datetime, user_id: int | None, username: str | None, roles: str | None,
    unit_id: int | None, action: str, object_type: str | None, object_id: str | None, result: str,
    detail: str | None, prev_hash: str,
) -> str:
    payload = json.dumps(
        [seq, occurred_at.isoformat(timespec="microseconds"), user_id, username, roles, unit_id, action,
         object_type, object_id, result, detail, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _head(session: Session) -> AuditHead:
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session, actor: Actor | None, action: str, *, object_type: str | None = None,
    object_id: object | None = None, result: str = "success", detail: dict | None = None,
    now: datetime | None = None, username: str | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (the caller commits)."""
    occurred_at = now_utc(now)
    head = _head(session)
    seq = head.last_seq + 1
    fields = dict(
        seq=seq,
        occurred_at=occurred_at,
        user_id=actor.user_id if actor else None,
        username=(actor.username if actor else username),
        roles=",".join(sorted(actor.roles)) if actor else None,
        unit_id=actor.unit_id if actor else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        detail=_json(detail),
        prev_hash=head.last_hash,
    )
    digest = event_hash(**fields)
    event = AuditEvent(**fields, hash=digest)
    session.add(event)
    head.last_seq = seq
    head.last_hash = digest
    session.add(head)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Changed fields as {field: {"before": old, "after": new}} for update events."""
    keys = sorted(set(before) | set(after))
    return {k: {"before": before.get(k), "after": after.get(k)} for k in keys if before.get(k) != after.get(k)}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify(session: Session) -> VerifyResult:
    """Recompute every hash in order; the first event whose link or hash does not match is reported."""
    head = session.get(AuditHead, 1)
    expected_prev = head.anchor_hash if head else GENESIS
    expected_seq = (head.anchor_seq + 1) if head else 1
    checked = 0
    last_seq = 0
    while True:
        batch = session.exec(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(VERIFY_BATCH)
        ).all()
        if not batch:
            break
        for ev in batch:
            if ev.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, _("event {seq} is missing", seq=expected_seq))
            if ev.prev_hash != expected_prev:
                return VerifyResult(False, checked, ev.seq, _("event {seq} does not link to the previous event", seq=ev.seq))
            recomputed = event_hash(
                seq=ev.seq, occurred_at=ev.occurred_at, user_id=ev.user_id, username=ev.username, roles=ev.roles,
                unit_id=ev.unit_id, action=ev.action, object_type=ev.object_type, object_id=ev.object_id,
                result=ev.result, detail=ev.detail, prev_hash=ev.prev_hash,
            )
            if recomputed != ev.hash:
                return VerifyResult(False, checked, ev.seq, _("event {seq} was altered after it was written", seq=ev.seq))
            expected_prev = ev.hash
            expected_seq = ev.seq + 1
            last_seq = ev.seq
            checked += 1
        session.expunge_all()
    if head and last_seq != head.last_seq and head.last_seq > head.anchor_seq:
        missing = last_seq + 1
        return VerifyResult(False, checked, missing, _("event {seq} is missing", seq=missing))
    return VerifyResult(True, checked)


RETENTION_MONTHS = 6  # Longyan §24, Yunyang §27: logs are kept at least six (calendar) months


def retention_limit(today: date, days: int | None = None) -> tuple[date, int]:
    """The latest `before` date a purge may use: the stricter of `days` (the deployment's retention, or the
    policy profile's when longer) and six calendar months. Returns (limit, days)."""
    days = max(get_settings().audit_retention_days, days or 0)
    return min(today - timedelta(days=days), add_months(today, -RETENTION_MONTHS)), days


def purge_before(session: Session, actor: Actor, before: date, *, now: datetime | None = None,
                 retention_days: int | None = None) -> int:
    """Delete events older than `before`; refused inside the retention period (`retention_limit`, with the
    profile's retention days when the caller passes them). The caller commits."""
    earliest_allowed, retention = retention_limit(local_date(now), retention_days)
    if before > earliest_allowed:
        raise ValidationError({"before": _(
            "Audit events must be kept at least {days} days: the date must be on or before {limit}.",
            days=retention, limit=earliest_allowed.isoformat())})
    cutoff = datetime.combine(before, datetime.min.time(), tzinfo=tz())
    last = session.exec(
        select(AuditEvent).where(AuditEvent.occurred_at < cutoff).order_by(AuditEvent.seq.desc()).limit(1)  # type: ignore[union-attr]
    ).first()
    if last is None:
        count = 0
    else:
        count = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq <= last.seq)).one()
        head = _head(session)
        session.exec(delete(AuditEvent).where(AuditEvent.seq <= last.seq))  # type: ignore[call-overload]
        head.anchor_seq = last.seq
        head.anchor_hash = last.hash
        session.add(head)
    record(session, actor, "audit.purge", object_type="audit_event", detail={"before": before, "deleted": count}, now=now)
    return count
