"""Aggregation changes (RULES.md §3): registrations, "not possible" filings and the bureau's answer, the update
log (form and exchange-platform file), and reports that shared data changed (Shanghai §16).

Every command keeps the entry's freshness columns (`data_updated_at`, `fresh_until`, `aggregation_active`) in
step in the same transaction, so freshness is read from the entry and never recomputed from the log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from models import CatalogEntry, Notification, ShareGrant, Unit, User, UserRole
from models.aggregation import (
    AggregationRegistration,
    DataChange,
    DataUpdate,
    FilingStatus,
    RegistrationState,
)
from models.clock import CaseKind, ClockStep
from models.user import Role
from services.aggregation import rules
from services.aggregation.rules import RegistrationInput, UpdateInput
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.jurisdiction import competent_bureau
from services.core.timeutil import local_date, now_utc, tz
from services.core.uow import UnitOfWork, unit_of_work
from services.deadlines import calendar, clocks, policy

MSG_FILED = N_("{unit} filed that entry {entry} cannot be aggregated: {reason}")
MSG_FILING_DECIDED = N_("The bureau answered your filing for entry {entry}: {outcome}.")
MSG_DATA_CHANGED = N_("Shared data of entry {entry} changed on {day}; the provider updates it on the platform.")
OUTCOME_ACKNOWLEDGED = N_("acknowledged")
OUTCOME_REJECTED = N_("not accepted: the data must be aggregated")


def local_noon(day: date) -> datetime:
    """An update recorded by date only is placed at local noon (whatever the server's time zone)."""
    return datetime.combine(day, time(12), tzinfo=tz())


def _users(session: Session, role: str, unit_ids: Iterable[int]) -> list[int]:
    ids = [u for u in unit_ids if u is not None]
    if not ids:
        return []
    return list(session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id)
                             .where(User.is_active == True, UserRole.role == role,  # noqa: E712
                                    User.unit_id.in_(ids))).all())  # type: ignore[attr-defined]


def _notify(session: Session, user_ids: Iterable[int], message: str, params: dict, *, case_kind: str | None,
            case_id: int | None, now: datetime | None) -> None:
    created = now_utc(now)
    for user_id in dict.fromkeys(user_ids):
        session.add(Notification(user_id=user_id, kind="info", case_kind=case_kind, case_id=case_id, message=message,
                                 params=json.dumps(params, ensure_ascii=False, default=str), created_at=created))


def _entry(uow: UnitOfWork, entry_id: int, permission: str) -> CatalogEntry:
    """The published entry, locked, after the role check and the permission on its providing unit."""
    uow.require(permission, object_type="catalog_entry", object_id=entry_id)  # the role, before any read
    entry = uow.session.get(CatalogEntry, entry_id, with_for_update=True)
    if entry is None or not entry.is_published:
        raise ValidationError({"entry_id": _("Choose a published catalog entry.")})
    uow.require(permission, unit_id=entry.provider_unit_id, object_type="catalog_entry", object_id=entry.resource_code)
    return entry


def _registration(session: Session, entry_id: int) -> AggregationRegistration | None:
    return session.exec(select(AggregationRegistration).where(AggregationRegistration.entry_id == entry_id)
                        .with_for_update()).first()


def _move(reg: AggregationRegistration | None, action: str) -> str:
    state = rules.transition(reg.state if reg else None, action)
    if state is None:
        raise ValidationError({"state": _("This registration cannot do that in its present state.")})
    return state


def refresh_freshness(entry: CatalogEntry, baseline: date | None = None) -> None:
    """Recompute `fresh_until` from the last update (or, before the first one, from `baseline`: a newly mounted
    entry gets one interval)."""
    start = local_date(entry.data_updated_at) if entry.data_updated_at else baseline
    entry.fresh_until = None if start is None else rules.fresh_until(start, entry.update_frequency, calendar.current())


