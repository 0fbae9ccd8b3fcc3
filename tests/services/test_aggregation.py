"""Aggregation: registrations and their states, the bureau's answer to "not possible", the update log keeping
the entry's freshness columns, file import (all or nothing, located errors) and export, and the Shanghai §16
refresh clock with the consumers told."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, CatalogEntry, SlaClock
from models.aggregation import DataUpdate, FilingStatus
from models.clock import CaseKind
from services import aggregation, sharing
from services.aggregation import queries, update_log
from services.aggregation.rules import RegistrationInput, UpdateInput
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from tests.services.sharing_fixtures import at, entry, notifications_for, use

DAY = date(2025, 9, 26)  # Friday before National Day


def entry_row(entry_id: int) -> CatalogEntry:
    with read_session() as session:
        return session.get(CatalogEntry, entry_id)


def mounted(w, unit: str = "police", **overrides) -> int:
    entry_id = entry(w, unit, share_type="unconditional", **overrides)
    aggregation.register(w[unit], RegistrationInput(entry_id, "database_push", "人口库前置机", 1000), now=at(DAY))
    return entry_id


def test_registration_mounts_the_entry_and_gives_one_interval_of_grace(world):
    entry_id = mounted(world)  # daily
    row = entry_row(entry_id)
    assert row.aggregation_active and row.data_updated_at is None
    assert row.fresh_until == date(2025, 9, 29)  # due Sat 27 → worked Sun 28, +1 working day → Mon 29
    df = queries.registrations(world["police"], today=DAY)
    assert df.loc[df.entry_id == entry_id, "state"].item() == "active"


def test_manual_upload_needs_no_source_system_but_others_do(world):
    entry_id = entry(world, "police", share_type="unconditional")
    with pytest.raises(ValidationError) as err:
        aggregation.register(world["police"], RegistrationInput(entry_id, "database_push", ""), now=at(DAY))
    assert "source_system" in err.value.errors
    aggregation.register(world["police"], RegistrationInput(entry_id, "manual_upload"), now=at(DAY))


def test_only_the_providing_unit_registers(world):
    entry_id = entry(world, "police", share_type="unconditional")
    with pytest.raises(PermissionDenied):
        aggregation.register(world["civil"], RegistrationInput(entry_id, "manual_upload"), now=at(DAY))


def test_updates_keep_the_freshness_columns_and_an_older_update_does_not_move_them(world):
    entry_id = mounted(world, update_frequency="weekly")
    aggregation.record_update(world["police"], UpdateInput(entry_id, date(2025, 9, 24), 1000, 10, 5, 1, "前置机"),
                              now=at(DAY))
    row = entry_row(entry_id)
    assert row.fresh_until == date(2025, 10, 10)
    aggregation.record_update(world["police"], UpdateInput(entry_id, date(2025, 9, 1), 990), now=at(DAY))
    assert entry_row(entry_id).fresh_until == date(2025, 10, 10)
    stale = queries.registrations(world["police"], today=date(2025, 10, 13), only="stale")
    assert stale.loc[stale.entry_id == entry_id, "days_late"].item() == 3


def test_future_updates_and_unmounted_entries_are_refused(world):
    entry_id = entry(world, "police", share_type="unconditional")
    with pytest.raises(ValidationError):
        aggregation.record_update(world["police"], UpdateInput(entry_id, DAY, 1), now=at(DAY))
    entry_id = mounted(world)
    with pytest.raises(ValidationError) as err:
        aggregation.record_update(world["police"], UpdateInput(entry_id, date(2025, 9, 30), 1), now=at(DAY))
    assert "updated_at" in err.value.errors


def test_suspension_unmounts_and_not_possible_is_answered_by_the_bureau(world):
    entry_id = mounted(world)
    aggregation.suspend(world["police"], entry_id, "系统升级停机", now=at(DAY))
    assert not entry_row(entry_id).aggregation_active
    reg_id = aggregation.file_not_possible(world["police"], entry_id, "业务系统为国垂系统，无数据接口", now=at(DAY))
    assert notifications_for(world["reviewer"])
    with pytest.raises(ValidationError):
        aggregation.decide_filing(world["reviewer"], reg_id, False, "", now=at(DAY))
    aggregation.decide_filing(world["reviewer"], reg_id, True, "同意备案", now=at(DAY))
    df = queries.registrations(world["police"], today=DAY)
    assert df.loc[df.entry_id == entry_id, "filing_status"].item() == FilingStatus.ACKNOWLEDGED
    overview = queries.overview(world["reviewer"], today=DAY)
    assert overview.loc[overview.unit_id == world.units["police"], "not_possible"].item() == 1


def test_import_writes_nothing_when_one_row_is_wrong_and_locates_the_errors(world):
    entry_id = mounted(world)
    code = entry_row(entry_id).resource_code
    other = entry(world, "civil", share_type="unconditional")
    other_code = entry_row(other).resource_code
    content = ("resource_code,updated_at,record_count,added,changed,deleted,source\n"
               f"{code},2025-09-25,1000,1,2,3,前置机\n"
               f"{code},2025-09-25,abc,0,0,0,\n"
               f"NOPE-1,2025-09-25,1,0,0,0,\n"
               f"{other_code},2025-09-25,1,0,0,0,\n"
               f"{code},,5,0,0,0,\n").encode()
    report = update_log.import_updates(world["police"], "u.csv", content, now=at(DAY))
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "record_count"), (4, "resource_code"), (5, "resource_code"), (6, "updated_at")]
    with read_session() as session:
        assert not session.exec(select(DataUpdate)).all()


def test_import_and_export_round_trip_in_csv_and_xlsx(world):
    entry_id = mounted(world)
    code = entry_row(entry_id).resource_code
    content = ("资源代码,更新时间,记录数,新增,修改,删除,更新来源\n"
               f"{code},2025-09-24 08:30:00,1000,1,2,3,前置机\n{code},2025-09-25,1001,1,0,0,前置机\n").encode()
    report = update_log.import_updates(world["police"], "u.csv", content, now=at(DAY))
    assert (report.written, report.problems) == (2, [])
    assert entry_row(entry_id).fresh_until == date(2025, 9, 28)
    for fmt in ("csv", "xlsx"):
        data = update_log.export_updates(world["police"], fmt=fmt)
        again = update_log.import_updates(world["police"], f"again.{fmt}", data, now=at(DAY))
        assert (again.written, again.skipped, again.problems) == (0, 2, [])  # already in the log
    with read_session() as session:
        assert len(session.exec(select(DataUpdate)).all()) == 2
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "aggregation.import_updates")).all()


def test_shanghai_changed_data_runs_a_two_day_clock_and_tells_the_consumers(world):
    use(world, "shanghai")
    entry_id = mounted(world)
    sharing.get_access(world["civil"], entry_id, purpose="核对", now=at(DAY))
    change_id = aggregation.report_change(world["police"], entry_id, DAY, "地址字段更正", now=at(DAY))
    with read_session() as session:
        clock = session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.DATA_CHANGE,
                                                    SlaClock.case_id == change_id)).one()
    assert clock.due_on == date(2025, 9, 29)  # Fri + 2 working days: Sun 28 (worked), Mon 29
    assert any("changed" in n.message for n in notifications_for(world["civil"]))
    aggregation.record_update(world["police"], UpdateInput(entry_id, DAY, 1001), now=at(date(2025, 9, 28)))
    with read_session() as session:
        assert session.get(SlaClock, clock.id).closed_on == date(2025, 9, 28)


def test_without_a_refresh_number_no_clock_runs(world):
    entry_id = mounted(world)  # default profile (Longyan): no number
    change_id = aggregation.report_change(world["police"], entry_id, DAY, "变化", now=at(DAY))
    with read_session() as session:
        assert not session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.DATA_CHANGE,
                                                       SlaClock.case_id == change_id)).all()


def test_a_calendar_edit_moves_fresh_until_like_it_moves_open_clocks(world):
    """Freshness is counted in working days: a day made a holiday (or a working day again) recomputes the entry's
    `fresh_until` in the edit's transaction, and the audit event says how many entries moved."""
    import json

    from services.deadlines import configuration

    weekly = mounted(world, update_frequency="weekly")
    irregular = mounted(world, update_frequency="irregular")
    aggregation.record_update(world["police"], UpdateInput(weekly, date(2025, 9, 24), 1000), now=at(DAY))
    assert entry_row(weekly).fresh_until == date(2025, 10, 10)  # due Wed 1 (holiday) → Thu 9, +1 → Fri 10
    configuration.set_day(world["secadmin"], date(2025, 10, 9), False, "临时调整", now=at(DAY))
    assert entry_row(weekly).fresh_until == date(2025, 10, 11)  # due Fri 10, +1 → the worked Saturday 11
    assert entry_row(irregular).fresh_until is None
    with read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "calendar.edit_day")
                             .order_by(AuditEvent.seq.desc())).first()
    assert json.loads(event.detail)["fresh_until_moved"] == 1
    configuration.set_day(world["secadmin"], date(2025, 10, 9), True, now=at(DAY))
    assert entry_row(weekly).fresh_until == date(2025, 10, 10)
