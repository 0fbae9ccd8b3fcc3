"""Reads of open-data requests: the public tracking view (status, dates, deadline explained, the reply — never the
applicant's personal data), the staff's lists and one request (personal data decrypted only for the unit that
processes it, masked for everyone else), home counts and the public transparency table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import case
from sqlmodel import func, select

from models import CatalogEntry, OpenRequest, SlaClock, Unit
from models.clock import CaseKind
from models.opendata import OpenRequestStatus
from services.core import permissions
from services.core.actor import Actor
from services.core.db import read_session
from services.core.permissions import Scope
from services.core.settings import get_settings
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.deadlines import calendar, clocks
from services.opendata import crypto, rules

TRANSPARENCY_MIN_REQUESTS = 5  # below this a unit's mean answer time says nothing and is not shown


@dataclass
class DeadlineDay:
    day: date
    kind: str  # calendar.DayKind
    counted: bool


@dataclass
class Tracking:
    code: str
    kind: str
    status: str
    subject: str  # the entry's name or the data asked for
    unit: str
    submitted_on: date
    due_on: date | None
    workdays: int | None
    paused: bool
    answered_on: date | None
    info_request: str | None
    reply: str | None
    agreement_signed_on: date | None
    agreement_ends_on: date | None
    clock_status: str | None
    opening: str | None = None  # an agreed demand's entry: "opened", "in_review" or "in_preparation"
    days: list[DeadlineDay] = field(default_factory=list)  # submission to deadline, each day counted or skipped


def _days(start: date, due: date | None) -> list[DeadlineDay]:
    if due is None or (due - start).days > 120:
        return []
    out = []
    day = start + timedelta(days=1)  # the day of submission is not counted
    while day <= due:
        workday = calendar.is_workday(day)
        out.append(DeadlineDay(day, calendar.day_kind(day, workday), workday))
        day += timedelta(days=1)
    return out


def track(code: str, *, now: datetime | None = None) -> Tracking | None:
    """What the public tracking page shows for a code, or None. No personal data is read at all."""
    code = (code or "").strip().upper()
    if not code or "\x00" in code:  # no code holds a NUL, and PostgreSQL refuses one in a text parameter
        return None
    with read_session() as session:
        row = session.exec(
            select(OpenRequest.id, OpenRequest.code, OpenRequest.kind, OpenRequest.status, OpenRequest.title,
                   CatalogEntry.name, Unit.name, OpenRequest.submitted_at, OpenRequest.answered_at,
                   OpenRequest.info_request, OpenRequest.reply, OpenRequest.agreement_signed_on,
                   OpenRequest.agreement_ends_on, CatalogEntry.is_published, CatalogEntry.open_attribute,
                   CatalogEntry.status)
            .join(Unit, Unit.id == OpenRequest.unit_id)
            .outerjoin(CatalogEntry, CatalogEntry.id == OpenRequest.entry_id)
            .where(OpenRequest.code == code)).first()
        if row is None:
            return None
        history = clocks.history(session, CaseKind.OPEN_REQUEST, row[0])
    clock = history[-1] if history else None
    submitted_on = local_date(row[7])
    status = str(clocks.status(clock, local_date(now))) if clock else None
    return Tracking(
        code=row[1], kind=row[2], status=row[3], subject=row[4] or row[5] or "", unit=row[6],
        submitted_on=submitted_on, due_on=clock.due_on if clock else None, workdays=clock.workdays if clock else None,
        paused=bool(clock and clock.paused_at is not None), answered_on=local_date(row[8]) if row[8] else None,
        info_request=row[9] if row[3] == "needs_info" else None, reply=row[10], agreement_signed_on=row[11],
        agreement_ends_on=row[12], clock_status=status,
        opening=_opening(row[13], row[14], row[15]) if row[2] == "demand" and row[5] else None,
        days=_days(clock.started_on, clock.due_on) if clock else [])


def _opening(is_published: bool | None, open_attribute: str | None, status: str | None) -> str:
    """Where the opening of a demand's entry stands: open, its change under the bureau's review, or neither yet."""
    if is_published and open_attribute in ("open", "conditional"):
        return "opened"
    return "in_review" if status == "submitted" else "in_preparation"


LIST_COLUMNS = ["id", "code", "kind", "status", "subject", "unit", "applicant_kind", "submitted_at", "due_on",
                "answered_at", "version"]


def list_requests(actor: Actor, *, status: str | None = None, kind: str | None = None, unit_id: int | None = None,
                  code: str | None = None, open_only: bool = False, page: int = 1,
                  page_size: int | None = None) -> tuple[pd.DataFrame, int]:
    """Requests the actor may see (a steward: their unit's), newest first, paged on the server; `code` finds the
    request an applicant quotes on the phone."""
    page_size = page_size or get_settings().page_size
    with read_scope(actor, "open.view") as (session, scope):
        conditions = []
        if scope is Scope.UNIT:
            conditions.append(OpenRequest.unit_id == actor.unit_id)
        elif unit_id:
            conditions.append(OpenRequest.unit_id == unit_id)
        if status:
            conditions.append(OpenRequest.status == status)
        elif open_only:
            conditions.append(OpenRequest.status.in_([str(s) for s in rules.WAITING_STATUSES]))  # type: ignore[attr-defined]
        if kind:
            conditions.append(OpenRequest.kind == kind)
        if (code or "").strip():
            conditions.append(OpenRequest.code == code.replace("\x00", "").strip().upper())  # type: ignore[union-attr]
        total = session.exec(select(func.count()).select_from(OpenRequest).where(*conditions)).one() or 0
        due = (select(SlaClock.due_on).where(SlaClock.case_kind == CaseKind.OPEN_REQUEST,
                                              SlaClock.case_id == OpenRequest.id)
               .order_by(SlaClock.id.desc()).limit(1).scalar_subquery())  # type: ignore[union-attr]
        rows = session.exec(
            select(OpenRequest.id, OpenRequest.code, OpenRequest.kind, OpenRequest.status,
                   func.coalesce(OpenRequest.title, CatalogEntry.name), Unit.name, OpenRequest.applicant_kind,
                   OpenRequest.submitted_at, due, OpenRequest.answered_at, OpenRequest.version)
            .join(Unit, Unit.id == OpenRequest.unit_id)
            .outerjoin(CatalogEntry, CatalogEntry.id == OpenRequest.entry_id)
            .where(*conditions).order_by(OpenRequest.submitted_at.desc(), OpenRequest.id.desc())  # type: ignore[attr-defined]
            .offset((max(1, page) - 1) * page_size).limit(page_size)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=LIST_COLUMNS), int(total)


@dataclass
class RequestView:
    id: int
    code: str
    kind: str
    status: str
    unit_id: int
    unit: str
    entry_id: int | None
    subject: str
    description: str | None
    purpose: str
    applicant_kind: str
    domestic_controlled: bool
    applicant_name: str
    applicant_id: str
    contact: str
    personal_data_shown: bool  # False: masked (the viewer does not process the request)
    submitted_at: datetime
    info_request: str | None
    supplement: str | None
    reply: str | None
    answered_at: datetime | None
    agreement_signed_on: date | None
    agreement_ends_on: date | None
    due_on: date | None
    clock_status: str | None
    version: int
    answers: list[str]
    can_assign: bool
    opening: str | None = None
    can_grant: bool = False  # Longyan §18: the bureau's turn after the unit agreed
    unit_agreed_at: datetime | None = None
    unit_note: str | None = None


def get_request(actor: Actor, request_id: int, *, now: datetime | None = None) -> RequestView:
    with read_scope(actor, "open.view") as (session, _scope):
        request = session.get(OpenRequest, request_id)
        if request is None:
            from services.core.errors import NotFound

            raise NotFound()
        permissions.require(actor, "open.view", unit_id=request.unit_id, region_id=request.region_id)
        unit = session.get(Unit, request.unit_id)
        entry = session.get(CatalogEntry, request.entry_id) if request.entry_id else None
        clock = clocks.current(session, CaseKind.OPEN_REQUEST, request.id) or next(
            iter(reversed(clocks.history(session, CaseKind.OPEN_REQUEST, request.id))), None)
    processes = permissions.can(actor, "open.answer", unit_id=request.unit_id, region_id=request.region_id) and (
        actor.unit_id == request.unit_id)
    name, id_number, contact = (crypto.decrypt(request.applicant_name_enc), crypto.decrypt(request.applicant_id_enc),
                                crypto.decrypt(request.contact_enc))
    can_grant = request.status == OpenRequestStatus.UNIT_AGREED and permissions.can(
        actor, "open.grant", unit_id=request.unit_id, region_id=request.region_id)
    if not (processes or can_grant):  # the granting bureau needs to know whom it authorises
        name, id_number, contact = rules.mask(name), rules.mask(id_number, 4), rules.mask(contact, 3)
    can_assign = (request.kind == "demand" and request.status in rules.OPEN_STATUSES and actor.unit_id == request.unit_id
                  and permissions.can(actor, "open.assign", unit_id=request.unit_id, region_id=request.region_id))
    return RequestView(
        id=request.id, code=request.code, kind=request.kind, status=request.status, unit_id=request.unit_id,  # type: ignore[arg-type]
        unit=unit.name if unit else "", entry_id=request.entry_id,
        subject=(request.title or (entry.name if entry else "")) or "", description=request.description,
        purpose=request.purpose, applicant_kind=request.applicant_kind,
        domestic_controlled=request.domestic_controlled, applicant_name=name, applicant_id=id_number,
        contact=contact, personal_data_shown=processes or can_grant, submitted_at=request.submitted_at,
        info_request=request.info_request, supplement=request.supplement, reply=request.reply,
        answered_at=request.answered_at, agreement_signed_on=request.agreement_signed_on,
        agreement_ends_on=request.agreement_ends_on, due_on=clock.due_on if clock else None,
        clock_status=str(clocks.status(clock, local_date(now))) if clock else None, version=request.version,
        answers=rules.available_answers(request.status) if processes else [], can_assign=can_assign,
        opening=_opening(entry.is_published, entry.open_attribute, entry.status)
        if entry is not None and request.kind == "demand" else None,
        can_grant=can_grant, unit_agreed_at=request.unit_agreed_at, unit_note=request.unit_note)


def open_count(actor: Actor) -> int:
    """Requests waiting for the actor's unit (the home panel)."""
    if actor.unit_id is None or not permissions.can(actor, "open.answer", unit_id=actor.unit_id):
        return 0
    with read_session() as session:
        return session.exec(select(func.count()).select_from(OpenRequest).where(
            OpenRequest.unit_id == actor.unit_id,
            OpenRequest.status.in_([str(s) for s in rules.OPEN_STATUSES]))).one() or 0  # type: ignore[attr-defined]


TRANSPARENCY_COLUMNS = ["unit", "received", "answered", "answered_on_time", "mean_workdays"]


def transparency(*, year: int | None = None) -> pd.DataFrame:
    """Per unit: requests received, answered on time, and the mean working days to answer (public; the mean is
    left empty below TRANSPARENCY_MIN_REQUESTS answers)."""
    start = date(year, 1, 1) if year else None
    with read_session() as session:
        conditions = [SlaClock.case_kind == CaseKind.OPEN_REQUEST]
        if start:
            conditions.append(SlaClock.started_on >= start)
            conditions.append(SlaClock.started_on < date(start.year + 1, 1, 1))
        closed = SlaClock.closed_on.is_not(None) & (SlaClock.outcome == "done")  # type: ignore[union-attr]
        on_time = closed & ((SlaClock.due_on.is_(None)) | (SlaClock.closed_on <= SlaClock.due_on))  # type: ignore[union-attr,operator]
        rows = session.exec(
            select(Unit.name, func.count(), func.sum(case((closed, 1), else_=0)),
                   func.sum(case((on_time, 1), else_=0)))
            .join(Unit, Unit.id == SlaClock.responsible_unit_id).where(*conditions)
            .group_by(Unit.name).order_by(Unit.name)).all()
        spans = session.exec(
            select(Unit.name, SlaClock.started_on, SlaClock.closed_on, SlaClock.paused_workdays)
            .join(Unit, Unit.id == SlaClock.responsible_unit_id).where(*conditions, closed)).all()
    totals: dict[str, list[int]] = {}
    for unit_name, started, closed_on, paused in spans:
        totals.setdefault(unit_name, []).append(max(0, calendar.elapsed_workdays(started, closed_on) - (paused or 0)))
    out = []
    for unit_name, received, answered, in_time in rows:
        spent = totals.get(unit_name, [])
        mean = round(sum(spent) / len(spent), 1) if len(spent) >= TRANSPARENCY_MIN_REQUESTS else None
        out.append((unit_name, int(received), int(answered or 0), int(in_time or 0), mean))
    return pd.DataFrame(out, columns=TRANSPARENCY_COLUMNS)


def assignable_units() -> dict[int, str]:
    """Active units a demand may be assigned to."""
    with read_session() as session:
        rows = session.exec(select(Unit.id, Unit.name).where(Unit.is_active.is_(True))  # type: ignore[attr-defined]
                            .order_by(Unit.name)).all()
    return {r[0]: r[1] for r in rows}
