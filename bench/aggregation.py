"""Benchmarks of aggregation and corrections (issue #14): the freshness KPI family as the dashboard computes it,
the bureau's freshness overview, and the correction inbox (the source unit's open corrections and the inbox
filtered to correction clocks). Registered in bench/__init__.py as aggregation.* and corrections.*."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from models import User
from models.clock import CaseKind
from models.correction import Correction, CorrectionStatus
from services import kpi
from services.core.timeutil import local_date
from services.kpi import Period, PeriodKind

LEADER = "leader"


def freshness_kpi(ctx) -> dict[str, float]:
    """Seconds for the aggregation family (mount rate, fresh rate, stale entries, filings) for this month and the
    month before, as the dashboard computes it, and for its per-unit table behind the stale-entries chart."""
    from services.aggregation import queries as aggregation_queries

    actor = ctx.actor(LEADER)
    period = Period.current(PeriodKind.MONTH, local_date())
    timings = {}
    started = time.perf_counter()
    kpi.compute(actor, period, family_keys=["aggregation"])
    timings["family"] = time.perf_counter() - started
    started = time.perf_counter()
    kpi.by_unit(actor, period, "aggregation")
    timings["by_unit"] = time.perf_counter() - started
    reviewer = ctx.actor("reviewer")
    started = time.perf_counter()
    aggregation_queries.overview(reviewer)
    timings["overview"] = time.perf_counter() - started
    return timings


def _busiest_steward(ctx) -> str:
    """The steward of the unit with the most open corrections (the fullest correction inbox)."""
    if "steward" not in ctx.memo:
        with ctx.session() as session:
            unit = session.execute(select(Correction.provider_unit_id).where(Correction.status == CorrectionStatus.OPEN)
                                   .group_by(Correction.provider_unit_id)
                                   .order_by(func.count().desc()).limit(1)).scalar()
            name = session.execute(select(User.username).where(User.unit_id == unit, User.username.like("steward%"))
                                   .order_by(User.id).limit(1)).scalar()  # type: ignore[union-attr]
        ctx.memo["steward"] = name or "reviewer"
    return ctx.memo["steward"]


def correction_inbox(ctx) -> dict[str, float]:
    """Seconds for one page (50 rows with the total) of the corrections waiting for verification: the busiest
    source unit's steward, the bureau's list of every open correction, and the inbox filtered to correction
    clocks for both."""
    from services.corrections import queries as correction_queries
    from services.deadlines import inbox

    steward, reviewer = ctx.actor(_busiest_steward(ctx)), ctx.actor("reviewer")
    only = inbox.InboxFilters(case_kind=str(CaseKind.CORRECTION))
    timings = {}
    for label, call in (("unit_list", lambda: correction_queries.incoming(steward, page_size=50)),
                        ("bureau_list", lambda: correction_queries.all_corrections(reviewer, status="open",
                                                                                    page_size=50)),
                        ("unit_inbox", lambda: inbox.inbox(steward, only)),
                        ("bureau_inbox", lambda: inbox.inbox(reviewer, only))):
        started = time.perf_counter()
        call()
        timings[label] = time.perf_counter() - started
    return timings
