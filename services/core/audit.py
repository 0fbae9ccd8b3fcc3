"""The audit log: appended by services in the same transaction as the change, chained with a keyed hash
(HMAC-SHA256, the key outside the database), anchored by a checkpoint file outside the database, verifiable, and
purgeable only past the retention period.

Someone who can write to the database but has neither the key nor the checkpoint file cannot edit, forge, drop
the oldest, drop the newest or delete every event without `verify` saying so (docs/operations.md lists exactly
what is and is not detected)."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from models import AuditEvent, AuditHead
from services.core import db
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.core.timeutil import add_months, local_date, now_utc, tz

GENESIS = "0" * 64
VERIFY_BATCH = 5_000
log = logging.getLogger(__name__)
_key_cache: dict[tuple[str | None, str], bytes] = {}


def _key() -> bytes:
    cfg = get_settings()
    cache_key = (cfg.audit_key, str(cfg.audit_key_file))
    if cache_key not in _key_cache:
        _key_cache[cache_key] = cfg.audit_signing_key()
    return _key_cache[cache_key]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _payload(seq: int, occurred_at: datetime, user_id: int | None, username: str | None, roles: str | None,
             unit_id: int | None, action: str, object_type: str | None, object_id: str | None, result: str,
             detail: str | None, prev_hash: str) -> bytes:
    return json.dumps(
        [seq, occurred_at.isoformat(timespec="microseconds"), user_id, username, roles, unit_id, action,
         object_type, object_id, result, detail, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


def event_hash(
    *, seq: int, occurred_at: datetime, user_id: int | None, username: str | None, roles: str | None,
    unit_id: int | None, action: str, object_type: str | None, object_id: str | None, result: str,
    detail: str | None, prev_hash: str,
) -> str:
    """The keyed hash of one event (HMAC-SHA256 with the audit key)."""
    return hmac.new(_key(), _payload(seq, occurred_at, user_id, username, roles, unit_id, action, object_type,
                                     object_id, result, detail, prev_hash), hashlib.sha256).hexdigest()


# --- checkpoint: the chain's position kept outside the database -----------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    """Last sequence number and keyed hash seen committed, the purge anchor, and the first keyed event
    (events before it were written by the former unkeyed chain or restored from a foreign backup: their links are
    checked, their hashes cannot be). `mac` binds the fields to the audit key."""

    database: str
    keyed_from: int
    seq: int
    hash: str
    anchor_seq: int = 0
    anchor_hash: str = GENESIS
    mac: str = ""

    def _body(self) -> bytes:
        fields = asdict(self)
        fields.pop("mac")
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signed(self) -> Checkpoint:
        return Checkpoint(**{**asdict(self), "mac": hmac.new(_key(), self._body(), hashlib.sha256).hexdigest()})

    @property
    def authentic(self) -> bool:
        return hmac.compare_digest(self.mac, hmac.new(_key(), self._body(), hashlib.sha256).hexdigest())

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, sort_keys=True).encode("utf-8")


def _database_id(bind) -> str:
    engine = bind.engine if isinstance(bind, Connection) else bind
    return hashlib.sha256(engine.url.render_as_string(hide_password=True).encode("utf-8")).hexdigest()[:16]


def checkpoint_path(bind=None) -> Path:
    return get_settings().resolved_checkpoint_dir() / f"audit_checkpoint-{_database_id(bind or db.get_engine())}.json"


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file (the live one or one the audit administrator exported); ValueError if unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Checkpoint(database=str(data["database"]), keyed_from=int(data["keyed_from"]), seq=int(data["seq"]),
                          hash=str(data["hash"]), anchor_seq=int(data["anchor_seq"]),
                          anchor_hash=str(data["anchor_hash"]), mac=str(data["mac"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(str(exc)) from exc


def load_checkpoint(bind=None) -> Checkpoint | None:
    path = checkpoint_path(bind)
    if not path.exists():
        return None
    try:
        return read_checkpoint(path)
    except ValueError:
        return Checkpoint(database="", keyed_from=1, seq=0, hash="")  # unreadable: reported as not authentic


def _update_checkpoint(bind, change) -> None:
    """Read-modify-write the checkpoint under an exclusive file lock (several app processes share it)."""
    path = checkpoint_path(bind)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = read_checkpoint(path) if path.exists() else None
        except ValueError:
            current = None
        new = change(current)
        if new is None or new == current:
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(new.signed().to_json())
        os.replace(tmp, path)


def _after_commit(session: Session) -> None:
    pending = session.info.pop("audit_pending", None)
    anchor = session.info.pop("audit_anchor", None)
    if pending is None or isinstance(db.get_engine(), Connection):
        return  # nothing recorded, or inside a benchmark's rolled-back outer transaction (db.rolled_back)
    seq, digest, first = pending

    def change(cp: Checkpoint | None) -> Checkpoint | None:
        if cp is None:
            cp = Checkpoint(database=_database_id(session.get_bind()), keyed_from=first, seq=0, hash=GENESIS)
        if seq > cp.seq:
            cp = Checkpoint(**{**asdict(cp), "seq": seq, "hash": digest})
        if anchor is not None and anchor[0] > cp.anchor_seq:
            cp = Checkpoint(**{**asdict(cp), "anchor_seq": anchor[0], "anchor_hash": anchor[1]})
        return cp

    try:
        _update_checkpoint(session.get_bind(), change)
    except OSError:
        log.exception("audit checkpoint not written (the chain itself is committed)")


def _forget_pending(session: Session, *_args) -> None:
    session.info.pop("audit_pending", None)
    session.info.pop("audit_anchor", None)


def note_written(session: Session, seq: int, digest: str, *, first_seq: int | None = None) -> None:
    """Advance the checkpoint to (seq, digest) once the caller's transaction commits (bulk writers call this)."""
    if not session.info.get("audit_hooked"):
        session.info["audit_hooked"] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _forget_pending)
    first = session.info.get("audit_pending", (0, "", first_seq or seq))[2]
    session.info["audit_pending"] = (seq, digest, first)


