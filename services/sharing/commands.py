"""Sharing between units (共享, RULES.md §4): getting access, applications, routing, decisions on least
authorisation, agreements, implementation, grants, usage reports and disputes.

Every function here changes state through the transition table in services/sharing/rules.py, starts and
closes the SLA clocks of the waiting states, notifies the unit that must act next, and writes its audit event
in the same transaction. Reads live in services/sharing/queries.py."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from models import CatalogEntry, DataItem, Notification, Unit, User, UserRole
from models.catalog import SecurityLevel, ShareMethod, ShareType
from models.clock import CaseKind, ClockOutcome, ClockStep
from models.sharing import (
    AnswerClockStart,
    Decision,
    Dispute,
    DisputeStatus,
    RequestKind,
    RequestStatus,
    Route,
    ShareDecision,
    ShareGrant,
    ShareRequest,
    UsageReport,
    VerifyResult,
)
from models.user import Role
from services.core.actor import Actor
from services.core.audit import diff
from services.core.errors import PermissionDenied, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.jurisdiction import competent_bureau, filing_departments
from services.core.settings import get_settings
from services.core.timeutil import local_date, now_utc
from services.core.uow import UnitOfWork, unit_of_work
from services.core.validators import date_error, latest_end_date, text_error
from services.deadlines import clocks, policy
from services.sharing import attachments as sharing_files
from services.sharing.rules import (
    METHOD_LABELS,
    OPEN_STATUSES,
    ROUTE_PARTIES,
    SYSTEM,
    VERIFY_RESULT_LABELS,
    Act,
    UnitFacts,
    choose_route,
    citation_errors,
    format_citation,
    is_cross_level,
    method_widens,
    parties_of,
    parties_of_new,
    transition,
)

S = RequestStatus
TEXT_LIMITS = {"records": 5000, "verify_note": 1000,
               "title": 120, "scenario": 300, "purpose": 1000, "legal_basis": 1000, "description": 1000, "reason": 1000,
               "note": 1000, "use_agreement": 200, "confidentiality_agreement": 200, "content": 2000}

# Notification msgids (translated when shown in the reader's language).
MSG_NEW_REQUEST = N_("New share request {code} from {unit} is waiting for your answer.")
MSG_DECIDED = N_("Share request {code}: {outcome}.")
MSG_NEEDS_INFO = N_("Share request {code} needs more information: {question}")
MSG_IMPLEMENTED = N_("Share request {code}: access was given until {ends_on}.")
MSG_DISPUTE = N_("The refusal of share request {code} was objected to and awaits coordination.")
MSG_DISPUTE_DECIDED = N_("Coordination of share request {code}: {outcome}.")
MSG_FILED = N_("Cross-level share request {code} was filed with your bureau.")
MSG_EXPIRING = N_("Access under share request {code} ends on {ends_on}.")
MSG_REVOKED = N_("Access under share request {code} was revoked: {reason}")
MSG_CONFIRMED = N_("Share request {code}: the provider confirmed it holds the data and is cataloguing it.")
MSG_CATALOGUED = N_("Share request {code}: the data's catalog entry was published; your request is now answered.")
MSG_NEW_VERIFICATION = N_("Verification request {code} from {unit} is waiting for your answer.")
MSG_VERIFIED = N_("Verification request {code}: {result}.")
OUTCOME_APPROVED = N_("approved")
OUTCOME_REJECTED = N_("refused")
OUTCOME_UPHELD = N_("the refusal was upheld")
OUTCOME_OVERTURNED = N_("the refusal was overturned and the provider must implement")


# --- inputs -----------------------------------------------------------------------------------------------
@dataclass
class ApplicationInput:
    """What a requester states (Shanghai §14, Qingyuan ch.4). `entry_id` for catalogued data; for data not in
    the catalog, `provider_unit_id`, `description` and `wanted_items` (names) instead."""

    scenario: str
    purpose: str
    legal_basis: str
    share_method: str
    end_date: date | None
    entry_id: int | None = None
    items: Sequence[int] = ()
    provider_unit_id: int | None = None
    title: str | None = None
    description: str | None = None
    wanted_items: Sequence[str] = ()


@dataclass
class VerificationInput:
    """核验比对 (Qingyuan ch.4): the records the requester asks the source unit to check against its data, and the
    data items to compare. Nothing is handed over: the answer is match / no match / partly."""

    entry_id: int
    records: str
    purpose: str
    legal_basis: str
    items: Sequence[int] = ()
    scenario: str | None = None


@dataclass
class DecisionInput:
    decision: str  # Decision
    reason: str | None = None  # the reasons of a refusal, or the question asked
    basis_law: str | None = None  # refusal: the law or regulation (Shanghai §13)
    basis_article: str | None = None  # refusal: its article
    items: Sequence[int] | None = None  # approve: narrowed items (None keeps them)
    end_date: date | None = None  # approve: narrowed end date
    method: str | None = None  # approve: the share method granted


# --- small helpers ----------------------------------------------------------------------------------------
def _dumps(values: Iterable) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _loads(text: str | None) -> list:
    return json.loads(text) if text else []


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _require_text(errors: dict[str, str], name: str, value: str | None, message: str) -> str:
    text = _clean(value)
    if not text:
        errors[name] = message
    elif text_error(text, TEXT_LIMITS[name]):
        errors[name] = text_error(text, TEXT_LIMITS[name])  # type: ignore[assignment]
    return text


def _optional_text(errors: dict[str, str], name: str, value: str | None) -> str | None:
    text = _clean(value)
    if text_error(text, TEXT_LIMITS[name]):
        errors[name] = text_error(text, TEXT_LIMITS[name])  # type: ignore[assignment]
    return text or None


def request_code(day: date, request_id: int) -> str:
    return f"GX{day:%Y%m%d}{request_id:07d}"


def _unit_facts(session: Session, unit_id: int | None) -> UnitFacts:
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.is_active:
        raise ValidationError({"provider_unit_id": _("Choose an active unit.")})
    return UnitFacts(unit.id, unit.level, unit.region_id)  # type: ignore[arg-type]


def _recipients(session: Session, role: str, *, unit_ids: Iterable[int] = (), region_id: int | None = None) -> list[int]:
    query = select(User.id).join(UserRole, UserRole.user_id == User.id).where(User.is_active == True,  # noqa: E712
                                                                               UserRole.role == role)
    unit_ids = [u for u in unit_ids if u is not None]
    if unit_ids:
        query = query.where(User.unit_id.in_(unit_ids))  # type: ignore[attr-defined]
    elif region_id is not None:
        query = query.join(Unit, Unit.id == User.unit_id).where(Unit.region_id == region_id)
    else:
        return []
    return list(session.exec(query).all())


def _notify(session: Session, user_ids: Iterable[int], message: str, params: dict, *, kind: str = "decision",
            case_kind: str = CaseKind.SHARE_REQUEST, case_id: int | None = None, now: datetime | None = None,
            exclude: int | None = None) -> None:
    created = now_utc(now)
    for user_id in dict.fromkeys(user_ids):
        if user_id == exclude:
            continue
        session.add(Notification(user_id=user_id, kind=kind, case_kind=case_kind, case_id=case_id, message=message,
                                 params=json.dumps(params, ensure_ascii=False, default=str), created_at=created))


def _stewards(session: Session, *unit_ids: int) -> list[int]:
    return _recipients(session, Role.UNIT_STEWARD, unit_ids=unit_ids)


def _unit_name(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.name if unit else ""


def _start(session: Session, req: ShareRequest, step: str, today: date, now: datetime | None) -> None:
    """The provider must act on every step of a request (Clock responsibility: the unit that must act)."""
    clocks.start(session, case_kind=CaseKind.SHARE_REQUEST, case_id=req.id, step=step,
                 unit_id=req.provider_unit_id, region_id=req.provider_region_id, started_on=today, now=now)


def _close(session: Session, req: ShareRequest, step: str | None, now: datetime | None,
           outcome: str = ClockOutcome.DONE) -> None:
    clocks.close(session, case_kind=CaseKind.SHARE_REQUEST, case_id=req.id, step=step, outcome=outcome, now=now)


def _load_request(uow: UnitOfWork, request_id: int) -> ShareRequest:
    return uow.get(ShareRequest, request_id, for_update=True)


def _open_request(uow: UnitOfWork, request_id: int, permission: str, act: Act, *, side: str,
                  expected_version: int | None) -> tuple[ShareRequest, str]:
    """How a party's action starts: the request row locked, `permission` on the acting side's unit
    ("provider" or "requester"), the version the user saw, and the transition allowed for this party now.
    Returns the request and its next status."""
    uow.require(permission, object_type="share_request", object_id=request_id)  # the role, before any read
    req = _load_request(uow, request_id)
    unit_id = req.provider_unit_id if side == "provider" else req.requester_unit_id
    uow.require(permission, unit_id=unit_id, object_type="share_request", object_id=req.code)
    uow.check_version(req, expected_version)
    next_status, _party = transition(req.status, act, parties_of(uow.actor, req), req.route)
    return req, next_status


@contextmanager
def _files_until_commit() -> Iterator[list[Path]]:
    """The attachment files a transaction writes beside the database: removed again unless it commits."""
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        sharing_files.discard(written)
        raise


def _snapshot(req: ShareRequest) -> dict:
    return {"status": req.status, "version": req.version, "approved_items": _loads(req.approved_items),
            "approved_end_date": req.approved_end_date, "approved_method": req.approved_method}


# --- entry facts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntryFacts:
    id: int
    name: str
    provider_unit_id: int
    share_method: str | None
    share_type: str | None
    security_level: str | None
    item_ids: tuple[int, ...]
    sensitive_item_ids: frozenset[int]


def _require_shareable(session: Session, entry_id: int | None) -> None:
    """Longyan §8, Shanghai §9: nothing is shared unless it is catalogued and published; and not-shared data is
    only ever verified (Qingyuan ch.4), also when an entry became not shared after the request was made."""
    entry = session.get(CatalogEntry, entry_id) if entry_id else None
    if entry is None or not entry.is_published:
        raise ValidationError({"entry_id": _("The data is not published in the catalog: nothing is shared before "
                                             "its entry is reviewed and published.")})
    if entry.share_type == ShareType.NOT_SHARED:
        raise ValidationError({"entry_id": _("The entry is not shared: refuse citing its legal basis; the requester "
                                             "may ask for verification instead.")})


def _method_within_entry(errors: dict[str, str], entry: EntryFacts, method: str | None) -> None:
    """Least authorisation starts at the entry: nobody asks for more than the method it declares."""
    if method and method_widens(entry.share_method, method):
        errors["share_method"] = _("This entry is shared by {method} at most: choose that or a narrower method.",
                                   method=_(METHOD_LABELS.get(entry.share_method or "", entry.share_method or "")))


def _lock_unit(session: Session, unit_id: int | None) -> None:
    """Serialise a unit's checks-then-inserts (no second open request, no second active grant): PostgreSQL's
    READ COMMITTED would let two concurrent transactions both pass the check; SQLite's write lock already does."""
    if unit_id is not None:
        session.exec(select(Unit.id).where(Unit.id == unit_id).with_for_update()).first()


