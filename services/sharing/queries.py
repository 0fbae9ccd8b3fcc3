"""Reads for the sharing screens: request lists with their running clock (server-side pagination), one request
in full, the county approver's queue, grants, disputes and the home-panel counts."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import CatalogEntry, DataItem, SlaClock, Unit, User, UserRole
from models.clock import CaseKind, ClockStep
from models.sharing import (
    AnswerClockStart,
    Attachment,
    Dispute,
    DisputeStatus,
    Party,
    RequestStatus,
    Route,
    ShareDecision,
    ShareGrant,
    ShareRequest,
    UsageReport,
)
from models.user import Role
from services.core import search
from services.core.actor import Actor
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import gettext as _
from services.core.permissions import Scope, allowed_scope
from services.core.settings import get_settings
from services.core.timeutil import fmt_local, local_date
from services.core.uow import read_scope
from services.deadlines import calendar as workcal
from services.deadlines import policy
from services.sharing import attachments as sharing_files
from services.sharing.attachments import OWNER_KIND
from services.sharing.rules import (
    METHOD_LABELS,
    OPEN_STATUSES,
    ROUTE_PARTIES,
    available_acts,
    label,
    parties_of,
)

S = RequestStatus
Requester = aliased(Unit, name="requester_unit")
Provider = aliased(Unit, name="provider_unit")
OpenClock = aliased(SlaClock, name="open_clock")

VIEWS = ("mine", "incoming", "all")
LIST_COLUMNS = ["id", "code", "kind", "route", "status", "requester", "provider", "entry", "submitted_at",
                "end_date", "step", "due_on", "cross_level", "needs_confidentiality", "version"]


def _loads(text: str | None) -> list:
    return json.loads(text) if text else []


def _visible_condition(actor: Actor, scope: Scope):
    if scope is Scope.ALL:
        return None
    if scope is Scope.REGION:
        regions = list(actor.region_ids) or [-1]
        return or_(ShareRequest.requester_region_id.in_(regions),  # type: ignore[union-attr]
                   ShareRequest.provider_region_id.in_(regions))  # type: ignore[union-attr]
    return or_(ShareRequest.requester_unit_id == actor.unit_id, ShareRequest.provider_unit_id == actor.unit_id)


def _can_see(actor: Actor, scope: Scope, req: ShareRequest) -> bool:
    if scope is Scope.ALL:
        return True
    if scope is Scope.REGION and (req.requester_region_id in actor.region_ids
                                  or req.provider_region_id in actor.region_ids):
        return True
    return actor.unit_id in (req.requester_unit_id, req.provider_unit_id)


@dataclass
class RequestFilter:
    view: str = "all"  # mine (my unit requested) | incoming (my unit provides) | all (everything in scope)
    status: list[str] = field(default_factory=list)
    kind: str | None = None
    route: str | None = None
    requester_unit_id: int | None = None
    provider_unit_id: int | None = None
    region_id: int | None = None  # either side in this region
    code: str | None = None
    overdue_only: bool = False
    cross_level_only: bool = False
    submitted_from: date | None = None
    submitted_to: date | None = None


def _conditions(actor: Actor, scope: Scope, flt: RequestFilter, today: date) -> tuple[list, Any]:
    conditions = []
    visible = _visible_condition(actor, scope)
    if visible is not None:
        conditions.append(visible)
    if flt.view == "mine":
        conditions.append(ShareRequest.requester_unit_id == actor.unit_id)
    elif flt.view == "incoming":
        conditions.append(ShareRequest.provider_unit_id == actor.unit_id)
    if flt.status:
        conditions.append(ShareRequest.status.in_(flt.status))  # type: ignore[attr-defined]
    if flt.kind:
        conditions.append(ShareRequest.kind == flt.kind)
    if flt.route:
        conditions.append(ShareRequest.route == flt.route)
    if flt.requester_unit_id:
        conditions.append(ShareRequest.requester_unit_id == flt.requester_unit_id)
    if flt.provider_unit_id:
        conditions.append(ShareRequest.provider_unit_id == flt.provider_unit_id)
    if flt.region_id:
        conditions.append(or_(ShareRequest.requester_region_id == flt.region_id,
                              ShareRequest.provider_region_id == flt.region_id))
    if search.clean(flt.code):  # typed text, never a LIKE pattern; any case
        conditions.append(search.contains(ShareRequest.code, flt.code))
    if flt.cross_level_only:
        conditions.append(ShareRequest.cross_level.is_(True))  # type: ignore[attr-defined]
    if flt.submitted_from:
        conditions.append(ShareRequest.submitted_at >= _start_of(flt.submitted_from))  # type: ignore[operator]
    if flt.submitted_to:
        conditions.append(ShareRequest.submitted_at < _start_of(flt.submitted_to, 1))  # type: ignore[operator]
    return conditions, _overdue_requests(today) if flt.overdue_only else None


def _overdue_requests(today: date):
    """The ids of requests with an open clock past its due date, as a CTE computed once (MATERIALIZED) from the
    open-clock index: a few thousand rows even at province scale, so a page is a join and a small sort. Joined
    instead, the planner walks every request newest first probing its clock, hoping to meet a page early."""
    return (select(SlaClock.case_id.label("request_id"))
            .where(SlaClock.case_kind == CaseKind.SHARE_REQUEST, SlaClock.closed_at.is_(None),  # type: ignore[union-attr]
                   SlaClock.due_on < today)  # type: ignore[operator]
            .cte("overdue_request").prefix_with("MATERIALIZED"))


def _start_of(day: date, plus_days: int = 0) -> datetime:
    from datetime import timedelta

    from services.core.timeutil import tz

    return datetime.combine(day + timedelta(days=plus_days), datetime.min.time(), tzinfo=tz())


def _open_clock_join():
    return and_(OpenClock.case_kind == CaseKind.SHARE_REQUEST, OpenClock.case_id == ShareRequest.id,
                OpenClock.closed_at.is_(None))  # type: ignore[union-attr]


def list_requests(actor: Actor, flt: RequestFilter | None = None, *, page: int = 1, page_size: int | None = None,
                  now: datetime | None = None) -> tuple[pd.DataFrame, int]:
    """One page of requests in the actor's scope, newest first, each with its open clock. Returns (rows, total)."""
    flt = flt or RequestFilter()
    page_size = page_size or get_settings().page_size
    page = max(1, page)
    with read_scope(actor, "share.view", now=now) as (session, scope):
        if flt.view in ("mine", "incoming") and actor.unit_id is None:
            return pd.DataFrame(columns=LIST_COLUMNS), 0
        today = local_date(now)
        conditions, overdue = _conditions(actor, scope, flt, today)
        count = select(func.count()).select_from(ShareRequest)
        if overdue is not None:
            count = count.join(overdue, overdue.c.request_id == ShareRequest.id)
        total = session.exec(count.where(*conditions)).one() or 0
        # Page the bare request rows first (filter + order + limit on one table and its indexes), then join the
        # names and the open clock for those rows only: the sort never drags the joins along.
        ids = select(ShareRequest.id)
        if overdue is not None:
            ids = ids.join(overdue, overdue.c.request_id == ShareRequest.id)
        page_ids = [r for r in session.exec(
            ids.where(*conditions).order_by(ShareRequest.submitted_at.desc(), ShareRequest.id.desc())  # type: ignore[union-attr]
            .offset((page - 1) * page_size).limit(page_size)).all()]
        stmt = (select(ShareRequest.id, ShareRequest.code, ShareRequest.kind, ShareRequest.route, ShareRequest.status,
                       Requester.name, Provider.name,
                       func.coalesce(CatalogEntry.name, ShareRequest.uncatalogued_title),
                       ShareRequest.submitted_at, func.coalesce(ShareRequest.approved_end_date, ShareRequest.end_date),
                       OpenClock.step, OpenClock.due_on, ShareRequest.cross_level,
                       ShareRequest.needs_confidentiality, ShareRequest.version)
                .join(Requester, Requester.id == ShareRequest.requester_unit_id)
                .join(Provider, Provider.id == ShareRequest.provider_unit_id)
                .outerjoin(CatalogEntry, CatalogEntry.id == ShareRequest.entry_id)
                .outerjoin(OpenClock, _open_clock_join())
                .where(ShareRequest.id.in_(page_ids or [-1]))  # type: ignore[union-attr]
                .order_by(ShareRequest.submitted_at.desc(), ShareRequest.id.desc()))  # type: ignore[union-attr]
        rows = session.exec(stmt).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=LIST_COLUMNS), int(total)


