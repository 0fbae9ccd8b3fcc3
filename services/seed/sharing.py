"""Seed step: two years of share requests between the demo units, ending at ctx.now.

The story: requests follow the working week and the seasons (a quiet 春节 and 国庆, a busy spring and year end)
and grow as units adopt the platform; they take the routes of the active profile (county approvals, bureau
co-decision, cross-level filings); deadlines come from the real working-day calendar, so holidays show in the
timings; a few providers are chronically late; some refusals are disputed; grants run to their end date,
expire or are revoked. Rows are written in bulk with ids reserved up front; the audit history of these rows is
derived from them by the "history" step."""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from sqlalchemy import select

from models import CatalogEntry, DataItem, Region, Role, SlaClock, Unit, User, UserRole
from models.catalog import SecurityLevel, ShareMethod, ShareType
from models.clock import CaseKind, ClockOutcome, ClockStep
from models.org import UnitKind, UnitLevel
from models.sharing import (
    AnswerClockStart,
    Decision,
    Dispute,
    DisputeStatus,
    Party,
    RequestKind,
    RequestStatus,
    Route,
    ShareDecision,
    ShareGrant,
    ShareRequest,
    UsageReport,
    VerifyResult,
)
from services.core import bulk
from services.core.timeutil import local_date, tz
from services.deadlines import calendar, policy
from services.seed import SeedContext, register
from services.sharing import request_code
from services.sharing.rules import ROUTE_PARTIES, UnitFacts, choose_route, format_citation, is_cross_level

S = RequestStatus
HISTORY_DAYS = 730
CHUNK = 50_000
DEFER_INDEXES_FROM = 200_000  # province scale: build the secondary indexes once after the load
LATE_PROVIDER_SHARE = 0.06  # chronically late providers
STALLED_DAYS, STALLED_SHARE = 75, 0.3  # late providers leave this share of their recent requests unanswered
KIND_MIX = ((RequestKind.ACCESS, 0.34), (RequestKind.APPLY, 0.56), (RequestKind.VERIFY, 0.05),
            (RequestKind.UNCATALOGUED, 0.05))
FALLBACK_WORKDAYS = 5  # answer pace of providers where the profile sets no number
SCENARIOS = [("低保对象资格审核", "核对申请人户籍、婚姻和车辆信息", "《社会救助暂行办法》第十一条"),
             ("企业开办一网通办", "核验企业登记和法定代表人身份", "《优化营商环境条例》第十九条"),
             ("不动产登记", "核对权利人身份和婚姻状况", "《不动产登记暂行条例》第二十条"),
             ("医保参保核查", "比对参保人员的死亡和户籍迁移信息", "《医疗保障基金使用监督管理条例》第十五条"),
             ("学位和入学资格审核", "核对适龄儿童户籍和居住信息", "《义务教育法》第十二条"),
             ("住房保障资格审核", "核对家庭住房和收入信息", "《公共租赁住房管理办法》第七条"),
             ("市场主体信用监管", "归集行政处罚和信用信息", "《企业信息公示暂行条例》第六条"),
             ("防汛应急指挥", "获取水雨情和人员转移信息", "《防洪法》第四十条")]
METHODS = [ShareMethod.INTERFACE, ShareMethod.INTERFACE, ShareMethod.INTERFACE, ShareMethod.FILE_DOWNLOAD,
           ShareMethod.ONLINE_BROWSE, ShareMethod.OFFLINE]
# Refusals cite a law and its article, then the reasons (Shanghai §13).
REFUSALS = [("中华人民共和国个人信息保护法", "第三十四条", "超出履行法定职责所必需的范围"),
            ("中华人民共和国统计法", "第二十五条", "统计调查中获得的个人信息不得对外提供"),
            ("中华人民共和国保守国家秘密法", "第二十条", "涉及国家秘密"),
            ("中华人民共和国数据安全法", "第三十八条", "申请用途与所列履职事项不符，建议改为核验比对方式")]
VERIFY_RECORDS = ["3508021980******12 张某某", "3508241992******2X 李某", "91350800MA******3K 某某贸易有限公司"]
VERIFY_NOTES = {VerifyResult.PARTIAL: "第2条记录的姓名与登记信息不一致", VerifyResult.NO_MATCH: "未查询到相关登记记录"}


@dataclass(frozen=True)
class Entry:
    id: int
    provider: int
    share_type: str
    items: tuple[int, ...]
    sensitive: bool


