"""Seed step (registered last): two years of believable audit history, hash-chained onto the existing chain.

The events tell the same story as the rows the earlier steps wrote: each catalog entry's creation, submission
and review, each share request's application, decision and implementation, each aggregation registration, filing
and the bureau's answer and each update recorded on the form, each correction filed, extended and answered, each
public open-data request, assignment, answer and grant and each open plan filed (read from those tables, at their
own timestamps, with the services' action names), plus what people do every working day around them — sign-ins and sign-outs (idle
time-outs included), mistyped passwords and the odd lock-out, exports, account administration and audit-log
checks. Fewer events on weekends, around 春节 and 国庆, more towards the end of the year; the volume grows over
the two years as units adopt the platform. Everything is drawn from `ctx.rng`, merged in time order, chained
with `services.audit.event_hash` and written in bulk."""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from sqlalchemy import func, select
from sqlmodel import Session

from models import (
    AnnualReport,
    AuditEvent,
    AuditHead,
    CalendarDay,
    CatalogEntry,
    OpenPlan,
    OpenRequest,
    Project,
    ProjectGateCheck,
    Role,
    ShareRequest,
    Unit,
    User,
    UserRole,
)
from models.aggregation import AggregationRegistration, DataUpdate, FilingStatus, RegistrationState
from models.correction import Correction, CorrectionOrigin
from models.opendata import OpenRequestStatus
from models.org import UnitKind
from models.sharing import RequestKind, RequestStatus, Route
from services.core import audit, bulk
from services.core.audit import GENESIS, event_hash
from services.core.settings import get_settings
from services.core.timeutil import local_date, tz
from services.corrections.commands import PUBLIC_ACTOR as PUBLIC_PORTAL
from services.seed import SeedContext, register
from services.seed.aggregation import MANUAL_SOURCE  # updates typed on the form by a person

HISTORY_DAYS = 730  # the demo story covers two years
BATCH = 20_000
DEFER_INDEXES_FROM = 500_000  # rebuilding the audit indexes once beats maintaining them row by row past this
MIN_BACKGROUND_SHARE = 0.1  # at least this share of the history is everyday activity, however busy the workflows

# (start hour, end hour, weight): arrivals cluster in the morning and after the lunch break.
WORKDAY_HOURS = ((8.3, 9.5, 3.0), (9.5, 11.8, 3.0), (11.8, 13.8, 0.6), (13.8, 15.5, 2.2), (15.5, 17.6, 2.0),
                 (17.6, 21.0, 0.3))
OFFDAY_HOURS = ((9.0, 12.0, 1.0), (14.0, 18.0, 1.0))
# How often each role signs in, relative to a unit data administrator.
ROLE_WEIGHT = {Role.UNIT_STEWARD: 1.0, Role.COUNTY_APPROVER: 1.6, Role.BUREAU_REVIEWER: 4.0, Role.LEADER: 0.8,
               Role.ASSESSOR: 0.4, Role.SYS_ADMIN: 0.5, Role.SECURITY_ADMIN: 0.3, Role.AUDIT_ADMIN: 0.4}
FAILED_SIGN_IN_RATE = 0.04
LOCKOUT_RATE = 0.002
IDLE_SIGN_OUT_RATE = 0.35
EXPORT_RATE = {Role.UNIT_STEWARD: 0.2, Role.LEADER: 0.3, Role.ASSESSOR: 0.6, Role.BUREAU_REVIEWER: 0.15}  # share of sessions with an export


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    roles: str  # sorted, comma-separated, as audit.record writes them
    unit_id: int
    main_role: str


Event = tuple  # (occurred_at, user_id, username, roles, unit_id, action, object_type, object_id, result, detail)


