"""No query per row: each main service call issues a fixed number of SQL statements on the demo data, however
many rows it returns. A call that starts looping over rows with a query each blows its budget here.

Add a line to CALLS when a screen gets a new main read (budget = the statements it needs today, with a little
headroom, never a number that grows with the data). Every permission check reads the account's current roles
(one statement), so that revocation reaches open sessions."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from models import User
from services.core import db as dbmod
from services.core.actor import Actor
from services.core.actor_store import load_actor
from services.seed import seed

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Call:
    name: str
    username: str
    run: Callable[[Actor], object]
    budget: int


def _svc(module: str) -> object:
    return importlib.import_module(f"services.{module}")


def _audit_page(actor: Actor):
    audit_log = _svc("administration.audit_log")
    return audit_log.search_events(actor, audit_log.AuditFilter(action="auth."), page=3)


def _kpi_bundle(actor: Actor):
    from services import kpi
    from services.core.timeutil import local_date
    from services.kpi.period import Period, PeriodKind

    return kpi.compute(actor, Period.current(PeriodKind.MONTH, local_date(NOW)))


def _share_list(actor: Actor, **filters):
    sharing_queries = _svc("sharing.queries")
    return sharing_queries.list_requests(actor, sharing_queries.RequestFilter(**filters))


CALLS: list[Call] = [
    Call("users.list_users", "sysadmin", lambda a: _svc("administration.users").list_users(a), 3),
    Call("users.account_overview", "secadmin", lambda a: _svc("administration.users").account_overview(a, now=NOW), 8),
    Call("orgs.list_units", "sysadmin", lambda a: _svc("administration.orgs").list_units(), 2),
    Call("orgs.list_regions", "sysadmin", lambda a: _svc("administration.orgs").list_regions(), 2),
    Call("audit_log.search_events (filtered, page 3)", "auditadmin", _audit_page, 3),
    Call("audit_log.filter_options", "auditadmin", lambda a: _svc("administration.audit_log").filter_options(a), 3),
    Call("audit_log.overview", "auditadmin", lambda a: _svc("administration.audit_log").overview(a, now=NOW), 6),
    Call("inbox.inbox (county approver)", "approver_ds", lambda a: _svc("deadlines.inbox").inbox(a, now=NOW), 6),
    Call("inbox.inbox (bureau)", "reviewer", lambda a: _svc("deadlines.inbox").inbox(a, now=NOW), 6),
    Call("inbox.overdue_by_unit", "reviewer", lambda a: _svc("deadlines.inbox").overdue_by_unit(a, now=NOW), 2),
    Call("catalog.search_published (text)", "steward_gaj",
         lambda a: _svc("catalog").search_published(a, text="身份"), 3),
    Call("catalog.list_entries (my catalog)", "steward_gaj", lambda a: _svc("catalog").list_entries(a), 3),
    Call("catalog.review_queue", "reviewer", lambda a: _svc("catalog").review_queue(a), 2),
    Call("sharing_queries.list_requests (bureau, all)", "reviewer", _share_list, 4),
    Call("sharing_queries.list_requests (overdue)", "reviewer", lambda a: _share_list(a, overdue_only=True), 4),
    Call("sharing_queries.county_queue", "approver_ds", lambda a: _svc("sharing.queries").county_queue(a, now=NOW), 3),
    Call("opendata.open_catalog.search (public)", "reviewer",
         lambda a: _svc("opendata.open_catalog").search(text="信息", page=2), 2),
    Call("opendata.queries.list_requests (bureau)", "reviewer", lambda a: _svc("opendata.queries").list_requests(a), 3),
    Call("opendata.queries.list_requests (unit)", "steward_gaj",
         lambda a: _svc("opendata.queries").list_requests(a, open_only=True), 3),
    # 2 statements per family query (period and previous period) plus roles and targets: catalog 2, aggregation 2,
    # sharing 4, corrections 4, open data 4 (entries, public requests, their clocks, open plans) → 32, projects 4
    # (gate checks and operating funds, both periods) → 36, assessment 4 (scorecards and appeals, both periods) → 40,
    # clocks 2, roles and targets 2 → 44, and one to spare. (The caches' time-based rechecks are not counted: see
    # `counting`.)
    Call("kpi.compute (dashboard bundle)", "leader", _kpi_bundle, 45),
]


@contextmanager
def counting() -> list[str]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("BEGIN"):  # transaction plumbing (SQLite), not a query
            return
        if statement.lstrip().startswith("SELECT policy_setting."):
            return  # the calendar's and profile's per-process cache rechecks: time-based (every 2 s), not per call
        statements.append(statement)

    engine = dbmod.get_engine()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _actor(username: str) -> Actor:
    with dbmod.read_session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return load_actor(session, user)


@pytest.fixture
def demo(db):
    seed("demo", seed_value=42, now=NOW)
    return db


def test_main_service_calls_stay_within_their_statement_budget(demo):
    over = []
    for call in CALLS:
        actor = _actor(call.username)
        call.run(actor)  # warm: first-use caches (calendar, policy) are not what this test is about
        with counting() as statements:
            call.run(actor)
        if len(statements) > call.budget:
            over.append(f"{call.name}: {len(statements)} statements (budget {call.budget})\n    "
                        + "\n    ".join(s.split("\n")[0][:120] for s in statements))
    assert not over, "query budget exceeded:\n" + "\n".join(over)


def test_statement_counter_sees_a_query_per_row_loop(demo):
    # The guard itself: looping with one query per unit is counted as such.
    from models import Unit

    with counting() as statements, dbmod.read_session() as session:
        ids = session.execute(select(Unit.id)).scalars().all()
        for unit_id in ids[:10]:
            session.get(Unit, unit_id)
    assert len(statements) == 11