class Story:
    """Units, people and the calendar, loaded once; `make` builds every row of one request."""

    def __init__(self, ctx: SeedContext, session):
        self.ctx = ctx
        self.rng = ctx.rng
        self.cal = calendar.current()
        self.profile = policy.active_profile()
        self.tz = tz()
        self.end_day = local_date(ctx.now)
        self.start_day = self.end_day - timedelta(days=HISTORY_DAYS)
        units = session.execute(select(Unit.id, Unit.level, Unit.region_id, Unit.kind).where(Unit.is_active)).all()
        self.facts = {u: UnitFacts(u, lvl, reg) for u, lvl, reg, _k in units}
        self.requesters = [u for u, _l, _r, kind in units if kind in (UnitKind.DEPARTMENT, UnitKind.PUBLIC_SERVICE)]
        parents = dict(session.execute(select(Region.id, Region.parent_id)).all())
        bureaus: dict[int, int] = {}
        for u, _l, reg, kind in sorted(units):  # the lowest-id active bureau, as services.core.jurisdiction picks
            if kind == UnitKind.BUREAU:
                bureaus.setdefault(reg, u)
        self.bureau_of_region = {r: self._nearest(r, parents, bureaus) for r in parents}
        self.steward: dict[int, int] = {}
        self.approver: dict[int, int] = {}
        self.reviewers: list[int] = []
        self.reviewers_of: dict[int, list[int]] = defaultdict(list)  # bureau unit -> its reviewers
        for uid, unit_id, region_id, role in session.execute(
                select(User.id, User.unit_id, Unit.region_id, UserRole.role).join(UserRole, UserRole.user_id == User.id)
                .join(Unit, Unit.id == User.unit_id).order_by(User.id)).all():
            if role == Role.UNIT_STEWARD:
                self.steward.setdefault(unit_id, uid)
            elif role == Role.COUNTY_APPROVER:
                self.approver.setdefault(region_id, uid)
            elif role == Role.BUREAU_REVIEWER:
                self.reviewers.append(uid)
                self.reviewers_of[unit_id].append(uid)
        self.entries = self._entries(session)
        self.by_type: dict[str, list[Entry]] = defaultdict(list)
        self.by_region_type: dict[tuple[int, str], list[Entry]] = defaultdict(list)
        self.by_provider: dict[int, list[Entry]] = defaultdict(list)
        for e in self.entries:
            self.by_type[e.share_type].append(e)
            self.by_provider[e.provider].append(e)
            if e.provider in self.facts:
                self.by_region_type[(self.facts[e.provider].region_id, e.share_type)].append(e)
        providers = sorted(self.by_provider)
        self.late = set(self.rng.sample(providers, max(1, int(len(providers) * LATE_PROVIDER_SHARE)))) \
            if providers else set()
        self.days, self.cum = self._day_weights()

    @staticmethod
    def _nearest(region: int | None, parents: dict, bureaus: dict) -> int | None:
        while region is not None:
            if region in bureaus:
                return bureaus[region]
            region = parents.get(region)
        return None

    def _entries(self, session) -> list[Entry]:
        listed = self.ctx.ids.get("entries")
        sensitive: set[int] = set()
        if listed:
            rows = [(int(e[0]), int(e[1]), str(e[2]), tuple(int(i) for i in e[3])) for e in listed]
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), 20_000):
                part = ids[start:start + 20_000]
                sensitive.update(session.execute(select(DataItem.entry_id).where(
                    DataItem.entry_id.in_(part), DataItem.is_sensitive)).scalars())
                sensitive.update(session.execute(select(CatalogEntry.id).where(
                    CatalogEntry.id.in_(part), CatalogEntry.security_level == SecurityLevel.SENSITIVE)).scalars())
        else:  # the catalog seed did not hand its ids over: read the published catalog
            items: dict[int, list[int]] = defaultdict(list)
            for item_id, entry_id, is_sensitive in session.execute(
                    select(DataItem.id, DataItem.entry_id, DataItem.is_sensitive)
                    .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id).where(CatalogEntry.is_published)):
                items[entry_id].append(item_id)
                if is_sensitive:
                    sensitive.add(entry_id)
            rows = [(eid, prov, st, tuple(items.get(eid, ()))) for eid, prov, st in session.execute(
                select(CatalogEntry.id, CatalogEntry.provider_unit_id, CatalogEntry.share_type)
                .where(CatalogEntry.is_published))]
        return [Entry(eid, prov, st or ShareType.CONDITIONAL, its, eid in sensitive)
                for eid, prov, st, its in rows if its]

    def _day_weights(self) -> tuple[list[date], list[float]]:
        """Working days carry the load; weekends and holidays a trickle; quiet weeks around 春节 and 国庆;
        busier spring and year end; adoption grows over the two years."""
        days, weights = [], []
        d = self.start_day
        total = (self.end_day - self.start_day).days or 1
        while d < self.end_day:
            workday = self.cal.is_workday(d)
            w = 1.0 if workday else 0.04
            if d.month in (3, 4, 5, 6) or d.month in (11, 12):
                w *= 1.25
            if d.month == 10 and d.day <= 12 or (d.month == 2 and d.day <= 20) or (d.month == 1 and d.day >= 20):
                w *= 0.55  # the days around the long holidays are quiet even when worked
            w *= 0.6 + 0.8 * ((d - self.start_day).days / total)
            days.append(d)
            weights.append(w)
            d += timedelta(days=1)
        return days, list(accumulate(weights))

    # --- helpers ---------------------------------------------------------------------------------------------
    def pick_day(self) -> date:
        return self.days[bisect.bisect(self.cum, self.rng.random() * self.cum[-1])]

    def moment(self, d: date) -> datetime:
        hour = self.rng.choice((8.6, 9.2, 9.8, 10.4, 11.0, 14.6, 15.2, 15.9, 16.5))
        local = datetime.combine(d, time(int(hour), int((hour % 1) * 60), self.rng.randrange(60)), tzinfo=self.tz)
        return (local + timedelta(minutes=self.rng.randrange(30))).astimezone(UTC)

    def after(self, d: date, workdays: int) -> date:
        return self.cal.deadline(d, workdays) if workdays > 0 else d

    def delay(self, provider: int, allowance: int) -> int:
        """Working days a provider takes: usually within the allowance, chronically late ones often not."""
        late_share = 0.45 if provider in self.late else 0.07
        if self.rng.random() < late_share:
            return allowance + self.rng.randint(1, max(2, allowance))
        return self.rng.randint(0 if allowance <= 2 else 1, allowance)

    def pick_entry(self, kind: str, requester: int) -> Entry | None:
        share_type = {RequestKind.ACCESS: ShareType.UNCONDITIONAL, RequestKind.VERIFY: ShareType.NOT_SHARED}.get(
            kind, ShareType.CONDITIONAL)
        facts = self.facts[requester]
        pool = self.by_type.get(share_type) or self.entries
        if facts.level == UnitLevel.COUNTY and self.rng.random() < 0.5:
            pool = self.by_region_type.get((facts.region_id, share_type)) or pool  # county data within the county
        for _attempt in range(4):
            e = self.rng.choice(pool)
            if e.provider != requester and e.provider in self.facts:
                return e
        return None