# --- one request in full -----------------------------------------------------------------------------------
@dataclass
class ItemRef:
    id: int | None
    name: str
    is_sensitive: bool = False


@dataclass
class ClockView:
    step: str
    started_on: date
    due_on: date | None
    closed_on: date | None
    outcome: str | None
    responsible: str | None


@dataclass
class RequestView:
    id: int
    code: str
    kind: str
    route: str
    status: str
    version: int
    requester_unit_id: int
    requester: str
    provider_unit_id: int
    provider: str
    entry_id: int | None
    entry: str | None
    entry_code: str | None
    entry_share_type: str | None
    restriction_basis: str | None
    uncatalogued_title: str | None
    uncatalogued_description: str | None
    requested_items: list[ItemRef]
    approved_items: list[ItemRef]
    scenario: str | None
    purpose: str | None
    legal_basis: str | None
    share_method: str | None
    end_date: date | None
    approved_method: str | None
    approved_end_date: date | None
    cross_level: bool
    needs_confidentiality: bool
    decision_reason: str | None
    info_request: str | None
    use_agreement: str | None
    confidentiality_agreement: str | None
    implementation_note: str | None
    submitted_at: datetime | None
    answered_at: datetime | None
    implemented_at: datetime | None
    resubmissions: int
    decisions: list[dict]
    clocks: list[ClockView]
    grants: list[dict]
    dispute: dict | None
    attachments: list[dict]
    usage_reports: list[dict]
    acts: list[str]  # what the reader may do now (sharing_rules.Act values)
    parties: list[str]  # the capacities the reader acts in on this request
    route_note: str | None = None
    verify_records: str | None = None  # shown to the two units only
    verify_result: str | None = None
    verify_note: str | None = None
    # Shanghai §14: the answer clock waits for the signed written application (None when not awaited).
    awaiting_written_application: bool = False
    application_received_on: date | None = None

    @property
    def open_clock(self) -> ClockView | None:
        return next((c for c in self.clocks if c.closed_on is None), None)


