"""app.py starts the daily jobs once per process and local day, in the background, and the page does not wait."""

from __future__ import annotations

import json

import streamlit as st
from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from models import AuditEvent, PolicySetting
from services import daily
from services.core.db import read_session
from services.core.settings import get_settings
from services.core.timeutil import local_date
from services.deadlines import reminders as notifications
from tests.ui.conftest import APP


def _sweeps() -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "share.sweep")).one()


def _marker(key: str):
    with read_session() as session:
        row = session.get(PolicySetting, key)
    return json.loads(row.value) if row else None


def test_the_first_request_of_the_day_runs_reminders_and_share_sweep_in_the_background(app_db, monkeypatch):
    import threading

    monkeypatch.setenv("GOVDATA_DAILY_JOBS_IN_APP", "true")
    get_settings.cache_clear()
    st.cache_resource.clear()
    today = local_date().isoformat()
    sweeps_before = _sweeps()
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        for job in [t for t in threading.enumerate() if t.name == f"govdata-daily-jobs-{today}"]:
            job.join(timeout=120)  # still running: wait for it (it may also have finished already)
        assert _marker(notifications.LAST_RUN_KEY) == today
        assert _marker(daily.SWEEP_LAST_RUN_KEY) == today
        assert _sweeps() == sweeps_before + 1
        AppTest.from_file(APP, default_timeout=60).run()  # same process, same day: nothing new is started
        assert [t for t in threading.enumerate() if t.name.startswith("govdata-daily-jobs-") and t.is_alive()] == []
        assert _sweeps() == sweeps_before + 1
    finally:
        st.cache_resource.clear()
        monkeypatch.setenv("GOVDATA_DAILY_JOBS_IN_APP", "false")
        get_settings.cache_clear()
