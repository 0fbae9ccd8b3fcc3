"""Corrections (纠错 / 校核, RULES.md §5): filing by a consumer unit or by the public, verification by the source
unit against the `correction_verify` clock, questions to the reporter (the clock pauses and resumes), one
extension approved by the unit's head (Yunyang §23, capped by the profile through clocks.extend), and the answer.

The public filing has no signed-in user: it is audited under the system actor `public-portal`, the reporter's
personal data is encrypted (services.core.personal_data) and the tracking code is returned once and stored as
its SHA-256."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from models import CatalogEntry, Notification, Unit, User, UserRole
from models.clock import CaseKind, ClockStep
from models.correction import Correction, CorrectionOrigin, CorrectionStatus
from models.user import Role
from services.core import personal_data
from services.core.actor import Actor
from services.core.errors import PermissionDenied, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date, now_utc
from services.core.uow import UnitOfWork, unit_of_work
from services.corrections import evidence
from services.corrections.rules import (
    AnswerInput,
    CorrectionInput,
    PublicCorrectionInput,
    answer_errors,
    correction_errors,
    extension_errors,
    public_errors,
)
from services.deadlines import clocks, policy

PUBLIC_ACTOR = "public-portal"
MSG_NEW = N_("Correction {code} on entry {entry} is waiting for your verification.")
MSG_QUESTION = N_("Correction {code}: the source unit asks: {question}")
MSG_ANSWERED = N_("Correction {code}: {outcome}. {reply}")
# Unambiguous characters (no 0/O, 1/I) for a code read out over the telephone.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def correction_code(day: date, correction_id: int) -> str:
    return f"JC{day:%Y%m%d}{correction_id:07d}"


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def tracking_hash(code: str) -> str:
    normal = "".join(c for c in (code or "").upper() if c.isalnum())
    return hashlib.sha256(normal.encode("ascii", "ignore")).hexdigest()


def _stewards(session: Session, unit_ids: Iterable[int | None]) -> list[int]:
    ids = [u for u in unit_ids if u is not None]
    if not ids:
        return []
    return list(session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id)
                             .where(User.is_active == True, UserRole.role == Role.UNIT_STEWARD,  # noqa: E712
                                    User.unit_id.in_(ids))).all())  # type: ignore[attr-defined]


def _notify(session: Session, user_ids: Iterable[int], message: str, params: dict, case_id: int,
            now: datetime | None, exclude: int | None = None) -> None:
    created = now_utc(now)
    for user_id in dict.fromkeys(user_ids):
        if user_id != exclude:
            session.add(Notification(user_id=user_id, kind="decision", case_kind=CaseKind.CORRECTION, case_id=case_id,
                                     message=message, params=json.dumps(params, ensure_ascii=False, default=str),
                                     created_at=created))


def _published_entry(session: Session, entry_id: int | None) -> CatalogEntry:
    entry = session.get(CatalogEntry, entry_id, with_for_update=True) if entry_id else None
    if entry is None or not entry.is_published:
        raise ValidationError({"entry_id": _("Choose a published catalog entry.")})
    return entry


def _create(uow: UnitOfWork, entry: CatalogEntry, *, origin: str, description: str, items: Iterable[str],
            reporter_unit_id: int | None, uploads: list[evidence.Upload], written: list[Path],
            now: datetime | None, **personal) -> Correction:
    session, today = uow.session, local_date(now)
    checked = evidence.check(uploads)
    unit = session.get(Unit, entry.provider_unit_id)
    names = [n.strip() for n in items if n and n.strip()]
    corr = Correction(code=f"TMP{secrets.token_hex(8)}", origin=origin, entry_id=entry.id,  # type: ignore[arg-type]
                      provider_unit_id=entry.provider_unit_id, provider_region_id=unit.region_id if unit else None,
                      reporter_unit_id=reporter_unit_id, items=json.dumps(names, ensure_ascii=False) if names else None,
                      description=description.strip(), filed_on=today, created_by=uow.actor.user_id,
                      created_at=now_utc(now), **personal)
    session.add(corr)
    session.flush()
    corr.code = correction_code(today, corr.id)  # type: ignore[arg-type]
    session.add(corr)
    evidence.store(session, checked, owner_id=corr.id, uploaded_by=uow.actor.user_id, written=written)  # type: ignore[arg-type]
    clocks.start(session, case_kind=CaseKind.CORRECTION, case_id=corr.id, step=ClockStep.CORRECTION_VERIFY,  # type: ignore[arg-type]
                 unit_id=corr.provider_unit_id, region_id=corr.provider_region_id, started_on=today, now=now)
    entry.open_corrections += 1
    session.add(entry)
    _notify(session, _stewards(session, [corr.provider_unit_id]), MSG_NEW, {"code": corr.code, "entry": entry.name},
            corr.id, now)  # type: ignore[arg-type]
    return corr


def file_correction(actor: Actor, data: CorrectionInput, uploads: list[evidence.Upload] | None = None, *,
                    now: datetime | None = None) -> int:
    """A consumer unit reports wrong data on a published entry (Longyan §14, Qingyuan ch.4)."""
    written: list[Path] = []
    try:
        with unit_of_work(actor, now) as uow:
            uow.require("correction.file", object_type="correction", object_id=data.entry_id)
            uow.require("correction.file", unit_id=actor.unit_id, object_type="correction", object_id=data.entry_id)
            entry = _published_entry(uow.session, data.entry_id)
            errors = correction_errors(data)
            if errors:
                raise ValidationError(errors)
            if entry.provider_unit_id == actor.unit_id:
                raise ValidationError({"entry_id": _("Your unit is the source of this data: correct it directly.")})
            corr = _create(uow, entry, origin=CorrectionOrigin.UNIT, description=data.description, items=data.items,
                           reporter_unit_id=actor.unit_id, uploads=list(uploads or []), written=written, now=now)
            uow.audit("correction.file", object_type="correction", object_id=corr.code,
                      detail={"entry": entry.resource_code, "evidence": len(uploads or [])})
            uow.commit()
            return corr.id  # type: ignore[return-value]
    except BaseException:
        evidence.discard(written)
        raise


def file_public_correction(data: PublicCorrectionInput, uploads: list[evidence.Upload] | None = None, *,
                           now: datetime | None = None) -> tuple[str, str]:
    """A data subject or member of the public reports wrong data without signing in (Qingyuan ch.4, Yunyang §23).
    Returns (correction code, tracking code); the tracking code is shown once and kept only as a hash."""
    errors = public_errors(data)
    if errors:
        raise ValidationError(errors)
    tracking = new_tracking_code()
    written: list[Path] = []
    try:
        with unit_of_work(Actor.system(PUBLIC_ACTOR), now) as uow:
            entry = _published_entry(uow.session, data.entry_id)
            resident_id = (data.resident_id or "").strip().upper() or None
            corr = _create(uow, entry, origin=CorrectionOrigin.PUBLIC, description=data.description, items=data.items,
                           reporter_unit_id=None, uploads=list(uploads or []), written=written, now=now,
                           reporter_name_enc=personal_data.encrypt(data.name.strip()),
                           reporter_contact_enc=personal_data.encrypt(data.contact.strip()),
                           reporter_id_enc=personal_data.encrypt(resident_id), tracking_hash=tracking_hash(tracking))
            # The audit event names the case, never the reporter.
            uow.audit("correction.file_public", object_type="correction", object_id=corr.code,
                      detail={"entry": entry.resource_code, "evidence": len(uploads or []),
                              "resident_id_given": resident_id is not None})
            uow.commit()
            return corr.code, tracking
    except BaseException:
        evidence.discard(written)
        raise


def _open(uow: UnitOfWork, correction_id: int, permission: str, expected_version: int | None) -> Correction:
    """The source unit's action: the role first, then the row locked, the unit, the version, the state."""
    uow.require(permission, object_type="correction", object_id=correction_id)
    corr = uow.get(Correction, correction_id, for_update=True)
    uow.require(permission, unit_id=corr.provider_unit_id, object_type="correction", object_id=corr.code)
    uow.check_version(corr, expected_version)
    if corr.status != CorrectionStatus.OPEN:
        raise ValidationError({"status": _("This correction has already been answered.")})
    return corr