def _item_refs(session: Session, ids_or_names: list) -> list[ItemRef]:
    ids = [i for i in ids_or_names if isinstance(i, int)]
    names = {i: (n, s) for i, n, s in session.exec(select(DataItem.id, DataItem.name, DataItem.is_sensitive)
                                                   .where(DataItem.id.in_(ids or [-1]))).all()}  # type: ignore[union-attr]
    refs = []
    for value in ids_or_names:
        if isinstance(value, int):
            name, sensitive = names.get(value, (f"#{value}", False))
            refs.append(ItemRef(value, name, bool(sensitive)))
        else:
            refs.append(ItemRef(None, str(value)))
    return refs


def _user_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids or [-1]))).all())  # type: ignore[union-attr]


def get_request(actor: Actor, request_id: int, *, now: datetime | None = None) -> RequestView:
    with read_scope(actor, "share.view", now=now) as (session, scope):
        req = session.get(ShareRequest, request_id)
        if req is None:
            raise NotFound()
        if not _can_see(actor, scope, req):
            raise PermissionDenied(_("This record is outside the units you are responsible for."), action="share.view")
        units = {u.id: u for u in session.exec(select(Unit).where(
            Unit.id.in_([req.requester_unit_id, req.provider_unit_id]))).all()}  # type: ignore[union-attr]
        entry = session.get(CatalogEntry, req.entry_id) if req.entry_id else None
        decisions = session.exec(select(ShareDecision).where(ShareDecision.request_id == req.id)
                                 .order_by(ShareDecision.decided_at, ShareDecision.id)).all()
        grants = session.exec(select(ShareGrant).where(ShareGrant.request_id == req.id)).all()
        dispute = session.exec(select(Dispute).where(Dispute.request_id == req.id).order_by(Dispute.id.desc())).first()  # type: ignore[union-attr]
        clock_rows = session.exec(select(SlaClock).where(
            or_(and_(SlaClock.case_kind == CaseKind.SHARE_REQUEST, SlaClock.case_id == req.id),
                and_(SlaClock.case_kind == CaseKind.DISPUTE, SlaClock.case_id == (dispute.id if dispute else -1))))
            .order_by(SlaClock.started_on, SlaClock.id)).all()
        attachments = session.exec(select(Attachment).where(Attachment.owner_kind == OWNER_KIND,
                                                            Attachment.owner_id == req.id)
                                   .order_by(Attachment.id)).all()
        reports = session.exec(select(UsageReport).where(UsageReport.grant_id.in_([g.id for g in grants] or [-1]))  # type: ignore[attr-defined]
                               .order_by(UsageReport.created_at)).all()
        responsible = _unit_names(session, [c.responsible_unit_id for c in clock_rows])
        people = _user_names(session, [d.decided_by for d in decisions] + [r.reported_by for r in reports]
                             + ([dispute.decided_by] if dispute else []))
        parties = parties_of(actor, req)
        return RequestView(
            id=req.id, code=req.code, kind=req.kind, route=req.route, status=req.status, version=req.version,  # type: ignore[arg-type]
            requester_unit_id=req.requester_unit_id, requester=units[req.requester_unit_id].name,
            provider_unit_id=req.provider_unit_id, provider=units[req.provider_unit_id].name,
            entry_id=req.entry_id, entry=entry.name if entry else None,
            entry_code=entry.resource_code if entry else None, entry_share_type=entry.share_type if entry else None,
            restriction_basis=entry.restriction_basis if entry else None,
            uncatalogued_title=req.uncatalogued_title, uncatalogued_description=req.uncatalogued_description,
            requested_items=_item_refs(session, _loads(req.requested_items)),
            approved_items=_item_refs(session, _loads(req.approved_items)),
            scenario=req.scenario, purpose=req.purpose, legal_basis=req.legal_basis, share_method=req.share_method,
            end_date=req.end_date, approved_method=req.approved_method, approved_end_date=req.approved_end_date,
            cross_level=req.cross_level, needs_confidentiality=req.needs_confidentiality,
            decision_reason=req.decision_reason, info_request=req.info_request, use_agreement=req.use_agreement,
            confidentiality_agreement=req.confidentiality_agreement, implementation_note=req.implementation_note,
            submitted_at=req.submitted_at, answered_at=req.answered_at, implemented_at=req.implemented_at,
            resubmissions=req.resubmissions,
            decisions=[{"party": d.party, "round": d.round, "decision": d.decision, "reason": d.reason,
                        "items": len(_loads(d.items)) if d.items else None, "end_date": d.end_date,
                        "method": d.method, "by": people.get(d.decided_by, ""), "at": d.decided_at}
                       for d in decisions],
            clocks=[ClockView(c.step, c.started_on, c.due_on, c.closed_on, c.outcome,
                              responsible.get(c.responsible_unit_id)) for c in clock_rows],  # type: ignore[arg-type]
            grants=[{"id": g.id, "starts_on": g.starts_on, "ends_on": g.ends_on, "method": g.method,
                     "items": len(_loads(g.items)), "revoked_at": g.revoked_at, "revoked_reason": g.revoked_reason,
                     "version": g.version, "consumer_unit_id": g.consumer_unit_id} for g in grants],
            dispute=None if dispute is None else {
                "id": dispute.id, "status": dispute.status, "reason": dispute.reason, "note": dispute.decision_note,
                "decided_by": people.get(dispute.decided_by, "") if dispute.decided_by else "",
                "decided_at": dispute.decided_at, "created_at": dispute.created_at, "version": dispute.version},
            attachments=[{"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
                          "sha256": a.sha256, "uploaded_at": a.uploaded_at} for a in attachments],
            usage_reports=[{"period": r.period, "content": r.content, "by": people.get(r.reported_by, ""),
                            "at": r.created_at} for r in reports],
            acts=_acts_for(actor, req, parties, dispute),
            parties=sorted(parties),
            route_note=req.route_note,
            verify_records=req.verify_records if parties & {"requester", "provider"} else None,
            verify_result=req.verify_result, verify_note=req.verify_note,
            awaiting_written_application=(
                req.status == S.SUBMITTED and req.application_received_on is None
                and policy.active_profile().answer_clock_starts == AnswerClockStart.WRITTEN_APPLICATION),
            application_received_on=req.application_received_on,
        )


