"""The audit administrator's view of the audit log: filtered, paginated reading, one event's detail with its
before/after changes, audited export (CSV / XLSX), chain verification, purge past retention, and the
figures of the audit administrator's home panel."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import select

from models import AuditEvent
from services.core import audit
from services.core.actor import Actor
from services.core.errors import NotFound, ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.core.timeutil import local_date, now_utc, to_local, tz
from services.core.uow import read_scope, unit_of_work
from services.deadlines import policy

RESULTS = ("success", "failure", "denied")
EXPORT_FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows, one of them the header
EXPORT_BATCH = 5_000
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ["seq", "occurred_at", "username", "roles", "unit_id", "action", "object_type", "object_id", "result",
           "detail"]


@dataclass
class AuditFilter:
    """What the audit administrator narrows the log to; every field is optional."""

    start: date | None = None  # local dates, inclusive
    end: date | None = None
    username: str | None = None
    action: str | None = None  # exact name, or a prefix ending in "." (e.g. "user.")
    object_type: str | None = None
    object_id: str | None = None
    result: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class AuditPage:
    rows: pd.DataFrame
    total: int
    page: int
    pages: int
    page_size: int


@dataclass
class Change:
    field: str
    before: Any
    after: Any


@dataclass
class EventDetail:
    seq: int
    occurred_at: datetime
    username: str | None
    roles: str | None
    unit_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    result: str
    detail: dict[str, Any] | None
    changes: list[Change] = field(default_factory=list)
    hash: str = ""
    prev_hash: str = ""


@dataclass
class ExportFile:
    filename: str
    mime: str
    data: bytes
    rows: int


@dataclass
class ChainStatus:
    ok: bool | None  # None: never verified
    checked: int | None = 0  # None: the recorded verification did not say how many
    broken_seq: int | None = None
    reason: str | None = None
    verified_at: datetime | None = None


@dataclass
class AuditOverview:
    sign_in_failures: int
    denials: int
    lockouts: int
    events_today: int
    chain: ChainStatus


def _validate(flt: AuditFilter) -> None:
    errors: dict[str, str] = {}
    if flt.start and flt.end and flt.start > flt.end:
        errors["end"] = _("The end date is before the start date.")
    if flt.result and flt.result not in RESULTS:
        errors["result"] = _("Choose a result.")
    if errors:
        raise ValidationError(errors)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz())


def _where(stmt, flt: AuditFilter):
    if flt.start:
        stmt = stmt.where(AuditEvent.occurred_at >= _local_midnight(flt.start))
    if flt.end:
        stmt = stmt.where(AuditEvent.occurred_at < _local_midnight(flt.end + timedelta(days=1)))
    if flt.username and flt.username.strip():
        stmt = stmt.where(func.lower(AuditEvent.username) == flt.username.strip().lower())
    if flt.action and flt.action.strip():
        action = flt.action.strip()
        if action.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))  # type: ignore[attr-defined]
        else:
            stmt = stmt.where(AuditEvent.action == action)
    if flt.object_type and flt.object_type.strip():
        stmt = stmt.where(AuditEvent.object_type == flt.object_type.strip())
    if flt.object_id and flt.object_id.strip():
        stmt = stmt.where(AuditEvent.object_id == flt.object_id.strip())
    if flt.result:
        stmt = stmt.where(AuditEvent.result == flt.result)
    return stmt


def _row(ev: AuditEvent) -> dict[str, Any]:
    return {"seq": ev.seq, "occurred_at": to_local(ev.occurred_at), "username": ev.username, "roles": ev.roles,
            "unit_id": ev.unit_id, "action": ev.action, "object_type": ev.object_type, "object_id": ev.object_id,
            "result": ev.result, "detail": ev.detail}


def search_events(actor: Actor, flt: AuditFilter | None = None, *, page: int = 1, page_size: int | None = None,
                  now: datetime | None = None) -> AuditPage:
    """One page of matching events, newest first; the database does the filtering, counting and paging."""
    flt = flt or AuditFilter()
    size = page_size or get_settings().page_size
    with read_scope(actor, "audit.read", now=now) as (session, _scope):
        _validate(flt)
        total = session.exec(_where(select(func.count()).select_from(AuditEvent), flt)).one() or 0
        pages = max(1, -(-total // size))
        page = min(max(1, page), pages)
        events = session.exec(_where(select(AuditEvent), flt).order_by(AuditEvent.seq.desc())  # type: ignore[union-attr]
                              .offset((page - 1) * size).limit(size)).all()
        rows = pd.DataFrame([_row(ev) for ev in events], columns=COLUMNS)
        return AuditPage(rows=rows, total=total, page=page, pages=pages, page_size=size)


def filter_options(actor: Actor) -> dict[str, list[str]]:
    """Distinct action names and object types present in the log, for the filter drop-downs."""
    with read_scope(actor, "audit.read") as (session, _scope):
        actions = session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
        types = session.exec(select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None))  # type: ignore[union-attr]
                             .distinct().order_by(AuditEvent.object_type)).all()
        return {"actions": list(actions), "object_types": list(types)}


def changes_of(detail: dict[str, Any] | None) -> list[Change]:
    """Before/after pairs from the two shapes services write: {"before": {...}, "after": {...}} for creations
    and replacements, and {field: {"before": x, "after": y}} from audit.diff for updates."""
    if not isinstance(detail, dict):
        return []
    if "before" in detail or "after" in detail:
        before, after = detail.get("before"), detail.get("after")
        if isinstance(before, dict) or isinstance(after, dict):
            before = before if isinstance(before, dict) else {}
            after = after if isinstance(after, dict) else {}
            keys = list(dict.fromkeys([*before, *after]))
            return [Change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
        return [Change("value", before, after)] if before != after else []
    pairs = [Change(k, v.get("before"), v.get("after")) for k, v in detail.items()
             if isinstance(v, dict) and set(v) <= {"before", "after"} and v]
    return pairs


def get_event(actor: Actor, seq: int) -> EventDetail:
    with read_scope(actor, "audit.read") as (session, _scope):
        ev = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).first()
        if ev is None:
            raise NotFound()
        try:
            detail = json.loads(ev.detail) if ev.detail else None
        except ValueError:
            detail = {"raw": ev.detail}
        return EventDetail(seq=ev.seq, occurred_at=ev.occurred_at, username=ev.username, roles=ev.roles,
                           unit_id=ev.unit_id, action=ev.action, object_type=ev.object_type,
                           object_id=ev.object_id, result=ev.result, detail=detail, changes=changes_of(detail),
                           hash=ev.hash, prev_hash=ev.prev_hash)


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _export_header() -> list[str]:
    return [_("Sequence"), _("Time"), _("User name"), _("Roles"), _("Unit ID"), _("Action"), _("Object type"),
            _("Object ID"), _("Result"), _("Detail")]


def _cells(ev: AuditEvent) -> list[Any]:
    local = to_local(ev.occurred_at)
    return [ev.seq, local.strftime("%Y-%m-%d %H:%M:%S") if local else "", ev.username, ev.roles, ev.unit_id,
            ev.action, ev.object_type, ev.object_id, ev.result, ev.detail]


def export_events(actor: Actor, flt: AuditFilter | None, fmt: str, *, now: datetime | None = None) -> ExportFile:
    """Every matching event (oldest first) as CSV (UTF-8 with BOM, opens in Excel) or XLSX. The export itself
    is an audited action recorded with its filter and row count."""
    flt = flt or AuditFilter()
    now = now_utc(now)
    # Read in a read transaction (a long export must not hold SQLite's write lock), then record it.
    with read_scope(actor, "audit.export", now=now) as (session, _scope):
        _validate(flt)
        if fmt not in EXPORT_FORMATS:
            raise ValidationError({"format": _("Choose CSV or XLSX.")})
        total = session.exec(_where(select(func.count()).select_from(AuditEvent), flt)).one() or 0
        if fmt == "xlsx" and total > XLSX_MAX_ROWS:
            raise ValidationError({"format": _(
                "{n} events match: more than a worksheet holds. Narrow the filter or export CSV.", n=total)})
        stmt = _where(select(AuditEvent), flt).order_by(AuditEvent.seq).execution_options(yield_per=EXPORT_BATCH)
        events = session.exec(stmt)
        data, total = _write_csv(events) if fmt == "csv" else _write_xlsx(events)
    stamp = to_local(now).strftime("%Y%m%d-%H%M%S")  # type: ignore[union-attr]
    filename = f"audit-log-{stamp}.{fmt}"
    with unit_of_work(actor, now) as uow:
        uow.require("audit.export", object_type="audit_event")
        uow.audit("audit.export", object_type="audit_event",
                  detail={"filter": flt.as_dict(), "format": fmt, "rows": total, "file": filename})
        uow.commit()
    mime = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return ExportFile(filename=filename, mime=mime, data=data, rows=total)


def _write_csv(events) -> tuple[bytes, int]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(_export_header())
    rows = 0
    for ev in events:
        writer.writerow([_safe_cell(c) for c in _cells(ev)])
        rows += 1
    return ("\ufeff" + buf.getvalue()).encode("utf-8"), rows


def _write_xlsx(events) -> tuple[bytes, int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit log"))
    ws.append(_export_header())
    rows = 0
    for ev in events:
        rows += 1
        row = []
        for value in _cells(ev):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            row.append(cell)
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), rows


def verify_chain(actor: Actor, *, now: datetime | None = None, checkpoint_file: str | Path | None = None) -> ChainStatus:
    """Recompute the whole keyed hash chain, hold it against the checkpoint outside the database (this
    database's, or one the audit administrator exported) and record the outcome (the panel shows the last one)."""
    now = now_utc(now)
    checkpoint: Any = None
    if checkpoint_file is not None:
        try:
            checkpoint = audit.read_checkpoint(Path(checkpoint_file))
        except ValueError as exc:
            raise ValidationError({"checkpoint": _("The checkpoint file cannot be read.")}) from exc
    with read_scope(actor, "audit.read", now=now) as (session, _scope):
        result = audit.verify(session, checkpoint=checkpoint) if checkpoint else audit.verify(session)
    with unit_of_work(actor, now) as uow:
        uow.require("audit.read", object_type="audit_event")
        uow.audit("audit.verify", object_type="audit_event", result="success" if result.ok else "failure",
                  detail={"checked": result.checked, "broken_seq": result.broken_seq, "reason": result.reason})
        uow.commit()
    return ChainStatus(ok=result.ok, checked=result.checked, broken_seq=result.broken_seq, reason=result.reason,
                       verified_at=now)


def purge_limit(actor: Actor, *, now: datetime | None = None) -> tuple[date, int]:
    """The latest date a purge may use now and the retention in days behind it (the deployment's setting or the
    active profile's, whichever is longer, and never less than six calendar months)."""
    with read_scope(actor, "audit.purge", now=now):
        return audit.retention_limit(local_date(now), policy.active_profile().log_retention_days)


def export_checkpoint(actor: Actor, *, now: datetime | None = None) -> bytes:
    """The chain's checkpoint (last sequence number and keyed hash, purge anchor) as JSON, for the audit
    administrator to keep elsewhere: `manage.py audit verify --checkpoint FILE` holds the database against it."""
    with unit_of_work(actor, now) as uow:
        uow.require("audit.export", object_type="audit_event")
        checkpoint = audit.load_checkpoint(uow.session.get_bind())
        if checkpoint is None:
            raise ValidationError(_("No audit event has been recorded yet: there is no checkpoint."))
        uow.audit("audit.export_checkpoint", object_type="audit_event", detail={"seq": checkpoint.seq})
        uow.commit()
    return checkpoint.to_json()


def purge(actor: Actor, before: date, *, now: datetime | None = None) -> int:
    """Delete events older than `before`, refused inside the retention period; the purge is itself audited."""
    with unit_of_work(actor, now) as uow:
        uow.require("audit.purge", object_type="audit_event")
        count = audit.purge_before(uow.session, actor, before, now=now,
                                   retention_days=policy.active_profile().log_retention_days)
        uow.commit()
        return count


def last_verification(session) -> ChainStatus:
    ev = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.verify")
                      .order_by(AuditEvent.seq.desc()).limit(1)).first()  # type: ignore[union-attr]
    if ev is None:
        return ChainStatus(ok=None)
    detail = json.loads(ev.detail or "{}")
    return ChainStatus(ok=ev.result == "success", checked=detail.get("checked"),
                       broken_seq=detail.get("broken_seq"), reason=detail.get("reason"), verified_at=ev.occurred_at)


def overview(actor: Actor, *, now: datetime | None = None) -> AuditOverview:
    """Today's (local date) sign-in failures, denials and lockouts, and the last chain verification."""
    now = now_utc(now)
    start = _local_midnight(local_date(now))
    with read_scope(actor, "audit.read", now=now) as (session, _scope):
        def count(*conditions) -> int:
            stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.occurred_at >= start, *conditions)
            return session.exec(stmt).one() or 0

        return AuditOverview(
            sign_in_failures=count(AuditEvent.action == "auth.sign_in", AuditEvent.result == "failure"),
            denials=count(AuditEvent.result == "denied"),
            lockouts=count(AuditEvent.action == "auth.lock"),
            events_today=count(),
            chain=last_verification(session),
        )