def register(actor: Actor, data: RegistrationInput, *, expected_version: int | None = None,
             now: datetime | None = None) -> int:
    """Mount a published entry (or change how it is aggregated, or resume a suspended one)."""
    with unit_of_work(actor, now) as uow:
        entry = _entry(uow, data.entry_id, "aggregation.register")
        errors = rules.registration_errors(data)
        if errors:
            raise ValidationError(errors)
        session, moment = uow.session, now_utc(now)
        reg = _registration(session, entry.id)  # type: ignore[arg-type]
        state = _move(reg, "register")
        if reg is None:
            reg = AggregationRegistration(entry_id=entry.id, unit_id=entry.provider_unit_id, state=state,  # type: ignore[arg-type]
                                          created_by=actor.user_id, created_at=moment)
        else:
            uow.check_version(reg, expected_version)
        before = reg.state if reg.id else None
        reg.mode, reg.state = data.mode, state
        reg.source_system = (data.source_system or "").strip() or None
        reg.expected_records = data.expected_records
        reg.reason = reg.filing_status = reg.filing_note = None
        reg.updated_at = moment
        session.add(reg)
        entry.aggregation_active = True
        if entry.data_updated_at is None:
            refresh_freshness(entry, local_date(now))
        session.add(entry)
        session.flush()
        uow.audit("aggregation.register", object_type="catalog_entry", object_id=entry.resource_code,
                  detail={"mode": data.mode, "source_system": reg.source_system, "from": before, "to": state})
        uow.commit()
        return reg.id  # type: ignore[return-value]