def _clock(ids, rows: list, *, case_kind: str, case_id: int, step: str, unit: int | None, region: int | None,
           started: date, workdays: int | None, closed: date | None, closed_at: datetime | None,
           outcome: str | None, cal) -> None:
    due = cal.deadline(started, workdays) if workdays is not None else None
    rows.append(dict(id=next(ids), case_kind=case_kind, case_id=case_id, step=step, responsible_unit_id=unit,
                     responsible_region_id=region, started_on=started, workdays=workdays, due_on=due,
                     extended_days=0, paused_workdays=0, closed_at=closed_at, closed_on=closed, outcome=outcome,
                     created_at=closed_at or datetime.combine(started, time(9), tzinfo=UTC)))


@register("sharing")
def seed_sharing(ctx: SeedContext) -> None:
    with bulk.bulk_session() as session:
        story = Story(ctx, session)
        if not story.entries or not story.requesters:
            ctx.counts["share_requests"] = 0
            return
        totals: dict[str, int] = defaultdict(int)
        with ExitStack() as deferred:
            if ctx.scale.share_requests >= DEFER_INDEXES_FROM:
                for model in (ShareRequest, ShareDecision, SlaClock, ShareGrant):
                    deferred.enter_context(bulk.indexes_deferred(session, model))
            remaining = ctx.scale.share_requests
            while remaining > 0:
                n = min(CHUNK, remaining)
                _write_chunk(session, story, n, totals)
                remaining -= n
        session.commit()
    ctx.counts.update(share_requests=totals["requests"], share_grants=totals["grants"],
                      share_disputes=totals["disputes"])


