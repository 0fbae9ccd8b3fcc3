"""KPI benchmarks: the dashboard's bundle, the floor (hand-written SQL per family, no registry, no permission
check) and the naive baseline (tables loaded with pandas, aggregated in memory). All three compute the
current month and the month before it, as the tiles do."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as dtime

import pandas as pd
from sqlalchemy import bindparam, text

from models import ClockStep
from models.base import UTCDateTime
from services import kpi
from services.core import db
from services.core.timeutil import local_date, tz
from services.kpi import Period, PeriodKind
from services.kpi.catalog import maintained_since
from services.kpi.registry import KpiWindow

LEADER = "leader"


def _periods(today: date) -> list[tuple[date, date, date]]:
    current = Period.current(PeriodKind.MONTH, today)
    previous = current.previous()
    return [(p.start, p.end, p.as_of(today)) for p in (current, previous)]


def kpi_bundle(ctx=None) -> float:
    """compute() exactly as the dashboard calls it (permission check, every family, both periods)."""
    actor = ctx.actor(LEADER) if ctx is not None else None
    if actor is None:
        from services.core.actor import Actor

        actor = Actor.system("bench")
    period = Period.current(PeriodKind.MONTH, local_date())
    started = time.perf_counter()
    kpi.compute(actor, period)
    return time.perf_counter() - started


_CATALOG = """
SELECT count(*) AS published, coalesce(sum(completeness), 0) AS completeness_sum,
       sum(CASE WHEN share_type IN ('conditional', 'not_shared') THEN 1 ELSE 0 END) AS restricted,
       sum(CASE WHEN share_type IN ('conditional', 'not_shared')
                 AND length(trim(coalesce(restriction_basis, ''))) > 0 THEN 1 ELSE 0 END) AS with_basis,
       sum(CASE WHEN share_type = 'unconditional' THEN 1 ELSE 0 END) AS unconditional,
       sum(CASE WHEN open_attribute IN ('open', 'conditional') THEN 1 ELSE 0 END) AS open_entries,
       sum(CASE WHEN last_maintained_at >= :since AND last_maintained_at < :as_of_end THEN 1 ELSE 0 END) AS maintained
FROM catalog_entry WHERE is_published = :yes AND (published_on IS NULL OR published_on <= :as_of)
"""
_RESPONSIBILITY = """
SELECT count(r.id) AS responsibilities,
       sum(CASE WHEN e.id IS NOT NULL AND e.is_published = :yes AND (e.published_on IS NULL OR e.published_on <= :as_of)
           THEN 1 ELSE 0 END) AS covered
FROM responsibility_item r LEFT JOIN catalog_entry e ON e.id = r.entry_id WHERE r.created_at < :as_of_end
"""
_DEADLINES = """
SELECT step, count(*) AS due,
       sum(CASE WHEN outcome = 'done' AND closed_on IS NOT NULL AND closed_on <= due_on THEN 1 ELSE 0 END) AS met
FROM sla_clock
WHERE step IN ('share_answer', 'share_implement') AND due_on >= :start AND due_on <= :as_of
  AND (outcome IS NULL OR outcome <> 'cancelled') AND (closed_on IS NOT NULL OR paused_at IS NULL)
GROUP BY step
"""
_ANSWERS = """
SELECT count(*) AS answered, sum(a.workday_seq - s.workday_seq - c.paused_workdays) AS days
FROM sla_clock c LEFT JOIN calendar_day s ON s.day = c.started_on LEFT JOIN calendar_day a ON a.day = c.closed_on
WHERE c.step = 'share_answer' AND c.outcome = 'done' AND c.closed_on >= :start AND c.closed_on <= :as_of
"""
_DECISIONS = """
SELECT sum(CASE WHEN status IN ('approved', 'implemented', 'expired', 'revoked') THEN 1 ELSE 0 END) AS approved,
       sum(CASE WHEN status IN ('approved', 'implemented', 'expired', 'revoked', 'rejected', 'disputed')
           THEN 1 ELSE 0 END) AS decided
FROM share_request WHERE answered_at >= :start_at AND answered_at < :as_of_end
  AND kind IN ('apply', 'uncatalogued', 'verify')