def _start_answer(session: Session, req: ShareRequest, today: date, now: datetime | None) -> None:
    """The answer clock starts at submission, or, where the profile says so (Shanghai §14), when the provider
    records receipt of the signed written application; until then an age clock (no due date: the regulation sets
    no time for the paper to arrive) keeps the request in the provider's to-do and the overdue lists' view."""
    if policy.active_profile().answer_clock_starts == AnswerClockStart.WRITTEN_APPLICATION \
            and req.application_received_on is None:
        _start(session, req, ClockStep.SHARE_APPLICATION_FORM, today, now)
        return
    _start(session, req, ClockStep.SHARE_ANSWER, max(today, req.application_received_on or today), now)


def _not_own_request(actor: Actor, req: ShareRequest, action: str) -> None:
    """Nobody decides a request they submitted, even when one account holds both roles."""
    if actor.user_id is not None and actor.user_id == req.created_by:
        raise PermissionDenied(_("You submitted this request yourself: another person must decide it."),
                               action=action)


def _entry_facts(session: Session, entry_id: int | None, *, published: bool = True) -> EntryFacts:
    entry = session.get(CatalogEntry, entry_id) if entry_id else None
    if entry is None or (published and not entry.is_published):
        raise ValidationError({"entry_id": _("Choose a published catalog entry.")})
    items = session.exec(select(DataItem.id, DataItem.is_sensitive).where(DataItem.entry_id == entry.id)
                         .order_by(DataItem.position, DataItem.id)).all()
    return EntryFacts(entry.id, entry.name, entry.provider_unit_id, entry.share_method,  # type: ignore[arg-type]
                      entry.share_type,
                      entry.security_level, tuple(i for i, _s in items),
                      frozenset(i for i, sensitive in items if sensitive))


def _needs_confidentiality(entry: EntryFacts, item_ids: Iterable[int]) -> bool:
    """Shanghai §14: secret, commercial or personal data needs a confidentiality agreement."""
    return entry.security_level == SecurityLevel.SENSITIVE or bool(entry.sensitive_item_ids & set(item_ids))


def _validate_common(errors: dict[str, str], data: ApplicationInput, today: date) -> dict:
    clean = {
        "scenario": _require_text(errors, "scenario", data.scenario, _("Describe the scenario the data is used in.")),
        "purpose": _require_text(errors, "purpose", data.purpose, _("State the purpose.")),
        "legal_basis": _require_text(errors, "legal_basis", data.legal_basis,
                                     _("Cite the duty or legal basis that needs the data.")),
    }
    if data.share_method not in set(ShareMethod):
        errors["share_method"] = _("Choose a share method.")
    if data.end_date is None:
        errors["end_date"] = _("Give the date until which the data is needed.")
    elif data.end_date <= today:
        errors["end_date"] = _("The end date must be after today.")
    elif date_error(data.end_date, latest=latest_end_date(today)):
        errors["end_date"] = date_error(data.end_date, latest=latest_end_date(today))  # type: ignore[assignment]
    return clean


def _check_items(errors: dict[str, str], wanted: Sequence[int], allowed: Sequence[int], *, narrowing: bool = False) -> list[int]:
    chosen = list(dict.fromkeys(int(i) for i in wanted))
    if not chosen:
        errors["items"] = _("Choose at least one data item.")
    elif not set(chosen) <= set(allowed):
        errors["items"] = (_("Least authorisation: an approval may narrow the data items, never add new ones.")
                           if narrowing else _("Choose data items of this catalog entry."))
    return [i for i in allowed if i in set(chosen)]


def _no_open_duplicate(session: Session, requester_unit_id: int, entry_id: int) -> None:
    existing = session.exec(select(ShareRequest.code).where(
        ShareRequest.requester_unit_id == requester_unit_id, ShareRequest.entry_id == entry_id,
        ShareRequest.status.in_(OPEN_STATUSES))).first()  # type: ignore[attr-defined]
    if existing:
        raise ValidationError({"entry_id": _("Your unit already has an open request {code} for this entry.",
                                             code=existing)})


def _active_grant(session: Session, consumer_unit_id: int, entry_id: int, today: date) -> ShareGrant | None:
    return session.exec(select(ShareGrant).where(
        ShareGrant.consumer_unit_id == consumer_unit_id, ShareGrant.entry_id == entry_id,
        ShareGrant.revoked_at.is_(None),  # type: ignore[union-attr]
        (ShareGrant.ends_on.is_(None)) | (ShareGrant.ends_on >= today))).first()  # type: ignore[union-attr,operator]


def _new_request(session: Session, actor: Actor, *, kind: str, status: str, route: str, requester: UnitFacts,
                 provider: UnitFacts, today: date, moment: datetime, **fields) -> ShareRequest:
    placeholder = f"tmp{moment.timestamp():.6f}"[-24:]
    req = ShareRequest(code=placeholder, kind=kind, status=status, route=route, requester_unit_id=requester.id,
                       provider_unit_id=provider.id, requester_region_id=requester.region_id,
                       provider_region_id=provider.region_id, created_by=actor.user_id, created_at=moment,
                       submitted_at=moment, **fields)
    session.add(req)
    session.flush()
    req.code = request_code(today, req.id)  # type: ignore[arg-type]
    return req


