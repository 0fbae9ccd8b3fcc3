"""Once-a-day markers: a job that must run once per local day across every app process claims its day on a marker
row in `policy_setting`, under that row's lock, in the transaction that does the work (or before it).

The row is created when missing (INSERT … ON CONFLICT DO NOTHING) before it is locked: two processes that both find
no row would otherwise both insert it, and the second would fail on the primary key instead of waiting."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from models import PolicySetting


def lock(session: Session, key: str, now: datetime) -> PolicySetting:
    """The marker row `key` (value JSON `null` when new), re-read under a row lock."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(PolicySetting).values(key=key, value="null", updated_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    marker = session.get(PolicySetting, key, with_for_update=True, populate_existing=True)
    assert marker is not None  # just inserted or already there
    return marker


def claim(session: Session, key: str, day: date, now: datetime) -> str | None:
    """Mark `day` as taken on the marker `key` (not committed: the caller's transaction decides). Returns the previous
    value (JSON), or None when `day` was already taken — by this process or another one."""
    marker = lock(session, key, now)
    if json.loads(marker.value) == day.isoformat():
        return None
    previous = marker.value
    marker.value, marker.updated_at = json.dumps(day.isoformat()), now
    session.add(marker)
    return previous