def _clock(session: Session, corr: Correction):
    clock = clocks.current(session, CaseKind.CORRECTION, corr.id, ClockStep.CORRECTION_VERIFY)  # type: ignore[arg-type]
    if clock is None:
        raise ValidationError({"clock": _("This correction has no running deadline.")})
    return clock


def ask_reporter(actor: Actor, correction_id: int, question: str, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """The source unit needs proof or details from the reporter: the verification clock pauses."""
    with unit_of_work(actor, now) as uow:
        corr = _open(uow, correction_id, "correction.answer", expected_version)
        errors: dict[str, str] = {}
        text = (question or "").strip()
        if not text:
            errors["question"] = _("Write the question.")
        if errors:
            raise ValidationError(errors)
        clocks.pause(uow.session, _clock(uow.session, corr), now=now)
        corr.question = text[:1000]
        uow.session.add(corr)
        _notify(uow.session, _stewards(uow.session, [corr.reporter_unit_id]), MSG_QUESTION,
                {"code": corr.code, "question": text[:200]}, corr.id, now)  # type: ignore[arg-type]
        uow.audit("correction.ask", object_type="correction", object_id=corr.code, detail={"question": text[:200]})
        uow.commit()


def resume_verification(actor: Actor, correction_id: int, note: str | None = None, *,
                        expected_version: int | None = None, now: datetime | None = None) -> None:
    """The reporter's answer arrived: the clock runs again, its due date moved by the days it stood still."""
    with unit_of_work(actor, now) as uow:
        corr = _open(uow, correction_id, "correction.answer", expected_version)
        clock = clocks.resume(uow.session, _clock(uow.session, corr), now=now)
        uow.audit("correction.resume", object_type="correction", object_id=corr.code,
                  detail={"note": (note or "").strip()[:200], "due_on": clock.due_on,
                          "paused_workdays": clock.paused_workdays})
        uow.commit()


def extend(actor: Actor, correction_id: int, workdays: int, *, approver: str, approved_on: date, reason: str,
           expected_version: int | None = None, now: datetime | None = None) -> date | None:
    """Yunyang §23: one extension of at most the profile's `correction_extension_max` working days, approved by
    the unit's head (name and date recorded). Returns the new due date."""
    with unit_of_work(actor, now) as uow:
        corr = _open(uow, correction_id, "correction.extend", expected_version)
        errors = extension_errors(workdays, approver, reason)
        if approved_on is None or approved_on > local_date(now):
            errors["approved_on"] = _("Give the date the head of the unit approved the extension.")
        if corr.extension_days:
            errors["workdays"] = _("This correction was already extended once.")
        if policy.active_profile().correction_extension_max <= 0:
            errors["workdays"] = _("The active policy allows no extension for this step.")
        if errors:
            raise ValidationError(errors)
        clock = clocks.extend(uow.session, _clock(uow.session, corr), int(workdays), now=now)
        corr.extension_days = int(workdays)
        corr.extension_approver = approver.strip()[:50]
        corr.extension_approved_on = approved_on
        corr.extension_reason = reason.strip()[:1000]
        uow.session.add(corr)
        uow.audit("correction.extend", object_type="correction", object_id=corr.code,
                  detail={"workdays": int(workdays), "approver": corr.extension_approver,
                          "approved_on": approved_on, "due_on": clock.due_on})
        uow.commit()
        return clock.due_on


def answer(actor: Actor, correction_id: int, data: AnswerInput, *, expected_version: int | None = None,
           now: datetime | None = None) -> None:
    """Corrected (with what changed), confirmed correct, or rejected with reasons; the reporter is told (in-app
    for units, on the tracking page for the public)."""
    with unit_of_work(actor, now) as uow:
        corr = _open(uow, correction_id, "correction.answer", expected_version)
        errors = answer_errors(data)
        if errors:
            raise ValidationError(errors)
        if corr.origin == CorrectionOrigin.UNIT and actor.user_id is not None and actor.user_id == corr.created_by:
            raise PermissionDenied(_("You filed this correction yourself: another person must answer it."),
                                   action="correction.answer")
        session = uow.session
        clock = clocks.current(session, CaseKind.CORRECTION, corr.id, ClockStep.CORRECTION_VERIFY)  # type: ignore[arg-type]
        closed = clocks.close(session, case_kind=CaseKind.CORRECTION, case_id=corr.id, now=now)  # type: ignore[arg-type]
        corr.status = data.outcome
        corr.reply = data.reply.strip()[:2000]
        corr.change_note = (data.change_note or "").strip()[:2000] or None
        corr.answered_at, corr.answered_by = now_utc(now), actor.user_id
        session.add(corr)
        entry = session.get(CatalogEntry, corr.entry_id, with_for_update=True)
        if entry is not None and entry.open_corrections > 0:
            entry.open_corrections -= 1
            session.add(entry)
        from services.corrections.rules import STATUS_LABELS

        _notify(session, _stewards(session, [corr.reporter_unit_id]), MSG_ANSWERED,
                {"code": corr.code, "outcome": STATUS_LABELS[CorrectionStatus(data.outcome)],
                 "reply": corr.reply[:200]}, corr.id, now)  # type: ignore[arg-type]
        late = bool(closed and clock is not None and clock.due_on is not None and local_date(now) > clock.due_on)
        uow.audit("correction.answer", object_type="correction", object_id=corr.code,
                  detail={"outcome": data.outcome, "late": late})
        uow.commit()