def _attach(session: Session, actor: Actor, req: ShareRequest, checked: sharing_files.CheckedUpload | None,
            written: list[Path]) -> int | None:
    if checked is None:
        return None
    row = sharing_files.store(session, checked, owner_id=req.id, uploaded_by=actor.user_id,  # type: ignore[arg-type]
                              written=written)
    session.flush()
    return row.id


# --- getting data -----------------------------------------------------------------------------------------
def get_access(actor: Actor, entry_id: int, *, purpose: str, scenario: str | None = None,
               items: Sequence[int] | None = None, end_date: date | None = None,
               now: datetime | None = None) -> int:
    """Unconditional entry (Longyan §12, Qingyuan ch.4): access is granted at once, recorded and audited.
    Returns the grant id."""
    with unit_of_work(actor, now) as uow:
        uow.require("share.apply", unit_id=actor.unit_id, object_type="catalog_entry", object_id=entry_id)
        session = uow.session
        today, moment = local_date(now), now_utc(now)
        entry = _entry_facts(session, entry_id)
        errors: dict[str, str] = {}
        if entry.share_type != ShareType.UNCONDITIONAL:
            raise ValidationError({"entry_id": _("This entry is not shared unconditionally: apply for it instead.")})
        if entry.provider_unit_id == actor.unit_id:
            raise ValidationError({"entry_id": _("Your unit provides this data itself.")})
        clean_purpose = _require_text(errors, "purpose", purpose, _("State the purpose."))
        clean_scenario = _optional_text(errors, "scenario", scenario)
        chosen = _check_items(errors, list(items) if items else list(entry.item_ids), entry.item_ids)
        ends_on = end_date or today + timedelta(days=get_settings().share_unconditional_grant_days)
        if ends_on <= today:
            errors["end_date"] = _("The end date must be after today.")
        elif date_error(ends_on, latest=latest_end_date(today)):
            errors["end_date"] = date_error(ends_on, latest=latest_end_date(today))  # type: ignore[assignment]
        if errors:
            raise ValidationError(errors)
        _lock_unit(session, actor.unit_id)
        existing = _active_grant(session, actor.unit_id, entry.id, today)  # type: ignore[arg-type]
        if existing is not None:
            raise ValidationError({"entry_id": _("Your unit already has access to this entry until {day}.",
                                                 day=existing.ends_on)})
        status, _party = transition(None, Act.ACCESS, parties_of_new(actor))
        method = entry.share_method or ShareMethod.INTERFACE  # the method the entry declares (RULES §4)
        requester = _unit_facts(session, actor.unit_id)
        provider = _unit_facts(session, entry.provider_unit_id)
        req = _new_request(session, actor, kind=RequestKind.ACCESS, status=status, route=Route.PROVIDER,
                           requester=requester, provider=provider, today=today, moment=moment, entry_id=entry.id,
                           requested_items=_dumps(chosen), approved_items=_dumps(chosen), scenario=clean_scenario,
                           purpose=clean_purpose, end_date=ends_on, approved_end_date=ends_on,
                           share_method=method, approved_method=method,
                           bureau_unit_id=getattr(competent_bureau(session, provider.region_id), "id", None),
                           answered_at=moment, implemented_at=moment)
        grant = ShareGrant(request_id=req.id, entry_id=entry.id, consumer_unit_id=actor.unit_id,  # type: ignore[arg-type]
                           provider_unit_id=entry.provider_unit_id, items=_dumps(chosen),
                           method=method, starts_on=today, ends_on=ends_on, created_at=moment)
        session.add(grant)
        session.flush()
        uow.audit("share.access", object_type="share_request", object_id=req.code,
                  detail={"entry_id": entry.id, "entry": entry.name, "items": chosen, "purpose": clean_purpose,
                          "ends_on": ends_on, "grant_id": grant.id, "method": method})
        uow.commit()
        return grant.id  # type: ignore[return-value]


def apply(actor: Actor, data: ApplicationInput, *, attachment: sharing_files.Upload | None = None,
          now: datetime | None = None) -> int:
    """Apply for a conditional entry (Shanghai §14, Qingyuan ch.4). Not-shared data is never handed over: for it
    the requester asks for verification instead (`request_verification`). Returns the request id."""
    with _files_until_commit() as written, unit_of_work(actor, now) as uow:
        uow.require("share.apply", unit_id=actor.unit_id, object_type="catalog_entry", object_id=data.entry_id)
        session = uow.session
        today, moment = local_date(now), now_utc(now)
        entry = _entry_facts(session, data.entry_id)
        if entry.share_type == ShareType.UNCONDITIONAL:
            raise ValidationError({"entry_id": _("This entry is shared unconditionally: get access directly.")})
        if entry.provider_unit_id == actor.unit_id:
            raise ValidationError({"entry_id": _("Your unit provides this data itself.")})
        if entry.share_type == ShareType.NOT_SHARED:
            raise ValidationError({"entry_id": _("This entry is not shared: ask the source unit to verify your "
                                                 "records instead (Qingyuan ch.4).")})
        errors: dict[str, str] = {}
        clean = _validate_common(errors, data, today)
        _method_within_entry(errors, entry, data.share_method)
        chosen = _check_items(errors, data.items, entry.item_ids)
        checked = sharing_files.check(attachment) if attachment is not None else None
        if errors:
            raise ValidationError(errors)
        _lock_unit(session, actor.unit_id)
        _no_open_duplicate(session, actor.unit_id, entry.id)  # type: ignore[arg-type]
        existing = _active_grant(session, actor.unit_id, entry.id, today)  # type: ignore[arg-type]
        if existing is not None:
            raise ValidationError({"entry_id": _("Your unit already has access to this entry until {day}.",
                                                 day=existing.ends_on)})
        status, _party = transition(None, Act.APPLY, parties_of_new(actor))
        kind = RequestKind.APPLY
        req = _submit(uow, actor, kind=kind, status=status, entry=entry, provider_unit_id=entry.provider_unit_id,
                      clean=clean, data=data, items=_dumps(chosen),
                      needs_confidentiality=_needs_confidentiality(entry, chosen), today=today, moment=moment)
        attachment_id = _attach(session, actor, req, checked, written)
        _start_answer(session, req, today, now)
        _notify_deciders(session, req, MSG_NEW_REQUEST, now=now)
        uow.audit("share.apply", object_type="share_request", object_id=req.code,
                  detail={"kind": kind, "route": req.route, "entry_id": entry.id, "entry": entry.name,
                          "items": chosen, "share_method": data.share_method, "end_date": data.end_date,
                          "cross_level": req.cross_level, "needs_confidentiality": req.needs_confidentiality,
                          "attachment_id": attachment_id, **clean})
        uow.commit()
        return req.id  # type: ignore[return-value]


def _submit(uow: UnitOfWork, actor: Actor, *, kind: str, status: str, entry: EntryFacts | None,
            provider_unit_id: int, clean: dict, data: ApplicationInput | VerificationInput, items: str,
            needs_confidentiality: bool, today: date, moment: datetime, **extra) -> ShareRequest:
    session = uow.session
    profile = policy.active_profile()
    requester = _unit_facts(session, actor.unit_id)
    provider = _unit_facts(session, provider_unit_id)
    county_has_approver = bool(_recipients(session, Role.COUNTY_APPROVER, region_id=provider.region_id))
    bureau = competent_bureau(session, provider.region_id)
    bureau_has_reviewer = bureau is not None and bool(_recipients(session, Role.BUREAU_REVIEWER, unit_ids=[bureau.id]))
    route, note = choose_route(requester, provider, bureau_co_decides=bool(profile.bureau_co_decides),
                               county_approval=bool(profile.county_approval), county_has_approver=county_has_approver,
                               bureau_has_reviewer=bureau_has_reviewer)
    if kind == RequestKind.VERIFY:
        route, note = Route.PROVIDER, None  # the source unit answers a verification itself
    cross = bool(profile.cross_level_filing) and is_cross_level(requester, provider)
    req = _new_request(session, actor, kind=kind, status=status, route=route, requester=requester,
                       provider=provider, today=today, moment=moment, entry_id=entry.id if entry else None,
                       bureau_unit_id=bureau.id if bureau else None, route_note=note,
                       requested_items=items, share_method=getattr(data, "share_method", None),
                       end_date=getattr(data, "end_date", None),
                       cross_level=cross, filed_at=moment if cross else None,
                       needs_confidentiality=needs_confidentiality, **clean, **extra)
    if cross:
        _file_cross_level(uow, req, requester, provider)
    if note:
        uow.audit("share.route", object_type="share_request", object_id=req.code,
                  detail={"route": route, "note": note, "provider_region_id": provider.region_id})
    return req


