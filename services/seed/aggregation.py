"""Seed step: aggregation registrations of the published catalog and two years of update logs, ending at ctx.now.

The story: most published entries are mounted (every mode: real-time interface, database push, file upload, manual
upload, return flow from a higher-level system); a few were suspended for a stated reason; some units filed that
aggregation is not possible and the bureau acknowledged, rejected or has not yet answered; the rest are not
mounted at all. Mounted entries update at their declared frequency from the day they were mounted; some stopped
updating and are stale now. The update-log budget (`ScalePreset.update_logs`) is spread by filling the entries'
natural counts up to a common cap, so slow entries keep two years of history and fast ones their recent months.

The entry's freshness columns (`data_updated_at`, `fresh_until`, `aggregation_active`) are set from the last update
with `services.aggregation.rules.fresh_until`, the function the update commands use, so reads see the same rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, select, update

from models import CatalogEntry
from models.aggregation import (
    AggregationMode,
    AggregationRegistration,
    DataUpdate,
    FilingStatus,
    RegistrationState,
)
from models.catalog import UpdateFrequency
from services.aggregation import rules
from services.core import bulk
from services.core.timeutil import local_date, tz
from services.deadlines import calendar
from services.seed import SeedContext, register

HISTORY_DAYS = 730
DEFER_INDEXES_FROM = 500_000
# Shares of published entries by registration state; the rest are mounted (active).
NOT_MOUNTED_SHARE, SUSPENDED_SHARE, NOT_POSSIBLE_SHARE = 0.10, 0.05, 0.07
STALE_SHARE = 0.12  # mounted entries whose unit stopped updating
MODE_WEIGHTS = ((AggregationMode.REALTIME_INTERFACE, 0.25), (AggregationMode.DATABASE_PUSH, 0.3),
                (AggregationMode.FILE_UPLOAD, 0.22), (AggregationMode.MANUAL_UPLOAD, 0.13),
                (AggregationMode.RETURN_FLOW, 0.10))
# Mean calendar days between updates, used to share out the log budget and to place the first update.
INTERVAL_DAYS = {UpdateFrequency.REALTIME: 1.4, UpdateFrequency.DAILY: 1.0, UpdateFrequency.WEEKLY: 7.0,
                 UpdateFrequency.MONTHLY: 30.4, UpdateFrequency.QUARTERLY: 91.3, UpdateFrequency.YEARLY: 365.0}
IRREGULAR_DAYS = (20, 120)
SYSTEMS = {
    AggregationMode.REALTIME_INTERFACE: ("政务服务一体化平台接口", "业务办理系统实时接口", "电子证照库接口"),
    AggregationMode.DATABASE_PUSH: ("业务数据库前置机", "数据交换平台库表推送", "业务系统数据库同步"),
    AggregationMode.FILE_UPLOAD: ("数据交换平台文件交换", "业务系统导出文件"),
    AggregationMode.MANUAL_UPLOAD: (None,),
    AggregationMode.RETURN_FLOW: ("省一体化数据平台回流", "国家数据共享交换平台回流"),
}
SUSPEND_REASONS = ("业务系统升级改造，暂停数据推送", "前置机迁移至政务云，接口暂停", "数据质量整改期间暂停汇聚",
                   "源系统停止运行，待新系统上线后恢复")
NOT_POSSIBLE_REASONS = ("数据由国家部委垂直管理系统产生，本单位无数据库访问权限", "数据仅有纸质档案，尚未电子化",
                        "涉密系统数据，不具备联网汇聚条件", "数据量极小且按年手工统计，无信息系统支撑")
FILING_NOTES = {FilingStatus.ACKNOWLEDGED: "已备案，请在具备条件后及时汇聚",
                FilingStatus.REJECTED: "理由不成立：该数据已在省级平台回流，请登记回流方式汇聚"}
MANUAL_SOURCE = "手工上传"


def _pick(rng, weighted) -> str:
    r = rng.random()
    for value, weight in weighted:
        if r < weight:
            return value
        r -= weight
    return weighted[-1][0]


def _interval(freq: str | None) -> float:
    return INTERVAL_DAYS.get(freq, sum(IRREGULAR_DAYS) / 2)  # type: ignore[call-overload]


def _cap(natural: list[float], budget: int) -> float:
    """The largest per-entry cap K with sum(min(n, K)) <= budget (every entry keeps its whole history when the
    budget allows)."""
    if not natural or sum(natural) <= budget:
        return max(natural, default=0.0)
    lo, hi = 0.0, max(natural)
    for _ in range(40):
        mid = (lo + hi) / 2
        if sum(min(n, mid) for n in natural) > budget:
            hi = mid
        else:
            lo = mid
    return lo


class Plan:
    """One published entry: its registration and the span of its update log."""

    __slots__ = ("entry_id", "unit_id", "code", "freq", "published_on", "state", "mode", "stop", "start", "count",
                 "last", "records")

    def __init__(self, entry_id: int, unit_id: int, code: str, freq: str | None, published_on: date):
        self.entry_id, self.unit_id, self.code, self.freq, self.published_on = (entry_id, unit_id, code, freq,
                                                                                published_on)
        self.state: str | None = None
        self.mode: str | None = None
        self.stop: date | None = None  # updates stop before this day (today for entries kept up to date)
        self.start: date | None = None
        self.count = 0.0
        self.last: datetime | None = None
        self.records = 0


@register("aggregation")
def seed_aggregation(ctx: SeedContext) -> None:
    rng = ctx.rng
    cal = calendar.current()
    zone = tz()
    today = local_date(ctx.now)
    first_day = today - timedelta(days=HISTORY_DAYS)
    users = ctx.ids.get("users", {})
    steward = {uid: users[f"steward_{slug}"] for slug, uid in ctx.ids.get("units", {}).items()
               if f"steward_{slug}" in users}
    reviewer = users.get("reviewer")

    with bulk.bulk_session() as session:
        rows = session.execute(select(CatalogEntry.id, CatalogEntry.provider_unit_id, CatalogEntry.resource_code,
                                      CatalogEntry.update_frequency, CatalogEntry.published_on)
                               .where(CatalogEntry.is_published).order_by(CatalogEntry.id)).all()
        plans = [Plan(eid, unit, code, freq, max(published_on or first_day, first_day))
                 for eid, unit, code, freq, published_on in rows]
        for plan in plans:
            r = rng.random()
            if r < NOT_MOUNTED_SHARE:
                continue
            r -= NOT_MOUNTED_SHARE
            if r < NOT_POSSIBLE_SHARE:
                plan.state = RegistrationState.NOT_POSSIBLE
                continue
            plan.state = RegistrationState.SUSPENDED if r < NOT_POSSIBLE_SHARE + SUSPENDED_SHARE else \
                RegistrationState.ACTIVE
            plan.mode = _pick(rng, MODE_WEIGHTS)
            interval = _interval(plan.freq)
            plan.stop = today
            if plan.state == RegistrationState.SUSPENDED or rng.random() < STALE_SHARE:
                lag = int(interval * rng.randint(1, 3)) + rng.randint(3, 30)
                plan.stop = max(plan.published_on + timedelta(days=2), today - timedelta(days=lag))
            plan.count = max(1.0, ((plan.stop - plan.published_on).days - 1) / interval)
        logged = [p for p in plans if p.mode]
        cap = _cap([p.count for p in logged], ctx.scale.update_logs)
        for plan in logged:
            assert plan.stop is not None
            n = min(plan.count, cap)
            plan.start = max(plan.published_on + timedelta(days=1),
                             plan.stop - timedelta(days=int(n * _interval(plan.freq))))

        def moment(day: date, office: bool) -> datetime:
            hour = rng.uniform(8.5, 17.5) if office else rng.uniform(0.5, 23.5)
            return (datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=int(hour * 3600))).astimezone(UTC)

        def next_day(day: date, freq: str | None, office: bool) -> date:
            if freq == UpdateFrequency.REALTIME:
                day += timedelta(days=1)
                while not cal.is_workday(day):
                    day += timedelta(days=1)
                return day
            step = rules.INTERVALS.get(freq)  # type: ignore[call-overload]
            day = step(day) if step else day + timedelta(days=rng.randint(*IRREGULAR_DAYS))
            if rng.random() < 0.15:
                day += timedelta(days=1)  # now and then a day late
            if office:
                while not cal.is_workday(day):
                    day += timedelta(days=1)
            return day

        def log() -> object:
            for plan in logged:
                assert plan.start is not None and plan.stop is not None
                office = plan.mode in (AggregationMode.FILE_UPLOAD, AggregationMode.MANUAL_UPLOAD)
                who = steward.get(plan.unit_id) if office else None
                system = rng.choice(SYSTEMS[plan.mode])  # type: ignore[index]
                source = system or MANUAL_SOURCE
                records = int(10 ** rng.uniform(2, 6.5))
                plan.records = records
                day = plan.start
                while not cal.is_workday(day) and (office or plan.freq == UpdateFrequency.REALTIME):
                    day += timedelta(days=1)
                while day < plan.stop or plan.last is None:  # every mounted entry has at least one update
                    day = min(day, today - timedelta(days=1))
                    added = int(records * rng.uniform(0, 0.01))
                    deleted = int(records * rng.uniform(0, 0.002))
                    changed = int(records * rng.uniform(0, 0.02))
                    records = max(0, records + added - deleted)
                    at = moment(day, office)
                    plan.last = at
                    yield (plan.entry_id, plan.unit_id, at, records, added, changed, deleted, source, who,
                           at + timedelta(minutes=rng.randint(1, 20)) if office else at)
                    day = next_day(day, plan.freq, office)
                plan.records = records

        columns = ("entry_id", "unit_id", "updated_at", "record_count", "added", "changed", "deleted", "source",
                   "recorded_by", "created_at")
        if ctx.scale.update_logs >= DEFER_INDEXES_FROM:
            with bulk.indexes_deferred(session, DataUpdate):
                written = bulk.insert_tuples(session, DataUpdate, columns, log())
        else:
            written = bulk.insert_tuples(session, DataUpdate, columns, log())

        registrations, freshness = [], []
        for plan in plans:
            if plan.state is None:
                freshness.append({"eid": plan.entry_id, "updated": None, "until": None, "active": False})
                continue
            reg = {"entry_id": plan.entry_id, "unit_id": plan.unit_id, "state": plan.state, "version": 1,
                   "created_by": steward.get(plan.unit_id)}
            if plan.state == RegistrationState.NOT_POSSIBLE:
                filed = plan.published_on + timedelta(days=rng.randint(5, 60))
                filed = min(filed, today - timedelta(days=1))
                filed_at = moment(filed, True)
                status = rng.choice((FilingStatus.PENDING, FilingStatus.ACKNOWLEDGED, FilingStatus.ACKNOWLEDGED,
                                     FilingStatus.REJECTED))
                decided = min(filed + timedelta(days=rng.randint(2, 20)), today - timedelta(days=1))
                if decided <= filed:
                    status = FilingStatus.PENDING
                reg.update(mode=None, reason=rng.choice(NOT_POSSIBLE_REASONS), filing_status=status,
                           created_at=filed_at, updated_at=filed_at)
                if status != FilingStatus.PENDING:
                    reg.update(filing_note=FILING_NOTES[status], filing_decided_by=reviewer,
                               filing_decided_at=moment(decided, True))
                registrations.append(reg)
                freshness.append({"eid": plan.entry_id, "updated": None, "until": None, "active": False})
                continue
            assert plan.start is not None and plan.last is not None
            mounted = moment(plan.start - timedelta(days=1), True)
            reg.update(mode=plan.mode, source_system=rng.choice(SYSTEMS[plan.mode]),  # type: ignore[index]
                       expected_records=max(1, int(plan.records * rng.uniform(0.95, 1.1))), created_at=mounted,
                       updated_at=mounted)
            if plan.state == RegistrationState.SUSPENDED:
                assert plan.stop is not None
                reg.update(reason=rng.choice(SUSPEND_REASONS), updated_at=moment(plan.stop, True))
            registrations.append(reg)
            # The same rule as services.aggregation.commands.refresh_freshness, from the last logged update.
            freshness.append({"eid": plan.entry_id, "updated": plan.last,
                              "until": rules.fresh_until(local_date(plan.last), plan.freq, cal),
                              "active": plan.state == RegistrationState.ACTIVE})
        bulk.insert_rows(session, AggregationRegistration, registrations)
        table = CatalogEntry.__table__  # type: ignore[attr-defined]
        if freshness:
            session.execute(update(table).where(table.c.id == bindparam("eid")).values(
                data_updated_at=bindparam("updated", type_=table.c.data_updated_at.type),
                fresh_until=bindparam("until", type_=table.c.fresh_until.type),
                aggregation_active=bindparam("active", type_=table.c.aggregation_active.type)), freshness)
        session.commit()

    by_state: dict[str, int] = {}
    for reg in registrations:
        by_state[reg["state"]] = by_state.get(reg["state"], 0) + 1
    stale = sum(1 for f in freshness if f["active"] and not rules.is_fresh(f["until"], today))
    ctx.counts.update(aggregation_registrations=len(registrations), data_updates=written,
                      entries_not_mounted=len(plans) - len(registrations), entries_stale=stale)
