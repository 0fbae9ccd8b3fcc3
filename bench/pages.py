"""Page render timings: every page each demo account can open, run headless through AppTest (app.py, the real
router), on the benchmark database. Target: each page under 2 s at city scale."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from services.core import db
from services.core.settings import ROOT, get_settings

ACCOUNTS = ("leader", "reviewer", "assessor", "steward_gaj", "approver_ds", "sysadmin", "secadmin", "auditadmin")
RENDER_TIMEOUT_S = 120


def _bind_app_to(url: str) -> None:
    # app.py binds the engine from settings on first use; point it at the benchmark database, never the shared one.
    os.environ["GOVDATA_DATABASE_URL"] = url
    get_settings.cache_clear()


def render_pages(ctx) -> dict[str, float]:
    """{page url: seconds of the slowest account's render}; failures are reported as notes."""
    from streamlit import logger as st_logger
    from streamlit.testing.v1 import AppTest

    from ui import session as ui_session
    from ui.navigation import pages_for

    _bind_app_to(ctx.url)
    st_logger.set_log_level("error")  # bare-mode AppTest warns on every cached call otherwise
    slowest: dict[str, float] = {}
    for username in ACCOUNTS:
        try:
            actor = ctx.actor(username)
        except LookupError:
            continue
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=RENDER_TIMEOUT_S)
        at.session_state[ui_session.ACTOR_KEY] = actor
        at.session_state[ui_session.LAST_SEEN_KEY] = datetime.now(UTC)
        at.run()
        for spec in pages_for(actor.roles):
            at.switch_page(spec.path)
            at.session_state[ui_session.LAST_SEEN_KEY] = datetime.now(UTC)
            started = time.perf_counter()
            at.run()
            elapsed = time.perf_counter() - started
            label = spec.url_path or spec.path
            if at.exception:
                note = f"{label} as {username}: {at.exception[0].message[:120]}"
                if note not in ctx.notes:
                    ctx.notes.append(note)
                continue
            slowest[label] = max(slowest.get(label, 0.0), elapsed)
    db.configure(ctx.url)  # AppTest may have rebound the engine; leave it where the harness put it
    return slowest


def dashboard_first_visit(ctx) -> dict[str, float]:
    """Seconds from a new session to the leader's rendered dashboard with nothing cached (the first visit of
    the day: every KPI, chart and table computed), then the same dashboard again in that session (cached)."""
    import streamlit as st
    from streamlit import logger as st_logger
    from streamlit.testing.v1 import AppTest

    from ui import session as ui_session

    _bind_app_to(ctx.url)
    st_logger.set_log_level("error")
    actor = ctx.actor("leader")
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=RENDER_TIMEOUT_S)
    at.session_state[ui_session.ACTOR_KEY] = actor
    at.session_state[ui_session.LAST_SEEN_KEY] = datetime.now(UTC)
    started = time.perf_counter()
    at.run()  # the leader's first page is the dashboard
    first = time.perf_counter() - started
    if at.exception:
        ctx.notes.append(f"dashboard first visit: {at.exception[0].message[:120]}")
    at.session_state[ui_session.LAST_SEEN_KEY] = datetime.now(UTC)
    started = time.perf_counter()
    at.run()
    again = time.perf_counter() - started
    db.configure(ctx.url)
    return {"first_visit": first, "cached": again}