def _file_cross_level(uow: UnitOfWork, req: ShareRequest, requester: UnitFacts, provider: UnitFacts) -> None:
    """Qingyuan ch.4: filed with the requester's competent department and the one of the level above it,
    whichever kind each is (a bureau, or a county's e-government department)."""
    session = uow.session
    departments = [u.id for u in filing_departments(session, requester.region_id)]
    staff = (_recipients(session, Role.BUREAU_REVIEWER, unit_ids=departments)
             + _recipients(session, Role.COUNTY_APPROVER, unit_ids=departments))
    _notify(session, staff, MSG_FILED, {"code": req.code}, kind="info", case_id=req.id, now=uow.now)
    uow.audit("share.file", object_type="share_request", object_id=req.code,
              detail={"departments": departments, "requester_region_id": requester.region_id,
                      "provider_region_id": provider.region_id})


def _notify_deciders(session: Session, req: ShareRequest, message: str, *, now: datetime | None) -> None:
    users = _stewards(session, req.provider_unit_id)
    if req.route == Route.COUNTY:
        users += _recipients(session, Role.COUNTY_APPROVER, region_id=req.provider_region_id)
    elif req.route == Route.BUREAU_CO:
        users += _recipients(session, Role.BUREAU_REVIEWER, unit_ids=[req.bureau_unit_id] if req.bureau_unit_id else [])
    _notify(session, users, message, {"code": req.code, "unit": _unit_name(session, req.requester_unit_id)},
            kind="info", case_id=req.id, now=now)


def request_uncatalogued(actor: Actor, data: ApplicationInput, *, attachment: sharing_files.Upload | None = None,
                         now: datetime | None = None) -> int:
    """Data not in the catalog (Qingyuan ch.4): a request to a named unit, which confirms within the profile's
    working days and then catalogs the data. Returns the request id."""
    with _files_until_commit() as written, unit_of_work(actor, now) as uow:
        uow.require("share.apply", unit_id=actor.unit_id, object_type="unit", object_id=data.provider_unit_id)
        session = uow.session
        today, moment = local_date(now), now_utc(now)
        errors: dict[str, str] = {}
        if data.provider_unit_id is None:
            errors["provider_unit_id"] = _("Choose the unit that holds the data.")
        elif data.provider_unit_id == actor.unit_id:
            errors["provider_unit_id"] = _("Your unit holds this data itself.")
        title = _require_text(errors, "title", data.title, _("Name the data your unit needs."))
        description = _require_text(errors, "description", data.description,
                                    _("Describe the data your unit needs."))
        wanted = [w.strip() for w in data.wanted_items if w and w.strip()]
        if not wanted:
            errors["items"] = _("Name at least one data item.")
        elif any(len(w) > 80 for w in wanted):
            errors["items"] = _("A data item name has at most {n} characters.", n=80)
        clean = _validate_common(errors, data, today)
        checked = sharing_files.check(attachment) if attachment is not None else None
        if errors:
            raise ValidationError(errors)
        _unit_facts(session, data.provider_unit_id)
        _lock_unit(session, actor.unit_id)
        same = session.exec(select(ShareRequest.code).where(
            ShareRequest.requester_unit_id == actor.unit_id, ShareRequest.provider_unit_id == data.provider_unit_id,
            ShareRequest.kind == RequestKind.UNCATALOGUED, ShareRequest.uncatalogued_title == title,
            ShareRequest.status.in_(OPEN_STATUSES))).first()  # type: ignore[attr-defined]
        if same:
            raise ValidationError({"title": _("Your unit already has an open request {code} for this data.",
                                              code=same)})
        status, _party = transition(None, Act.REQUEST_UNCATALOGUED, parties_of_new(actor))
        req = _submit(uow, actor, kind=RequestKind.UNCATALOGUED, status=status, entry=None,
                      provider_unit_id=data.provider_unit_id,  # type: ignore[arg-type]
                      clean=clean, data=data, items=_dumps(dict.fromkeys(wanted)), needs_confidentiality=False,
                      today=today, moment=moment, uncatalogued_title=title,
                      uncatalogued_description=description)
        attachment_id = _attach(session, actor, req, checked, written)
        _start(session, req, ClockStep.UNCATALOGUED_CONFIRM, today, now)
        _notify(session, _stewards(session, req.provider_unit_id), MSG_NEW_REQUEST,
                {"code": req.code, "unit": _unit_name(session, req.requester_unit_id)}, kind="info",
                case_id=req.id, now=now)
        uow.audit("share.request_uncatalogued", object_type="share_request", object_id=req.code,
                  detail={"provider_unit_id": req.provider_unit_id, "title": title, "description": description,
                          "wanted_items": wanted, "attachment_id": attachment_id, **clean})
        uow.commit()
        return req.id  # type: ignore[return-value]


def confirm_uncatalogued(actor: Actor, request_id: int, *, expected_version: int | None = None,
                         now: datetime | None = None) -> int:
    """The provider confirms it holds the data (Qingyuan ch.4): in the same transaction a draft catalog entry
    pre-filled from the request is created, and the request waits, on its own clock, until that entry is
    reviewed and published (Longyan §8); then it continues to the answer. Returns the draft entry's id."""
    from services import catalog

    with unit_of_work(actor, now) as uow:
        req, status = _open_request(uow, request_id, "share.confirm", Act.CONFIRM, side="provider",
                                    expected_version=expected_version)
        entry_id = catalog.create_draft_in(uow, provider_unit_id=req.provider_unit_id,
                                           name=req.uncatalogued_title or req.code,
                                           summary=req.uncatalogued_description,
                                           item_names=[str(n) for n in _loads(req.requested_items)], now=now)
        before = _snapshot(req)
        req.entry_id = entry_id
        req.status = status
        req.updated_at = now_utc(now)
        _close(uow.session, req, ClockStep.UNCATALOGUED_CONFIRM, now)
        _start(uow.session, req, ClockStep.SHARE_CATALOG, local_date(now), now)
        uow.session.add(req)
        _notify(uow.session, _stewards(uow.session, req.requester_unit_id), MSG_CONFIRMED, {"code": req.code},
                kind="info", case_id=req.id, now=now)
        uow.audit("share.confirm", object_type="share_request", object_id=req.code,
                  detail={"before": before, "after": _snapshot(req), "draft_entry_id": entry_id})
        uow.commit()
        return entry_id


