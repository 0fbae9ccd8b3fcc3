"""Every change of an open-data request: the public's submission and supplement (no account: the captcha and the
per-client rate limit stand in for the sign-in), and the staff's assignment and answer. One transaction per
action, the audit event in it, the statutory clock through services.deadlines.clocks."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import func, select

from models import CatalogEntry, OpenRequest, PublicSubmission, Unit, User, UserRole
from models.catalog import OpenAttribute
from models.clock import CaseKind, ClockStep
from models.opendata import OpenRequestKind, OpenRequestStatus
from models.org import Region, UnitKind
from models.user import Role
from services.core.actor import Actor
from services.core.db import write_session
from services.core.errors import NotFound, PermissionDenied, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.settings import get_settings
from services.core.timeutil import local_date, now_utc
from services.core.uow import unit_of_work
from services.deadlines import clocks, policy, reminders
from services.opendata import captcha, crypto, rules
from services.opendata.rules import Answer, AnswerInput, GrantInput, PublicRequestInput

S = OpenRequestStatus
PUBLIC = Actor(user_id=None, username="public", display_name="public", unit_id=None, region_id=None,
               roles=frozenset())
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed from a receipt
MSG_NEW = N_("New open-data request {code} to answer")
MSG_SUPPLEMENT = N_("The applicant of open-data request {code} added the information asked for")
MSG_TO_GRANT = N_("Open-data application {code} was agreed by its unit: grant the authorised-open access")
MSG_GRANTED = N_("The data bureau answered open-data application {code}: {outcome}")
STEP_OF_KIND = {OpenRequestKind.DEMAND: ClockStep.OPEN_DEMAND_ANSWER,
                OpenRequestKind.APPLICATION: ClockStep.OPEN_APPLICATION_ANSWER}


def tracking_code(now: datetime | None = None) -> str:
    """KF + local date + 10 random characters (50 bits): the tracking page's only key, so it is not guessable."""
    return f"KF{local_date(now):%Y%m%d}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def _applicant_label(kind: str) -> str:
    return _(policy.APPLICANT_KIND_LABELS.get(kind, kind))


def _limit_rate(client: str, now: datetime | None) -> None:
    """At most `open_submissions_per_hour` attempts per client, counted in the database (every server process
    sees the same count); the attempt is counted in a transaction of its own, whatever happens next.
    (The count and the insert may interleave between two processes: the limit can be passed by one or two.)"""
    key = crypto.client_hash(client or "unknown")
    since = now_utc(now) - timedelta(hours=1)
    with write_session() as session:
        recent = session.exec(select(func.count()).select_from(PublicSubmission)
                              .where(PublicSubmission.client_hash == key, PublicSubmission.submitted_at >= since)).one()
        if recent >= get_settings().open_submissions_per_hour:
            raise ValidationError({"": _("Too many submissions from your connection. Please try again in an hour.")})
        session.add(PublicSubmission(client_hash=key, submitted_at=now_utc(now)))
        session.commit()


def _platform_bureau(session) -> Unit:
    """The bureau that compiles the open catalog: the active bureau of the highest region."""
    rows = session.exec(select(Unit, Region.parent_id).join(Region, Region.id == Unit.region_id)
                        .where(Unit.kind == UnitKind.BUREAU, Unit.is_active.is_(True))  # type: ignore[attr-defined]
                        .order_by(Unit.id)).all()
    if not rows:
        raise ValidationError({"": _("The open-data service is not set up yet: no data bureau exists.")})
    roots = [u for u, parent in rows if parent is None]
    return (roots or [rows[0][0]])[0]


def _stewards(session, unit_id: int) -> list[int]:
    return list(session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id)
                             .where(User.unit_id == unit_id, User.is_active.is_(True),  # type: ignore[attr-defined]
                                    UserRole.role.in_([Role.UNIT_STEWARD, Role.BUREAU_REVIEWER]))).all())  # type: ignore[attr-defined]