"""
# {plus} keeps SQLite from scanning an index on a column whose range is not selective (unary + is a no-op).
_OVERDUE = """
SELECT case_kind, count(*) FROM (
  SELECT case_kind FROM sla_clock WHERE closed_at IS NULL AND paused_at IS NULL AND due_on < :as_of
    AND started_on <= :as_of
  UNION ALL
  SELECT case_kind FROM sla_clock WHERE step IN ({steps}) AND closed_on > :as_of AND {plus}due_on < :as_of
    AND started_on <= :as_of
) overdue GROUP BY case_kind
"""


def _stmt(sql: str, *names: str):
    return text(sql).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in names))


def kpi_floor(ctx=None) -> float:
    """The same figures with one hand-written statement per source, run directly on a connection."""
    today = local_date()
    windows = _periods(today)
    started = time.perf_counter()
    engine = db.get_engine()
    steps = ", ".join(f"'{step}'" for step in ClockStep)
    overdue = _OVERDUE.format(steps=steps, plus="+" if engine.dialect.name == "sqlite" else "")
    with engine.connect() as conn:
        for start, end, as_of in windows:
            window = KpiWindow(start, end, as_of)
            params = {"as_of": as_of, "start": start, "yes": True, "since": maintained_since(window),
                      "as_of_end": window.as_of_end, "start_at": window.start_at}
            conn.execute(_stmt(_CATALOG, "since", "as_of_end"), params).all()
            conn.execute(_stmt(_RESPONSIBILITY, "as_of_end"), params).all()
            conn.execute(text(_DEADLINES), params).all()
            conn.execute(text(_ANSWERS), params).all()
            conn.execute(_stmt(_DECISIONS, "start_at", "as_of_end"), params).all()
            conn.execute(text(overdue), params).all()
    return time.perf_counter() - started


def kpi_naive(ctx=None) -> float:
    """The baseline: read the tables into pandas and aggregate in memory (what the SQL design avoids)."""
    today = local_date()
    started = time.perf_counter()
    with db.get_engine().connect() as conn:
        entries = pd.read_sql(text("SELECT * FROM catalog_entry"), conn)
        duties = pd.read_sql(text("SELECT * FROM responsibility_item"), conn)
        clocks = pd.read_sql(text("SELECT * FROM sla_clock"), conn)
        requests = pd.read_sql(text("SELECT id, status FROM share_request"), conn)
        calendar = pd.read_sql(text("SELECT day, workday_seq FROM calendar_day"), conn)
    for day_col in ("published_on",):
        entries[day_col] = pd.to_datetime(entries[day_col]).dt.date
    for day_col in ("due_on", "closed_on", "started_on"):
        clocks[day_col] = pd.to_datetime(clocks[day_col]).dt.date
    calendar["day"] = pd.to_datetime(calendar["day"]).dt.date
    seq = calendar.set_index("day")["workday_seq"]
    for start, _end, as_of in _periods(today):
        live = entries[entries["is_published"].astype(bool) & (entries["published_on"].isna()
                                                               | (entries["published_on"] <= as_of))]
        restricted = live[live["share_type"].isin(["conditional", "not_shared"])]
        _ = (live["completeness"].mean(), restricted["restriction_basis"].fillna("").str.strip().ne("").mean(),
             (live["share_type"] == "unconditional").mean(), live["open_attribute"].isin(["open", "conditional"]).sum())
        cutoff = datetime.combine(as_of + timedelta(days=1), dtime.min, tzinfo=tz())
        linked = duties.merge(live[["id"]], left_on="entry_id", right_on="id", how="left", indicator=True)
        _ = (linked["_merge"] == "both").mean(), cutoff
        share = clocks[(clocks["case_kind"] == "share_request") & clocks["due_on"].notna()]
        due = share[(share["due_on"] >= start) & (share["due_on"] <= as_of) & (share["outcome"] != "cancelled")]
        _ = due.groupby("step").apply(lambda g: ((g["outcome"] == "done") & (g["closed_on"] <= g["due_on"])).mean())
        answered = share[(share["step"] == "share_answer") & (share["outcome"] == "done")
                         & (share["closed_on"] >= start) & (share["closed_on"] <= as_of)]
        days = answered["closed_on"].map(seq) - answered["started_on"].map(seq) - answered["paused_workdays"]
        decided = answered.merge(requests, left_on="case_id", right_on="id")
        _ = days.mean(), decided["status"].isin(["approved", "implemented"]).mean()
        open_now = clocks[clocks["closed_on"].isna() | (clocks["closed_on"] > as_of)]
        _ = open_now[(open_now["due_on"] < as_of) & (open_now["started_on"] <= as_of)].groupby("case_kind").size()
    return time.perf_counter() - started