def entry_published(uow: UnitOfWork, entry_id: int, now: datetime | None) -> list[str]:
    """Catalog listener (services.catalog.commands.PUBLISH_LISTENERS), inside the approval's transaction:
    requests waiting for this entry continue to the answer, asking for the published data items that carry the
    names the requester asked for (all items when none match). Returns the codes of the requests moved on."""
    from services.catalog import normalise_name

    session = uow.session
    waiting = session.exec(select(ShareRequest).where(ShareRequest.entry_id == entry_id,
                                                      ShareRequest.status == S.AWAITING_CATALOG)
                           .with_for_update()).all()
    if not waiting:
        return []
    entry = _entry_facts(session, entry_id)
    names = {normalise_name(n): i for i, n in session.exec(
        select(DataItem.id, DataItem.name).where(DataItem.entry_id == entry_id)).all()}
    today, moment = local_date(now), now_utc(now)
    moved = []
    for req in waiting:
        status, _party = transition(req.status, Act.CATALOGUED, {SYSTEM}, req.route)
        asked = [names[k] for k in (normalise_name(str(n)) for n in _loads(req.requested_items)) if k in names]
        chosen = [i for i in entry.item_ids if i in set(asked)] or list(entry.item_ids)
        before = _snapshot(req)
        req.requested_items = _dumps(chosen)
        req.needs_confidentiality = _needs_confidentiality(entry, chosen)
        req.status, req.updated_at = status, moment
        req.version += 1
        session.add(req)
        _close(session, req, ClockStep.SHARE_CATALOG, now)
        _start_answer(session, req, today, now)
        _notify_deciders(session, req, MSG_NEW_REQUEST, now=now)
        _notify(session, _stewards(session, req.requester_unit_id), MSG_CATALOGUED, {"code": req.code},
                kind="info", case_id=req.id, now=now)
        uow.audit("share.catalogued", object_type="share_request", object_id=req.code,
                  detail={"entry_id": entry_id, "items": chosen, "before": before, "after": _snapshot(req)})
        moved.append(req.code)
    return moved


# --- verification (核验比对) ----------------------------------------------------------------------------------
def request_verification(actor: Actor, data: VerificationInput, *, now: datetime | None = None) -> int:
    """Qingyuan ch.4: for not-shared data, and conditional data whose conditions the requester does not meet,
    the requester asks the source unit to verify or compare records. No grant, no download, no data items flow:
    the answer is match / no match / partly. Returns the request id."""
    with unit_of_work(actor, now) as uow:
        uow.require("share.apply", unit_id=actor.unit_id, object_type="catalog_entry", object_id=data.entry_id)
        session = uow.session
        today, moment = local_date(now), now_utc(now)
        entry = _entry_facts(session, data.entry_id)
        if entry.share_type == ShareType.UNCONDITIONAL:
            raise ValidationError({"entry_id": _("This entry is shared unconditionally: get access directly.")})
        if entry.provider_unit_id == actor.unit_id:
            raise ValidationError({"entry_id": _("Your unit provides this data itself.")})
        errors: dict[str, str] = {}
        clean = {
            "scenario": _optional_text(errors, "scenario", data.scenario),
            "purpose": _require_text(errors, "purpose", data.purpose, _("State the purpose.")),
            "legal_basis": _require_text(errors, "legal_basis", data.legal_basis,
                                         _("Cite the duty or legal basis that needs the data.")),
        }
        records = _require_text(errors, "records", data.records,
                                _("List the records to verify, one per line (for example ID number and name)."))
        chosen = _check_items(errors, list(data.items) or list(entry.item_ids), entry.item_ids)
        if errors:
            raise ValidationError(errors)
        _lock_unit(session, actor.unit_id)
        _no_open_duplicate(session, actor.unit_id, entry.id)  # type: ignore[arg-type]
        status, _party = transition(None, Act.REQUEST_VERIFICATION, parties_of_new(actor))
        req = _submit(uow, actor, kind=RequestKind.VERIFY, status=status, entry=entry,
                      provider_unit_id=entry.provider_unit_id, clean=clean, data=data, items=_dumps(chosen),
                      needs_confidentiality=False, today=today, moment=moment, verify_records=records)
        _start(session, req, ClockStep.SHARE_VERIFY, today, now)
        _notify(session, _stewards(session, req.provider_unit_id), MSG_NEW_VERIFICATION,
                {"code": req.code, "unit": _unit_name(session, req.requester_unit_id)}, kind="info",
                case_id=req.id, now=now)
        uow.audit("share.verify_request", object_type="share_request", object_id=req.code,
                  detail={"entry_id": entry.id, "entry": entry.name, "items": chosen,
                          "records": len(records.splitlines()), **clean})
        uow.commit()
        return req.id  # type: ignore[return-value]


def answer_verification(actor: Actor, request_id: int, *, result: str, note: str | None = None,
                        expected_version: int | None = None, now: datetime | None = None) -> None:
    """The source unit answers a verification request: the records match, do not match, or partly match (with a
    note saying which). Nothing else is returned to the requester."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        req, next_status = _open_request(uow, request_id, "share.decide", Act.ANSWER_VERIFICATION,
                                         side="provider", expected_version=expected_version)
        _not_own_request(actor, req, "share.decide")
        errors: dict[str, str] = {}
        if result not in set(VerifyResult):
            errors["verify_result"] = _("Choose whether the records match, do not match or partly match.")
        clean_note = _optional_text(errors, "verify_note", note)
        if result == VerifyResult.PARTIAL and not clean_note:
            errors["verify_note"] = _("Say which records or data items do not match.")
        if errors:
            raise ValidationError(errors)
        moment = now_utc(now)
        req.verify_result, req.verify_note = result, clean_note
        req.status, req.answered_at, req.updated_at = next_status, moment, moment
        session.add(req)
        _close(session, req, ClockStep.SHARE_VERIFY, now)
        _notify(session, _stewards(session, req.requester_unit_id), MSG_VERIFIED,
                {"code": req.code, "result": VERIFY_RESULT_LABELS[result]}, case_id=req.id, now=now)  # a msgid
        uow.audit("share.verify_answer", object_type="share_request", object_id=req.code,
                  detail={"result": result, "note": clean_note})
        uow.commit()


# --- Shanghai §14: the written application --------------------------------------------------------------------
def record_application_received(actor: Actor, request_id: int, received_on: date, *,
                                expected_version: int | None = None, now: datetime | None = None) -> None:
    """The provider records the day it received the signed, system-generated application form; with a profile
    whose answer clock counts from that receipt (Shanghai §14) the clock starts on that day."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        req, _next = _open_request(uow, request_id, "share.decide", Act.RECEIVE_APPLICATION, side="provider",
                                   expected_version=expected_version)
        today = local_date(now)
        errors: dict[str, str] = {}
        if req.application_received_on is not None:
            errors["received_on"] = _("The receipt of the written application is already recorded.")
        elif received_on is None or received_on > today:
            errors["received_on"] = _("Give the day the written application arrived (not in the future).")
        elif req.submitted_at is not None and received_on < local_date(req.submitted_at):
            errors["received_on"] = _("The written application cannot arrive before the online submission.")
        if errors:
            raise ValidationError(errors)
        req.application_received_on = received_on
        req.updated_at = now_utc(now)
        session.add(req)
        _close(session, req, ClockStep.SHARE_APPLICATION_FORM, now)
        if policy.active_profile().answer_clock_starts == AnswerClockStart.WRITTEN_APPLICATION:
            _start(session, req, ClockStep.SHARE_ANSWER, received_on, now)
        uow.audit("share.receive_application", object_type="share_request", object_id=req.code,
                  detail={"received_on": received_on})
        uow.commit()


