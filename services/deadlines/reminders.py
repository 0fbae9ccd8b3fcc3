"""In-app reminders: a clock that becomes due soon or overdue notifies the users responsible for it.

A notification stores a msgid and JSON parameters, translated when shown in the reader's language. `refresh`
is idempotent (one notification per clock, kind and user) and runs once a day at app start
(`refresh_if_due`) and from `manage.py reminders`. Other workflows add their own notifications with `notify`."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, insert, update
from sqlmodel import Session, func, select

from models import (
    CatalogEntry,
    Notification,
    OpenPlan,
    OpenPlanItem,
    PolicySetting,
    SlaClock,
    User,
    UserRole,
)
from models.user import Role
from services.core import audit, day_marker
from services.core.actor import Actor
from services.core.db import read_session, write_session
from services.core.errors import NotFound
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date, now_utc
from services.deadlines import calendar, clocks, policy
from services.deadlines.inbox import case_ref_column, plan_item_overdue_conditions

LAST_RUN_KEY = "reminders.last_run"
KIND_DUE_SOON = "due_soon"
KIND_OVERDUE = "overdue"
MSG_DUE_SOON = N_("{step} for {case} is due on {due}.")
MSG_OVERDUE = N_("{step} for {case} was due on {due} and is overdue.")
MSG_PLAN_OVERDUE = N_("Open plan {year}: {entry} was to be opened by {due} and is not open yet.")
PLAN_ITEM = "open_plan_item"  # notification case kind of an overdue plan item (one reminder per item and user)
# Who acts on a clock of a unit: its stewards, the bureau's reviewers and the county approvers of a county office.
RESPONSIBLE_ROLES = (Role.UNIT_STEWARD, Role.BUREAU_REVIEWER, Role.COUNTY_APPROVER)
SHOWN_IN_SIDEBAR = 20
TRANSLATED_PARAMS = ("outcome", "result")


@dataclass
class RefreshResult:
    due_soon: int = 0
    overdue: int = 0
    clocks: int = 0  # clocks that needed a reminder (whether new or already notified)

    @property
    def created(self) -> int:
        return self.due_soon + self.overdue


@dataclass
class NotificationView:
    id: int
    kind: str
    text: str
    case_kind: str | None
    case_id: int | None
    created_at: datetime
    read: bool


def notify(session: Session, *, user_ids: Iterable[int], kind: str, message: str, params: dict | None = None,
           case_kind: str | None = None, case_id: int | None = None, clock_id: int | None = None,
           now: datetime | None = None) -> int:
    """Add a notification for each user inside the caller's transaction (the caller commits); returns the count."""
    rows = [dict(user_id=uid, kind=kind, clock_id=clock_id, case_kind=case_kind, case_id=case_id, message=message,
                 params=json.dumps(params or {}, ensure_ascii=False, default=str), created_at=now_utc(now))
            for uid in sorted(set(user_ids))]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def _due_clocks(session: Session, today: date):
    """Open, running clocks due before the due-soon limit (so due soon or overdue), with their case name."""
    ref, joins = case_ref_column()
    stmt = select(SlaClock, ref).select_from(SlaClock)
    for target, condition in joins:
        stmt = stmt.outerjoin(target, condition)
    limit = calendar.deadline(today, clocks.DUE_SOON_WORKDAYS + 1)
    stmt = stmt.where(SlaClock.closed_at.is_(None), SlaClock.paused_at.is_(None),  # type: ignore[union-attr]
                      SlaClock.due_on.is_not(None), SlaClock.due_on < limit)  # type: ignore[union-attr]
    return session.exec(stmt).all()


def _recipients(session: Session, unit_ids: set[int]) -> dict[int, list[int]]:
    if not unit_ids:
        return {}
    rows = session.exec(select(User.unit_id, User.id).join(UserRole, UserRole.user_id == User.id)
                        .where(User.unit_id.in_(unit_ids), User.is_active, UserRole.role.in_(RESPONSIBLE_ROLES))  # type: ignore[attr-defined]
                        .distinct()).all()
    by_unit: dict[int, list[int]] = {}
    for unit_id, user_id in rows:
        by_unit.setdefault(unit_id, []).append(user_id)
    return by_unit


