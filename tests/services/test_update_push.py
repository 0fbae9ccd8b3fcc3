"""Update-log events pushed by a client system (services.aggregation.update_log.push_events): the file import's
checks, all or nothing, idempotent by event id, freshness moved once to the newest update, and a pushed update
closing the Shanghai §16 refresh clock like a recorded one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import CatalogEntry, SlaClock
from models.aggregation import DataUpdate
from models.clock import CaseKind
from services import aggregation
from services.administration import api_clients
from services.aggregation import update_log
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from tests.services.sharing_fixtures import at, use
from tests.services.test_aggregation import DAY, mounted


def _client(world, unit: str = "police") -> tuple[int, object]:
    client_id, key = api_clients.register_client(world["sysadmin"], api_clients.ClientInput(
        f"{unit}-system", world.units[unit], ["aggregation:write"]))
    return client_id, api_clients.authenticate(key).actor("aggregation:write")


def _code(entry_id: int) -> str:
    with read_session() as session:
        return session.get(CatalogEntry, entry_id).resource_code


def test_events_move_freshness_once_and_a_retry_counts_once(world):
    entry_id = mounted(world, update_frequency="weekly")
    client_id, actor = _client(world)
    code = _code(entry_id)
    events = [{"event_id": "b", "resource_code": code, "updated_at": "2025-09-25", "record_count": 9},
              {"event_id": "a", "resource_code": code, "updated_at": "2025-09-20T08:30:00+08:00", "record_count": 8}]
    report = update_log.push_events(actor, client_id, events, now=at(DAY))
    assert (report.written, report.duplicates, report.entries) == (2, 0, 1)
    again = update_log.push_events(actor, client_id, events, now=at(DAY))
    assert (again.written, again.duplicates) == (0, 2)
    with read_session() as session:
        entry = session.get(CatalogEntry, entry_id)
        rows = session.exec(select(DataUpdate).where(DataUpdate.entry_id == entry_id)).all()
    assert len(rows) == 2 and entry.data_updated_at.date() == date(2025, 9, 25)
    assert entry.fresh_until is not None and entry.fresh_until > DAY


def test_another_client_may_reuse_an_event_id(world):
    entry_id = mounted(world)
    first, actor = _client(world)
    other_id, _key = api_clients.register_client(world["sysadmin"], api_clients.ClientInput(
        "police-second", world.units["police"], ["aggregation:write"]))
    other_actor = actor
    event = {"event_id": "same", "resource_code": _code(entry_id), "updated_at": "2025-09-25", "record_count": 1}
    assert update_log.push_events(actor, first, [event], now=at(DAY)).written == 1
    assert update_log.push_events(other_actor, other_id, [event], now=at(DAY)).written == 1


def test_a_pushed_update_closes_the_refresh_clock(world):
    use(world, "shanghai")
    entry_id = mounted(world)
    change_id = aggregation.report_change(world["police"], entry_id, DAY, "地址字段更正", now=at(DAY))
    client_id, actor = _client(world)
    update_log.push_events(actor, client_id, [{"event_id": "1", "resource_code": _code(entry_id),
                                               "updated_at": "2025-09-28", "record_count": 3}],
                           now=at(date(2025, 9, 28)))
    with read_session() as session:
        clock = session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.DATA_CHANGE,
                                                    SlaClock.case_id == change_id)).one()
    assert clock.closed_on == date(2025, 9, 28)


def test_problems_write_nothing_and_other_units_entries_are_refused(world):
    entry_id = mounted(world)
    civil_entry = mounted(world, "civil")
    client_id, actor = _client(world)
    report = update_log.push_events(actor, client_id, [
        {"event_id": "1", "resource_code": _code(entry_id), "updated_at": "2025-09-25", "record_count": 1},
        {"event_id": "", "resource_code": _code(entry_id), "updated_at": "2025-09-25", "record_count": 1},
        {"event_id": "3", "resource_code": _code(civil_entry), "updated_at": "2025-09-25", "record_count": 1}],
        now=at(DAY))
    assert [(p.row, p.column) for p in report.problems] == [(1, "event_id"), (2, "resource_code")]
    with read_session() as session:
        assert session.exec(select(DataUpdate)).first() is None
    with pytest.raises(ValidationError):
        update_log.push_events(actor, client_id, [], now=at(DAY))
    with pytest.raises(PermissionDenied):
        update_log.push_events(world["leader"], client_id, [], now=at(DAY))