# --- decisions ----------------------------------------------------------------------------------------------
def decide(actor: Actor, request_id: int, decision: DecisionInput, *, expected_version: int | None = None,
           now: datetime | None = None) -> str:
    """A party's answer: approve on least authorisation (may narrow items, end date and method), refuse with the
    legal basis, or ask for more information. Returns the request's new status."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        uow.require("share.decide", object_type="share_request", object_id=request_id)  # the role first
        req = _load_request(uow, request_id)
        uow.require("share.decide", unit_id=req.provider_unit_id, region_id=req.provider_region_id,
                    object_type="share_request", object_id=req.code)
        act = {Decision.APPROVE: Act.APPROVE, Decision.REJECT: Act.REJECT, Decision.NEEDS_INFO: Act.ASK_INFO}.get(
            decision.decision)  # type: ignore[call-overload]
        if act is None:
            raise ValidationError({"decision": _("Choose approve, refuse or ask for more information.")})
        uow.check_version(req, expected_version)
        next_status, party = transition(req.status, act, parties_of(actor, req), req.route)
        _not_own_request(actor, req, "share.decide")
        if act == Act.APPROVE:
            _require_shareable(session, req.entry_id)
        today, moment = local_date(now), now_utc(now)
        errors: dict[str, str] = {}
        before = _snapshot(req)
        already = session.exec(select(ShareDecision.id).where(
            ShareDecision.request_id == req.id, ShareDecision.party == party,
            ShareDecision.round == req.resubmissions)).first()
        if already is not None and req.status == S.SUBMITTED:
            raise ValidationError({"decision": _("Your side has already answered this request.")})
        row = ShareDecision(request_id=req.id, party=party, round=req.resubmissions, decision=decision.decision,  # type: ignore[arg-type]
                            decided_by=actor.user_id, decided_at=moment)  # type: ignore[arg-type]
        if act == Act.REJECT:
            errors.update(citation_errors(decision.basis_law, decision.basis_article, decision.reason))
            row.reason = _optional_text(errors, "reason", decision.reason)
            row.basis_law = (decision.basis_law or "").strip()[:200] or None
            row.basis_article = (decision.basis_article or "").strip()[:60] or None
        elif act == Act.ASK_INFO:
            row.reason = _require_text(errors, "reason", decision.reason, _("Say what information is missing."))
        else:
            row.reason = _optional_text(errors, "reason", decision.reason)
            _narrow(errors, req, decision, row, today)
        if errors:
            raise ValidationError(errors)
        session.add(row)
        if act == Act.APPROVE:
            approvals = set(session.exec(select(ShareDecision.party).where(
                ShareDecision.request_id == req.id, ShareDecision.round == req.resubmissions,
                ShareDecision.decision == Decision.APPROVE)).all()) | {party}
            if not ROUTE_PARTIES[req.route] <= approvals:
                next_status = req.status  # co-decided: waits for the other party
        req.updated_at = moment
        if next_status != req.status:
            req.status = next_status
            req.answered_at = moment
            _close(session, req, None, now)
        if next_status == S.REJECTED:
            req.decision_reason = format_citation(row.basis_law or "", row.basis_article or "", row.reason)[:1000]
            _notify(session, _stewards(session, req.requester_unit_id), MSG_DECIDED,
                    {"code": req.code, "outcome": OUTCOME_REJECTED}, case_id=req.id, now=now)
        elif next_status == S.NEEDS_INFO:
            req.info_request = row.reason
            _notify(session, _stewards(session, req.requester_unit_id), MSG_NEEDS_INFO,
                    {"code": req.code, "question": row.reason}, case_id=req.id, now=now)
        elif next_status == S.APPROVED:
            req.decision_reason = row.reason
            _start(session, req, ClockStep.SHARE_IMPLEMENT, today, now)
            _notify(session, _stewards(session, req.requester_unit_id, req.provider_unit_id), MSG_DECIDED,
                    {"code": req.code, "outcome": OUTCOME_APPROVED}, case_id=req.id, now=now,
                    exclude=actor.user_id)
        session.add(req)
        uow.audit("share.decide", object_type="share_request", object_id=req.code,
                  detail={"party": party, "decision": decision.decision, "reason": row.reason,
                          "basis_law": row.basis_law, "basis_article": row.basis_article,
                          "before": before, "after": _snapshot(req)})
        uow.commit()
        return req.status


def _narrow(errors: dict[str, str], req: ShareRequest, decision: DecisionInput, row: ShareDecision,
            today: date) -> None:
    """Least authorisation (Qingyuan ch.4): each approving party may narrow what the previous one allowed."""
    ceiling_items = _loads(req.approved_items) or _loads(req.requested_items)
    ceiling_end = req.approved_end_date or req.end_date
    items = _check_items(errors, decision.items if decision.items is not None else ceiling_items, ceiling_items,
                         narrowing=True)
    end = decision.end_date or ceiling_end
    if end is not None and end <= today:
        errors["end_date"] = _("The end date must be after today.")
    elif end is not None and ceiling_end is not None and end > ceiling_end:
        errors["end_date"] = _("Least authorisation: the end date may be shortened, never extended beyond {day}.",
                               day=ceiling_end)
    ceiling_method = req.approved_method or req.share_method
    method = decision.method or ceiling_method
    if method not in set(ShareMethod):
        errors["method"] = _("Choose a share method.")
    elif method_widens(ceiling_method, method):
        errors["method"] = _("Least authorisation: the share method may be narrowed (online browsing, then "
                             "interface, then file download), never widened.")
    if errors:
        return
    row.items, row.end_date, row.method = _dumps(items), end, method
    req.approved_items, req.approved_end_date, req.approved_method = row.items, end, method


def resubmit(actor: Actor, request_id: int, *, scenario: str, purpose: str, legal_basis: str,
             share_method: str, end_date: date | None, items: Sequence[int] | None = None,
             attachment: sharing_files.Upload | None = None, expected_version: int | None = None,
             now: datetime | None = None) -> None:
    """The requester amends an application that needs more information; a new answer clock starts."""
    with _files_until_commit() as written, unit_of_work(actor, now) as uow:
        session = uow.session
        req, next_status = _open_request(uow, request_id, "share.apply", Act.RESUBMIT, side="requester",
                                         expected_version=expected_version)
        today, moment = local_date(now), now_utc(now)
        errors: dict[str, str] = {}
        data = ApplicationInput(scenario=scenario, purpose=purpose, legal_basis=legal_basis,
                                share_method=share_method, end_date=end_date)
        clean = _validate_common(errors, data, today)
        requested = _loads(req.requested_items)
        chosen = requested
        if req.entry_id is not None:
            entry = _entry_facts(session, req.entry_id, published=False)
            _method_within_entry(errors, entry, share_method)
            if items is not None:
                chosen = _check_items(errors, items, entry.item_ids)
                req.needs_confidentiality = _needs_confidentiality(entry, chosen)
        checked = sharing_files.check(attachment) if attachment is not None else None
        if errors:
            raise ValidationError(errors)
        before = {"scenario": req.scenario, "purpose": req.purpose, "legal_basis": req.legal_basis,
                  "share_method": req.share_method, "end_date": req.end_date, "items": requested}
        req.scenario, req.purpose, req.legal_basis = clean["scenario"], clean["purpose"], clean["legal_basis"]
        req.share_method, req.end_date, req.requested_items = share_method, end_date, _dumps(chosen)
        req.approved_items = req.approved_end_date = req.approved_method = None
        req.resubmissions += 1
        req.status = next_status
        req.updated_at = moment
        session.add(req)
        attachment_id = _attach(session, actor, req, checked, written)
        _start_answer(session, req, today, now)
        _notify_deciders(session, req, MSG_NEW_REQUEST, now=now)
        after = {"scenario": req.scenario, "purpose": req.purpose, "legal_basis": req.legal_basis,
                 "share_method": req.share_method, "end_date": req.end_date, "items": chosen}
        uow.audit("share.resubmit", object_type="share_request", object_id=req.code,
                  detail={"changes": diff(before, after), "round": req.resubmissions,
                          "attachment_id": attachment_id})
        uow.commit()


def attach_application(actor: Actor, request_id: int, upload: sharing_files.Upload, *,
                       now: datetime | None = None) -> int:
    """The requester adds a written application (PDF or image) to an open request. Returns the attachment id."""
    with _files_until_commit() as written, unit_of_work(actor, now) as uow:
        uow.require("share.attach", object_type="share_request", object_id=request_id)  # the role first
        req = _load_request(uow, request_id)
        uow.require("share.attach", unit_id=req.requester_unit_id, object_type="share_request",
                    object_id=req.code)
        if "requester" not in parties_of(actor, req):
            raise ValidationError({"attachment": _("Only the requesting unit attaches its written application.")})
        if req.status not in OPEN_STATUSES:
            raise ValidationError({"attachment": _("The request is closed: nothing can be attached any more.")})
        checked = sharing_files.check(upload)
        attachment_id = _attach(uow.session, actor, req, checked, written)
        uow.audit("share.attach", object_type="share_request", object_id=req.code,
                  detail={"attachment_id": attachment_id, "filename": checked.filename, "sha256": checked.sha256,
                          "size": len(checked.content)})
        uow.commit()
        return attachment_id  # type: ignore[return-value]


def withdraw(actor: Actor, request_id: int, *, expected_version: int | None = None,
             now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        req, next_status = _open_request(uow, request_id, "share.apply", Act.WITHDRAW, side="requester",
                                         expected_version=expected_version)
        before = req.status
        req.status = next_status
        req.updated_at = now_utc(now)
        _close(uow.session, req, None, now, outcome=ClockOutcome.CANCELLED)
        uow.session.add(req)
        uow.audit("share.withdraw", object_type="share_request", object_id=req.code,
                  detail={"before": before, "after": next_status})
        uow.commit()


# --- agreements, implementation, grants -------------------------------------------------------------------
def record_agreements(actor: Actor, request_id: int, *, use_agreement: str | None,
                      confidentiality_agreement: str | None = None, expected_version: int | None = None,
                      now: datetime | None = None) -> None:
    """The data use agreement (Longyan §12) and, for secret, commercial or personal data, the confidentiality
    agreement (Shanghai §14), recorded by reference before implementation."""
    with unit_of_work(actor, now) as uow:
        req, _next = _open_request(uow, request_id, "share.implement", Act.RECORD_AGREEMENTS, side="provider",
                                   expected_version=expected_version)
        errors: dict[str, str] = {}
        use = _optional_text(errors, "use_agreement", use_agreement)
        conf = _optional_text(errors, "confidentiality_agreement", confidentiality_agreement)
        if not use and not conf:
            errors["use_agreement"] = _("Give the reference of the signed agreement.")
        if errors:
            raise ValidationError(errors)
        before = {"use_agreement": req.use_agreement, "confidentiality_agreement": req.confidentiality_agreement}
        req.use_agreement = use or req.use_agreement
        req.confidentiality_agreement = conf or req.confidentiality_agreement
        req.updated_at = now_utc(now)
        uow.session.add(req)
        uow.audit("share.record_agreements", object_type="share_request", object_id=req.code,
                  detail={"before": before, "after": {"use_agreement": req.use_agreement,
                                                      "confidentiality_agreement": req.confidentiality_agreement}})
        uow.commit()


def implement(actor: Actor, request_id: int, *, note: str, use_agreement: str | None = None,
              confidentiality_agreement: str | None = None, expected_version: int | None = None,
              now: datetime | None = None) -> int:
    """The provider records how access was given; a grant with the approved items, method and end date is
    created. Returns the grant id."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        req, next_status = _open_request(uow, request_id, "share.implement", Act.IMPLEMENT, side="provider",
                                         expected_version=expected_version)
        today, moment = local_date(now), now_utc(now)
        errors: dict[str, str] = {}
        clean_note = _require_text(errors, "note", note, _("Record how access was given."))
        use = _optional_text(errors, "use_agreement", use_agreement) or req.use_agreement
        conf = _optional_text(errors, "confidentiality_agreement", confidentiality_agreement) \
            or req.confidentiality_agreement
        if not use:
            errors["use_agreement"] = _("Record the signed data use agreement first (Longyan §12).")
        if req.needs_confidentiality and not conf:
            errors["confidentiality_agreement"] = _(
                "The request covers secret, commercial or personal data: record the confidentiality agreement "
                "first (Shanghai §14).")
        if req.entry_id is None:
            errors["entry_id"] = _("The data must be catalogued before access is given.")
        else:
            try:
                _require_shareable(session, req.entry_id)
            except ValidationError as exc:
                errors.update(exc.errors)
            _lock_unit(session, req.requester_unit_id)
            existing = _active_grant(session, req.requester_unit_id, req.entry_id, today)
            if existing is not None:
                errors["entry_id"] = _("The requesting unit already has access to this entry until {day}.",
                                       day=existing.ends_on)
        if req.approved_end_date is not None and req.approved_end_date <= today:
            errors["end_date"] = _("The approved end date has passed: the request cannot be implemented.")
        if errors:
            raise ValidationError(errors)
        req.use_agreement, req.confidentiality_agreement = use, conf
        req.implementation_note = clean_note
        req.status = next_status
        req.implemented_at = moment
        req.updated_at = moment
        grant = ShareGrant(request_id=req.id, entry_id=req.entry_id, consumer_unit_id=req.requester_unit_id,  # type: ignore[arg-type]
                           provider_unit_id=req.provider_unit_id, items=req.approved_items or req.requested_items,
                           method=req.approved_method or req.share_method, starts_on=today,
                           ends_on=req.approved_end_date or req.end_date, created_at=moment)
        session.add(grant)
        session.add(req)
        session.flush()
        _close(session, req, ClockStep.SHARE_IMPLEMENT, now)
        _notify(session, _stewards(session, req.requester_unit_id), MSG_IMPLEMENTED,
                {"code": req.code, "ends_on": grant.ends_on}, case_id=req.id, now=now)
        uow.audit("share.implement", object_type="share_request", object_id=req.code,
                  detail={"grant_id": grant.id, "note": clean_note, "items": _loads(grant.items),
                          "method": grant.method, "ends_on": grant.ends_on, "use_agreement": use,
                          "confidentiality_agreement": conf})
        uow.commit()
        return grant.id  # type: ignore[return-value]


