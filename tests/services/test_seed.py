"""The demo seed: deterministic per seed, near the DESIGN.md preset, and its audit history verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, AuditHead, Region, Unit, User
from services.core import audit
from services.core.bulk import insert_rows, reserve_ids
from services.core.db import read_session, write_session
from services.core.timeutil import local_date
from services.seed import SCALES, seed

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday morning in Shanghai


def _snapshot() -> dict:
    with read_session() as session:
        counts = {model.__name__: session.execute(select(func.count()).select_from(model)).scalar()
                  for model in (Region, Unit, User, AuditEvent)}
        first_events = session.execute(
            select(AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.username, AuditEvent.action,
                   AuditEvent.object_id, AuditEvent.detail, AuditEvent.hash)
            .where(AuditEvent.action != "seed.demo").order_by(AuditEvent.seq).limit(50)).all()
        units = session.execute(select(Unit.uscc, Unit.name).order_by(Unit.id).limit(20)).all()
    return {"counts": counts, "events": [tuple(r) for r in first_events], "units": [tuple(r) for r in units]}


def test_same_seed_gives_same_rows_and_other_seed_differs(db):
    seed("demo", seed_value=7, now=NOW)
    first = _snapshot()
    seed("demo", seed_value=7, reset=True, now=NOW)
    assert _snapshot() == first
    seed("demo", seed_value=8, reset=True, now=NOW)
    other = _snapshot()
    assert {k: v for k, v in other["counts"].items() if k != "AuditEvent"} == \
        {k: v for k, v in first["counts"].items() if k != "AuditEvent"}
    assert other["events"] != first["events"]


def test_demo_preset_counts_are_near_the_design_table(db):
    counts = seed("demo", seed_value=42, now=NOW)
    preset = SCALES["demo"]
    assert 30 <= counts["units"] <= 50  # DESIGN.md: ~40 units (city + 3 counties)
    assert counts["regions"] == 4
    assert counts["audit_events"] == pytest.approx(preset.audit_events, rel=0.05)
    with read_session() as session:
        stored = session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    assert stored == counts["audit_events"]
    # Steps of other areas report their own counts once registered; requests need the catalog step's entries.
    if "entries" in counts:
        assert counts["entries"] == pytest.approx(preset.entries, rel=0.25)
        if "share_requests" in counts:
            assert counts["share_requests"] == pytest.approx(preset.share_requests, rel=0.25)


def test_audit_chain_verifies_after_seeding_and_head_points_at_the_last_event(db):
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        result = audit.verify(session)
        head = session.get(AuditHead, 1)
        last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert result.ok, result.reason
    assert result.checked == SCALES["demo"].audit_events or result.checked > 0.95 * SCALES["demo"].audit_events
    assert (head.last_seq, head.last_hash) == tuple(last)


def test_history_continues_an_existing_chain(db):
    with write_session() as session:
        audit.record(session, None, "auth.sign_in", object_type="user", result="failure", username="someone",
                     now=NOW - timedelta(days=1))
        session.commit()
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        first = session.execute(select(AuditEvent).order_by(AuditEvent.seq).limit(2)).scalars().all()
        assert audit.verify(session).ok
    assert first[0].username == "someone"
    assert first[1].prev_hash == first[0].hash


def test_history_spans_two_years_with_quiet_weekends_and_holidays(db):
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        moments = session.execute(select(AuditEvent.occurred_at).where(AuditEvent.action == "auth.sign_in")).scalars().all()
    days = [local_date(m) for m in moments]
    assert min(days) <= local_date(NOW) - timedelta(days=700)
    assert max(days) <= local_date(NOW)
    weekday = sum(1 for d in days if d.weekday() < 5)
    assert weekday > 0.9 * len(days)
    # 2025 National Day holiday (1-8 Oct, official schedule): a trickle compared with an ordinary October week.
    holiday = sum(1 for d in days if d.year == 2025 and d.month == 10 and 1 <= d.day <= 8)
    busy_week = sum(1 for d in days if d.year == 2025 and d.month == 10 and 13 <= d.day <= 17)
    assert holiday * 5 < busy_week


def test_bulk_rows_read_back_like_orm_rows_and_reserved_ids_do_not_collide(db):
    stamp = datetime(2025, 6, 30, 16, 30, 15, 123456, tzinfo=UTC)
    with write_session() as session:
        ids = reserve_ids(session, Region, 2)
        again = reserve_ids(session, Region, 1)
        assert set(ids).isdisjoint(again)
        insert_rows(session, Region, [dict(id=i, code=f"9901{i:02d}", name=f"区{i}", level="county", created_at=stamp)
                                      for i in ids])
        session.add(Region(code="990199", name="ORM", level="county"))
        session.commit()
    with read_session() as session:
        rows = session.execute(select(Region.id, Region.created_at, Region.parent_id).order_by(Region.id)).all()
    assert [r.created_at for r in rows[:2]] == [stamp, stamp]
    assert rows[0].parent_id is None
    assert len({r.id for r in rows}) == 3


def test_bulk_insert_refuses_unknown_columns_and_writes_nothing(db):
    with write_session() as session:
        with pytest.raises(KeyError):
            insert_rows(session, Region, [dict(code="990101", name="x", level="county", colour="red")])
        session.rollback()
    with read_session() as session:
        assert session.execute(select(func.count()).select_from(Region)).scalar() == 0


# --- aggregation and corrections ------------------------------------------------------------------------------
def _use_profile_before_seeding(name: str) -> None:
    """The calendar step keeps an active profile it finds, so a profile chosen first shapes every clock."""
    import json

    from models import PolicySetting
    from services.deadlines import policy

    with write_session() as session:
        session.add(PolicySetting(key=policy.ACTIVE_KEY, value=json.dumps(name), updated_at=NOW))
        session.commit()
    policy.invalidate()


def test_aggregation_seed_covers_every_mode_and_state_and_freshness_follows_the_service_rule(db):
    from models import CatalogEntry
    from models.aggregation import (
        AggregationMode,
        AggregationRegistration,
        DataUpdate,
        FilingStatus,
        RegistrationState,
    )
    from services.aggregation import rules
    from services.deadlines import calendar

    counts = seed("demo", seed_value=42, now=NOW)
    preset = SCALES["demo"]
    assert counts["data_updates"] == pytest.approx(preset.update_logs, rel=0.25)
    today = local_date(NOW)
    with read_session() as session:
        regs = session.execute(select(AggregationRegistration)).scalars().all()
        published = session.execute(select(CatalogEntry).where(CatalogEntry.is_published)).scalars().all()
        last = dict(session.execute(select(DataUpdate.entry_id, func.max(DataUpdate.updated_at))
                                    .group_by(DataUpdate.entry_id)).all())
        first = session.execute(select(func.min(DataUpdate.updated_at), func.max(DataUpdate.updated_at))).one()
        stored = session.execute(select(func.count()).select_from(DataUpdate)).scalar()
    assert stored == counts["data_updates"]
    assert local_date(first[0]) <= today - timedelta(days=600) and local_date(first[1]) < today
    active = [r for r in regs if r.state == RegistrationState.ACTIVE]
    assert {r.mode for r in active} == set(AggregationMode)
    assert any(r.state == RegistrationState.SUSPENDED and r.reason for r in regs)
    filings = {r.filing_status for r in regs if r.state == RegistrationState.NOT_POSSIBLE}
    assert filings == {FilingStatus.PENDING, FilingStatus.ACKNOWLEDGED, FilingStatus.REJECTED}
    registered = {r.entry_id: r for r in regs}
    not_mounted = [e for e in published if e.id not in registered]
    assert not_mounted and not any(e.aggregation_active for e in not_mounted)
    cal = calendar.current()
    stale = 0
    for entry in published:
        reg = registered.get(entry.id)
        assert entry.aggregation_active == (reg is not None and reg.state == RegistrationState.ACTIVE)
        if entry.id in last:  # the columns the update commands keep, from the last logged update
            assert entry.data_updated_at == last[entry.id]
            assert entry.fresh_until == rules.fresh_until(local_date(last[entry.id]), entry.update_frequency, cal)
            assert reg is not None and reg.created_at < last[entry.id]
        else:
            assert entry.data_updated_at is None and entry.fresh_until is None
        if entry.aggregation_active and not rules.is_fresh(entry.fresh_until, today):
            stale += 1
    mounted = sum(e.aggregation_active for e in published)
    assert 0 < stale < 0.3 * mounted  # some entries went stale, most are kept up to date
    assert stale == counts["entries_stale"]


def test_correction_seed_clocks_follow_the_profile_with_late_extended_and_open_cases(db):
    from models import SlaClock
    from models.clock import CaseKind, ClockStep
    from models.correction import Correction, CorrectionOrigin, CorrectionStatus
    from services.deadlines import calendar, policy

    _use_profile_before_seeding("yunyang")  # 10 working days, one extension of at most 10
    counts = seed("demo", seed_value=42, now=NOW)
    assert policy.active_profile().name == "yunyang"
    assert counts["corrections"] == pytest.approx(SCALES["demo"].corrections, rel=0.1)
    today = local_date(NOW)
    cal = calendar.current()
    with read_session() as session:
        rows = session.execute(select(Correction)).scalars().all()
        clocks = {c.case_id: c for c in session.execute(select(SlaClock).where(
            SlaClock.case_kind == CaseKind.CORRECTION)).scalars()}
    assert {r.origin for r in rows} == set(CorrectionOrigin)
    assert len(clocks) == len(rows)
    late = extended = still_open = 0
    for r in rows:
        clock = clocks[r.id]
        assert clock.step == ClockStep.CORRECTION_VERIFY and clock.started_on == r.filed_on
        assert clock.responsible_unit_id == r.provider_unit_id
        assert 0 <= r.extension_days <= 10 and clock.extended_days == r.extension_days
        assert clock.workdays == 10 + r.extension_days
        assert clock.due_on == cal.deadline(r.filed_on, clock.workdays)
        if r.extension_days:
            extended += 1
            assert r.extension_approver and r.extension_approved_on and r.filed_on <= r.extension_approved_on
            assert r.extension_approved_on <= cal.deadline(r.filed_on, 10)  # approved within the first period
        if r.status == CorrectionStatus.OPEN:
            still_open += 1
            assert clock.closed_at is None and r.answered_at is None
        else:
            assert clock.closed_on == local_date(r.answered_at) and clock.closed_on < today and r.reply
            assert (r.change_note is not None) == (r.status == CorrectionStatus.CORRECTED)
            late += clock.closed_on > clock.due_on
        assert r.filed_on <= today
    assert late and extended and still_open
    assert counts["corrections_late"] >= late and counts["corrections_extended"] == extended


def test_correction_seed_keeps_no_personal_data_in_plain_text(db):
    from models import CatalogEntry
    from models.correction import Correction, CorrectionOrigin, CorrectionStatus
    from services.core import personal_data
    from services.core.validators import resident_id_error

    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        rows = session.execute(select(Correction)).scalars().all()
        open_counts = dict(session.execute(select(CatalogEntry.id, CatalogEntry.open_corrections)
                                           .where(CatalogEntry.open_corrections > 0)).all())
    public = [r for r in rows if r.origin == CorrectionOrigin.PUBLIC]
    assert public
    with_id = 0
    for r in public:
        name, contact = personal_data.decrypt(r.reporter_name_enc), personal_data.decrypt(r.reporter_contact_enc)
        assert name and contact and r.tracking_hash and len(r.tracking_hash) == 64
        stored = " ".join(filter(None, (r.reporter_name_enc, r.reporter_contact_enc, r.reporter_id_enc,
                                        r.description, r.items)))
        assert name not in stored and contact not in stored
        if r.reporter_id_enc:
            number = personal_data.decrypt(r.reporter_id_enc)
            assert number and resident_id_error(number) is None and number not in stored
            with_id += 1
    assert 0 < with_id < len(public)
    for r in rows:
        if r.origin == CorrectionOrigin.UNIT:
            assert r.reporter_unit_id and r.reporter_unit_id != r.provider_unit_id and not r.reporter_name_enc
    expected: dict[int, int] = {}
    for r in rows:
        if r.status == CorrectionStatus.OPEN:
            expected[r.entry_id] = expected.get(r.entry_id, 0) + 1
    assert open_counts == expected  # the entry shows its open corrections


def test_longyan_demo_sets_its_at_once_verification_deadline_so_some_corrections_are_late(db):
    """Longyan §14 says "at once" without a number: the demo deployment overrides the step (audited) and its
    corrections then have due dates, some of them missed."""
    from models import SlaClock
    from models.clock import CaseKind
    from services.deadlines import calendar, policy
    from services.seed.calendar import AT_ONCE_WORKDAYS

    counts = seed("demo", seed_value=42, now=NOW)
    profile = policy.active_profile()
    assert profile.name == "longyan"
    assert policy.get_profile("longyan").step_days("correction_verify") is None  # the regulation's own value
    assert profile.step_days("correction_verify") == AT_ONCE_WORKDAYS["longyan"]
    assert profile.overrides == {"steps.correction_verify": AT_ONCE_WORKDAYS["longyan"]}
    cal = calendar.current()
    with read_session() as session:
        clocks = session.execute(select(SlaClock).where(SlaClock.case_kind == CaseKind.CORRECTION)).scalars().all()
        overridden = session.execute(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "policy.override")).scalar()
    assert overridden == 1
    assert clocks and all(c.due_on == cal.deadline(c.started_on, 2) for c in clocks)
    late = [c for c in clocks if c.closed_on is not None and c.closed_on > c.due_on]
    assert late and counts["corrections_late"] >= len(late)


def test_history_tells_the_aggregation_correction_and_open_data_story_with_the_services_action_names(db):
    """The audit history describes the rows of the aggregation, corrections and open-data steps: every public
    submission and correction, the units' registrations, filings and answers, the bureau's decisions, in time
    order on one verified chain."""
    from models import OpenRequest
    from models.aggregation import AggregationRegistration
    from models.correction import Correction

    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        actions = dict(session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
        corrections = session.execute(select(Correction.origin, func.count()).group_by(Correction.origin)).all()
        answered = session.execute(select(func.count()).select_from(Correction)
                                   .where(Correction.answered_at.is_not(None))).scalar()
        requests = session.execute(select(func.count()).select_from(OpenRequest)).scalar()
        registrations = session.execute(select(func.count()).select_from(AggregationRegistration)).scalar()
        public = session.execute(select(AuditEvent.username, AuditEvent.user_id, AuditEvent.detail)
                                 .where(AuditEvent.action == "open.submit").limit(5)).all()
    by_origin = dict(corrections)
    assert actions["correction.file_public"] == by_origin["public"]
    assert 0 < actions["correction.file"] <= by_origin["unit"]
    assert 0 < actions["correction.answer"] <= answered
    assert actions["open.submit"] == requests
    assert {"open.assign", "open.agree", "open.refuse", "open.unit_agree", "open.grant", "open.plan_file"} <= set(actions)
    assert 0 < actions["aggregation.register"] + actions["aggregation.file_not_possible"] <= registrations
    assert {"aggregation.suspend", "aggregation.decide_filing", "aggregation.record_update"} <= set(actions)
    assert all(name == "public" and uid is None and "applicant" not in (detail or "").replace("applicant_kind", "")
               for name, uid, detail in public)  # nothing personal about the applicant
    with read_session() as session:
        assert audit.verify(session).ok



def test_steps_run_in_the_declared_order_whatever_the_import_order(db, monkeypatch):
    """A step module imported early (the history step imports the aggregation step's constants; a test may import
    any step) registers early; seed() still runs the steps in STEP_MODULES order, the history last."""
    from services import seed as seed_module

    seed_module._load_steps()
    shuffled = list(reversed(seed_module.STEPS))
    monkeypatch.setattr(seed_module, "STEPS", shuffled)
    ran: list[str] = []
    seed("demo", seed_value=42, now=NOW, progress=ran.append)
    assert ran == [n for n in seed_module.STEP_MODULES if n in ran] and ran[-1] == "history" and len(ran) >= 11