def submit(data: PublicRequestInput, *, client: str, captcha_ticket: str | None, captcha_answer: str | None,
           now: datetime | None = None) -> str:
    """A member of the public files a demand or an application; returns the tracking code. Every attempt counts
    toward the client's hourly limit first, so guessing the captcha costs attempts too."""
    _limit_rate(client, now)
    if captcha.enabled() and not captcha.check(captcha_ticket, captcha_answer, now=now.timestamp() if now else None):
        raise ValidationError({"captcha": _("The characters in the picture do not match. Please try again.")})
    return file_request(data, now=now)


def file_request(data: PublicRequestInput, *, now: datetime | None = None) -> str:
    """The submission itself, after the anti-abuse checks (also used by the command line and the demo data)."""
    allowed = policy.active_profile().open_applicant_kinds
    errors = rules.field_errors(data, allowed, _applicant_label)
    with unit_of_work(PUBLIC, now) as uow:
        session = uow.session
        entry = None
        if data.kind == OpenRequestKind.APPLICATION and data.entry_id and not errors:
            entry = session.get(CatalogEntry, data.entry_id)
            if entry is None or not entry.is_published or entry.open_attribute not in (
                    OpenAttribute.CONDITIONAL, OpenAttribute.OPEN):
                errors["entry_id"] = _("This entry is not in the open catalog.")
            elif entry.open_attribute == OpenAttribute.OPEN:
                errors["entry_id"] = _("This entry is open to everyone: download it from the open catalog without "
                                       "applying.")
        if errors:
            raise ValidationError(errors)
        unit = session.get(Unit, entry.provider_unit_id) if entry is not None else _platform_bureau(session)
        code = tracking_code(now)
        request = OpenRequest(
            code=code, kind=str(data.kind), status=S.SUBMITTED, applicant_kind=str(data.applicant_kind),
            domestic_controlled=bool(data.domestic_controlled),
            applicant_name_enc=crypto.encrypt(data.name.strip()),
            applicant_id_enc=crypto.encrypt(data.id_number.strip().upper()),
            contact_enc=crypto.encrypt(data.contact.strip()), purpose=data.purpose.strip(),
            entry_id=entry.id if entry else None, title=(data.title or "").strip() or None,
            description=(data.description or "").strip() or None, unit_id=unit.id, region_id=unit.region_id,
            submitted_at=now_utc(now), created_at=now_utc(now))
        session.add(request)
        session.flush()
        clocks.start(session, case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, step=STEP_OF_KIND[data.kind],
                     unit_id=unit.id, region_id=unit.region_id, now=now)
        reminders.notify(session, user_ids=_stewards(session, unit.id), kind="open_request", message=MSG_NEW,
                         params={"code": code}, case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, now=now)
        uow.audit("open.submit", object_type="open_request", object_id=request.id,
                  detail={"code": code, "kind": str(data.kind), "applicant_kind": str(data.applicant_kind),
                          "unit_id": unit.id, "entry_id": request.entry_id})
        uow.commit()
        return code


