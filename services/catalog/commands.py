"""Catalog changes (目录编制、审核、发布): create, edit, submit, review and publish entries with their data items,
versions, triggers and update/review clocks. Every function is one business action in one transaction.

An entry's columns (and its `data_item` rows) hold the PUBLISHED state once it has been published; a change
being drafted or under review lives in `pending` (JSON) until the bureau approves it, so sharing, opening and
KPIs always read what was approved. An entry that was never published keeps its draft in the columns."""

from __future__ import annotations

import importlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, select

from models import (
    CatalogEntry,
    CatalogTrigger,
    CatalogVersion,
    DataItem,
    ResponsibilityItem,
    Unit,
)
from models.catalog import (
    ChangeKind,
    EntryStatus,
    ShareType,
)
from models.clock import CaseKind, ClockOutcome, ClockStep
from models.sharing import RequestStatus, ShareRequest
from services.catalog.rules import (
    ACTION_PERMISSIONS,
    CASE_TRIGGER,
    TRIGGER_KINDS,
    DataItemInput,
    EntryInput,
    check_share_type_fix,
    clean_input,
    input_to_json,
    next_state,
)
from services.catalog.store import (
    columns_input,
    make_live,
    pending_of,
    publish_version,
    review_unit,
    store_draft,
    suggest_resource_code,
    validate_format,
    validate_submission,
    working_copy,
)
from services.core.actor import Actor
from services.core.audit import diff as audit_diff
from services.core.errors import NotFound, PermissionDenied, ValidationError
from services.core.i18n import gettext as _
from services.core.timeutil import local_date, now_utc
from services.core.uow import UnitOfWork, unit_of_work
from services.core.validators import date_error, text_error
from services.deadlines import clocks, policy

# Features above the catalog that act when an entry is published, named "module:function" and called inside the
# approval's transaction with (uow, entry_id, now): a confirmed request for uncatalogued data goes on to its
# answer once the entry exists (Longyan §8). Named, not imported, so the catalog depends on nothing above it.
PUBLISH_LISTENERS = ("services.sharing.commands:entry_published", "services.aggregation.commands:entry_published")


def _published(uow: UnitOfWork, entry_id: int, now: datetime) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for target in PUBLISH_LISTENERS:
        module, _sep, name = target.partition(":")
        results[target] = getattr(importlib.import_module(module), name)(uow, entry_id, now)
    return {k: v for k, v in results.items() if v}


def _not_own_submission(uow: UnitOfWork, entry: CatalogEntry) -> None:
    """Nobody reviews their own submission, even when one account holds both roles."""
    actor = uow.actor
    if actor.user_id is not None and actor.user_id in (entry.submitted_by, entry.created_by if
                                                       entry.submitted_by is None else None):
        raise PermissionDenied(_("You submitted this entry yourself: another reviewer must decide it."),
                               action="catalog.review")


def _open_entry(uow: UnitOfWork, entry_id: int, action: str, *,
                expected_version: int | None) -> tuple[CatalogEntry, str]:
    """How every workflow command starts: the entry row locked, the permission of `action` on its providing
    unit, the transition allowed from its state (returned), and the version the user saw."""
    uow.require(ACTION_PERMISSIONS[action], object_type="catalog_entry", object_id=entry_id)  # the role first
    entry = uow.get(CatalogEntry, entry_id, for_update=True)
    provider = uow.session.get(Unit, entry.provider_unit_id)
    uow.require(ACTION_PERMISSIONS[action], unit_id=entry.provider_unit_id,
                region_id=provider.region_id if provider else None, object_type="catalog_entry", object_id=entry_id)
    if ACTION_PERMISSIONS[action] in BUREAU_PERMISSIONS and not uow.actor.is_system:
        bureau = review_unit(uow.session, entry.provider_unit_id)
        if bureau is not None and bureau.id != uow.actor.unit_id:
            raise PermissionDenied(_("{bureau} is the competent bureau for this unit's catalog.", bureau=bureau.name),
                                   action=ACTION_PERMISSIONS[action])
    target = next_state(entry, action)
    uow.check_version(entry, expected_version)
    return entry, target


