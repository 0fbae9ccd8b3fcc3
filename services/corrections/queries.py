"""Correction reads: lists for the source unit, the reporting unit and the bureau, one correction (personal data
of a public reporter decrypted for the source unit only, the resident ID masked), the public tracking view
(status, dates and reply — nothing personal), the notice an entry shows while corrections are open, home counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func
from sqlmodel import select

from models import Attachment, CatalogEntry, SlaClock, Unit
from models.clock import CaseKind, ClockStep
from models.correction import Correction, CorrectionStatus
from services.core import personal_data
from services.core.actor import Actor
from services.core.db import read_session
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import gettext as _
from services.core.permissions import Scope, allowed_scope, require
from services.core.search import clean as search_clean
from services.core.search import contains
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.corrections import evidence
from services.corrections.commands import tracking_hash
from services.corrections.rules import STATUS_LABELS, available_actions
from services.deadlines import clocks, policy

COLUMNS = ["id", "code", "origin", "resource_code", "entry", "provider", "filed_on", "status", "due_on",
           "paused", "extension_days", "answered_at"]


def _list(actor: Actor, *, side: str, status: str | None, unit_id: int | None, page: int,
          page_size: int) -> tuple[pd.DataFrame, int]:
    """One page of corrections and their total. The count reads the correction table alone and the open clocks are
    read for the page's rows only, by case (a join to the open clocks for every matching correction made SQLite
    walk every open clock per correction: 2.7 s for the bureau's list of a city)."""
    with read_scope(actor, "correction.view", unit_id=unit_id) as (session, scope):
        conditions = []
        column = Correction.provider_unit_id if side == "provider" else Correction.reporter_unit_id
        if scope is Scope.UNIT:
            conditions.append(column == actor.unit_id)
        elif scope is Scope.REGION:
            conditions.append(Correction.provider_region_id.in_(tuple(actor.region_ids)))  # type: ignore[union-attr]
        if unit_id is not None:
            conditions.append(Correction.provider_unit_id == unit_id)
        if status == "open":
            conditions.append(Correction.status == CorrectionStatus.OPEN)
        elif status:
            conditions.append(Correction.status == status)
        total = session.exec(select(func.count()).select_from(Correction).where(*conditions)).one()
        rows = session.exec(
            select(Correction.id, Correction.code, Correction.origin, CatalogEntry.resource_code, CatalogEntry.name,
                   Unit.name, Correction.filed_on, Correction.status, Correction.extension_days,
                   Correction.answered_at)
            .join(CatalogEntry, CatalogEntry.id == Correction.entry_id)
            .join(Unit, Unit.id == Correction.provider_unit_id)
            .where(*conditions)
            .order_by(Correction.filed_on.desc(), Correction.id.desc())  # type: ignore[attr-defined]
            .offset((page - 1) * page_size).limit(page_size)).all()
        open_clocks: dict[int, tuple] = {}
        if rows:
            for case_id, due_on, paused_at in session.exec(
                    select(SlaClock.case_id, SlaClock.due_on, SlaClock.paused_at)
                    .where(SlaClock.case_kind == str(CaseKind.CORRECTION),
                           SlaClock.case_id.in_([r[0] for r in rows]),  # type: ignore[attr-defined]
                           SlaClock.step == str(ClockStep.CORRECTION_VERIFY),
                           SlaClock.closed_at.is_(None))).all():  # type: ignore[union-attr]
                open_clocks[case_id] = (due_on, paused_at is not None)
    records = []
    for cid, code, origin, resource_code, entry, provider, filed_on, status_, extension_days, answered_at in rows:
        due_on, paused = open_clocks.get(cid, (None, None))
        records.append((cid, code, origin, resource_code, entry, provider, filed_on, status_, due_on, paused,
                        extension_days, answered_at))
    return pd.DataFrame(records, columns=COLUMNS), int(total or 0)


def incoming(actor: Actor, *, status: str | None = "open", page: int = 1, page_size: int = 50):
    """Corrections the actor's unit must verify (the bureau and leaders: all)."""
    return _list(actor, side="provider", status=status, unit_id=None, page=page, page_size=page_size)


def filed_by_unit(actor: Actor, *, status: str | None = None, page: int = 1, page_size: int = 50):
    """Corrections the actor's unit filed on other units' data."""
    return _list(actor, side="reporter", status=status, unit_id=None, page=page, page_size=page_size)