def _write_chunk(session, story: Story, n: int, totals: dict[str, int]) -> None:
    rng, cal, profile, today = story.rng, story.cal, story.profile, story.end_day
    answer_days = profile.step_days(ClockStep.SHARE_ANSWER)
    verify_days = profile.step_days(ClockStep.SHARE_VERIFY)
    written = profile.answer_clock_starts == AnswerClockStart.WRITTEN_APPLICATION
    implement_days = profile.step_days(ClockStep.SHARE_IMPLEMENT)
    confirm_days = profile.step_days(ClockStep.UNCATALOGUED_CONFIRM)
    dispute_days = profile.step_days(ClockStep.DISPUTE)
    kinds, kind_weights = zip(*KIND_MIX, strict=True)
    request_ids = iter(bulk.reserve_ids(session, ShareRequest, n))
    clock_ids = iter(bulk.reserve_ids(session, SlaClock, n * 5))
    requests, decisions, clocks, grants, disputes, reports = [], [], [], [], [], []

    for _i in range(n):
        requester = rng.choice(story.requesters)
        kind = rng.choices(kinds, kind_weights)[0]
        entry = story.pick_entry(kind, requester)
        if entry is None:
            continue
        rid = next(request_ids)
        day = story.pick_day()
        submitted = story.moment(day)
        req_f, prov_f = story.facts[requester], story.facts[entry.provider]
        route, route_note = choose_route(req_f, prov_f, bureau_co_decides=profile.bureau_co_decides,
                                         county_approval=profile.county_approval,
                                         county_has_approver=prov_f.region_id in story.approver)
        if kind == RequestKind.VERIFY:
            route, route_note = Route.PROVIDER, None
        cross = profile.cross_level_filing and is_cross_level(req_f, prov_f)
        chosen = list(entry.items) if kind == RequestKind.ACCESS else \
            sorted(rng.sample(entry.items, max(1, min(len(entry.items), rng.randint(2, 8)))))
        scenario, purpose, basis = rng.choice(SCENARIOS)
        end_date = day + timedelta(days=rng.choice((180, 365, 365, 730)))
        steward = story.steward.get(requester)
        provider_steward = story.steward.get(entry.provider)
        row = dict(id=rid, code=request_code(day, rid), kind=kind, route=route, status=S.SUBMITTED,
                   bureau_unit_id=story.bureau_of_region.get(prov_f.region_id), route_note=route_note,
                   requester_unit_id=requester, provider_unit_id=entry.provider,
                   requester_region_id=req_f.region_id, provider_region_id=prov_f.region_id, entry_id=entry.id,
                   requested_items=json.dumps(chosen), scenario=scenario, purpose=purpose, legal_basis=basis,
                   share_method=rng.choice(METHODS) if kind != RequestKind.ACCESS else ShareMethod.INTERFACE,
                   end_date=end_date, cross_level=cross, filed_at=submitted if cross else None,
                   needs_confidentiality=entry.sensitive and kind != RequestKind.ACCESS, resubmissions=0,
                   submitted_at=submitted, created_by=steward, created_at=submitted, updated_at=submitted, version=1)
        requests.append(row)
        totals["requests"] += 1
        if kind == RequestKind.ACCESS:
            row.update(status=S.IMPLEMENTED, answered_at=submitted, implemented_at=submitted,
                       approved_items=row["requested_items"], approved_end_date=end_date,
                       approved_method=ShareMethod.INTERFACE)
            _grant(story, row, day, grants, reports, totals)
            continue

        start = day
        if kind == RequestKind.VERIFY:  # 核验比对: the source answers; nothing is handed over
            row.update(status=S.VERIFYING, share_method=None, end_date=None, needs_confidentiality=False,
                       verify_records="\n".join(rng.sample(VERIFY_RECORDS, rng.randint(1, 3))))
            answered = story.after(day, story.delay(entry.provider, verify_days or FALLBACK_WORKDAYS))
            done = answered < today
            answered_at = story.moment(answered) if done else None
            _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid, step=ClockStep.SHARE_VERIFY,
                   unit=entry.provider, region=prov_f.region_id, started=day, workdays=verify_days,
                   closed=answered if done else None, closed_at=answered_at,
                   outcome=ClockOutcome.DONE if done else None, cal=cal)
            if done:
                result = rng.choices(list(VerifyResult), (0.7, 0.12, 0.18))[0]
                row.update(status=S.VERIFIED, verify_result=result, verify_note=VERIFY_NOTES.get(result),
                           answered_at=answered_at, updated_at=answered_at)
            continue
        if kind == RequestKind.UNCATALOGUED:
            row.update(uncatalogued_title=f"{scenario}所需数据", uncatalogued_description=purpose,
                       requested_items=json.dumps(chosen))
            pace = confirm_days or FALLBACK_WORKDAYS
            confirmed = story.after(day, story.delay(entry.provider, pace))
            if confirmed >= today:
                row.update(status=S.PENDING_CONFIRM, entry_id=None)
                _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid,
                       step=ClockStep.UNCATALOGUED_CONFIRM, unit=entry.provider, region=prov_f.region_id,
                       started=day, workdays=confirm_days, closed=None, closed_at=None, outcome=None, cal=cal)
                continue
            published = story.after(confirmed, rng.randint(3, 15))  # catalogued, reviewed and published
            if published >= today:  # not confirmed yet in the story: an entry must exist before it is shared
                row.update(status=S.PENDING_CONFIRM, entry_id=None)
                _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid,
                       step=ClockStep.UNCATALOGUED_CONFIRM, unit=entry.provider, region=prov_f.region_id,
                       started=day, workdays=confirm_days, closed=None, closed_at=None, outcome=None, cal=cal)
                continue
            _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid,
                   step=ClockStep.UNCATALOGUED_CONFIRM, unit=entry.provider, region=prov_f.region_id, started=day,
                   workdays=confirm_days, closed=confirmed, closed_at=story.moment(confirmed),
                   outcome=ClockOutcome.DONE, cal=cal)
            _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid,
                   step=ClockStep.SHARE_CATALOG, unit=entry.provider, region=prov_f.region_id, started=confirmed,
                   workdays=profile.step_days(ClockStep.SHARE_CATALOG), closed=published,
                   closed_at=story.moment(published), outcome=ClockOutcome.DONE, cal=cal)
            start = published
        if written:  # Shanghai §14: the answer clock runs from receipt of the signed written application
            received = story.after(start, rng.randint(0, 3))
            if received >= today:
                continue  # still waiting for the paper form: no answer clock yet
            row["application_received_on"] = received
            start = received

        pace = answer_days or FALLBACK_WORKDAYS
        answered = story.after(start, story.delay(entry.provider, pace))
        if entry.provider in story.late and (today - start).days < STALLED_DAYS and rng.random() < STALLED_SHARE:
            answered = today  # a chronically late provider sits on it: open and overdue
        if answered >= today:  # still waiting for the answer (overdue when the provider is late)
            _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid, step=ClockStep.SHARE_ANSWER,
                   unit=entry.provider, region=prov_f.region_id, started=start, workdays=answer_days, closed=None,
                   closed_at=None, outcome=None, cal=cal)
            if rng.random() < 0.3 and route != Route.PROVIDER:  # one party of a co-decided route already agreed
                decisions.append(_decision(rid, Party.PROVIDER, Decision.APPROVE, provider_steward,
                                           story.moment(start), row))
            continue
        answered_at = story.moment(answered)
        _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid, step=ClockStep.SHARE_ANSWER,
               unit=entry.provider, region=prov_f.region_id, started=start, workdays=answer_days, closed=answered,
               closed_at=answered_at, outcome=ClockOutcome.DONE, cal=cal)
        roll = rng.random()
        if roll < 0.02:
            row.update(status=S.WITHDRAWN)
            clocks[-1]["outcome"] = ClockOutcome.CANCELLED
            continue
        deciders = _deciders(story, route, entry.provider, req_f.region_id)
        if roll < 0.10:  # asked for more information
            ask = Decision.NEEDS_INFO
            for party, user in deciders[:1]:
                decisions.append(_decision(rid, party, ask, user, answered_at, row, reason="请补充书面申请函及履职依据"))
            resubmitted = story.after(answered, rng.randint(1, 6))
            if resubmitted >= today:
                row.update(status=S.NEEDS_INFO, info_request="请补充书面申请函及履职依据", answered_at=answered_at)
                continue
            row["resubmissions"] = 1
            start = resubmitted
            answered = story.after(start, story.delay(entry.provider, pace))
            if answered >= today:
                _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid,
                       step=ClockStep.SHARE_ANSWER, unit=entry.provider, region=prov_f.region_id, started=start,
                       workdays=answer_days, closed=None, closed_at=None, outcome=None, cal=cal)
                continue
            answered_at = story.moment(answered)
            _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid, step=ClockStep.SHARE_ANSWER,
                   unit=entry.provider, region=prov_f.region_id, started=start, workdays=answer_days,
                   closed=answered, closed_at=answered_at, outcome=ClockOutcome.DONE, cal=cal)
        row["answered_at"] = answered_at
        if rng.random() < 0.13:
            law, article, reasons = rng.choice(REFUSALS)
            party, user = deciders[-1]
            decisions.append(_decision(rid, party, Decision.REJECT, user, answered_at, row, reason=reasons,
                                       basis=(law, article)))
            row.update(status=S.REJECTED, decision_reason=format_citation(law, article, reasons))
            if rng.random() < 0.3:
                overturned = _dispute(story, row, answered, disputes, clocks, clock_ids, dispute_days, totals)
                if not overturned:
                    continue
                answered = overturned
            else:
                continue
        else:
            narrowed = chosen if rng.random() < 0.7 else chosen[:max(1, len(chosen) - rng.randint(1, 2))]
            row.update(status=S.APPROVED, approved_items=json.dumps(narrowed), approved_end_date=end_date,
                       approved_method=row["share_method"],
                       use_agreement=f"SJXY-{answered.year}-{rid % 10000:04d}",
                       confidentiality_agreement=f"BMXY-{answered.year}-{rid % 10000:04d}"
                       if row["needs_confidentiality"] else None)
            for i, (party, user) in enumerate(deciders):
                decisions.append(_decision(rid, party, Decision.APPROVE, user, answered_at + timedelta(minutes=7 * i),
                                           row, items=row["approved_items"], end=end_date))
        implemented = story.after(answered, story.delay(entry.provider, implement_days or 2))
        if implemented >= today:
            _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid, step=ClockStep.SHARE_IMPLEMENT,
                   unit=entry.provider, region=prov_f.region_id, started=answered, workdays=implement_days,
                   closed=None, closed_at=None, outcome=None, cal=cal)
            continue
        implemented_at = story.moment(implemented)
        _clock(clock_ids, clocks, case_kind=CaseKind.SHARE_REQUEST, case_id=rid, step=ClockStep.SHARE_IMPLEMENT,
               unit=entry.provider, region=prov_f.region_id, started=answered, workdays=implement_days,
               closed=implemented, closed_at=implemented_at, outcome=ClockOutcome.DONE, cal=cal)
        row.update(status=S.IMPLEMENTED, implemented_at=implemented_at, updated_at=implemented_at,
                   implementation_note=rng.choice(("开通接口调用账号", "通过共享平台推送数据文件", "开通在线浏览权限",
                                                   "按离线交换方式交付")))
        _grant(story, row, implemented, grants, reports, totals)

    bulk.insert_rows(session, ShareRequest, requests)
    bulk.insert_rows(session, ShareDecision, decisions)
    bulk.insert_rows(session, SlaClock, clocks)
    if disputes:
        bulk.insert_rows(session, Dispute, disputes)
    if grants:
        bulk.insert_rows(session, ShareGrant, grants)
    if reports:
        bulk.insert_rows(session, UsageReport, reports)