# Actions only the provider's competent bureau takes (a county with its own bureau reviews its own units).
NOTE_MAX = 500  # a review note, the reasons of a share-type fix, a filing note (the columns' length)
TRIGGER_NOTE_MAX = 300  # how a maintenance trigger was dealt with (appended to the trigger's 500-character note)
BUREAU_PERMISSIONS = frozenset({"catalog.review", "catalog.file"})


def _start_review_clock(session: Session, entry: CatalogEntry, now: datetime) -> None:
    """The competent bureau's review clock for a submission (new entry, change or withdrawal)."""
    bureau = review_unit(session, entry.provider_unit_id)
    clocks.start(session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry.id, step=ClockStep.CATALOG_REVIEW,  # type: ignore[arg-type]
                 unit_id=bureau.id if bureau else None, region_id=bureau.region_id if bureau else None, now=now)


def _close_review_clock(session: Session, entry_id: int, now: datetime, outcome: str | None = None) -> None:
    kwargs = {"outcome": outcome} if outcome else {}
    clocks.close(session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry_id, step=ClockStep.CATALOG_REVIEW,
                 now=now, **kwargs)


def _create(uow: UnitOfWork, data: EntryInput, now: datetime, errors: dict[str, str] | None = None) -> CatalogEntry:
    provider = uow.session.get(Unit, data.provider_unit_id) if data.provider_unit_id else None
    uow.require("catalog.edit", unit_id=data.provider_unit_id, region_id=provider.region_id if provider else None,
                object_type="catalog_entry")
    errors = {**validate_format(uow.session, data, None), **(errors or {})}
    if errors:
        raise ValidationError(errors)
    entry = CatalogEntry(resource_code=data.resource_code, name=data.name, classification=data.classification,
                         provider_unit_id=data.provider_unit_id, status=EntryStatus.DRAFT,
                         change_kind=ChangeKind.NEW, created_by=uow.actor.user_id, created_at=now, updated_at=now)
    uow.session.add(entry)
    uow.session.flush()
    store_draft(uow.session, entry, data)
    uow.session.add(entry)
    uow.audit("catalog.create", object_type="catalog_entry", object_id=entry.id,
              detail={"after": input_to_json(data)})
    return entry


def _update(uow: UnitOfWork, entry_id: int, data: EntryInput, expected_version: int | None, now: datetime,
            errors: dict[str, str] | None = None) -> CatalogEntry:
    entry, target = _open_entry(uow, entry_id, "edit", expected_version=expected_version)
    errors = {**validate_format(uow.session, data, entry_id), **(errors or {})}
    if data.provider_unit_id != entry.provider_unit_id:
        errors["provider_unit_id"] = _("The providing unit of an entry cannot be changed; withdraw it and "
                                       "catalog it under the other unit.")
    if errors:
        raise ValidationError(errors)
    before = input_to_json(working_copy(uow.session, entry))
    if entry.status == EntryStatus.WITHDRAWN:
        entry.is_published = False
        entry.change_kind = ChangeKind.NEW
    elif entry.status == EntryStatus.PUBLISHED:
        entry.change_kind = ChangeKind.CHANGE
    store_draft(uow.session, entry, data)
    entry.status = target
    entry.updated_at = now
    uow.session.add(entry)
    uow.audit("catalog.update", object_type="catalog_entry", object_id=entry_id,
              detail=audit_diff(before, input_to_json(data)))
    return entry


