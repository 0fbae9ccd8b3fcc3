"""The audit administrator's log viewer: filters, server-side paging, event detail, audited export, chain
verification and the home-panel figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import select

from models import AuditEvent
from services.administration import audit_log, auth, orgs
from services.administration.audit_log import AuditFilter
from services.core import audit
from services.core.actor import Actor
from services.core.db import read_session, write_session
from services.core.errors import AuthError, NotFound, ValidationError

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _rename_police(world, name, now=None):
    unit = orgs.get_unit(world.units["police"])
    orgs.save_unit(world["sysadmin"], orgs.UnitInput(uscc=unit.uscc, name=name, kind=unit.kind, level=unit.level,
                                                     region_id=unit.region_id, short_name=unit.short_name),
                   unit.id, now=now)


def _fail_sign_in(username, times, now):
    for i in range(times):
        with pytest.raises(AuthError):
            auth.sign_in(username, "wrong-password", now=now + timedelta(seconds=i))


def test_search_pages_newest_first_with_a_total(world):
    for i in range(7):
        _rename_police(world, f"公安局{i}", now=T0 + timedelta(minutes=i))
    first = audit_log.search_events(world["auditadmin"], AuditFilter(action="unit.update"), page=1, page_size=3)
    assert first.total == 7 and first.pages == 3
    assert list(first.rows["seq"]) == sorted(first.rows["seq"], reverse=True)
    last = audit_log.search_events(world["auditadmin"], AuditFilter(action="unit.update"), page=3, page_size=3)
    assert len(last.rows) == 1
    beyond = audit_log.search_events(world["auditadmin"], AuditFilter(action="unit.update"), page=99, page_size=3)
    assert beyond.page == 3


def test_filters_by_user_result_action_prefix_object_and_local_date(world):
    _rename_police(world, "公安局甲", now=T0)
    _fail_sign_in("police", 2, T0 + timedelta(days=1))
    auditor = world["auditadmin"]
    failures = audit_log.search_events(auditor, AuditFilter(username="POLICE", result="failure"))
    assert failures.total == 2 and set(failures.rows["action"]) == {"auth.sign_in"}
    by_prefix = audit_log.search_events(auditor, AuditFilter(action="auth."))
    assert by_prefix.total == 2
    by_object = audit_log.search_events(auditor, AuditFilter(object_type="unit", object_id=str(world.units["police"])))
    assert by_object.total == 1
    # 2026-03-03 01:30 UTC is already 09:30 on the 3rd in Shanghai: day filters use local dates.
    on_day = audit_log.search_events(auditor, AuditFilter(start=date(2026, 3, 3), end=date(2026, 3, 3)))
    assert on_day.total == 2
    assert audit_log.search_events(auditor, AuditFilter(start=date(2026, 3, 2), end=date(2026, 3, 2))).total == 1


def test_an_end_date_before_the_start_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        audit_log.search_events(world["auditadmin"], AuditFilter(start=date(2026, 3, 5), end=date(2026, 3, 1)))
    assert "end" in refused.value.errors


def test_event_detail_shows_before_and_after_of_an_update(world):
    _rename_police(world, "示范市公安局（新）")
    page = audit_log.search_events(world["auditadmin"], AuditFilter(action="unit.update"))
    detail = audit_log.get_event(world["auditadmin"], int(page.rows["seq"].iloc[0]))
    assert [(c.field, c.before, c.after) for c in detail.changes] == [("name", "示范市公安局", "示范市公安局（新）")]
    assert detail.username == "sysadmin" and len(detail.hash) == 64
    with pytest.raises(NotFound):
        audit_log.get_event(world["auditadmin"], 999_999)


def test_changes_are_read_from_creations_and_role_grants():
    created = audit_log.changes_of({"after": {"code": "990200", "name": "北部市"}})
    assert [(c.field, c.before, c.after) for c in created] == [("code", None, "990200"), ("name", None, "北部市")]
    granted = audit_log.changes_of({"before": ["unit_steward"], "after": ["leader"]})
    assert [(c.before, c.after) for c in granted] == [(["unit_steward"], ["leader"])]
    assert audit_log.changes_of({"reason": "wrong password"}) == []


def test_csv_export_matches_the_filter_neutralises_formulas_and_is_audited(world):
    _rename_police(world, "公安局")
    with write_session() as s:
        audit.record(s, world["sysadmin"], "unit.update", object_type="unit", object_id='=HYPERLINK("http://x")')
        s.commit()
    _fail_sign_in("civil", 1, T0)
    file = audit_log.export_events(world["auditadmin"], AuditFilter(action="unit.update"), "csv", now=T0)
    assert file.rows == 2 and file.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert rows[0][0] == "序号" and len(rows) == 3
    assert rows[2][7] == "'=HYPERLINK(\"http://x\")"
    with read_session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    detail = json.loads(event.detail)
    assert event.username == "auditadmin" and detail["rows"] == 2
    assert detail["filter"] == {"action": "unit.update"} and detail["format"] == "csv"


def test_xlsx_export_keeps_text_starting_with_equals_as_text(world):
    _rename_police(world, "=1+1")
    file = audit_log.export_events(world["auditadmin"], AuditFilter(object_type="unit"), "xlsx", now=T0)
    sheet = load_workbook(io.BytesIO(file.data)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 2 and values[1][5] == "unit.update"
    assert "=1+1" in values[1][9] and sheet.cell(row=2, column=10).data_type == "s"


def test_unknown_export_format_is_refused_and_not_recorded(world):
    with pytest.raises(ValidationError):
        audit_log.export_events(world["auditadmin"], AuditFilter(), "pdf")
    with read_session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).first() is None


def test_verify_chain_reports_tampering_and_is_recorded(world):
    for i in range(3):
        _rename_police(world, f"公安局{i}")
    assert audit_log.verify_chain(world["auditadmin"]).ok
    with write_session() as s:
        s.execute(text("UPDATE audit_event SET username = 'nobody' WHERE seq = 2"))
        s.commit()
    status = audit_log.verify_chain(world["auditadmin"])
    assert not status.ok and status.broken_seq == 2
    with read_session() as s:
        assert audit_log.last_verification(s).ok is False


def test_overview_counts_only_todays_failures_denials_and_lockouts(world):
    _fail_sign_in("police", 5, T0)  # the fifth failure locks the account
    _fail_sign_in("civil", 1, T0 - timedelta(days=1))
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the denial is what is counted
        _rename_police_as(world, world["police"])
    o = audit_log.overview(world["auditadmin"], now=T0 + timedelta(hours=1))
    assert (o.sign_in_failures, o.lockouts) == (5, 1)
    assert o.chain.ok is None


def _rename_police_as(world, actor):
    unit = orgs.get_unit(world.units["police"])
    orgs.save_unit(actor, orgs.UnitInput(uscc=unit.uscc, name="x", kind=unit.kind, level=unit.level,
                                         region_id=unit.region_id), unit.id, now=T0)


def test_purge_through_the_service_keeps_the_retention_period(world):
    old = datetime(2025, 1, 10, tzinfo=UTC)
    with write_session() as s:
        for i in range(3):
            audit.record(s, Actor.system(), "test.old", now=old + timedelta(hours=i))
        s.commit()
    with pytest.raises(ValidationError):
        audit_log.purge(world["auditadmin"], date.today())
    assert audit_log.purge(world["auditadmin"], date(2025, 6, 1)) == 3
    assert audit_log.verify_chain(world["auditadmin"]).ok