def _deciders(story: Story, route: str, provider: int, requester_region: int) -> list[tuple[str, int | None]]:
    parties = [(Party.PROVIDER, story.steward.get(provider))]
    if Party.COUNTY in ROUTE_PARTIES[route]:
        parties.append((Party.COUNTY, story.approver.get(requester_region)))
    bureau_reviewers = story.reviewers_of.get(story.bureau_of_region.get(story.facts[provider].region_id), [])
    if Party.BUREAU in ROUTE_PARTIES[route] and bureau_reviewers:
        parties.append((Party.BUREAU, story.rng.choice(bureau_reviewers)))
    return [(p, u) for p, u in parties if u is not None] or [(Party.PROVIDER, None)]


def _decision(rid: int, party: str, decision: str, user: int | None, at: datetime, row: dict, *,
              reason: str | None = None, items: str | None = None, end: date | None = None,
              basis: tuple[str, str] | None = None) -> dict:
    return dict(request_id=rid, party=party, round=row["resubmissions"], decision=decision, reason=reason,
                basis_law=basis[0] if basis else None, basis_article=basis[1] if basis else None,
                items=items, end_date=end, method=row["share_method"] if decision == Decision.APPROVE else None,
                decided_by=user, decided_at=at)


def _grant(story: Story, row: dict, start: date, grants: list, reports: list, totals: dict) -> None:
    rng = story.rng
    ends = row["approved_end_date"] or row["end_date"]
    revoked = rng.random() < 0.01 and ends > start + timedelta(days=30)
    revoked_on = start + timedelta(days=rng.randint(10, 30)) if revoked else None
    if revoked_on and revoked_on < story.end_day:
        row["status"] = S.REVOKED
    elif ends < story.end_day:
        row["status"] = S.EXPIRED
    grant_id = row["id"]  # one grant per request: reuse the request id so reports can point at it
    grants.append(dict(id=grant_id, request_id=row["id"], entry_id=row["entry_id"],
                       consumer_unit_id=row["requester_unit_id"], provider_unit_id=row["provider_unit_id"],
                       items=row["approved_items"], method=row["approved_method"], starts_on=start, ends_on=ends,
                       revoked_at=story.moment(revoked_on) if row["status"] == S.REVOKED else None,
                       revoked_reason="超出申请用途使用，经核查撤销授权" if row["status"] == S.REVOKED else None,
                       created_at=story.moment(start), version=1))
    totals["grants"] += 1
    steward = story.steward.get(row["requester_unit_id"])
    if steward and rng.random() < 0.15:
        report_day = start + timedelta(days=rng.randint(30, 120))
        if report_day < story.end_day:
            reports.append(dict(grant_id=grant_id, reported_by=steward, period=f"{report_day.year}Q{(report_day.month - 1) // 3 + 1}",
                                content=f"用于{row['scenario']}，本期调用{rng.randint(50, 5000)}次",
                                created_at=story.moment(report_day)))