# Besides the responsible unit, a workflow may name other people who must act on a clock (Longyan §12: a share
# request's co-deciders). Each is "module:function", called as fn(session, clocks) -> {clock id: [user ids]}; the
# rule stays in its workflow (the sharing rules' route parties) and this module imports nothing above it.
EXTRA_RECIPIENTS = ("services.sharing.queries:reminder_parties",)


def _extra_recipients(session: Session, due) -> dict[int, list[int]]:
    clocks_due = [c for c, _r in due]
    extra: dict[int, list[int]] = {}
    for target in EXTRA_RECIPIENTS:
        module, _sep, name = target.partition(":")
        for clock_id, users in getattr(importlib.import_module(module), name)(session, clocks_due).items():
            extra.setdefault(clock_id, []).extend(users)
    return extra


def refresh(now: datetime | None = None) -> RefreshResult:
    """Create the missing due-soon and overdue reminders of every open clock (idempotent)."""
    with write_session() as session:
        day_marker.lock(session, LAST_RUN_KEY, now_utc(now))  # one refresh at a time, whoever starts it
        return _refresh_in(session, now)


def _refresh_in(session: Session, now: datetime | None) -> RefreshResult:
    """The refresh in the caller's transaction, which holds the marker row's lock; marks today and commits."""
    today = local_date(now)
    result = RefreshResult()
    due = _due_clocks(session, today)
    result.clocks = len(due)
    recipients = _recipients(session, {c.responsible_unit_id for c, _r in due if c.responsible_unit_id})
    parties = _extra_recipients(session, due)
    clock_ids = [c.id for c, _r in due]
    existing = set()
    for start in range(0, len(clock_ids), 1000):
        chunk = clock_ids[start:start + 1000]
        existing.update(session.exec(select(Notification.clock_id, Notification.user_id, Notification.kind)
                                     .where(Notification.clock_id.in_(chunk))).all())  # type: ignore[union-attr]
    rows = []
    for clock, case_ref in due:
        kind = KIND_OVERDUE if clock.due_on < today else KIND_DUE_SOON
        params = {"step": clock.step, "case": case_ref or f"#{clock.case_id}", "due": clock.due_on.isoformat()}
        for user_id in dict.fromkeys(recipients.get(clock.responsible_unit_id, []) + parties.get(clock.id, [])):
            if (clock.id, user_id, kind) in existing:
                continue
            rows.append(dict(user_id=user_id, kind=kind, clock_id=clock.id, case_kind=clock.case_kind,
                             case_id=clock.case_id, message=MSG_OVERDUE if kind == KIND_OVERDUE else MSG_DUE_SOON,
                             params=json.dumps(params, ensure_ascii=False), created_at=now_utc(now)))
            if kind == KIND_OVERDUE:
                result.overdue += 1
            else:
                result.due_soon += 1
    rows.extend(_plan_item_rows(session, today, now, result))
    if rows:
        session.execute(insert(Notification), rows)
    day_marker.claim(session, LAST_RUN_KEY, today, now_utc(now))
    audit.record(session, Actor.system("reminders"), "reminders.refresh", object_type="notification",
                 detail={"due_soon": result.due_soon, "overdue": result.overdue, "clocks": result.clocks}, now=now)
    session.commit()
    return result