def supplement(code: str, text: str, *, now: datetime | None = None) -> None:
    """The applicant adds what was asked for (by tracking code); the paused clock runs again."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"supplement": _("This field is required.")})
    if len(text) > rules.TEXT_LIMITS["info"]:
        raise ValidationError({"supplement": _("At most {n} characters.", n=rules.TEXT_LIMITS["info"])})
    with unit_of_work(PUBLIC, now) as uow:
        request = uow.session.exec(select(OpenRequest).where(OpenRequest.code == (code or "").strip().upper())
                                   .with_for_update()).first()
        if request is None:
            raise NotFound()
        if request.status != S.NEEDS_INFO:
            raise ValidationError({"supplement": _("Nothing was asked for this request.")})
        request.supplement = text
        request.status = S.SUBMITTED
        request.version += 1
        clock = clocks.current(uow.session, CaseKind.OPEN_REQUEST, request.id)
        if clock is not None and clock.paused_at is not None:
            clocks.resume(uow.session, clock, now=now)
        reminders.notify(uow.session, user_ids=_stewards(uow.session, request.unit_id), kind="open_request",
                         message=MSG_SUPPLEMENT, params={"code": request.code}, case_kind=CaseKind.OPEN_REQUEST,
                         case_id=request.id, now=now)
        uow.audit("open.supplement", object_type="open_request", object_id=request.id, detail={"code": request.code})
        uow.commit()


def _open_request(uow, actor: Actor, action: str, request_id: int, expected_version: int | None) -> OpenRequest:
    """Role first (nothing read before it), then the row locked, the permission on its unit and the version."""
    uow.require(action, object_type="open_request", object_id=request_id)
    request = uow.get(OpenRequest, request_id, for_update=True)
    scope = uow.require(action, unit_id=request.unit_id, region_id=request.region_id, object_type="open_request",
                        object_id=request_id)
    if scope is Scope.REGION and request.unit_id != actor.unit_id and action == "open.answer":
        raise PermissionDenied(_("Only the unit the request is assigned to answers it."), action=action)
    uow.check_version(request, expected_version)
    return request


def assign(actor: Actor, request_id: int, unit_id: int, *, expected_version: int | None = None,
           now: datetime | None = None) -> None:
    """The bureau hands a demand for data it does not hold to the unit that does. The statutory clock keeps
    running from the submission (the assignment does not restart it); the unit becomes responsible for it."""
    with unit_of_work(actor, now) as uow:
        request = _open_request(uow, actor, "open.assign", request_id, expected_version)
        if request.status not in rules.OPEN_STATUSES:
            raise ValidationError({"": _("This request has been answered.")})
        unit = uow.session.get(Unit, unit_id)
        if unit is None or not unit.is_active:
            raise ValidationError({"unit_id": _("Choose an active unit.")})
        if unit.id == request.unit_id:
            raise ValidationError({"unit_id": _("The request is already with this unit.")})
        before = request.unit_id
        request.unit_id, request.region_id, request.assigned_at = unit.id, unit.region_id, now_utc(now)
        clock = clocks.current(uow.session, CaseKind.OPEN_REQUEST, request.id)
        if clock is not None:
            clock.responsible_unit_id, clock.responsible_region_id = unit.id, unit.region_id
            uow.session.add(clock)
        reminders.notify(uow.session, user_ids=_stewards(uow.session, unit.id), kind="open_request",
                         message=MSG_NEW, params={"code": request.code}, case_kind=CaseKind.OPEN_REQUEST,
                         case_id=request.id, now=now)
        uow.audit("open.assign", object_type="open_request", object_id=request.id,
                  detail={"code": request.code, "from_unit_id": before, "to_unit_id": unit.id})
        uow.commit()


def answer(actor: Actor, request_id: int, data: AnswerInput, *, expected_version: int | None = None,
           now: datetime | None = None) -> str:
    """Agree (a demand: how the data will be opened; an application: the data use agreement, 公共数据利用协议,
    with its signing date and term), refuse with reasons, or ask the applicant for more (the clock pauses)."""
    with unit_of_work(actor, now) as uow:
        request = _open_request(uow, actor, "open.answer", request_id, expected_version)
        target = rules.TRANSITIONS.get((request.status, data.answer))  # type: ignore[call-overload]
        if target is None:
            raise ValidationError({"answer": _("This answer is not possible in the request's current state.")})
        two_step = policy.active_profile().open_grant_by_bureau
        errors = rules.answer_errors(request.kind, data, two_step=two_step)
        if errors:
            raise ValidationError(errors)
        reply = data.reply.strip()
        clock = clocks.current(uow.session, CaseKind.OPEN_REQUEST, request.id)
        if data.answer == Answer.AGREE:
            target = rules.agreed_status(request.kind, two_step)
        if data.answer == Answer.ASK_INFO:
            request.info_request = reply
            if clock is not None and clock.paused_at is None:
                clocks.pause(uow.session, clock, now=now)
        elif target == S.UNIT_AGREED:
            # Longyan §18: the unit's agreement ends its answer; the bureau's grant is the next step, on its clock.
            request.unit_agreed_at, request.unit_agreed_by = now_utc(now), actor.user_id
            request.unit_note = reply or None
            clocks.close(uow.session, case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, now=now)
            bureau = _platform_bureau(uow.session)
            clocks.start(uow.session, case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, step=ClockStep.OPEN_GRANT,
                         unit_id=bureau.id, region_id=bureau.region_id, now=now)
            reminders.notify(uow.session, user_ids=_reviewers(uow.session, bureau.id), kind="open_request",
                             message=MSG_TO_GRANT, params={"code": request.code}, case_kind=CaseKind.OPEN_REQUEST,
                             case_id=request.id, now=now)
        else:
            request.reply = reply or None
            request.answered_at, request.answered_by = now_utc(now), actor.user_id
            if data.answer == Answer.AGREE and request.kind == OpenRequestKind.DEMAND and data.entry_id:
                entry = uow.session.get(CatalogEntry, data.entry_id)
                if entry is None or entry.provider_unit_id != request.unit_id:
                    raise ValidationError({"entry_id": _("Choose one of your unit's catalog entries.")})
                request.entry_id = entry.id
            if data.answer == Answer.AGREE and request.kind == OpenRequestKind.APPLICATION:
                request.agreement_signed_on = data.agreement_signed_on  # type: ignore[assignment]
                request.agreement_ends_on = data.agreement_ends_on  # type: ignore[assignment]
            clocks.close(uow.session, case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, now=now)
        request.status = target
        action = "open.unit_agree" if target == S.UNIT_AGREED else f"open.{data.answer}"
        uow.audit(action, object_type="open_request", object_id=request.id,
                  detail={"code": request.code, "status": str(target), "unit_id": request.unit_id})
        uow.commit()
        return str(target)


def _reviewers(session, unit_id: int) -> list[int]:
    return list(session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id)
                             .where(User.unit_id == unit_id, User.is_active.is_(True),  # type: ignore[attr-defined]
                                    UserRole.role == Role.BUREAU_REVIEWER)).all())


def grant(actor: Actor, request_id: int, data: GrantInput, *, expected_version: int | None = None,
          now: datetime | None = None) -> str:
    """Longyan §18: after the unit agreed to an application for authorised-open data, the data bureau grants the
    access (recording the data use agreement's signing date and term) or refuses it with reasons. Closes the grant
    clock and tells the applicant (tracking page) and the unit (reminder)."""
    with unit_of_work(actor, now) as uow:
        uow.require("open.grant", object_type="open_request", object_id=request_id)
        request = uow.get(OpenRequest, request_id, for_update=True)
        uow.require("open.grant", unit_id=request.unit_id, region_id=request.region_id, object_type="open_request",
                    object_id=request_id)
        uow.check_version(request, expected_version)
        target = rules.GRANT_TRANSITIONS.get((request.status, data.grant))  # type: ignore[call-overload]
        if target is None:
            raise ValidationError({"grant": _("Only an application its unit agreed to waits for the bureau's grant.")})
        errors = rules.grant_errors(data)
        if errors:
            raise ValidationError(errors)
        request.reply = (data.reply or "").strip() or request.unit_note
        request.answered_at, request.answered_by = now_utc(now), actor.user_id
        if target == S.AGREED:
            request.agreement_signed_on = data.agreement_signed_on  # type: ignore[assignment]
            request.agreement_ends_on = data.agreement_ends_on  # type: ignore[assignment]
        request.status = target
        clocks.close(uow.session, case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, now=now)
        outcome = N_("access granted") if target == S.AGREED else N_("refused")
        reminders.notify(uow.session, user_ids=_stewards(uow.session, request.unit_id), kind="open_request",
                         message=MSG_GRANTED, params={"code": request.code, "outcome": outcome},
                         case_kind=CaseKind.OPEN_REQUEST, case_id=request.id, now=now)
        uow.audit("open.grant" if target == S.AGREED else "open.grant_refuse", object_type="open_request",
                  object_id=request.id, detail={"code": request.code, "status": str(target), "unit_id": request.unit_id})
        uow.commit()
        return str(target)