def _submit(uow: UnitOfWork, entry_id: int, expected_version: int | None, now: datetime) -> None:
    entry, target = _open_entry(uow, entry_id, "submit", expected_version=expected_version)
    data = working_copy(uow.session, entry)
    errors = validate_format(uow.session, data, entry_id)
    errors.update(validate_submission(uow.session, data))
    if errors:
        raise ValidationError(errors)
    entry.change_kind = ChangeKind.CHANGE if entry.is_published else ChangeKind.NEW
    entry.status = target
    entry.submitted_at = now
    entry.submitted_by = uow.actor.user_id
    entry.return_reason = None
    entry.updated_at = now
    uow.session.add(entry)
    _start_review_clock(uow.session, entry, now)
    resolved = _resolve_triggers(uow.session, entry_id, now)
    uow.audit("catalog.submit", object_type="catalog_entry", object_id=entry_id,
              detail={"change_kind": entry.change_kind, "triggers_resolved": resolved})


def submit_in(uow: UnitOfWork, entry_id: int, now: datetime | None = None) -> None:
    """Submit an entry inside the caller's unit of work (the spreadsheet import with submit is one action)."""
    _submit(uow, entry_id, None, now_utc(now))


def create_entry(actor: Actor, data: EntryInput, *, now: datetime | None = None) -> int:
    """A new draft entry of the actor's unit (the bureau's own stewards and importers use the same path)."""
    now = now_utc(now)
    data = clean_input(data)
    with unit_of_work(actor, now) as uow:
        entry = _create(uow, data, now)
        uow.commit()
        return entry.id  # type: ignore[return-value]