def _detail(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class History:
    """Everything the generator needs, loaded once: people, units, the working-day calendar."""

    def __init__(self, ctx: SeedContext, session: Session):
        self.ctx = ctx
        self.rng = ctx.rng
        self.end_day = local_date(ctx.now)
        self.start_day = self.end_day - timedelta(days=HISTORY_DAYS)
        self.tz = tz()
        rows = session.execute(
            select(User.id, User.username, User.unit_id, UserRole.role).join(UserRole, UserRole.user_id == User.id)
            .order_by(User.id, UserRole.role)).all()
        roles: dict[int, list[str]] = {}
        base: dict[int, tuple[str, int]] = {}
        for uid, username, unit_id, role in rows:
            roles.setdefault(uid, []).append(role)
            base[uid] = (username, unit_id)
        self.people: list[Person] = []
        for uid, (username, unit_id) in base.items():
            rs = sorted(roles[uid])
            main = max(rs, key=lambda r: ROLE_WEIGHT.get(r, 0.1))  # type: ignore[call-overload]
            self.people.append(Person(uid, username, ",".join(rs), unit_id, main))
        self.by_role: dict[str, list[Person]] = {}
        for p in self.people:
            for r in p.roles.split(","):
                self.by_role.setdefault(r, []).append(p)
        self.steward_of_unit = {p.unit_id: p for p in self.by_role.get(Role.UNIT_STEWARD, [])}
        unit_region = dict(session.execute(select(Unit.id, Unit.region_id)).all())
        self.unit_region = unit_region
        self.approver_of_region = {unit_region[p.unit_id]: p for p in self.by_role.get(Role.COUNTY_APPROVER, [])}
        self.reviewers = self.by_role.get(Role.BUREAU_REVIEWER, [])
        roots = session.execute(select(Unit.id).where(Unit.kind == UnitKind.BUREAU).order_by(Unit.id)).scalars().all()
        self.bureau_unit = roots[0] if roots else None  # the bureau that receives open-data demands
        self.entries_per_unit = dict(session.execute(
            select(CatalogEntry.provider_unit_id, func.count()).group_by(CatalogEntry.provider_unit_id)).all())
        self.county_egov_units = {uid for uid, kind in session.execute(select(Unit.id, Unit.kind)).all()
                                  if kind == UnitKind.COUNTY_EGOV}
        self.workdays = self._workdays(session)
        # Cumulative weights once: random.choices with plain weights re-adds them on every call (O(people)).
        self.cum_weights = list(accumulate(ROLE_WEIGHT.get(p.main_role, 0.1) for p in self.people))
        self.cum_slots = {workday: list(accumulate(s[2] for s in (WORKDAY_HOURS if workday else OFFDAY_HOURS)))
                          for workday in (True, False)}

    # --- calendar and seasons ---------------------------------------------------------------------
    def _workdays(self, session: Session) -> dict[date, bool]:
        known = dict(session.execute(select(CalendarDay.day, CalendarDay.is_workday).where(
            CalendarDay.day >= self.start_day, CalendarDay.day <= self.end_day)).all())
        try:
            import chinese_calendar
        except ImportError:  # pragma: no cover - the package is a runtime dependency
            chinese_calendar = None
        days: dict[date, bool] = {}
        d = self.start_day
        while d <= self.end_day:
            if d in known:
                days[d] = bool(known[d])
            else:
                try:
                    days[d] = chinese_calendar.is_workday(d) if chinese_calendar else d.weekday() < 5
                except NotImplementedError:  # a year the package does not cover yet
                    days[d] = d.weekday() < 5
            d += timedelta(days=1)
        return days

    def day_weight(self, d: date) -> float:
        workday = self.workdays.get(d, d.weekday() < 5)
        weight = 1.0 if workday else 0.04
        # Year-end push (annual reports, assessment) and a quieter summer.
        weight *= {12: 1.3, 11: 1.1, 1: 1.05, 7: 0.9, 8: 0.85}.get(d.month, 1.0)
        # Adoption: the platform is used about twice as much at the end of the two years as at the start.
        weight *= 0.65 + 0.7 * (d - self.start_day).days / HISTORY_DAYS
        return weight

    def moment(self, d: date, workday: bool) -> datetime:
        slots = WORKDAY_HOURS if workday else OFFDAY_HOURS
        lo, hi, _w = self.rng.choices(slots, cum_weights=self.cum_slots[workday])[0]
        hour = self.rng.uniform(lo, hi)
        local = datetime.combine(d, time(0), tzinfo=self.tz) + timedelta(seconds=round(hour * 3600))
        return local.astimezone(UTC)

    # --- everyday activity ------------------------------------------------------------------------
    def background(self, total: int) -> Iterator[Event]:
        if total <= 0 or not self.people:
            return
        days = [self.start_day + timedelta(days=i) for i in range(HISTORY_DAYS)]
        weights = [self.day_weight(d) for d in days]
        scale = total / sum(weights)
        expected = 0.0
        produced = 0
        for d, w in zip(days, weights, strict=True):
            # Cumulative rounding: each day gets its share and the days add up to exactly `total`.
            expected += w * scale
            quota = min(round(expected), total) - produced
            if quota <= 0:
                continue
            events: list[Event] = []
            workday = self.workdays.get(d, d.weekday() < 5)
            while len(events) < quota:
                events.extend(self.session_events(d, workday))
            events = sorted(events[:quota], key=lambda e: e[0])
            produced += len(events)
            yield from events

    def session_events(self, d: date, workday: bool) -> list[Event]:
        rng = self.rng
        person = rng.choices(self.people, cum_weights=self.cum_weights)[0]
        t = self.moment(d, workday)
        out: list[Event] = []
        if rng.random() < LOCKOUT_RATE:
            threshold = get_settings().lockout_threshold
            for i in range(threshold):
                out.append(self._anon(t + timedelta(seconds=20 * i), person, "auth.sign_in", "failure",
                                      {"reason": "wrong password", "failed_attempts": i + 1}))
            until = t + timedelta(seconds=20 * threshold, minutes=get_settings().lockout_minutes)
            out.append(self._anon(t + timedelta(seconds=20 * (threshold - 1)), person, "auth.lock", "success",
                                  {"locked_until": until.isoformat(sep=" ")}))
            return out
        if rng.random() < FAILED_SIGN_IN_RATE:
            out.append(self._anon(t - timedelta(seconds=rng.randint(15, 90)), person, "auth.sign_in", "failure",
                                  {"reason": "wrong password", "failed_attempts": 1}))
        out.append(self._own(t, person, "auth.sign_in", "user", person.user_id))
        t += timedelta(minutes=rng.uniform(1, 25))
        for _ in range(rng.choices((0, 1, 2, 3), weights=(4, 4, 2, 1))[0]):
            action = self.role_action(person, t)
            if action:
                out.append(action)
            t += timedelta(minutes=rng.uniform(2, 40))
        if rng.random() < IDLE_SIGN_OUT_RATE:
            t += timedelta(minutes=get_settings().idle_timeout_minutes)
            out.append(self._own(t, person, "auth.sign_out", "user", person.user_id, {"reason": "idle"}))
        else:
            out.append(self._own(t, person, "auth.sign_out", "user", person.user_id, {"reason": "user"}))
        return out

    def role_action(self, person: Person, t: datetime) -> Event | None:
        rng = self.rng
        role = person.main_role
        fmt = rng.choices(("xlsx", "csv", "pdf"), weights=(6, 3, 1))[0]
        if role == Role.UNIT_STEWARD:
            if rng.random() < 0.03:
                return self._own(t, person, "auth.change_password", "user", person.user_id)
            rows = self.entries_per_unit.get(person.unit_id, 0)
            if rng.random() > EXPORT_RATE[role]:
                return None  # their catalog and sharing work comes from those tables
            return self._own(t, person, "catalog.export", "catalog_entry", None,
                             {"format": "xlsx", "rows": rows, "unit_id": person.unit_id}) if rows else None
        if role in (Role.LEADER, Role.ASSESSOR, Role.BUREAU_REVIEWER):
            # Reviewers' work is in the catalog and sharing history; leaders mostly read the dashboard.
            if rng.random() > EXPORT_RATE[role]:
                return None
            if role == Role.ASSESSOR and rng.random() < 0.4:
                return self._own(t, person, "catalog.export", "catalog_entry", None,
                                 {"format": "xlsx", "rows": sum(self.entries_per_unit.values())})
            return self._own(t, person, "kpi.export", "kpi", None, {"format": "xlsx" if fmt == "pdf" else fmt})
        if role == Role.COUNTY_APPROVER:
            return None  # their decisions come from the share requests themselves
        target = rng.choice(self.people)
        if role == Role.SYS_ADMIN:
            action = rng.choices(("user.update", "user.reset_password", "user.unlock"), weights=(5, 3, 2))[0]
            detail = {"phone": {"before": None, "after": "0599-8" + f"{rng.randint(0, 999999):06d}"}} \
                if action == "user.update" else None
            return self._own(t, person, action, "user", target.user_id, detail)
        if role == Role.SECURITY_ADMIN:
            roles = target.roles.split(",")
            return self._own(t, person, "role.grant", "user", target.user_id,
                             {"before": roles, "after": roles})
        if role == Role.AUDIT_ADMIN:
            if rng.random() < 0.5:
                return self._own(t, person, "audit.verify", "audit_event", None, None)
            return self._own(t, person, "audit.export", "audit_event", None,
                             {"format": fmt if fmt != "pdf" else "csv", "days": rng.choice((7, 30, 90))})
        return None

    @staticmethod
    def _own(t: datetime, p: Person, action: str, object_type: str | None, object_id: object,
             detail: dict | None = None, result: str = "success") -> Event:
        return (t, p.user_id, p.username, p.roles, p.unit_id, action, object_type,
                None if object_id is None else str(object_id), result, _detail(detail))

    @staticmethod
    def _anon(t: datetime, p: Person, action: str, result: str, detail: dict | None) -> Event:
        # auth.record(None, username=…) writes failures and locks without an actor, like services.auth does.
        return (t, None, p.username, None, None, action, "user", str(p.user_id), result, _detail(detail))

    # --- the workflows' own history, read back from their tables ------------------------------------
    def catalog_streams(self, session: Session) -> list[Iterator[Event]]:
        def created() -> Iterator[Event]:
            q = select(CatalogEntry.id, CatalogEntry.provider_unit_id, CatalogEntry.resource_code,
                       CatalogEntry.created_at).where(CatalogEntry.created_at >= self._start_utc()) \
                .order_by(CatalogEntry.created_at, CatalogEntry.id)
            for eid, unit_id, code, at in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, "catalog.create", "catalog_entry", eid, {"resource_code": code})

        def submitted() -> Iterator[Event]:
            q = select(CatalogEntry.id, CatalogEntry.provider_unit_id, CatalogEntry.submitted_at) \
                .where(CatalogEntry.submitted_at >= self._start_utc()) \
                .order_by(CatalogEntry.submitted_at, CatalogEntry.id)
            for eid, unit_id, at in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, "catalog.submit", "catalog_entry", eid)

        def reviewed() -> Iterator[Event]:
            if not self.reviewers:
                return
            q = select(CatalogEntry.id, CatalogEntry.is_published, CatalogEntry.return_reason,
                       CatalogEntry.published_version, CatalogEntry.reviewed_at) \
                .where(CatalogEntry.reviewed_at >= self._start_utc()) \
                .order_by(CatalogEntry.reviewed_at, CatalogEntry.id)
            for eid, published, reason, version_no, at in self._stream(session, q):
                p = self.reviewers[eid % len(self.reviewers)]
                if published:
                    yield self._own(at, p, "catalog.approve", "catalog_entry", eid, {"version_no": version_no})
                else:
                    yield self._own(at, p, "catalog.return", "catalog_entry", eid, {"reason": reason})

        return [created(), submitted(), reviewed()]

    def sharing_streams(self, session: Session) -> list[Iterator[Event]]:
        start = self._start_utc()

        def applied() -> Iterator[Event]:
            q = select(ShareRequest.requester_unit_id, ShareRequest.code, ShareRequest.kind, ShareRequest.route,
                       ShareRequest.entry_id, ShareRequest.submitted_at).where(ShareRequest.submitted_at >= start) \
                .order_by(ShareRequest.submitted_at, ShareRequest.id)
            for unit_id, code, kind, route, entry_id, at in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p is None:
                    continue
                if kind == RequestKind.ACCESS:  # unconditional data: granted at once, one event
                    yield self._own(at, p, "share.access", "share_request", code, {"entry_id": entry_id})
                elif kind == RequestKind.UNCATALOGUED:
                    yield self._own(at, p, "share.request_uncatalogued", "share_request", code, {"route": route})
                else:
                    yield self._own(at, p, "share.apply", "share_request", code,
                                    {"kind": kind, "route": route, "entry_id": entry_id})

        def answered() -> Iterator[Event]:
            q = select(ShareRequest.id, ShareRequest.code, ShareRequest.provider_unit_id,
                       ShareRequest.requester_unit_id, ShareRequest.route, ShareRequest.status,
                       ShareRequest.answered_at) \
                .where(ShareRequest.answered_at >= start, ShareRequest.kind != RequestKind.ACCESS) \
                .order_by(ShareRequest.answered_at, ShareRequest.id)
            for rid, code, provider, requester, route, status, at in self._stream(session, q):
                decision = ("reject" if status in (RequestStatus.REJECTED, RequestStatus.DISPUTED)
                            else "needs_info" if status == RequestStatus.NEEDS_INFO else "approve")
                deciders: list[tuple[str, Person | None]] = [("provider", self.steward_of_unit.get(provider))]
                if route == Route.COUNTY:
                    deciders.append(("county", self.approver_of_region.get(self.unit_region.get(requester))))
                elif route == Route.BUREAU_CO and self.reviewers:
                    deciders.append(("bureau", self.reviewers[rid % len(self.reviewers)]))
                # Co-deciders answer before the final answer is recorded (keeps each stream in time order).
                present = [(party, p) for party, p in deciders if p is not None]
                for i, (party, p) in enumerate(present):
                    yield self._own(at - timedelta(minutes=7 * (len(present) - 1 - i)), p, "share.decide",
                                    "share_request", code, {"party": party, "decision": decision})

        def implemented() -> Iterator[Event]:
            q = select(ShareRequest.code, ShareRequest.provider_unit_id, ShareRequest.approved_method,
                       ShareRequest.implemented_at) \
                .where(ShareRequest.implemented_at >= start, ShareRequest.kind != RequestKind.ACCESS) \
                .order_by(ShareRequest.implemented_at, ShareRequest.id)
            for code, provider, method, at in self._stream(session, q):
                p = self.steward_of_unit.get(provider)
                if p:
                    yield self._own(at, p, "share.implement", "share_request", code, {"method": method})

        return [applied(), answered(), implemented()]

    def governance_streams(self, session: Session) -> list[Iterator[Event]]:
        """Projects (registered, submitted, decided at a gate) and annual reports (submitted, reviewed)."""
        start = self._start_utc()

        def unit_events(column, action: str, model) -> Iterator[Event]:
            q = select(model.id, model.unit_id, column).where(column >= start).order_by(column, model.id)
            for object_id, unit_id, at in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, action, str(model.__tablename__), object_id)

        def gates() -> Iterator[Event]:
            if not self.reviewers:
                return
            q = select(ProjectGateCheck.project_id, ProjectGateCheck.gate, ProjectGateCheck.passed,
                       ProjectGateCheck.checked_at).where(ProjectGateCheck.checked_at >= start) \
                .order_by(ProjectGateCheck.checked_at, ProjectGateCheck.id)
            for project_id, gate, passed, at in self._stream(session, q):
                action = "project.approve" if gate == "approval" else "project.accept"
                yield self._own(at, self.reviewers[project_id % len(self.reviewers)], action, "project", project_id,
                                {"passed": bool(passed)})

        def reviewed() -> Iterator[Event]:
            if not self.reviewers:
                return
            q = select(AnnualReport.id, AnnualReport.status, AnnualReport.reviewed_at) \
                .where(AnnualReport.reviewed_at >= start).order_by(AnnualReport.reviewed_at, AnnualReport.id)
            for report_id, status, at in self._stream(session, q):
                yield self._own(at, self.reviewers[report_id % len(self.reviewers)], "report.review", "annual_report",
                                report_id, {"accepted": status == "accepted"})

        return [unit_events(Project.created_at, "project.register", Project),
                unit_events(Project.submitted_at, "project.submit", Project), gates(),
                unit_events(AnnualReport.submitted_at, "report.submit", AnnualReport), reviewed()]
    def person(self, user_id: int | None) -> Person | None:
        if not hasattr(self, "_by_id"):
            self._by_id = {p.user_id: p for p in self.people}
        return self._by_id.get(user_id) if user_id is not None else None

    def _reviewer(self, key: int) -> Person | None:
        return self.reviewers[key % len(self.reviewers)] if self.reviewers else None

    @staticmethod
    def _system(t: datetime, username: str, roles: str, action: str, object_type: str, object_id: object,
                detail: dict | None) -> Event:
        """An event without a signed-in user: the public portal (corrections: system actor `public-portal`;
        open data: the anonymous `public` actor without roles)."""
        return (t, None, username, roles, None, action, object_type, str(object_id), "success", _detail(detail))

    @staticmethod
    def _on_day(rows: Iterable[tuple], tz_, hour: int = 10) -> Iterator[tuple[datetime, tuple]]:
        """Rows ordered by a date column (first field): a moment on that day, one second apart within the day, so
        the stream stays in time order."""
        last, i = None, 0
        for row in rows:
            i = i + 1 if row[0] == last else 0
            last = row[0]
            yield (datetime.combine(row[0], time(hour), tzinfo=tz_) + timedelta(seconds=i)).astimezone(UTC), row

    def aggregation_streams(self, session: Session) -> list[Iterator[Event]]:
        start = self._start_utc()
        codes = CatalogEntry.resource_code

        def registered() -> Iterator[Event]:
            q = select(AggregationRegistration.created_at, AggregationRegistration.unit_id, codes,
                       AggregationRegistration.state, AggregationRegistration.mode,
                       AggregationRegistration.source_system, AggregationRegistration.reason) \
                .join(CatalogEntry, CatalogEntry.id == AggregationRegistration.entry_id) \
                .where(AggregationRegistration.created_at >= start) \
                .order_by(AggregationRegistration.created_at, AggregationRegistration.id)
            for at, unit_id, code, state, mode, system, reason in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p is None:
                    continue
                if state == RegistrationState.NOT_POSSIBLE:
                    yield self._own(at, p, "aggregation.file_not_possible", "catalog_entry", code,
                                    {"reason": (reason or "")[:200]})
                else:
                    yield self._own(at, p, "aggregation.register", "catalog_entry", code,
                                    {"mode": mode, "source_system": system, "from": None, "to": "active"})

        def suspended() -> Iterator[Event]:
            q = select(AggregationRegistration.updated_at, AggregationRegistration.unit_id, codes,
                       AggregationRegistration.reason) \
                .join(CatalogEntry, CatalogEntry.id == AggregationRegistration.entry_id) \
                .where(AggregationRegistration.state == RegistrationState.SUSPENDED,
                       AggregationRegistration.updated_at >= start) \
                .order_by(AggregationRegistration.updated_at, AggregationRegistration.id)
            for at, unit_id, code, reason in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, "aggregation.suspend", "catalog_entry", code, {"reason": (reason or "")[:200]})

        def filings() -> Iterator[Event]:
            q = select(AggregationRegistration.filing_decided_at, AggregationRegistration.filing_decided_by, codes,
                       AggregationRegistration.filing_status, AggregationRegistration.filing_note,
                       AggregationRegistration.id) \
                .join(CatalogEntry, CatalogEntry.id == AggregationRegistration.entry_id) \
                .where(AggregationRegistration.filing_decided_at >= start) \
                .order_by(AggregationRegistration.filing_decided_at, AggregationRegistration.id)
            for at, by, code, status, note, reg_id in self._stream(session, q):
                p = self.person(by) or self._reviewer(reg_id)
                if p:
                    yield self._own(at, p, "aggregation.decide_filing", "catalog_entry", code,
                                    {"acknowledged": status == FilingStatus.ACKNOWLEDGED, "note": (note or "")[:200]})

        def updates() -> Iterator[Event]:
            # Updates typed on the form (manual upload); exchange-platform systems write theirs without a person.
            q = select(DataUpdate.created_at, DataUpdate.recorded_by, codes, DataUpdate.updated_at,
                       DataUpdate.record_count, DataUpdate.added, DataUpdate.changed, DataUpdate.deleted) \
                .join(CatalogEntry, CatalogEntry.id == DataUpdate.entry_id) \
                .where(DataUpdate.created_at >= start, DataUpdate.source == MANUAL_SOURCE,
                       DataUpdate.recorded_by.is_not(None)) \
                .order_by(DataUpdate.created_at, DataUpdate.id)  # type: ignore[union-attr]
            for at, by, code, updated_at, records, added, changed, deleted in self._stream(session, q):
                p = self.person(by)
                if p:
                    yield self._own(at, p, "aggregation.record_update", "catalog_entry", code,
                                    {"updated_on": local_date(updated_at), "records": records, "added": added,
                                     "changed": changed, "deleted": deleted})

        return [registered(), suspended(), filings(), updates()]

    def correction_streams(self, session: Session) -> list[Iterator[Event]]:
        start = self._start_utc()

        def filed() -> Iterator[Event]:
            q = select(Correction.created_at, Correction.origin, Correction.created_by, Correction.reporter_unit_id,
                       Correction.code, CatalogEntry.resource_code) \
                .join(CatalogEntry, CatalogEntry.id == Correction.entry_id) \
                .where(Correction.created_at >= start).order_by(Correction.created_at, Correction.id)
            for at, origin, by, reporter, code, entry in self._stream(session, q):
                if origin == CorrectionOrigin.PUBLIC:
                    yield self._system(at, PUBLIC_PORTAL, "system", "correction.file_public", "correction", code,
                                       {"entry": entry, "evidence": 0, "resident_id_given": None})
                    continue
                p = self.person(by) or self.steward_of_unit.get(reporter)
                if p:
                    yield self._own(at, p, "correction.file", "correction", code, {"entry": entry, "evidence": 0})

        def extended() -> Iterator[Event]:
            q = select(Correction.extension_approved_on, Correction.provider_unit_id, Correction.code,
                       Correction.extension_days, Correction.extension_approver) \
                .where(Correction.extension_approved_on >= self.start_day) \
                .order_by(Correction.extension_approved_on, Correction.id)
            for at, (_day, unit_id, code, days, approver) in self._on_day(self._stream(session, q), self.tz):
                p = self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, "correction.extend", "correction", code,
                                    {"workdays": days, "approver": approver, "approved_on": _day})

        def answered() -> Iterator[Event]:
            q = select(Correction.answered_at, Correction.answered_by, Correction.provider_unit_id, Correction.code,
                       Correction.status) \
                .where(Correction.answered_at >= start).order_by(Correction.answered_at, Correction.id)
            for at, by, unit_id, code, status in self._stream(session, q):
                p = self.person(by) or self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, "correction.answer", "correction", code, {"outcome": status})

        return [filed(), extended(), answered()]

    def opendata_streams(self, session: Session) -> list[Iterator[Event]]:
        start = self._start_utc()

        def submitted() -> Iterator[Event]:
            q = select(OpenRequest.submitted_at, OpenRequest.id, OpenRequest.code, OpenRequest.kind,
                       OpenRequest.applicant_kind, OpenRequest.entry_id, OpenRequest.unit_id, OpenRequest.assigned_at) \
                .where(OpenRequest.submitted_at >= start).order_by(OpenRequest.submitted_at, OpenRequest.id)
            for at, rid, code, kind, applicant, entry_id, unit_id, assigned in self._stream(session, q):
                # A demand reaches the bureau first; where it was assigned, the unit it went to holds it now.
                unit = self.bureau_unit if assigned and self.bureau_unit else unit_id
                yield self._system(at, "public", "", "open.submit", "open_request", rid,
                                   {"code": code, "kind": kind, "applicant_kind": applicant, "unit_id": unit,
                                    "entry_id": entry_id})

        def assigned() -> Iterator[Event]:
            q = select(OpenRequest.assigned_at, OpenRequest.id, OpenRequest.code, OpenRequest.unit_id) \
                .where(OpenRequest.assigned_at >= start).order_by(OpenRequest.assigned_at, OpenRequest.id)
            for at, rid, code, unit_id in self._stream(session, q):
                p = self._reviewer(rid)
                if p:
                    yield self._own(at, p, "open.assign", "open_request", rid,
                                    {"code": code, "from_unit_id": self.bureau_unit, "to_unit_id": unit_id})

        def unit_agreed() -> Iterator[Event]:
            q = select(OpenRequest.unit_agreed_at, OpenRequest.id, OpenRequest.code, OpenRequest.unit_id) \
                .where(OpenRequest.unit_agreed_at >= start).order_by(OpenRequest.unit_agreed_at, OpenRequest.id)
            for at, rid, code, unit_id in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id) or self._reviewer(rid)
                if p:
                    yield self._own(at, p, "open.unit_agree", "open_request", rid,
                                    {"code": code, "status": str(OpenRequestStatus.UNIT_AGREED), "unit_id": unit_id})

        def answered() -> Iterator[Event]:
            q = select(OpenRequest.answered_at, OpenRequest.id, OpenRequest.code, OpenRequest.unit_id,
                       OpenRequest.status, OpenRequest.unit_agreed_at) \
                .where(OpenRequest.answered_at >= start).order_by(OpenRequest.answered_at, OpenRequest.id)
            for at, rid, code, unit_id, status, agreed in self._stream(session, q):
                agreed_ok = status == OpenRequestStatus.AGREED
                if agreed is not None:  # Longyan §18: the bureau's grant
                    p, action = self._reviewer(rid), "open.grant" if agreed_ok else "open.grant_refuse"
                else:
                    p = (self._reviewer(rid) if unit_id == self.bureau_unit else None) or \
                        self.steward_of_unit.get(unit_id)
                    action = "open.agree" if agreed_ok else "open.refuse"
                if p:
                    yield self._own(at, p, action, "open_request", rid,
                                    {"code": code, "status": status, "unit_id": unit_id})

        def plans_filed() -> Iterator[Event]:
            q = select(OpenPlan.filed_at, OpenPlan.id, OpenPlan.unit_id, OpenPlan.year) \
                .where(OpenPlan.filed_at >= start).order_by(OpenPlan.filed_at, OpenPlan.id)
            for at, plan_id, unit_id, year in self._stream(session, q):
                p = self.steward_of_unit.get(unit_id)
                if p:
                    yield self._own(at, p, "open.plan_file", "open_plan", plan_id, {"year": year})

        return [submitted(), assigned(), unit_agreed(), answered(), plans_filed()]

    def derived_estimate(self, session: Session) -> int:
        start = self._start_utc()
        n = 0
        for column in (Project.created_at, Project.submitted_at, ProjectGateCheck.checked_at,
                       AnnualReport.submitted_at, AnnualReport.reviewed_at):
            n += session.execute(select(func.count()).where(column >= start)).scalar() or 0
        for column in (CatalogEntry.created_at, CatalogEntry.submitted_at, CatalogEntry.reviewed_at,
                       ShareRequest.submitted_at):
            n += session.execute(select(func.count()).where(column >= start)).scalar() or 0
        for column in (ShareRequest.answered_at, ShareRequest.implemented_at):  # access requests: one event
            n += session.execute(select(func.count()).where(column >= start,
                                                            ShareRequest.kind != RequestKind.ACCESS)).scalar() or 0
        # Co-decided routes: a second decision per answered request.
        n += session.execute(select(func.count()).where(
            ShareRequest.answered_at >= start, ShareRequest.kind != RequestKind.ACCESS,
            ShareRequest.route.in_((Route.COUNTY, Route.BUREAU_CO)))).scalar() or 0  # type: ignore[attr-defined]
        # Aggregation, corrections and open data (one event per timestamp; form-recorded updates only).
        for column in (AggregationRegistration.created_at, AggregationRegistration.filing_decided_at,
                       Correction.created_at, Correction.answered_at, OpenRequest.submitted_at,
                       OpenRequest.assigned_at, OpenRequest.unit_agreed_at, OpenRequest.answered_at, OpenPlan.filed_at):
            n += session.execute(select(func.count()).where(column >= start)).scalar() or 0
        n += session.execute(select(func.count()).select_from(DataUpdate).where(
            DataUpdate.created_at >= start, DataUpdate.source == MANUAL_SOURCE)).scalar() or 0
        return n

    def _start_utc(self) -> datetime:
        return datetime.combine(self.start_day, time(0), tzinfo=self.tz).astimezone(UTC)

    @staticmethod
    def _stream(session: Session, query) -> Iterator[tuple]:
        result = session.execute(query.execution_options(yield_per=BATCH))
        for row in result:
            yield tuple(row)