def set_checkpoint(bind, *, keyed_from: int, seq: int, digest: str, anchor_seq: int, anchor_hash: str) -> None:
    """Replace the checkpoint (a restore brings another chain; resetting the demo data empties it)."""
    cp = Checkpoint(database=_database_id(bind), keyed_from=keyed_from, seq=seq, hash=digest,
                    anchor_seq=anchor_seq, anchor_hash=anchor_hash)
    _update_checkpoint(bind, lambda _current: cp)


def forget_checkpoint(bind=None) -> None:
    checkpoint_path(bind).unlink(missing_ok=True)


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
    row = AuditEvent(**fields, hash=digest)
    session.add(row)
    head.last_seq = seq
    head.last_hash = digest
    session.add(head)
    note_written(session, seq, digest)
    return row


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


_LOAD = object()


def verify(session: Session, *, checkpoint: Any = _LOAD, keyed: bool = True) -> VerifyResult:
    """Recompute every keyed hash in order and hold the chain against the checkpoint kept outside the database.

    The first event whose link or hash does not match, that is missing, or that the checkpoint proves was
    removed (oldest ones beyond the recorded purge, newest ones up to the checkpoint, or all) is reported.
    `checkpoint` defaults to this database's checkpoint file; pass an exported one, or None to check the chain
    alone. `keyed=False` checks the links only (a foreign backup whose key is not ours)."""
    if checkpoint is _LOAD:
        checkpoint = load_checkpoint(session.get_bind())
    head = session.get(AuditHead, 1)
    anchor_seq, anchor_hash = (head.anchor_seq, head.anchor_hash) if head else (0, GENESIS)
    keyed_from = 1
    if checkpoint is not None:
        if not checkpoint.authentic:
            return VerifyResult(False, 0, checkpoint.seq or None, _(
                "the checkpoint file was altered or written with another audit key"))
        keyed_from = checkpoint.keyed_from
        if (anchor_seq, anchor_hash) != (checkpoint.anchor_seq, checkpoint.anchor_hash) and \
                anchor_seq > checkpoint.anchor_seq:
            missing = checkpoint.anchor_seq + 1
            return VerifyResult(False, 0, missing, _(
                "events from {seq} on were deleted outside a recorded purge", seq=missing))
    expected_prev, expected_seq = anchor_hash, anchor_seq + 1
    checked = 0
    last_seq = anchor_seq
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
            if keyed and ev.seq >= keyed_from:  # before it: an unkeyed or foreign chain, links only
                recomputed = event_hash(
                    seq=ev.seq, occurred_at=ev.occurred_at, user_id=ev.user_id, username=ev.username, roles=ev.roles,
                    unit_id=ev.unit_id, action=ev.action, object_type=ev.object_type, object_id=ev.object_id,
                    result=ev.result, detail=ev.detail, prev_hash=ev.prev_hash)
                if not hmac.compare_digest(recomputed, ev.hash):
                    return VerifyResult(False, checked, ev.seq,
                                        _("event {seq} was altered after it was written", seq=ev.seq))
            if checkpoint is not None and ev.seq == checkpoint.seq and ev.hash != checkpoint.hash:
                return VerifyResult(False, checked, ev.seq, _("event {seq} was altered after it was written", seq=ev.seq))
            expected_prev = ev.hash
            expected_seq = ev.seq + 1
            last_seq = ev.seq
            checked += 1
        session.expunge_all()
    if checkpoint is not None and last_seq < checkpoint.seq:
        missing = last_seq + 1
        return VerifyResult(False, checked, missing, _(
            "events {first} to {last} were deleted (the checkpoint outside the database records {last})",
            first=missing, last=checkpoint.seq))
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
            "Audit events must be kept at least {days} days and six calendar months: the date must be on or before {limit}.",
            days=retention, limit=earliest_allowed.isoformat())})
    # Dates before 1900 hold no event (and date.min would overflow on the way to UTC).
    cutoff = datetime.combine(max(before, date(1900, 1, 1)), datetime.min.time(), tzinfo=tz())
    # By time, keeping the chain contiguous: only the oldest run of events that are all older than the cutoff
    # goes; an old event written after a newer one (an import) stays with it.
    first_kept = session.exec(
        select(func.min(AuditEvent.seq)).where(AuditEvent.occurred_at >= cutoff)
    ).one()
    newest_old = select(AuditEvent).where(AuditEvent.occurred_at < cutoff)
    if first_kept is not None:
        newest_old = newest_old.where(AuditEvent.seq < first_kept)
    last = session.exec(newest_old.order_by(AuditEvent.seq.desc()).limit(1)).first()  # type: ignore[union-attr]
    if last is None:
        count = 0
    else:
        count = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq <= last.seq)).one()
        head = _head(session)
        session.exec(delete(AuditEvent).where(AuditEvent.seq <= last.seq))  # type: ignore[call-overload]
        head.anchor_seq = last.seq
        head.anchor_hash = last.hash
        session.add(head)
        session.info["audit_anchor"] = (last.seq, last.hash)  # moves the checkpoint's anchor once committed
    record(session, actor, "audit.purge", object_type="audit_event", detail={"before": before, "deleted": count}, now=now)
    return count