def _dispute(story: Story, row: dict, refused: date, disputes: list, clocks: list, clock_ids, dispute_days,
             totals: dict) -> date | None:
    """The requester objects; the bureau coordinates. Returns the day of an overturn (the provider must then
    implement), None when the refusal stands or coordination is still going on."""
    rng = story.rng
    raised = story.after(refused, rng.randint(1, 5))
    if raised >= story.end_day:
        return None
    bureau = story.bureau_of_region.get(row["provider_region_id"])
    raised_at = story.moment(raised)
    dispute_id = row["id"]  # at most one dispute per request
    decided = story.after(raised, rng.randint(3, 40))
    done = decided < story.end_day
    outcome = (DisputeStatus.OVERTURNED if rng.random() < 0.4 else DisputeStatus.UPHELD) if done else DisputeStatus.OPEN
    reviewers = story.reviewers_of.get(bureau, []) or story.reviewers
    reviewer = rng.choice(reviewers) if reviewers else None
    disputes.append(dict(id=dispute_id, request_id=row["id"], raised_by=row["created_by"] or reviewer,
                         reason="该数据为履行法定职责所必需，申请主管部门协调", status=outcome,
                         bureau_unit_id=bureau, decision_note=("经协调，应予共享" if outcome == DisputeStatus.OVERTURNED
                                                               else "经协调，维持不予共享决定") if done else None,
                         decided_by=reviewer if done else None, decided_at=story.moment(decided) if done else None,
                         created_at=raised_at, version=1))
    totals["disputes"] += 1
    region = story.facts[bureau].region_id if bureau in story.facts else None
    _clock(clock_ids, clocks, case_kind=CaseKind.DISPUTE, case_id=dispute_id, step=ClockStep.DISPUTE, unit=bureau,
           region=region, started=raised, workdays=dispute_days, closed=decided if done else None,
           closed_at=story.moment(decided) if done else None, outcome=ClockOutcome.DONE if done else None,
           cal=story.cal)
    if outcome == DisputeStatus.OPEN:
        row["status"] = S.DISPUTED
        return None
    if outcome == DisputeStatus.UPHELD:
        return None
    row.update(status=S.APPROVED, approved_items=row["requested_items"], approved_end_date=row["end_date"],
               approved_method=row["share_method"], use_agreement=f"SJXY-{decided.year}-{row['id'] % 10000:04d}",
               confidentiality_agreement=f"BMXY-{decided.year}-{row['id'] % 10000:04d}"
               if row["needs_confidentiality"] else None)
    return decided