def _plan_item_rows(session: Session, today: date, now: datetime | None, result: RefreshResult) -> list[dict]:
    """One overdue reminder per open-plan item past its date (services.deadlines.inbox.overdue_plan_items) and
    responsible user of the planning unit, once."""
    items = session.exec(select(OpenPlanItem.id, OpenPlan.id, OpenPlan.year, OpenPlan.unit_id, CatalogEntry.name,
                                OpenPlanItem.target_date)
                         .join(OpenPlan, OpenPlan.id == OpenPlanItem.plan_id)
                         .join(CatalogEntry, CatalogEntry.id == OpenPlanItem.entry_id)
                         .where(*plan_item_overdue_conditions(today))).all()
    if not items:
        return []
    recipients = _recipients(session, {unit for _i, _p, _y, unit, _n, _d in items})
    existing = set(session.exec(select(Notification.case_id, Notification.user_id)
                                .where(Notification.case_kind == PLAN_ITEM, Notification.kind == KIND_OVERDUE)).all())
    rows = []
    for item_id, _plan_id, year, unit_id, name, target in items:
        params = json.dumps({"year": year, "entry": name, "due": target.isoformat()}, ensure_ascii=False)
        for user_id in recipients.get(unit_id, []):
            if (item_id, user_id) in existing:
                continue
            rows.append(dict(user_id=user_id, kind=KIND_OVERDUE, clock_id=None, case_kind=PLAN_ITEM, case_id=item_id,
                             message=MSG_PLAN_OVERDUE, params=params, created_at=now_utc(now)))
            result.overdue += 1
    return rows


def refresh_if_due(now: datetime | None = None) -> RefreshResult | None:
    """Run `refresh` when it has not run yet today (app start); None when it already ran."""
    today = local_date(now)
    with read_session() as session:  # the usual case, without taking a lock: already done today
        marker = session.get(PolicySetting, LAST_RUN_KEY)
    if marker is not None and json.loads(marker.value) == today.isoformat():
        return None
    with write_session() as session:
        # Decided again under the marker's row lock: app processes started together wait here for the first one,
        # then find today taken (the refresh below commits the marker with the reminders it wrote).
        marker = day_marker.lock(session, LAST_RUN_KEY, now_utc(now))
        if json.loads(marker.value) == today.isoformat():
            return None
        return _refresh_in(session, now)


def render_text(message: str, params: str | None) -> str:
    """Translate a stored msgid with its parameters into the current language."""
    values = json.loads(params) if params else {}
    if "step" in values:
        values["step"] = policy.step_label(values["step"])
    for key in TRANSLATED_PARAMS:  # stored as msgids (an outcome, a result), read in the reader's language
        if isinstance(values.get(key), str):
            values[key] = _(values[key])
    try:
        return _(message, **values)
    except (KeyError, IndexError):
        return _(message)


def for_user(actor: Actor, *, unread_only: bool = True, limit: int = SHOWN_IN_SIDEBAR) -> list[NotificationView]:
    """The signed-in user's own notifications, newest first."""
    with read_session() as session:
        stmt = select(Notification).where(Notification.user_id == actor.user_id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))  # type: ignore[union-attr]
        rows = session.exec(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()  # type: ignore[attr-defined]
    return [NotificationView(n.id, n.kind, render_text(n.message, n.params), n.case_kind, n.case_id, n.created_at,
                             n.read_at is not None) for n in rows]  # type: ignore[arg-type]


def unread_count(actor: Actor) -> int:
    with read_session() as session:
        return int(session.exec(select(func.count()).select_from(Notification).where(
            Notification.user_id == actor.user_id, Notification.read_at.is_(None))).one())  # type: ignore[union-attr]


def mark_read(actor: Actor, notification_id: int, *, now: datetime | None = None) -> None:
    """Mark one of the user's own notifications as read (someone else's is not found)."""
    with write_session() as session:
        row = session.get(Notification, notification_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound()
        if row.read_at is None:
            row.read_at = now_utc(now)
            session.add(row)
            session.commit()


def mark_all_read(actor: Actor, *, now: datetime | None = None) -> int:
    with write_session() as session:
        result = session.execute(update(Notification).where(and_(Notification.user_id == actor.user_id,
                                                                 Notification.read_at.is_(None)))  # type: ignore[union-attr]
                                 .values(read_at=now_utc(now)))
        session.commit()
        return result.rowcount or 0