def _acts_for(actor: Actor, req: ShareRequest, parties: set[str], dispute: Dispute | None) -> list[str]:
    """Available moves for the reader: the state machine's, minus answers this party already gave."""
    from services.sharing.rules import Act

    acts = available_acts(req.status, parties, req.route)
    if req.status == S.REJECTED and (dispute is not None or req.entry_id is None):
        acts = [a for a in acts if a != Act.DISPUTE]
    if req.status == S.DISPUTED and allowed_scope(actor, "share.coordinate") is None:
        acts = [a for a in acts if a not in (Act.UPHOLD, Act.OVERTURN)]
    if req.application_received_on is not None:
        acts = [a for a in acts if a != Act.RECEIVE_APPLICATION]
    if actor.user_id is not None and actor.user_id == req.created_by:  # nobody decides their own request
        acts = [a for a in acts if a not in (Act.APPROVE, Act.REJECT, Act.ASK_INFO, Act.ANSWER_VERIFICATION)]
    return acts


def _unit_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(ids or [-1]))).all())  # type: ignore[union-attr]


def answered_parties(actor: Actor, request_id: int) -> set[str]:
    """Parties that already answered the current round (a co-decided request waits for the others)."""
    with read_scope(actor, "share.view") as (session, _scope):
        req = session.get(ShareRequest, request_id)
        if req is None:
            raise NotFound()
        return set(session.exec(select(ShareDecision.party).where(
            ShareDecision.request_id == req.id, ShareDecision.round == req.resubmissions)).all())


