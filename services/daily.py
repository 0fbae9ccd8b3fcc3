"""Daily jobs the application runs itself, once per local day: deadline reminders and the expiry of share grants.

`manage.py reminders` and `manage.py share-sweep` run the same jobs from cron; running both ways is harmless
(reminders are created once per deadline, kind and person; an expired grant is not expired twice). The jobs run
as a system actor, never in a user's name, and a failing job is logged for the operator, never shown to a user."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from models import PolicySetting
from services import sharing
from services.core import day_marker
from services.core.actor import Actor
from services.core.db import write_session
from services.core.timeutil import local_date, now_utc
from services.deadlines import reminders as notifications

log = logging.getLogger(__name__)

JOB_ACTOR = Actor.system("daily-jobs")
SWEEP_LAST_RUN_KEY = "share_sweep.last_run"


@dataclass
class DailyResult:
    day: date
    reminders: notifications.RefreshResult | None = None  # None: already done today (or failed)
    sweep: sharing.SweepResult | None = None
    failed: list[str] = field(default_factory=list)


def _claim_sweep(today: date, now: datetime) -> str | None:
    """Mark today's sweep as taken (row-locked, so two processes cannot both take it); returns the previous
    marker value, or None when today's sweep was already taken."""
    with write_session() as session:
        previous = day_marker.claim(session, SWEEP_LAST_RUN_KEY, today, now)
        session.commit()
        return previous


def _release_sweep(previous: str, now: datetime) -> None:
    """A failed sweep gives its day back, so the next process (or tomorrow) tries again."""
    with write_session() as session:
        marker = session.get(PolicySetting, SWEEP_LAST_RUN_KEY, with_for_update=True)
        if marker is not None:
            marker.value, marker.updated_at = previous, now
            session.add(marker)
            session.commit()


def sweep_if_due(now: datetime | None = None) -> sharing.SweepResult | None:
    """Run the share-grant sweep unless it already ran today; None when it had."""
    moment = now_utc(now)
    previous = _claim_sweep(local_date(moment), moment)
    if previous is None:
        return None
    try:
        return sharing.sweep(JOB_ACTOR, now=moment)
    except Exception:
        _release_sweep(previous, moment)
        raise


def run_due(now: datetime | None = None) -> DailyResult:
    """Every daily job that has not run yet today. Never raises: a failure is logged and named in `failed`."""
    moment = now_utc(now)
    result = DailyResult(day=local_date(moment))
    try:
        result.reminders = notifications.refresh_if_due(moment)
    except Exception:
        log.exception("daily job 'reminders' failed")
        result.failed.append("reminders")
    try:
        result.sweep = sweep_if_due(moment)
    except Exception:
        log.exception("daily job 'share-sweep' failed")
        result.failed.append("share-sweep")
    if result.reminders is not None or result.sweep is not None:
        log.info("daily jobs for %s: reminders %s, share sweep %s", result.day, result.reminders, result.sweep)
    return result