def revoke_grant(actor: Actor, grant_id: int, *, reason: str, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """The provider (or the bureau) ends access before its end date, with reasons."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        uow.require("share.revoke", object_type="share_grant", object_id=grant_id)  # the role first
        grant = uow.get(ShareGrant, grant_id, for_update=True)
        provider_id = grant.provider_unit_id or session.get(CatalogEntry, grant.entry_id).provider_unit_id  # type: ignore[union-attr]
        provider = session.get(Unit, provider_id)
        uow.require("share.revoke", unit_id=provider_id, region_id=provider.region_id if provider else None,
                    object_type="share_grant", object_id=grant.id)
        req = session.get(ShareRequest, grant.request_id, with_for_update=True) if grant.request_id else None
        uow.check_version(grant, expected_version)
        if req is not None:
            next_status, _party = transition(req.status, Act.REVOKE, parties_of(actor, req), req.route)
        errors: dict[str, str] = {}
        clean = _require_text(errors, "reason", reason, _("Give the reason for revoking access."))
        if grant.revoked_at is not None:
            errors["reason"] = _("This access was already revoked.")
        if errors:
            raise ValidationError(errors)
        moment = now_utc(now)
        grant.revoked_at, grant.revoked_reason, grant.revoked_by = moment, clean, actor.user_id
        session.add(grant)
        if req is not None:
            req.status = next_status
            req.updated_at = moment
            req.version += 1
            session.add(req)
        code = req.code if req else str(grant.id)
        _notify(session, _stewards(session, grant.consumer_unit_id, provider_id), MSG_REVOKED,
                {"code": code, "reason": clean}, case_id=req.id if req else None, now=now, exclude=actor.user_id)
        uow.audit("share.revoke", object_type="share_grant", object_id=grant.id,
                  detail={"request": code, "reason": clean, "ends_on": grant.ends_on})
        uow.commit()


def report_usage(actor: Actor, grant_id: int, *, content: str, period: str | None = None,
                 now: datetime | None = None) -> int:
    """The consumer reports how the shared data was used (Qingyuan ch.4). Returns the report id."""
    with unit_of_work(actor, now) as uow:
        uow.require("share.report_usage", object_type="share_grant", object_id=grant_id)  # the role first
        grant = uow.get(ShareGrant, grant_id)
        uow.require("share.report_usage", unit_id=grant.consumer_unit_id, object_type="share_grant",
                    object_id=grant.id)
        errors: dict[str, str] = {}
        clean = _require_text(errors, "content", content, _("Describe how the data was used."))
        clean_period = _clean(period) or None
        if clean_period and len(clean_period) > 20:
            errors["period"] = _("At most {n} characters.", n=20)
        if errors:
            raise ValidationError(errors)
        report = UsageReport(grant_id=grant.id, reported_by=actor.user_id, period=clean_period, content=clean,  # type: ignore[arg-type]
                             created_at=now_utc(now))
        uow.session.add(report)
        uow.session.flush()
        uow.audit("share.report_usage", object_type="share_grant", object_id=grant.id,
                  detail={"report_id": report.id, "period": clean_period, "content": clean})
        uow.commit()
        return report.id  # type: ignore[return-value]


# --- disputes -----------------------------------------------------------------------------------------------
def raise_dispute(actor: Actor, request_id: int, *, reason: str, expected_version: int | None = None,
                  now: datetime | None = None) -> int:
    """The requester objects to a refusal; the bureau coordinates (Shanghai §14, Qingyuan ch.8). Returns the
    dispute id."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        req, next_status = _open_request(uow, request_id, "share.dispute", Act.DISPUTE, side="requester",
                                         expected_version=expected_version)
        errors: dict[str, str] = {}
        clean = _require_text(errors, "reason", reason, _("Say why the refusal should be reconsidered."))
        if req.entry_id is None:
            errors["reason"] = _("Data that is not catalogued is raised with the bureau through the demand list.")
        earlier = session.exec(select(Dispute.id).where(Dispute.request_id == req.id)).first()
        if earlier is not None:
            errors["reason"] = _("The bureau has already coordinated this request.")
        if errors:
            raise ValidationError(errors)
        bureau = session.get(Unit, req.bureau_unit_id) if req.bureau_unit_id else \
            competent_bureau(session, req.provider_region_id)
        moment = now_utc(now)
        dispute = Dispute(request_id=req.id, raised_by=actor.user_id, reason=clean,  # type: ignore[arg-type]
                          bureau_unit_id=bureau.id if bureau else None, created_at=moment)
        session.add(dispute)
        req.status = next_status
        req.updated_at = moment
        session.add(req)
        session.flush()
        clocks.start(session, case_kind=CaseKind.DISPUTE, case_id=dispute.id, step=ClockStep.DISPUTE,
                     unit_id=bureau.id if bureau else None, region_id=bureau.region_id if bureau else None,
                     started_on=local_date(now), now=now)
        reviewers = _recipients(session, Role.BUREAU_REVIEWER, unit_ids=[bureau.id] if bureau else [])
        _notify(session, reviewers + _stewards(session, req.provider_unit_id), MSG_DISPUTE, {"code": req.code},
                kind="info", case_kind=CaseKind.DISPUTE, case_id=dispute.id, now=now)
        uow.audit("share.dispute", object_type="share_request", object_id=req.code,
                  detail={"dispute_id": dispute.id, "reason": clean, "refusal": req.decision_reason})
        uow.commit()
        return dispute.id  # type: ignore[return-value]