def suspend(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
            now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        entry = _entry(uow, entry_id, "aggregation.register")
        text = (reason or "").strip()
        if not text:
            raise ValidationError({"reason": _("Give the reason.")})
        reg = _registration(uow.session, entry_id)
        state = _move(reg, "suspend")
        assert reg is not None
        uow.check_version(reg, expected_version)
        reg.state, reg.reason, reg.updated_at = state, text[:1000], now_utc(now)
        entry.aggregation_active = False
        uow.session.add(reg)
        uow.session.add(entry)
        uow.audit("aggregation.suspend", object_type="catalog_entry", object_id=entry.resource_code,
                  detail={"reason": text[:200]})
        uow.commit()


def file_not_possible(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
                      now: datetime | None = None) -> int:
    """Longyan §9, Qingyuan §18: a unit that cannot aggregate files the reason with the bureau."""
    with unit_of_work(actor, now) as uow:
        entry = _entry(uow, entry_id, "aggregation.register")
        text = (reason or "").strip()
        if not text:
            raise ValidationError({"reason": _("Give the reason.")})
        session, moment = uow.session, now_utc(now)
        reg = _registration(session, entry_id)
        state = _move(reg, "file_not_possible")
        if reg is None:
            reg = AggregationRegistration(entry_id=entry_id, unit_id=entry.provider_unit_id, state=state,
                                          created_by=actor.user_id, created_at=moment)
        else:
            uow.check_version(reg, expected_version)
        reg.state, reg.reason, reg.filing_status, reg.updated_at = state, text[:1000], FilingStatus.PENDING, moment
        reg.filing_note = reg.filing_decided_at = reg.filing_decided_by = None
        entry.aggregation_active = False
        session.add(reg)
        session.add(entry)
        session.flush()
        unit = session.get(Unit, entry.provider_unit_id)
        bureau = competent_bureau(session, unit.region_id if unit else None)
        _notify(session, _users(session, Role.BUREAU_REVIEWER, [bureau.id] if bureau and bureau.id else []), MSG_FILED,
                {"unit": unit.name if unit else "", "entry": entry.name, "reason": text[:200]},
                case_kind=None, case_id=None, now=now)
        uow.audit("aggregation.file_not_possible", object_type="catalog_entry", object_id=entry.resource_code,
                  detail={"reason": text[:200]})
        uow.commit()
        return reg.id  # type: ignore[return-value]


def decide_filing(actor: Actor, registration_id: int, acknowledge: bool, note: str | None = None, *,
                  expected_version: int | None = None, now: datetime | None = None) -> None:
    """The bureau acknowledges a "not possible" filing, or rejects it (the unit must aggregate after all)."""
    with unit_of_work(actor, now) as uow:
        uow.require("aggregation.acknowledge", object_type="aggregation_registration", object_id=registration_id)
        session = uow.session
        reg = uow.get(AggregationRegistration, registration_id, for_update=True)
        uow.check_version(reg, expected_version)
        if reg.state != RegistrationState.NOT_POSSIBLE or reg.filing_status != FilingStatus.PENDING:
            raise ValidationError({"state": _("This filing is not waiting for the bureau.")})
        text = (note or "").strip()
        if not acknowledge and not text:
            raise ValidationError({"note": _("Say why the reason is not accepted.")})
        reg.filing_status = FilingStatus.ACKNOWLEDGED if acknowledge else FilingStatus.REJECTED
        reg.filing_note, reg.filing_decided_by, reg.filing_decided_at = text[:1000] or None, actor.user_id, now_utc(now)
        session.add(reg)
        entry = session.get(CatalogEntry, reg.entry_id)
        name = entry.name if entry else ""
        _notify(session, _users(session, Role.UNIT_STEWARD, [reg.unit_id]), MSG_FILING_DECIDED,
                {"entry": name, "outcome": OUTCOME_ACKNOWLEDGED if acknowledge else OUTCOME_REJECTED},
                case_kind=None, case_id=None, now=now)
        uow.audit("aggregation.decide_filing", object_type="catalog_entry",
                  object_id=entry.resource_code if entry else reg.entry_id,
                  detail={"acknowledged": acknowledge, "note": text[:200]})
        uow.commit()


def _update_row(entry: CatalogEntry, data: UpdateInput, actor: Actor, moment: datetime, client_id: int | None,
                client_event_id: str | None) -> DataUpdate:
    return DataUpdate(entry_id=entry.id, unit_id=entry.provider_unit_id, updated_at=local_noon(data.updated_on)  # type: ignore[arg-type]
                      if not isinstance(data.updated_on, datetime) else data.updated_on,
                      record_count=data.record_count, added=data.added, changed=data.changed, deleted=data.deleted,
                      source=(data.source or "").strip() or None, recorded_by=actor.user_id, created_at=moment,
                      client_id=client_id, client_event_id=client_event_id)


def apply_updates(session: Session, updates: list[tuple[CatalogEntry, UpdateInput, str | None]], actor: Actor,
                  now: datetime | None, moment: datetime, *, client_id: int | None = None) -> None:
    """Many checked updates (in date order) with one flush: each entry's freshness moves once, to its newest
    update. Entries with a reported change waiting go through `_apply_update` one row at a time, since each
    row may close a refresh clock."""
    ids = list({entry.id for entry, _d, _e in updates})
    waiting = set(session.exec(select(DataChange.entry_id).where(
        DataChange.entry_id.in_(ids), DataChange.resolved_at.is_(None))).all()) if ids else set()  # type: ignore[union-attr,attr-defined]
    moved: dict[int, CatalogEntry] = {}
    for entry, data, event_id in updates:
        if entry.id in waiting:
            _apply_update(session, entry, data, actor, now, moment, client_id=client_id, client_event_id=event_id)
            continue
        row = _update_row(entry, data, actor, moment, client_id, event_id)
        session.add(row)
        if entry.data_updated_at is None or row.updated_at > entry.data_updated_at:
            entry.data_updated_at = row.updated_at
            moved[entry.id] = entry  # type: ignore[index]
    for entry in moved.values():
        refresh_freshness(entry)
        session.add(entry)
    session.flush()


def _apply_update(session: Session, entry: CatalogEntry, data: UpdateInput, actor: Actor, now: datetime | None,
                  moment: datetime, *, client_id: int | None = None, client_event_id: str | None = None) -> DataUpdate:
    row = _update_row(entry, data, actor, moment, client_id, client_event_id)
    session.add(row)
    if entry.data_updated_at is None or row.updated_at > entry.data_updated_at:
        entry.data_updated_at = row.updated_at
        refresh_freshness(entry)
    session.add(entry)
    session.flush()
    _close_changes(session, entry.id, row, now)  # type: ignore[arg-type]
    return row


def _close_changes(session: Session, entry_id: int, row: DataUpdate, now: datetime | None) -> None:
    """An update recorded on or after the reported change day ends the refresh clock (Shanghai §16)."""
    waiting = session.exec(select(DataChange).where(DataChange.entry_id == entry_id,
                                                    DataChange.resolved_at.is_(None))).all()  # type: ignore[union-attr]
    for change in waiting:
        if local_date(row.updated_at) >= change.changed_on:
            change.resolved_at, change.update_id = now_utc(now), row.id
            session.add(change)
            clocks.close(session, case_kind=CaseKind.DATA_CHANGE, case_id=change.id, now=now)  # type: ignore[arg-type]


def _require_mounted(session: Session, entry: CatalogEntry, field: str = "entry_id") -> None:
    reg = session.exec(select(AggregationRegistration.state)
                       .where(AggregationRegistration.entry_id == entry.id)).first()
    if reg != RegistrationState.ACTIVE:
        raise ValidationError({field: _("Register the entry's aggregation (mounted) before recording updates.")})


def record_update(actor: Actor, data: UpdateInput, *, now: datetime | None = None) -> int:
    with unit_of_work(actor, now) as uow:
        entry = _entry(uow, data.entry_id, "aggregation.record_update")
        errors = rules.update_errors(data, local_date(now))
        if errors:
            raise ValidationError(errors)
        _require_mounted(uow.session, entry)
        row = _apply_update(uow.session, entry, data, actor, now, now_utc(now))
        uow.audit("aggregation.record_update", object_type="catalog_entry", object_id=entry.resource_code,
                  detail={"updated_on": data.updated_on, "records": data.record_count, "added": data.added,
                          "changed": data.changed, "deleted": data.deleted})
        uow.commit()
        return row.id  # type: ignore[return-value]


def report_change(actor: Actor, entry_id: int, changed_on: date, note: str, *, now: datetime | None = None) -> int:
    """Shanghai §16: shared data changed. Where the profile sets `data_refresh_workdays` a clock runs until the
    update is recorded; every consumer holding an active grant on the entry is told."""
    with unit_of_work(actor, now) as uow:
        entry = _entry(uow, entry_id, "aggregation.report_change")
        session, today = uow.session, local_date(now)
        text = (note or "").strip()
        errors = {}
        if not text:
            errors["note"] = _("Describe what changed.")
        if changed_on is None or changed_on > today:
            errors["changed_on"] = _("The change cannot lie in the future.")
        if errors:
            raise ValidationError(errors)
        change = DataChange(entry_id=entry_id, unit_id=entry.provider_unit_id, changed_on=changed_on, note=text[:1000],
                            created_by=actor.user_id, created_at=now_utc(now))
        session.add(change)
        session.flush()
        refresh_days = policy.active_profile().data_refresh_workdays
        if refresh_days is not None:
            clocks.start(session, case_kind=CaseKind.DATA_CHANGE, case_id=change.id, step=ClockStep.DATA_REFRESH,  # type: ignore[arg-type]
                         unit_id=entry.provider_unit_id, region_id=None, started_on=changed_on, now=now)
        consumers = session.exec(select(ShareGrant.consumer_unit_id).where(
            ShareGrant.entry_id == entry_id, ShareGrant.revoked_at.is_(None),  # type: ignore[union-attr]
            (ShareGrant.ends_on.is_(None)) | (ShareGrant.ends_on >= today)).distinct()).all()  # type: ignore[union-attr,operator]
        recipients = _users(session, Role.UNIT_STEWARD, consumers)
        _notify(session, recipients, MSG_DATA_CHANGED, {"entry": entry.name, "day": changed_on},
                case_kind=None, case_id=None, now=now)
        uow.audit("aggregation.report_change", object_type="catalog_entry", object_id=entry.resource_code,
                  detail={"changed_on": changed_on, "refresh_workdays": refresh_days,
                          "consumers_told": len(set(consumers))})
        uow.commit()
        return change.id  # type: ignore[return-value]


def entry_published(uow: UnitOfWork, entry_id: int, now: datetime | None) -> list[str]:
    """Catalog listener (PUBLISH_LISTENERS): a published change may declare another update frequency, so the
    entry's `fresh_until` is recomputed inside the approval's transaction."""
    entry = uow.session.get(CatalogEntry, entry_id)
    if entry is None or not entry.aggregation_active:
        return []
    before = entry.fresh_until
    reg_day = uow.session.exec(select(AggregationRegistration.created_at)
                               .where(AggregationRegistration.entry_id == entry_id)).first()
    refresh_freshness(entry, local_date(reg_day) if reg_day else local_date(now))
    uow.session.add(entry)
    return [entry.resource_code] if entry.fresh_until != before else []


def calendar_changed(session, cal) -> int:
    """Calendar listener (services.deadlines.configuration.CALENDAR_LISTENERS): freshness is counted in working
    days, so a calendar edit or import recomputes every entry's `fresh_until` with the new calendar, in the edit's
    transaction; returns how many entries changed. Entries without a fixed interval keep None."""
    table = CatalogEntry.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(table.c.id, table.c.data_updated_at, table.c.update_frequency, table.c.fresh_until,
                  AggregationRegistration.created_at)  # type: ignore[arg-type]
        .outerjoin(AggregationRegistration, AggregationRegistration.entry_id == table.c.id)  # type: ignore[arg-type]
        .where(table.c.fresh_until.is_not(None))).all()
    changes = []
    for entry_id, updated_at, frequency, until, registered_at in rows:
        start = updated_at or registered_at
        if start is None:
            continue
        new = rules.fresh_until(local_date(start), frequency, cal)
        if new != until:
            changes.append({"eid": entry_id, "until": new})
    if changes:
        session.execute(sa_update(table).where(table.c.id == bindparam("eid"))
                        .values(fresh_until=bindparam("until", type_=table.c.fresh_until.type)), changes)
    return len(changes)