def read_attachment(actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a written application, for the parties who may see the request."""
    with read_scope(actor, "share.view") as (session, scope):
        row = session.get(Attachment, attachment_id)
        if row is None or row.owner_kind != OWNER_KIND:
            raise NotFound()
        req = session.get(ShareRequest, row.owner_id)
        if req is None or not _can_see(actor, scope, req):
            raise PermissionDenied(_("This record is outside the units you are responsible for."), action="share.view")
        return row.filename, row.content_type, sharing_files.read(row)


# --- county approver's queue ---------------------------------------------------------------------------------
@dataclass
class QueueItem:
    id: int
    code: str
    version: int
    requester: str
    provider: str
    entry: str
    items: list[str]
    scenario: str | None
    purpose: str | None
    legal_basis: str | None
    share_method: str | None
    end_date: date | None
    submitted_at: datetime | None
    due_on: date | None
    workdays_left: int | None
    provider_approved: bool
    needs_confidentiality: bool
    attachments: int


def county_queue(actor: Actor, *, limit: int = 200, now: datetime | None = None) -> list[QueueItem]:
    """County requests (Longyan §12 para 2) waiting for the county e-government department, soonest deadline
    first: everything the approver needs to decide without opening another screen."""
    with read_scope(actor, "share.decide", now=now) as (session, scope):
        today = local_date(now)
        conditions = [ShareRequest.route == Route.COUNTY, ShareRequest.status == S.SUBMITTED]
        if scope is not Scope.ALL:
            conditions.append(ShareRequest.provider_region_id.in_(list(actor.region_ids) or [-1]))  # type: ignore[union-attr]
        decided = (select(ShareDecision.id).where(ShareDecision.request_id == ShareRequest.id,
                                                  ShareDecision.round == ShareRequest.resubmissions,
                                                  ShareDecision.party == Party.COUNTY).exists())
        provider_ok = (select(ShareDecision.id).where(ShareDecision.request_id == ShareRequest.id,
                                                      ShareDecision.round == ShareRequest.resubmissions,
                                                      ShareDecision.party == Party.PROVIDER).exists())
        attached = (select(func.count(Attachment.id)).where(Attachment.owner_kind == OWNER_KIND,
                                                            Attachment.owner_id == ShareRequest.id)
                    .scalar_subquery())
        stmt = (select(ShareRequest, Requester.name, Provider.name, CatalogEntry.name, OpenClock.due_on,
                       provider_ok, attached)
                .join(Requester, Requester.id == ShareRequest.requester_unit_id)
                .join(Provider, Provider.id == ShareRequest.provider_unit_id)
                .outerjoin(CatalogEntry, CatalogEntry.id == ShareRequest.entry_id)
                .outerjoin(OpenClock, _open_clock_join())
                .where(*conditions, ~decided)
                .order_by(OpenClock.due_on.is_(None), OpenClock.due_on, ShareRequest.submitted_at)  # type: ignore[union-attr]
                .limit(limit))
        rows = session.exec(stmt).all()
        item_ids = {i for r in rows for i in _loads(r[0].requested_items) if isinstance(i, int)}
        names = dict(session.exec(select(DataItem.id, DataItem.name).where(DataItem.id.in_(item_ids or [-1]))).all())  # type: ignore[union-attr]
        queue = []
        for req, requester, provider, entry, due_on, provider_approved, attachments in rows:
            queue.append(QueueItem(
                id=req.id, code=req.code, version=req.version, requester=requester, provider=provider,
                entry=entry or req.uncatalogued_title or "",
                items=[names.get(i, str(i)) if isinstance(i, int) else str(i) for i in _loads(req.requested_items)],
                scenario=req.scenario, purpose=req.purpose, legal_basis=req.legal_basis,
                share_method=req.share_method, end_date=req.end_date, submitted_at=req.submitted_at,
                due_on=due_on, workdays_left=_workdays_left(today, due_on), provider_approved=bool(provider_approved),
                needs_confidentiality=req.needs_confidentiality, attachments=int(attachments or 0)))
        return queue


def _workdays_left(today: date, due_on: date | None) -> int | None:
    """Working days from today to the deadline (0 = due today, negative = overdue by that many)."""
    if due_on is None:
        return None
    try:
        return workcal.elapsed_workdays(today, due_on)
    except Exception:  # a date outside the calendar: fall back to calendar days
        return (due_on - today).days


# --- grants, disputes ---------------------------------------------------------------------------------------
GRANT_COLUMNS = ["id", "code", "request_id", "entry", "consumer", "provider", "items", "method", "starts_on",
                 "ends_on", "revoked_at", "version", "consumer_unit_id", "provider_unit_id"]


def list_grants(actor: Actor, *, side: str = "consumer", active_only: bool = True, page: int = 1,
                page_size: int | None = None, now: datetime | None = None) -> tuple[pd.DataFrame, int]:
    """Access my unit holds (consumer) or gives (provider); the bureau sees all (side='all')."""
    page_size = page_size or get_settings().page_size
    with read_scope(actor, "share.view", now=now) as (session, scope):
        today = local_date(now)
        Consumer = aliased(Unit, name="consumer_unit")
        conditions = []
        if side == "consumer" or (side == "all" and scope is Scope.UNIT):
            conditions.append(ShareGrant.consumer_unit_id == actor.unit_id)
        elif side == "provider":
            conditions.append(ShareGrant.provider_unit_id == actor.unit_id)
        elif scope is Scope.REGION:
            conditions.append(or_(Consumer.region_id.in_(list(actor.region_ids) or [-1]),  # type: ignore[union-attr]
                                  Provider.region_id.in_(list(actor.region_ids) or [-1])))  # type: ignore[union-attr]
        if active_only:
            conditions += [ShareGrant.revoked_at.is_(None),  # type: ignore[union-attr]
                           or_(ShareGrant.ends_on.is_(None), ShareGrant.ends_on >= today)]  # type: ignore[union-attr,operator]
        base = (select(ShareGrant.id, ShareRequest.code, ShareGrant.request_id, CatalogEntry.name, Consumer.name,
                       Provider.name, ShareGrant.items, ShareGrant.method, ShareGrant.starts_on, ShareGrant.ends_on,
                       ShareGrant.revoked_at, ShareGrant.version, ShareGrant.consumer_unit_id,
                       ShareGrant.provider_unit_id)
                .join(CatalogEntry, CatalogEntry.id == ShareGrant.entry_id)
                .join(Consumer, Consumer.id == ShareGrant.consumer_unit_id)
                .join(Provider, Provider.id == ShareGrant.provider_unit_id)
                .outerjoin(ShareRequest, ShareRequest.id == ShareGrant.request_id)
                .where(*conditions))
        total = session.exec(select(func.count()).select_from(base.subquery())).one() or 0
        rows = session.exec(base.order_by(ShareGrant.ends_on, ShareGrant.id)
                            .offset((max(1, page) - 1) * page_size).limit(page_size)).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=GRANT_COLUMNS)
        frame["items"] = frame["items"].map(lambda t: len(_loads(t)))
        return frame, int(total)


DISPUTE_COLUMNS = ["id", "request_id", "code", "requester", "provider", "entry", "reason", "refusal", "status",
                   "created_at", "decided_at", "decision_note", "version", "age_workdays"]


def list_disputes(actor: Actor, *, status: str | None = DisputeStatus.OPEN, now: datetime | None = None) -> pd.DataFrame:
    """Disputes the bureau coordinates, oldest first, with their age in working days (no statutory deadline
    unless the profile sets one)."""
    with read_scope(actor, "share.coordinate", now=now) as (session, _scope):
        today = local_date(now)
        stmt = (select(Dispute.id, Dispute.request_id, ShareRequest.code, Requester.name, Provider.name,
                       CatalogEntry.name, Dispute.reason, ShareRequest.decision_reason, Dispute.status,
                       Dispute.created_at, Dispute.decided_at, Dispute.decision_note, Dispute.version)
                .join(ShareRequest, ShareRequest.id == Dispute.request_id)
                .join(Requester, Requester.id == ShareRequest.requester_unit_id)
                .join(Provider, Provider.id == ShareRequest.provider_unit_id)
                .outerjoin(CatalogEntry, CatalogEntry.id == ShareRequest.entry_id))
        if status:
            stmt = stmt.where(Dispute.status == status)
        rows = session.exec(stmt.order_by(Dispute.created_at).limit(500)).all()
        data = []
        for r in rows:
            opened = local_date(r[9])
            until = local_date(r[10]) if r[10] else today
            data.append((*r, _age(opened, until)))
        return pd.DataFrame(data, columns=DISPUTE_COLUMNS)


def _age(start: date, end: date) -> int:
    try:
        return workcal.elapsed_workdays(start, end)
    except Exception:
        return (end - start).days


# --- home panel -------------------------------------------------------------------------------------------------
@dataclass
class SharingOverview:
    incoming_waiting: int = 0  # requests my unit must answer, confirm or implement
    incoming_overdue: int = 0
    needs_info: int = 0  # my unit's requests waiting for our amendment
    refused: int = 0  # my unit's refused requests that may be objected to
    grants_expiring: int = 0  # grants (either side) ending within the notice period
    county_queue: int = 0
    disputes_open: int = 0
    co_decisions: int = 0  # bureau: co-decided requests waiting for the bureau's answer


def overview(actor: Actor, *, now: datetime | None = None) -> SharingOverview:
    from datetime import timedelta

    with read_scope(actor, "share.view", now=now) as (session, scope):
        today = local_date(now)
        result = SharingOverview()

        def count(stmt) -> int:
            return int(session.exec(stmt).one() or 0)

        if actor.unit_id is not None and scope is Scope.UNIT:
            waiting = (S.PENDING_CONFIRM, S.SUBMITTED, S.APPROVED)
            base = select(func.count()).select_from(ShareRequest).where(
                ShareRequest.provider_unit_id == actor.unit_id, ShareRequest.status.in_(waiting))  # type: ignore[attr-defined]
            result.incoming_waiting = count(base)
            result.incoming_overdue = count(base.join(OpenClock, _open_clock_join()).where(OpenClock.due_on < today))  # type: ignore[operator]
            mine = select(func.count()).select_from(ShareRequest).where(ShareRequest.requester_unit_id == actor.unit_id)
            result.needs_info = count(mine.where(ShareRequest.status == S.NEEDS_INFO))
            result.refused = count(mine.where(ShareRequest.status == S.REJECTED))
            horizon = today + timedelta(days=get_settings().share_expiry_notice_days)
            result.grants_expiring = count(select(func.count()).select_from(ShareGrant).where(
                or_(ShareGrant.consumer_unit_id == actor.unit_id, ShareGrant.provider_unit_id == actor.unit_id),
                ShareGrant.revoked_at.is_(None), ShareGrant.ends_on >= today, ShareGrant.ends_on <= horizon))  # type: ignore[union-attr,operator]
        if allowed_scope(actor, "share.decide") is Scope.REGION:
            result.county_queue = len(county_queue(actor, now=now))
        if allowed_scope(actor, "share.coordinate") is not None:
            result.disputes_open = count(select(func.count()).select_from(Dispute).where(Dispute.status == DisputeStatus.OPEN))
            bureau_done = (select(ShareDecision.id).where(ShareDecision.request_id == ShareRequest.id,
                                                          ShareDecision.round == ShareRequest.resubmissions,
                                                          ShareDecision.party == Party.BUREAU).exists())
            result.co_decisions = count(select(func.count()).select_from(ShareRequest).where(
                ShareRequest.route == Route.BUREAU_CO, ShareRequest.status == S.SUBMITTED, ~bureau_done))
        return result


def unit_options(actor: Actor, *, exclude_own: bool = False) -> dict[int, str]:
    """Active units by id (filters, and the provider of a request for data not in the catalog)."""
    with read_scope(actor, "share.view") as (session, _scope):
        stmt = select(Unit.id, Unit.name).where(Unit.is_active == True)  # noqa: E712
        if exclude_own and actor.unit_id is not None:
            stmt = stmt.where(Unit.id != actor.unit_id)
        return {int(i): n for i, n in session.exec(stmt.order_by(Unit.level, Unit.name)).all()}


# What a unit may ask of an entry by its share type (RULES §4): direct access, an application, a verification.
ACCESS_OPTIONS = {"unconditional": ("access",), "conditional": ("apply", "verify"), "not_shared": ("verify",)}


@dataclass
class EntryAccess:
    grant_id: int | None = None
    grant_ends_on: date | None = None
    open_request_id: int | None = None
    open_request_code: str | None = None
    # not_published | own_unit | granted | open_request | open — and, when open, what the unit may ask for.
    state: str = "open"
    options: tuple[str, ...] = ()


def my_access(actor: Actor, entry_id: int, *, now: datetime | None = None) -> EntryAccess:
    """Whether the actor's unit already holds access to, or has an open request for, an entry, and otherwise
    what it may ask for (the get-data page draws exactly these forms)."""

    with read_scope(actor, "share.view", now=now) as (session, _scope):
        today = local_date(now)
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        grant = session.exec(select(ShareGrant.id, ShareGrant.ends_on).where(
            ShareGrant.consumer_unit_id == actor.unit_id, ShareGrant.entry_id == entry_id,
            ShareGrant.revoked_at.is_(None),  # type: ignore[union-attr]
            or_(ShareGrant.ends_on.is_(None), ShareGrant.ends_on >= today))).first()  # type: ignore[union-attr,operator]
        req = session.exec(select(ShareRequest.id, ShareRequest.code).where(
            ShareRequest.requester_unit_id == actor.unit_id, ShareRequest.entry_id == entry_id,
            ShareRequest.status.in_(OPEN_STATUSES))).first()  # type: ignore[attr-defined]
        access = EntryAccess(grant[0] if grant else None, grant[1] if grant else None,
                             req[0] if req else None, req[1] if req else None)
        if not entry.is_published:
            access.state = "not_published"
        elif entry.provider_unit_id == actor.unit_id:
            access.state = "own_unit"
        elif access.grant_id:
            access.state = "granted"
        elif access.open_request_id:
            access.state = "open_request"
        else:
            access.options = ACCESS_OPTIONS.get(entry.share_type or "", ())
        return access


def application_form_html(actor: Actor, request_id: int) -> bytes:
    """The system-generated written application (Shanghai §14: the requester sends it signed, in writing): a
    printable HTML page with the request's statement and places to sign. Every value is escaped."""
    view = get_request(actor, request_id)
    esc = html.escape
    rows = [
        (_("Tracking number"), view.code), (_("Requesting unit"), view.requester),
        (_("Providing unit"), view.provider), (_("Catalog entry"), f"{view.entry or ''} {view.entry_code or ''}"),
        (_("Data items requested"), "、".join(i.name for i in view.requested_items)),
        (_("Scenario"), view.scenario or ""), (_("Purpose"), view.purpose or ""),
        (_("Duty or legal basis"), view.legal_basis or ""),
        (_("Share method"), label(METHOD_LABELS, view.share_method)), (_("Needed until"), str(view.end_date or "")),
        (_("Submitted online"), fmt_local(view.submitted_at)),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
    title = _("Written application for shared government data")
    sign = _("Requesting unit (seal) and person in charge (signature)")
    date_line = _("Date")
    page = (f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
            "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2cm}table{border-collapse:collapse;"
            "width:100%}th,td{border:1px solid #444;padding:6px 8px;text-align:left;vertical-align:top}"
            "th{width:28%;background:#f2f2f2}.sign{margin-top:3em}</style></head><body>"
            f"<h1>{esc(title)}</h1><table>{body}</table>"
            f"<p class=\"sign\">{esc(sign)}：______________　　{esc(date_line)}：________</p></body></html>")
    return page.encode("utf-8")


def reminder_parties(session, due_clocks) -> dict[int, list[int]]:
    """Reminder recipients besides the provider (services.deadlines.reminders.EXTRA_RECIPIENTS): the other parties
    of a share request's route (rules.ROUTE_PARTIES — the county approvers of the provider's county, the reviewers of
    its competent bureau) who have not answered the current round must act on the answer too. Returns clock id ->
    user ids."""
    request_clocks = {c.case_id: c.id for c in due_clocks
                      if c.case_kind == CaseKind.SHARE_REQUEST and c.step == ClockStep.SHARE_ANSWER}
    shared_routes = [route for route, parties in ROUTE_PARTIES.items() if parties - {Party.PROVIDER}]
    if not request_clocks or not shared_routes:
        return {}
    routes = session.exec(select(ShareRequest.id, ShareRequest.route, ShareRequest.provider_region_id,
                                 ShareRequest.bureau_unit_id)
                          .where(ShareRequest.id.in_(list(request_clocks)),  # type: ignore[union-attr]
                                 ShareRequest.route.in_(shared_routes))).all()  # type: ignore[attr-defined]
    # A party that already answered the current round has nothing left to do on it.
    answered = set(session.exec(
        select(ShareDecision.request_id, ShareDecision.party)
        .join(ShareRequest, (ShareRequest.id == ShareDecision.request_id)
              & (ShareRequest.resubmissions == ShareDecision.round))
        .where(ShareDecision.request_id.in_([r[0] for r in routes] or [-1]))).all())  # type: ignore[attr-defined]
    waiting = {rid: [p for p in ROUTE_PARTIES[route] if p != Party.PROVIDER and (rid, p) not in answered]
               for rid, route, _r, _b in routes}
    regions = {r for rid, _route, r, _b in routes if Party.COUNTY in waiting[rid] and r is not None}
    bureaus = {b for rid, _route, _r, b in routes if Party.BUREAU in waiting[rid] and b is not None}
    approvers: dict[int, list[int]] = {}
    reviewers: dict[int, list[int]] = {}
    if regions:
        for region_id, user_id in session.exec(
                select(Unit.region_id, User.id).join(User, User.unit_id == Unit.id)
                .join(UserRole, UserRole.user_id == User.id)
                .where(Unit.region_id.in_(regions), User.is_active, UserRole.role == Role.COUNTY_APPROVER)).all():  # type: ignore[attr-defined]
            approvers.setdefault(region_id, []).append(user_id)
    if bureaus:
        for unit_id, user_id in session.exec(
                select(User.unit_id, User.id).join(UserRole, UserRole.user_id == User.id)
                .where(User.unit_id.in_(bureaus), User.is_active, UserRole.role == Role.BUREAU_REVIEWER)).all():  # type: ignore[attr-defined]
            reviewers.setdefault(unit_id, []).append(user_id)
    extra: dict[int, list[int]] = {}
    for request_id, _route, region_id, bureau_id in routes:
        users: list[int] = []
        for party in waiting[request_id]:
            users += approvers.get(region_id, []) if party == Party.COUNTY else reviewers.get(bureau_id, [])
        if users:
            extra[request_clocks[request_id]] = users
    return extra
