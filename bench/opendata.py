"""Benchmarks of open data (issue #15): the public tracking lookup (a code typed on the public page), the staff
request list with its filters (one server-side page) and the public open-catalog search. Registered in
bench/__init__.py as open.*."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from models import OpenRequest


def _codes(ctx) -> list[str]:
    """Twenty tracking codes spread over the table (oldest to newest), read once."""
    if "codes" not in ctx.memo:
        with ctx.session() as session:
            total = session.execute(select(func.count()).select_from(OpenRequest)).scalar() or 0
            step = max(1, total // 20)
            ctx.memo["codes"] = list(session.execute(
                select(OpenRequest.code).where(OpenRequest.id % step == 0).order_by(OpenRequest.id).limit(20))
                .scalars())
    return ctx.memo["codes"]


def tracking(ctx) -> float:
    """Seconds per public tracking lookup (status, dates, deadline with the counted and skipped days), the mean of
    twenty codes spread over the table."""
    from services.opendata import queries

    codes = _codes(ctx)
    if not codes:
        return 0.0
    started = time.perf_counter()
    for code in codes:
        queries.track(code)
    return (time.perf_counter() - started) / len(codes)


def request_list(ctx) -> dict[str, float]:
    """Seconds for one page (50 rows with the total) of the staff request list: the bureau unfiltered, open only,
    by kind, a deep page, and a unit steward's own requests."""
    from services.opendata import queries

    reviewer = ctx.actor("reviewer")
    cases = {
        "first_page": dict(),
        "open_only": dict(open_only=True),
        "demands": dict(kind="demand"),
        "page_20": dict(page=20),
    }
    timings = {}
    for label, kwargs in cases.items():
        started = time.perf_counter()
        queries.list_requests(reviewer, page_size=50, **kwargs)
        timings[label] = time.perf_counter() - started
    return timings


def catalog_search(ctx) -> dict[str, float]:
    """Seconds for one page of the public open-catalog search: no filter, free text, and conditional only."""
    from services.opendata import open_catalog

    timings = {}
    for label, kwargs in (("first_page", {}), ("text", {"text": "数据"}),
                          ("conditional", {"open_attribute": "conditional"})):
        started = time.perf_counter()
        open_catalog.search(**kwargs)
        timings[label] = time.perf_counter() - started
    return timings
