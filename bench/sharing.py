"""Benchmarks of the sharing screens: the bureau's request list with filters (one server-side page) and a county
approver's queue. Registered in bench/__init__.py as share.list and share.county_queue."""

from __future__ import annotations

import time

from models.sharing import RequestStatus
from services.sharing import queries as sharing_queries
from services.sharing.queries import RequestFilter

S = RequestStatus


def request_list(ctx) -> dict[str, float]:
    """Seconds for one page (50 rows, with the total count) of the share-request list as the bureau filters it:
    no filter, by status, overdue only, by provider unit, and a deep page."""
    actor = ctx.actor("reviewer")
    provider = ctx.memo.get("provider")
    if provider is None:
        frame, _total = sharing_queries.list_requests(actor, RequestFilter(), page_size=1)
        provider = ctx.memo["provider"] = _provider_id(actor, frame)
    cases = {
        "first_page": (RequestFilter(), 1),
        "open_statuses": (RequestFilter(status=[S.SUBMITTED, S.APPROVED, S.NEEDS_INFO]), 1),
        "overdue": (RequestFilter(overdue_only=True), 1),
        "provider": (RequestFilter(provider_unit_id=provider), 1),
        "page_20": (RequestFilter(status=[S.IMPLEMENTED, S.EXPIRED]), 20),
    }
    timings = {}
    for label, (flt, page) in cases.items():
        started = time.perf_counter()
        sharing_queries.list_requests(actor, flt, page=page, page_size=50)
        timings[label] = time.perf_counter() - started
    return timings


def county_queue(ctx) -> float:
    """Seconds for one county approver's queue (county requests waiting for the county, by deadline)."""
    actor = ctx.actor("approver_ds")
    started = time.perf_counter()
    sharing_queries.county_queue(actor)
    return time.perf_counter() - started


def _provider_id(actor, frame) -> int | None:
    """A busy provider: the provider of the newest request (enough to exercise the provider filter)."""
    if frame.empty:
        return None
    view = sharing_queries.get_request(actor, int(frame.iloc[0]["id"]))
    return view.provider_unit_id