CHAIN_COLUMNS = ("seq", "occurred_at", "user_id", "username", "roles", "unit_id", "action", "object_type",
                 "object_id", "result", "detail", "prev_hash", "hash")


def chain(events: Iterable[Event], start_seq: int, prev_hash: str) -> Iterator[tuple]:
    """Number and hash events in order, each linking to the previous (same fields as services.audit);
    yields rows in CHAIN_COLUMNS order."""
    seq = start_seq
    for at, user_id, username, roles, unit_id, action, object_type, object_id, result, detail in events:
        seq += 1
        digest = event_hash(seq=seq, occurred_at=at, user_id=user_id, username=username, roles=roles,
                            unit_id=unit_id, action=action, object_type=object_type, object_id=object_id,
                            result=result, detail=detail, prev_hash=prev_hash)
        yield (seq, at, user_id, username, roles, unit_id, action, object_type, object_id, result, detail,
               prev_hash, digest)
        prev_hash = digest


@register("history")
def seed_history(ctx: SeedContext) -> None:
    with bulk.bulk_session() as session:
        history = History(ctx, session)
        existing = session.execute(select(func.count()).select_from(AuditEvent)).scalar() or 0
        # One event is still to come after this step: seed() records the seeding itself.
        wanted = max(ctx.scale.audit_events - existing - 1, 0)
        derived = min(history.derived_estimate(session), wanted)
        background = max(wanted - derived, math.ceil(wanted * MIN_BACKGROUND_SHARE)) if wanted else 0
        head = session.get(AuditHead, 1)
        if head is None:
            head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
            session.add(head)
            session.flush()
        streams = [history.background(background), *history.catalog_streams(session),
                   *history.sharing_streams(session), *history.governance_streams(session),
                   *history.aggregation_streams(session), *history.correction_streams(session),
                   *history.opendata_streams(session)]
        merged = heapq.merge(*streams, key=lambda e: e[0])
        last_seq, last_hash = head.last_seq, head.last_hash
        written = 0

        def write_all() -> None:
            nonlocal last_seq, last_hash, written
            batch: list[tuple] = []
            for row in chain(merged, last_seq, last_hash):
                batch.append(row)
                if len(batch) >= BATCH:
                    written += bulk.insert_tuples(session, AuditEvent, CHAIN_COLUMNS, batch)
                    batch = []
                last_seq, last_hash = row[0], row[-1]
            if batch:
                written += bulk.insert_tuples(session, AuditEvent, CHAIN_COLUMNS, batch)

        if wanted + derived >= DEFER_INDEXES_FROM:
            with bulk.indexes_deferred(session, AuditEvent):
                write_all()
        else:
            write_all()
        first_seq = head.last_seq + 1
        head.last_seq, head.last_hash = last_seq, last_hash
        session.add(head)
        if written:
            audit.note_written(session, last_seq, last_hash, first_seq=first_seq)  # the checkpoint follows
        session.commit()
    ctx.counts["audit_events"] = existing + written + 1
