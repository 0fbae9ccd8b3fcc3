"""Benchmarks of the working-day calendar and the inbox: one million deadlines, and a county approver's inbox."""

from __future__ import annotations

import time
from datetime import date

import numpy as np

from services.deadlines import calendar

PAIRS = 1_000_000
SEED = 20_260_101
FIRST_START = date(2016, 1, 1)
LAST_START = date(2034, 12, 31)
MAX_WORKDAYS = 30


def _pairs(count: int = PAIRS) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    starts = rng.integers(FIRST_START.toordinal(), LAST_START.toordinal() + 1, size=count, dtype=np.int64)
    workdays = rng.integers(1, MAX_WORKDAYS + 1, size=count, dtype=np.int64)
    return starts, workdays


def deadlines_1m(ctx=None) -> dict[str, float]:
    """Seconds for 1,000,000 (start, N) deadlines: vectorised over the cached arrays, and one call at a time
    through the public `calendar.deadline` (what a workflow does per case)."""
    starts, workdays = _pairs()
    calendar.current()  # load (or reuse) the cached calendar outside the timing, as a running app has it
    started = time.perf_counter()
    vectorised = calendar.current().deadlines(starts, workdays)
    t_vector = time.perf_counter() - started

    start_dates = [date.fromordinal(int(o)) for o in starts]
    n_list = workdays.tolist()
    deadline = calendar.deadline
    started = time.perf_counter()
    scalar = [deadline(s, n) for s, n in zip(start_dates, n_list, strict=True)]
    t_scalar = time.perf_counter() - started
    if scalar[-1].toordinal() != int(vectorised[-1]):
        raise AssertionError("scalar and vectorised deadlines disagree")
    return {"vectorised": t_vector, "scalar": t_scalar}


def inbox_county_approver(ctx) -> float:
    """Seconds for the first page of a county approver's inbox (open clocks of the county, by due date)."""
    from services.deadlines import inbox

    actor = ctx.actor("approver_ds")
    started = time.perf_counter()
    inbox.inbox(actor)
    return time.perf_counter() - started


def inbox_bureau(ctx) -> float:
    """Seconds for the first page of the bureau reviewer's inbox (every open clock) and the summary by unit."""
    from services.deadlines import inbox

    actor = ctx.actor("reviewer")
    started = time.perf_counter()
    inbox.inbox(actor)
    inbox.overdue_by_unit(actor)
    return time.perf_counter() - started