def all_corrections(actor: Actor, *, status: str | None = None, unit_id: int | None = None, page: int = 1,
                    page_size: int = 50):
    require(actor, "correction.view")
    return _list(actor, side="provider", status=status, unit_id=unit_id, page=page, page_size=page_size)


@dataclass(frozen=True)
class CorrectionView:
    id: int
    code: str
    origin: str
    entry_id: int
    resource_code: str
    entry_name: str
    provider_unit_id: int
    provider: str
    reporter_unit: str | None
    items: list[str]
    description: str
    status: str
    filed_on: date
    due_on: date | None
    clock_status: str | None
    paused: bool
    question: str | None
    extension_days: int
    extension_approver: str | None
    extension_approved_on: date | None
    extension_reason: str | None
    reply: str | None
    change_note: str | None
    answered_on: date | None
    version: int
    actions: list[str]
    extension_cap: int
    evidence: list[tuple[int, str]]
    # Public reporter, for the source unit only (decrypted; the ID masked)
    reporter_name: str | None = None
    reporter_contact: str | None = None
    reporter_id_masked: str | None = None


def get_correction(actor: Actor, correction_id: int, *, today: date | None = None) -> CorrectionView:
    today = today or local_date()
    with read_scope(actor, "correction.view") as (session, scope):
        corr = session.get(Correction, correction_id)
        if corr is None:
            raise NotFound()
        visible = (scope is Scope.ALL or (scope is Scope.REGION and corr.provider_region_id in actor.region_ids)
                   or actor.unit_id in (corr.provider_unit_id, corr.reporter_unit_id))
        if not visible:
            raise PermissionDenied(_("This record is outside the units you are responsible for."),
                                   action="correction.view")
        entry = session.get(CatalogEntry, corr.entry_id)
        provider = session.get(Unit, corr.provider_unit_id)
        reporter = session.get(Unit, corr.reporter_unit_id) if corr.reporter_unit_id else None
        clock = clocks.current(session, CaseKind.CORRECTION, corr.id, ClockStep.CORRECTION_VERIFY)  # type: ignore[arg-type]
        last = clock or next(iter(reversed(clocks.history(session, CaseKind.CORRECTION, corr.id))), None)  # type: ignore[arg-type]
        files = session.exec(select(Attachment.id, Attachment.filename).where(
            Attachment.owner_kind == evidence.OWNER_KIND, Attachment.owner_id == corr.id)).all()
        cap = policy.active_profile().correction_extension_max
        is_source = actor.unit_id == corr.provider_unit_id
        actions = available_actions(corr.status, paused=bool(clock and clock.paused_at), extended=corr.extension_days > 0,
                                    extension_cap=cap) if is_source else []
        return CorrectionView(
            corr.id, corr.code, corr.origin, corr.entry_id, entry.resource_code if entry else "",  # type: ignore[arg-type]
            entry.name if entry else "", corr.provider_unit_id, provider.name if provider else "",
            reporter.name if reporter else None, json.loads(corr.items) if corr.items else [], corr.description,
            corr.status, corr.filed_on, last.due_on if last else None,
            str(clocks.status(last, today)) if last else None, bool(clock and clock.paused_at), corr.question,
            corr.extension_days, corr.extension_approver, corr.extension_approved_on, corr.extension_reason,
            corr.reply, corr.change_note, local_date(corr.answered_at) if corr.answered_at else None, corr.version,
            actions, cap, [(i, n) for i, n in files],
            reporter_name=personal_data.decrypt(corr.reporter_name_enc) if is_source else None,
            reporter_contact=personal_data.decrypt(corr.reporter_contact_enc) if is_source else None,
            reporter_id_masked=personal_data.mask_resident_id(personal_data.decrypt(corr.reporter_id_enc))
            if is_source else None)


def evidence_file(actor: Actor, correction_id: int, attachment_id: int) -> tuple[str, str, bytes]:
    view = get_correction(actor, correction_id)
    with read_session() as session:
        row = session.get(Attachment, attachment_id)
        if row is None or row.owner_kind != evidence.OWNER_KIND or row.owner_id != view.id:
            raise NotFound()
        return row.filename, row.content_type, evidence.read(row)


@dataclass(frozen=True)
class PublicStatus:
    """What the public tracking page shows: never the reporter's data, the description or the evidence."""

    code: str
    entry_name: str
    status: str
    status_label: str
    filed_on: date
    due_on: date | None
    extended: bool
    answered_on: date | None
    reply: str | None


