"""Benchmarks of the system interface, each beside the same service call without HTTP (ratios in the report):
update-log batch ingestion (a batch of BATCH events pushed by a client system) and the published-catalog search.

The HTTP side runs the real app under uvicorn in a thread on a loopback port and calls it with httpx, so the
numbers include the key check and its rate-limit count, JSON (de)serialisation and the socket. Pushed events
carry dates in 2001 (they never move an entry's freshness) and are deleted after each run, so the database
stays as found apart from the bench client's row and one audit event per push."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import select

from models import CatalogEntry, User
from models.aggregation import AggregationRegistration, DataUpdate, RegistrationState
from models.api import ApiClient
from services import catalog
from services.administration import api_clients
from services.aggregation import update_log
from services.core import db

BATCH = 500
CLIENT_NAME = "bench-interface"
STEWARD = "steward_gaj"
SEARCHES = (("text", {"q": "公民身份号码"}), ("first_page", {}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(ctx) -> dict:
    """The bench client (registered once per database, its key rotated each run of the bench), the server."""
    if "api" in ctx.memo:
        return ctx.memo["api"]
    import httpx
    import uvicorn

    from api.app import app

    steward = ctx.actor(STEWARD)
    with db.read_session() as session:
        admin = session.exec(select(User.username).where(User.username == "sysadmin")).one()
        existing = session.exec(select(ApiClient).where(ApiClient.name == CLIENT_NAME)).first()
        codes = list(session.exec(
            select(CatalogEntry.resource_code).join(AggregationRegistration,
                                                    AggregationRegistration.entry_id == CatalogEntry.id)
            .where(CatalogEntry.provider_unit_id == steward.unit_id,
                   AggregationRegistration.state == RegistrationState.ACTIVE)).all())
    sysadmin = ctx.actor(admin)
    if not codes:
        raise LookupError(f"{STEWARD}'s unit has no mounted entry to push updates for")
    if existing is not None and existing.revoked_at is None:
        key = api_clients.rotate_key(sysadmin, existing.id)  # type: ignore[arg-type]
        client_id = existing.id
    else:
        client_id, key = api_clients.register_client(sysadmin, api_clients.ClientInput(
            CLIENT_NAME if existing is None else f"{CLIENT_NAME}-{uuid.uuid4().hex[:6]}", steward.unit_id,
            ["catalog:read", "aggregation:write"], rate_limit=api_clients.MAX_RATE_LIMIT))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("the interface did not start")
        time.sleep(0.05)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers={"Authorization": f"Bearer {key}"},
                        timeout=120)
    caller = api_clients.authenticate(key)
    ctx.memo["api"] = state = {"http": http, "client_id": client_id, "codes": codes, "server": server,
                               "actor": caller.actor("aggregation:write"), "reader": caller.actor("catalog:read")}
    return state


def _events() -> list[dict]:
    run = uuid.uuid4().hex[:10]
    first = date(2001, 1, 1)
    return [{"event_id": f"{run}-{n}", "resource_code": None, "updated_at": (first + timedelta(days=n % 365)).isoformat(),
             "record_count": 1000 + n, "added": n % 7} for n in range(BATCH)]


def _with_codes(events: list[dict], codes: list[str]) -> list[dict]:
    for n, event in enumerate(events):
        event["resource_code"] = codes[n % len(codes)]
    return events


def _clean(client_id: int) -> None:
    with db.write_session() as session:
        session.execute(delete(DataUpdate).where(DataUpdate.client_id == client_id))  # type: ignore[arg-type]
        session.commit()


def push_http(ctx) -> float:
    """Seconds to push one batch of BATCH update-log events over HTTP (BATCH / seconds = events per second)."""
    state = _setup(ctx)
    events = _with_codes(_events(), state["codes"])
    started = time.perf_counter()
    response = state["http"].post("/aggregation/events/batch", json={"events": events})
    elapsed = time.perf_counter() - started
    _clean(state["client_id"])
    if response.status_code != 200 or response.json()["written"] != BATCH:
        raise RuntimeError(f"push refused: {response.status_code} {response.text[:300]}")
    return elapsed


def push_direct(ctx) -> float:
    """The same batch through services.aggregation.update_log.push_events, without HTTP."""
    state = _setup(ctx)
    events = _with_codes(_events(), state["codes"])
    started = time.perf_counter()
    report = update_log.push_events(state["actor"], state["client_id"], events)
    elapsed = time.perf_counter() - started
    _clean(state["client_id"])
    if report.written != BATCH:
        raise RuntimeError(f"push refused: {report.problems[:3]}")
    return elapsed


def search_http(ctx) -> dict[str, float]:
    """One page (50) of the published-catalog search over HTTP: free text, and no filter."""
    state = _setup(ctx)
    timings = {}
    for label, params in SEARCHES:
        started = time.perf_counter()
        response = state["http"].get("/catalog/entries", params={**params, "page_size": 50})
        timings[label] = time.perf_counter() - started
        response.raise_for_status()
    return timings


def search_direct(ctx) -> dict[str, float]:
    """The same searches through services.catalog.search_published."""
    state = _setup(ctx)
    timings = {}
    for label, params in SEARCHES:
        started = time.perf_counter()
        catalog.search_published(state["reader"], text=params.get("q"), page=1, page_size=50)
        timings[label] = time.perf_counter() - started
    return timings