def resolve_dispute(actor: Actor, dispute_id: int, *, outcome: str, note: str, expected_version: int | None = None,
                    now: datetime | None = None) -> None:
    """The bureau decides: the refusal is upheld, or overturned and the provider must implement what was asked."""
    with unit_of_work(actor, now) as uow:
        session = uow.session
        uow.require("share.coordinate", object_type="share_dispute", object_id=dispute_id)  # the role first
        dispute = uow.get(Dispute, dispute_id, for_update=True)
        req = _load_request(uow, dispute.request_id)
        uow.require("share.coordinate", unit_id=dispute.bureau_unit_id, region_id=req.provider_region_id,
                    object_type="share_dispute", object_id=dispute.id)
        act = {DisputeStatus.UPHELD: Act.UPHOLD, DisputeStatus.OVERTURNED: Act.OVERTURN}.get(outcome)  # type: ignore[call-overload]
        if act is None:
            raise ValidationError({"outcome": _("Choose whether the refusal is upheld or overturned.")})
        uow.check_version(dispute, expected_version)
        next_status, _party = transition(req.status, act, parties_of(actor, req), req.route)
        _not_own_request(actor, req, "share.coordinate")
        refused_by = session.exec(select(ShareDecision.decided_by).where(
            ShareDecision.request_id == req.id, ShareDecision.decision == Decision.REJECT)).all()
        if actor.user_id in refused_by:
            raise PermissionDenied(_("You took part in the refusal: another reviewer coordinates the dispute."),
                                   action="share.coordinate")
        if act == Act.OVERTURN:
            _require_shareable(session, req.entry_id)
        errors: dict[str, str] = {}
        clean = _require_text(errors, "note", note, _("Record the coordination result and its grounds."))
        if dispute.status != DisputeStatus.OPEN:
            errors["outcome"] = _("This dispute was already decided.")
        if act == Act.OVERTURN and req.end_date is not None and req.end_date <= local_date(now):
            errors["outcome"] = _("The requested end date has passed: the requester must apply again.")
        if errors:
            raise ValidationError(errors)
        moment = now_utc(now)
        before = _snapshot(req)
        dispute.status, dispute.decision_note = outcome, clean
        dispute.decided_by, dispute.decided_at = actor.user_id, moment
        session.add(dispute)
        req.status = next_status
        req.updated_at = moment
        req.version += 1
        if act == Act.OVERTURN:
            req.approved_items = req.requested_items
            req.approved_end_date, req.approved_method = req.end_date, req.share_method
            _start(session, req, ClockStep.SHARE_IMPLEMENT, local_date(now), now)
        session.add(req)
        clocks.close(session, case_kind=CaseKind.DISPUTE, case_id=dispute.id, step=ClockStep.DISPUTE, now=now)
        _notify(session, _stewards(session, req.requester_unit_id, req.provider_unit_id), MSG_DISPUTE_DECIDED,
                {"code": req.code, "outcome": OUTCOME_OVERTURNED if act == Act.OVERTURN else OUTCOME_UPHELD},
                case_id=req.id, now=now)
        uow.audit("share.coordinate", object_type="share_dispute", object_id=dispute.id,
                  detail={"request": req.code, "outcome": outcome, "note": clean, "before": before,
                          "after": _snapshot(req)})
        uow.commit()


# --- scheduled job ------------------------------------------------------------------------------------------
@dataclass
class SweepResult:
    expired: int
    reminded: int


def sweep(actor: Actor, *, now: datetime | None = None) -> SweepResult:
    """Daily job: grants past their end date expire; grants ending within the notice period are reminded to
    both sides once."""
    with unit_of_work(actor, now) as uow:
        uow.require("share.sweep", object_type="share_grant")
        session = uow.session
        today = local_date(now)
        moment = now_utc(now)
        ended = session.exec(select(ShareGrant, ShareRequest).join(ShareRequest, ShareRequest.id == ShareGrant.request_id)
                             .where(ShareGrant.revoked_at.is_(None), ShareGrant.ends_on < today,  # type: ignore[union-attr,operator]
                                    ShareRequest.status == S.IMPLEMENTED)).all()
        expired_codes = []
        for _grant, req in ended:
            next_status, _p = transition(req.status, Act.EXPIRE, parties_of(actor, req), req.route)
            req.status, req.updated_at = next_status, moment
            req.version += 1
            session.add(req)
            expired_codes.append(req.code)
        horizon = today + timedelta(days=get_settings().share_expiry_notice_days)
        due = session.exec(select(ShareGrant, ShareRequest.code).join(ShareRequest, ShareRequest.id == ShareGrant.request_id)
                           .where(ShareGrant.revoked_at.is_(None), ShareGrant.ends_on >= today,  # type: ignore[union-attr,operator]
                                  ShareGrant.ends_on <= horizon, ShareGrant.expiry_reminded_on.is_(None),  # type: ignore[union-attr,operator]
                                  ShareRequest.status == S.IMPLEMENTED)).all()
        for grant, code in due:
            users = _stewards(session, grant.consumer_unit_id, grant.provider_unit_id)  # type: ignore[arg-type]
            _notify(session, users, MSG_EXPIRING, {"code": code, "ends_on": grant.ends_on}, kind="info",
                    case_id=grant.request_id, now=now)
            grant.expiry_reminded_on = today
            session.add(grant)
        uow.audit("share.sweep", object_type="share_grant",
                  detail={"expired": expired_codes, "reminded": [code for _g, code in due], "on": today})
        uow.commit()
        return SweepResult(len(expired_codes), len(due))


def open_count(session: Session, unit_id: int) -> int:
    """Open requests addressed to a unit (used by other features' overviews)."""
    return session.exec(select(func.count()).select_from(ShareRequest).where(
        ShareRequest.provider_unit_id == unit_id, ShareRequest.status.in_(OPEN_STATUSES))).one()  # type: ignore[attr-defined]