def update_entry(actor: Actor, entry_id: int, data: EntryInput, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Save the unit's working copy. A published entry keeps its published state until the change is approved."""
    now = now_utc(now)
    data = clean_input(data)
    with unit_of_work(actor, now) as uow:
        _update(uow, entry_id, data, expected_version, now)
        uow.commit()


def submit_entry(actor: Actor, entry_id: int, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Send the draft (new entry or change) to the bureau; starts the bureau's review clock and stops the
    unit's update clocks of the triggers that concern this entry."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        _submit(uow, entry_id, expected_version, now)
        uow.commit()


def save_and_submit(actor: Actor, entry_id: int | None, data: EntryInput, *, expected_version: int | None = None,
                    now: datetime | None = None) -> int:
    """Save the working copy (a new entry when `entry_id` is None) and submit it, as one business action: every
    problem of the form and of the submission rules is reported at once, and a refused submission saves
    nothing (no draft, no resource code spent). Returns the entry id."""
    now = now_utc(now)
    data = clean_input(data)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.submit", object_type="catalog_entry")  # the role first, before anything is read
        problems = validate_submission(uow.session, data)
        if entry_id is None:
            entry = _create(uow, data, now, problems)
        else:
            entry = _update(uow, entry_id, data, expected_version, now, problems)
        uow.session.flush()
        _submit(uow, entry.id, entry.version, now)  # type: ignore[arg-type]
        uow.commit()
        return entry.id  # type: ignore[return-value]


def request_withdrawal(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
                       now: datetime | None = None) -> None:
    """下架: the withdrawal of a published entry goes through the same review as a change."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, target = _open_entry(uow, entry_id, "withdraw", expected_version=expected_version)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
        if text_error(reason, 1000):
            raise ValidationError({"reason": text_error(reason, 1000)})  # type: ignore[dict-item]
        entry.status = target
        entry.change_kind = ChangeKind.WITHDRAW
        entry.pending = json.dumps({"reason": reason[:1000]}, ensure_ascii=False)
        entry.submitted_at = now
        entry.submitted_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        _start_review_clock(uow.session, entry, now)
        uow.audit("catalog.withdraw_request", object_type="catalog_entry", object_id=entry_id,
                  detail={"reason": reason})
        uow.commit()


def recall_submission(actor: Actor, entry_id: int, *, expected_version: int | None = None,
                      now: datetime | None = None) -> None:
    """The unit takes a submission back before the bureau decides (e.g. to correct a mistake)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, target = _open_entry(uow, entry_id, "recall", expected_version=expected_version)
        if entry.change_kind == ChangeKind.WITHDRAW:
            entry.pending = None
            entry.change_kind = None
        entry.status = target
        entry.updated_at = now
        uow.session.add(entry)
        _close_review_clock(uow.session, entry_id, now, ClockOutcome.CANCELLED)
        uow.audit("catalog.recall", object_type="catalog_entry", object_id=entry_id)
        uow.commit()


def discard_draft(actor: Actor, entry_id: int, *, expected_version: int | None = None,
                  now: datetime | None = None) -> bool:
    """Drop the working copy: a change of a published entry is discarded (the published version stays); a
    draft that was never published is deleted. Returns True when the entry itself was deleted."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, _target = _open_entry(uow, entry_id, "discard", expected_version=expected_version)
        if entry.is_published:
            entry.pending = None
            entry.change_kind = None
            entry.return_reason = None
            entry.status = EntryStatus.PUBLISHED
            entry.updated_at = now
            uow.session.add(entry)
            uow.audit("catalog.discard_change", object_type="catalog_entry", object_id=entry_id)
            uow.commit()
            return False
        has_versions = uow.session.exec(select(CatalogVersion.id).where(CatalogVersion.entry_id == entry_id)).first()
        if has_versions is not None:
            raise ValidationError(_("This entry has published versions and is kept for the record."))
        waiting = uow.session.exec(select(ShareRequest.code).where(
            ShareRequest.entry_id == entry_id, ShareRequest.status == RequestStatus.AWAITING_CATALOG)).first()
        if waiting is not None:
            raise ValidationError(_("Share request {code} waits for this entry to be published: complete and submit "
                                    "it, or refuse the request, instead of deleting the draft.", code=waiting))
        snapshot = input_to_json(columns_input(uow.session, entry))
        uow.session.execute(update(CatalogTrigger).where(CatalogTrigger.entry_id == entry_id).values(entry_id=None))  # type: ignore[arg-type]
        uow.session.execute(update(ResponsibilityItem).where(ResponsibilityItem.entry_id == entry_id)  # type: ignore[arg-type]
                            .values(entry_id=None))
        uow.session.execute(delete(DataItem).where(DataItem.entry_id == entry_id))  # type: ignore[arg-type]
        uow.session.delete(entry)
        uow.audit("catalog.delete_draft", object_type="catalog_entry", object_id=entry_id,
                  detail={"before": snapshot})
        uow.commit()
        return True


def approve_entry(actor: Actor, entry_id: int, *, share_type: str | None = None, note: str | None = None,
                  expected_version: int | None = None, now: datetime | None = None) -> int:
    """Publish the submission (or carry out the withdrawal) as a new version. The reviewer may fix the share
    type of a restricted entry on the way (Shanxi §12), giving the reasons in `note` as `fix_share_type`
    requires. Returns the new version number."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, target = _open_entry(uow, entry_id, "approve", expected_version=expected_version)
        _not_own_submission(uow, entry)
        if text_error((note or "").strip(), NOTE_MAX):
            raise ValidationError({"note": text_error((note or "").strip(), NOTE_MAX)})  # type: ignore[dict-item]
        kind = entry.change_kind or ChangeKind.NEW
        before = input_to_json(columns_input(uow.session, entry)) if entry.is_published else None
        if kind == ChangeKind.WITHDRAW:
            data = columns_input(uow.session, entry)
            reason = (pending_of(entry) or {}).get("reason")
            entry.status = target
            entry.is_published = False
            entry.pending = None
            version_no = publish_version(uow.session, entry, data, kind, actor, now)
            detail: dict[str, Any] = {"change_kind": kind, "version": version_no, "reason": reason}
        else:
            data = working_copy(uow.session, entry)
            if share_type is not None and share_type != data.share_type:
                check_share_type_fix(data, share_type)
                if not (note or "").strip():
                    raise ValidationError({"note": _("Give the reasons for fixing the share type (Shanxi §12).")})
                detail_fix = {"share_type": {"before": data.share_type, "after": share_type}}
                data.share_type = share_type
            else:
                detail_fix = {}
            errors = validate_submission(uow.session, data)
            if errors:
                raise ValidationError(errors)
            entry.status = target
            make_live(uow.session, entry, data, now)
            entry.pending = None
            uow.session.flush()
            followed = _published(uow, entry_id, now)
            version_no = publish_version(uow.session, entry, data, kind, actor, now)
            changes = audit_diff(before or {}, input_to_json(data)) if before else {"after": input_to_json(data)}
            detail = {"change_kind": kind, "version": version_no, "changes": changes, **detail_fix, **followed}
        entry.change_kind = None
        entry.return_reason = None
        entry.reviewed_at = now
        entry.reviewed_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        _close_review_clock(uow.session, entry_id, now)
        if note:
            detail["note"] = note.strip()
        uow.audit("catalog.approve", object_type="catalog_entry", object_id=entry_id, detail=detail)
        uow.commit()
        return version_no


def return_entry(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Send the submission back to the unit with the reasons; the published version (if any) stays live."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, target = _open_entry(uow, entry_id, "return", expected_version=expected_version)
        _not_own_submission(uow, entry)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Give the reasons so the unit knows what to revise.")})
        if text_error(reason, 1000):
            raise ValidationError({"reason": text_error(reason, 1000)})  # type: ignore[dict-item]
        if entry.change_kind == ChangeKind.WITHDRAW:
            # A refused withdrawal leaves the entry published as it was.
            entry.status = EntryStatus.PUBLISHED
            entry.pending = None
            entry.change_kind = None
        else:
            entry.status = target
        entry.return_reason = reason[:1000]
        entry.reviewed_at = now
        entry.reviewed_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        _close_review_clock(uow.session, entry_id, now)
        uow.audit("catalog.return", object_type="catalog_entry", object_id=entry_id, detail={"reason": reason})
        uow.commit()


def fix_share_type(actor: Actor, entry_id: int, share_type: str, reason: str, *,
                   expected_version: int | None = None, now: datetime | None = None) -> int:
    """Shanxi §12: the bureau reviews a published restricted entry and fixes its share type (new version)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, _target = _open_entry(uow, entry_id, "fix_share_type", expected_version=expected_version)
        _not_own_submission(uow, entry)
        reason = (reason or "").strip()
        data = columns_input(uow.session, entry)
        check_share_type_fix(data, share_type)
        if not reason:
            raise ValidationError({"reason": _("Give the reasons for the decision.")})
        if text_error(reason, NOTE_MAX):
            raise ValidationError({"reason": text_error(reason, NOTE_MAX)})  # type: ignore[dict-item]
        if share_type == data.share_type:
            raise ValidationError({"share_type": _("Choose a share type different from the current one.")})
        before = data.share_type
        data.share_type = share_type
        if share_type == ShareType.UNCONDITIONAL:
            data.share_conditions = None
        errors = validate_submission(uow.session, data)
        if errors:
            raise ValidationError(errors)
        make_live(uow.session, entry, data, now)
        # A filing (备案) was made for the entry's old share type: a new type is filed again if the profile files it.
        entry.filed_at = None
        entry.filed_by = None
        entry.filing_note = None
        version_no = publish_version(uow.session, entry, data, ChangeKind.CHANGE, actor, now)
        entry.reviewed_at = now
        entry.reviewed_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        uow.audit("catalog.fix_share_type", object_type="catalog_entry", object_id=entry_id,
                  detail={"share_type": {"before": before, "after": share_type}, "reason": reason,
                          "version": version_no})
        uow.commit()
        return version_no


def file_entry(actor: Actor, entry_id: int, note: str | None = None, *, expected_version: int | None = None,
               now: datetime | None = None) -> None:
    """备案: the bureau records the filing of a published restricted entry, of the share types the active profile
    files (Longyan §11: conditional and not shared; Qingyuan §14: not shared)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry, _target = _open_entry(uow, entry_id, "file", expected_version=expected_version)
        _not_own_submission(uow, entry)
        if entry.share_type not in policy.active_profile().filing_share_types:
            raise ValidationError(_("Entries of this share type are not filed with the bureau under the active "
                                    "policy profile."))
        if entry.filed_at is not None:
            raise ValidationError(_("The filing of this entry is already recorded."))
        if text_error((note or "").strip(), NOTE_MAX):
            raise ValidationError({"note": text_error((note or "").strip(), NOTE_MAX)})  # type: ignore[dict-item]
        entry.filed_at = now
        entry.filed_by = actor.user_id
        entry.filing_note = (note or "").strip() or None
        uow.session.add(entry)
        uow.audit("catalog.file", object_type="catalog_entry", object_id=entry_id, detail={"note": entry.filing_note})
        uow.commit()


def record_trigger(actor: Actor, unit_id: int, kind: str, occurred_on: date, *, entry_id: int | None = None,
                   note: str | None = None, now: datetime | None = None) -> int:
    """A change of law, duty or data: the unit's catalog update clock starts on the day of the change
    (Shanghai 2 wd, Qingyuan 15 wd, Yunyang 10 wd in the active profile)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.trigger", object_type="catalog_trigger")  # the role first, before any read
        unit = uow.session.get(Unit, unit_id)
        uow.require("catalog.trigger", unit_id=unit_id, region_id=unit.region_id if unit else None,
                    object_type="catalog_trigger")
        errors: dict[str, str] = {}
        if unit is None:
            errors["unit_id"] = _("Choose a unit.")
        if kind not in TRIGGER_KINDS:
            errors["kind"] = _("Choose what changed.")
        if occurred_on is None:
            errors["occurred_on"] = _("Give the date of the change.")
        elif occurred_on > local_date(now):
            errors["occurred_on"] = _("The date of the change cannot be in the future.")
        elif date_error(occurred_on):
            errors["occurred_on"] = date_error(occurred_on)  # type: ignore[assignment]
        if text_error((note or "").strip(), 500):
            errors["note"] = text_error((note or "").strip(), 500)  # type: ignore[assignment]
        if entry_id is not None:
            entry = uow.session.get(CatalogEntry, entry_id)
            if entry is None or entry.provider_unit_id != unit_id:
                errors["entry_id"] = _("Choose an entry of your own unit.")
        if errors:
            raise ValidationError(errors)
        trigger = CatalogTrigger(unit_id=unit_id, entry_id=entry_id, kind=kind, occurred_on=occurred_on,
                                 note=(note or "").strip()[:500] or None, created_by=actor.user_id, created_at=now)
        uow.session.add(trigger)
        uow.session.flush()
        clocks.start(uow.session, case_kind=CASE_TRIGGER, case_id=trigger.id, step=ClockStep.CATALOG_UPDATE,
                     unit_id=unit_id, region_id=unit.region_id, started_on=occurred_on, now=now)  # type: ignore[union-attr]
        uow.audit("catalog.trigger", object_type="catalog_trigger", object_id=trigger.id,
                  detail={"kind": kind, "occurred_on": occurred_on, "entry_id": entry_id, "note": trigger.note})
        uow.commit()
        return trigger.id  # type: ignore[return-value]


def resolve_trigger(actor: Actor, trigger_id: int, note: str, *, now: datetime | None = None) -> None:
    """Close a trigger by hand: the unit states which submission answered it, or why no change is needed."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.trigger", object_type="catalog_trigger", object_id=trigger_id)
        trigger = uow.get(CatalogTrigger, trigger_id, for_update=True)
        uow.require("catalog.trigger", unit_id=trigger.unit_id, object_type="catalog_trigger", object_id=trigger_id)
        if trigger.resolved_at is not None:
            raise ValidationError(_("This change was already dealt with."))
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": _("Say how the change was dealt with.")})
        if text_error(note, TRIGGER_NOTE_MAX):
            raise ValidationError({"note": text_error(note, TRIGGER_NOTE_MAX)})  # type: ignore[dict-item]
        trigger.resolved_at = now
        trigger.note = ((trigger.note + " / ") if trigger.note else "") + note
        trigger.note = trigger.note[:500]
        uow.session.add(trigger)
        clocks.close(uow.session, case_kind=CASE_TRIGGER, case_id=trigger_id, step=ClockStep.CATALOG_UPDATE, now=now)
        uow.audit("catalog.trigger_resolve", object_type="catalog_trigger", object_id=trigger_id, detail={"note": note})
        uow.commit()


def _resolve_triggers(session: Session, entry_id: int, now: datetime) -> list[int]:
    open_ids = session.exec(select(CatalogTrigger.id).where(CatalogTrigger.entry_id == entry_id,
                                                            CatalogTrigger.resolved_at.is_(None))).all()  # type: ignore[union-attr]
    for trigger_id in open_ids:
        session.execute(update(CatalogTrigger).where(CatalogTrigger.id == trigger_id).values(resolved_at=now))  # type: ignore[arg-type]
        clocks.close(session, case_kind=CASE_TRIGGER, case_id=trigger_id, step=ClockStep.CATALOG_UPDATE, now=now)
    return list(open_ids)


def create_draft_in(uow: UnitOfWork, *, provider_unit_id: int, name: str, summary: str | None = None,
                    item_names: list[str] | None = None, now: datetime | None = None) -> int:
    """A draft pre-filled from a request for uncatalogued data, inside the caller's unit of work (one business
    action across the sharing and catalog domains). The resource code is allocated inside the transaction,
    with the unit's row locked so that concurrent confirmations of one provider cannot pick the same code."""
    now = now_utc(now)
    uow.require("catalog.edit", unit_id=provider_unit_id, object_type="catalog_entry")
    uow.session.exec(select(Unit.id).where(Unit.id == provider_unit_id).with_for_update()).first()
    code = suggest_resource_code(uow.session, provider_unit_id, now)
    data = clean_input(EntryInput(resource_code=code, name=name, provider_unit_id=provider_unit_id, summary=summary,
                                  source_unit_id=provider_unit_id,
                                  data_items=[DataItemInput(n) for n in (item_names or []) if n and n.strip()]))
    return _create(uow, data, now).id  # type: ignore[return-value]


def create_draft_from_request(actor: Actor, *, provider_unit_id: int, name: str, summary: str | None = None,
                              item_names: list[str] | None = None, now: datetime | None = None) -> int:
    """For the sharing flow of uncatalogued data: the provider creates a draft pre-filled from the request;
    the resource code is proposed from the unit and the date and can be edited before submission."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry_id = create_draft_in(uow, provider_unit_id=provider_unit_id, name=name, summary=summary,
                                   item_names=item_names, now=now)
        uow.commit()
        return entry_id


def confirm_maintained(actor: Actor, entry_ids: list[int], *, now: datetime | None = None) -> int:
    """Annual maintenance: the unit confirms that published entries are still accurate (no change needed)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.edit", object_type="catalog_entry")  # the role first, before anything is read
        if not entry_ids:
            raise ValidationError({"entry_ids": _("Choose the entries to confirm.")})
        entries = uow.session.exec(select(CatalogEntry).where(CatalogEntry.id.in_(entry_ids))).all()  # type: ignore[union-attr]
        if len(entries) != len(set(entry_ids)):
            raise NotFound()
        for entry in entries:
            uow.require("catalog.edit", unit_id=entry.provider_unit_id, object_type="catalog_entry",
                        object_id=entry.id)
            if not entry.is_published:
                raise ValidationError(_("Only published entries are confirmed in the annual maintenance."))
            entry.last_maintained_at = now
            uow.session.add(entry)
        uow.audit("catalog.confirm_maintained", object_type="catalog_entry",
                  detail={"entries": sorted(entry_ids)})
        uow.commit()
        return len(entries)