def track(tracking_code: str) -> PublicStatus | None:
    """The public view of a correction by its tracking code (None when the code is unknown)."""
    digest = tracking_hash(tracking_code)
    with read_session() as session:
        corr = session.exec(select(Correction).where(Correction.tracking_hash == digest)).first()
        if corr is None:
            return None
        entry = session.get(CatalogEntry, corr.entry_id)
        history = clocks.history(session, CaseKind.CORRECTION, corr.id)  # type: ignore[arg-type]
        due = history[-1].due_on if history else None
        return PublicStatus(corr.code, entry.name if entry else "", corr.status,
                            _(STATUS_LABELS[CorrectionStatus(corr.status)]), corr.filed_on, due,
                            corr.extension_days > 0, local_date(corr.answered_at) if corr.answered_at else None,
                            corr.reply)


def public_entries(search: str = "", limit: int = 50) -> list[tuple[int, str, str]]:
    """Published entries a member of the public may report on: (id, resource code, name)."""
    with read_session() as session:
        stmt = select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name).where(
            CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
        text = search_clean(search)
        if text:
            stmt = stmt.where(contains(CatalogEntry.name, text) | contains(CatalogEntry.resource_code, text))
        return [tuple(r) for r in session.exec(stmt.order_by(CatalogEntry.name).limit(limit)).all()]  # type: ignore[misc]


def open_on_entry(actor: Actor, entry_id: int) -> int:
    """Corrections being verified on an entry (the entry shows them, with the served-as-normal note)."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        return entry.open_corrections if entry else 0


@dataclass(frozen=True)
class EntryNotice:
    """What an entry page shows while corrections are open: how many, and those the viewer may open."""
    open_count: int
    visible: pd.DataFrame  # id, code, origin, filed_on, due_on — the open corrections in the viewer's scope


NOTICE_COLUMNS = ["id", "code", "origin", "filed_on", "due_on"]


def entry_notice(actor: Actor, entry_id: int, *, limit: int = 20) -> EntryNotice:
    """The entry's open corrections (the count kept on the entry) and, for a viewer who may read corrections, the
    ones in their scope (the source unit's, the reporting unit's own, all for the bureau), oldest first."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        count = entry.open_corrections if entry else 0
        rows: list = []
        scope = allowed_scope(actor, "correction.view")
        if count and scope is not None:
            stmt = (select(Correction.id, Correction.code, Correction.origin, Correction.filed_on, SlaClock.due_on)
                    .outerjoin(SlaClock, (SlaClock.case_kind == str(CaseKind.CORRECTION))
                               & (SlaClock.case_id == Correction.id) & SlaClock.closed_at.is_(None))  # type: ignore[union-attr]
                    .where(Correction.entry_id == entry_id, Correction.status == CorrectionStatus.OPEN))
            if scope is Scope.UNIT:
                stmt = stmt.where((Correction.provider_unit_id == actor.unit_id)
                                  | (Correction.reporter_unit_id == actor.unit_id))
            elif scope is Scope.REGION:
                stmt = stmt.where(Correction.provider_region_id.in_(tuple(actor.region_ids)))  # type: ignore[union-attr]
            rows = [tuple(r) for r in session.exec(stmt.order_by(Correction.filed_on, Correction.id)  # type: ignore[arg-type]
                                                   .limit(limit)).all()]
    return EntryNotice(int(count or 0), pd.DataFrame(rows, columns=NOTICE_COLUMNS))


@dataclass(frozen=True)
class HomeCounts:
    to_verify: int
    overdue: int
    answered_for_us: int


def home_counts(actor: Actor, *, today: date | None = None) -> HomeCounts:
    today = today or local_date()
    with read_scope(actor, "correction.view") as (session, scope):
        if scope is not Scope.UNIT:
            return HomeCounts(0, 0, 0)
        open_ = select(func.count()).select_from(Correction).where(Correction.provider_unit_id == actor.unit_id,
                                                                    Correction.status == CorrectionStatus.OPEN)
        overdue = session.exec(select(func.count()).select_from(SlaClock).where(
            SlaClock.case_kind == str(CaseKind.CORRECTION), SlaClock.responsible_unit_id == actor.unit_id,
            SlaClock.closed_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.due_on < today)).one()  # type: ignore[union-attr,operator]
        answered = session.exec(select(func.count()).select_from(Correction).where(
            Correction.reporter_unit_id == actor.unit_id, Correction.status != CorrectionStatus.OPEN)).one()
        return HomeCounts(int(session.exec(open_).one() or 0), int(overdue or 0), int(answered or 0))
