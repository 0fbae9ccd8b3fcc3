"""Operations: a lost phone (the system administrator resets a second factor) and the daily jobs the application
runs itself once per local day (reminders, expiry of share grants)."""

from __future__ import annotations

import json
from datetime import date

import pyotp
import pytest
from sqlmodel import select

from models import AuditEvent, Notification, PolicySetting, ShareRequest, UserSession
from models.sharing import Decision, RequestStatus
from services import daily, sharing
from services.administration import auth, users
from services.core.db import read_session, write_session
from services.core.errors import PermissionDenied, ValidationError
from services.deadlines import clocks
from services.sharing import DecisionInput
from tests.factories import PASSWORD, previous_code, user_row
from tests.services.sharing_fixtures import application, at, entry, item_ids, use


def _enrol(actor) -> str:
    secret = auth.new_totp_secret()
    auth.enrol_totp(actor, secret, previous_code(secret))  # the current code stays free for the sign-in
    return secret


def _events(action: str) -> list[AuditEvent]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


# --- lost phone ---------------------------------------------------------------------------------------------

def test_after_a_second_factor_reset_the_password_alone_signs_in_and_enrolment_is_asked_again(world, monkeypatch):
    from services.core.settings import get_settings

    reviewer = world["reviewer"]
    _enrol(reviewer)
    with pytest.raises(auth.SecondFactorRequired):
        auth.sign_in("reviewer", PASSWORD)

    users.reset_totp(world["sysadmin"], reviewer.user_id)

    monkeypatch.setattr(get_settings(), "demo_mode", False)
    result = auth.sign_in("reviewer", PASSWORD)
    assert result.actor.user_id == reviewer.user_id and result.must_enrol_totp
    assert user_row("reviewer").totp_secret is None
    new_secret = _enrol(result.actor)
    with pytest.raises(auth.SecondFactorRequired) as step:
        auth.sign_in("reviewer", PASSWORD)
    assert auth.verify_second_factor(step.value.ticket, pyotp.TOTP(new_secret).now()).actor.username == "reviewer"


def test_second_factor_reset_ends_the_users_open_sessions_and_is_audited(world):
    secadmin = world["secadmin"]
    secret = _enrol(secadmin)
    with pytest.raises(auth.SecondFactorRequired) as step:
        auth.sign_in("secadmin", PASSWORD)
    token = auth.verify_second_factor(step.value.ticket, pyotp.TOTP(secret).now()).session_token
    assert auth.resume_session(token) is not None
    version = user_row("secadmin").version

    request_id = users.request_reset(world["sysadmin"], secadmin.user_id, "totp")  # an administrator: dual control
    users.decide_reset(world["auditadmin"], request_id, True)

    assert auth.resume_session(token) is None
    with read_session() as session:
        reasons = {s.ended_reason for s in session.exec(select(UserSession).where(
            UserSession.user_id == secadmin.user_id)).all()}
    assert reasons == {"totp_reset"}
    assert user_row("secadmin").version == version + 1
    [event] = _events("user.reset_totp")
    assert (event.object_type, event.object_id, event.result) == ("user", str(secadmin.user_id), "success")
    assert json.loads(event.detail)["sessions_ended"] == 1
    assert user_row("secadmin").totp_secret is None


def test_an_account_without_a_second_factor_has_nothing_to_reset(world):
    with pytest.raises(ValidationError) as refused:
        users.reset_totp(world["sysadmin"], world["police"].user_id)
    assert "police" in refused.value.message
    assert _events("user.reset_totp") == []


@pytest.mark.parametrize("who", ["secadmin", "auditadmin", "reviewer", "police"])
def test_only_the_system_administrator_resets_a_second_factor(world, who):
    target = world["reviewer"] if who != "reviewer" else world["secadmin"]
    _enrol(target)
    with pytest.raises(PermissionDenied):
        users.reset_totp(world[who], target.user_id)
    assert user_row(target.username).totp_secret is not None


def test_the_accounts_list_shows_who_has_a_second_factor(world):
    _enrol(world["reviewer"])
    accounts = users.list_users(world["sysadmin"]).set_index("username")["has_totp"]
    assert bool(accounts["reviewer"]) and not bool(accounts["police"])


# --- daily jobs ---------------------------------------------------------------------------------------------

def _overdue_clock(world) -> None:
    with write_session() as session:
        clocks.start(session, case_kind="share_request", case_id=999, step="share_answer", unit_id=world.units["police"],
                     region_id=None, started_on=date(2025, 4, 1), now=at(date(2025, 4, 1)))
        session.commit()


def _implemented_request(world, ends_on: date) -> int:
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id), end_date=ends_on),
                               now=at(date(2025, 3, 3)))
    sharing.decide(world["police"], request_id, DecisionInput(Decision.APPROVE), now=at(date(2025, 3, 4)))
    sharing.implement(world["police"], request_id, note="文件下载", use_agreement="XY-2", now=at(date(2025, 3, 5)))
    return request_id


def test_daily_jobs_remind_and_expire_once_per_local_day(world):
    _overdue_clock(world)
    request_id = _implemented_request(world, date(2025, 4, 30))

    first = daily.run_due(at(date(2025, 5, 6), hour=9))
    assert first.failed == []
    assert first.reminders is not None and first.reminders.overdue >= 1
    assert first.sweep == sharing.SweepResult(expired=1, reminded=0)
    with read_session() as session:
        assert session.get(ShareRequest, request_id).status == RequestStatus.EXPIRED
        reminders = session.exec(select(Notification).where(Notification.kind == "overdue")).all()
    assert reminders

    again = daily.run_due(at(date(2025, 5, 6), hour=17))
    assert (again.reminders, again.sweep, again.failed) == (None, None, [])
    assert len(_events("share.sweep")) == 1 and len(_events("reminders.refresh")) == 1

    next_day = daily.run_due(at(date(2025, 5, 7), hour=9))
    assert next_day.reminders is not None and next_day.sweep == sharing.SweepResult(0, 0)
    assert len(_events("share.sweep")) == 2
    assert {e.username for e in _events("share.sweep")} == {daily.JOB_ACTOR.username}


def test_a_failing_daily_job_is_logged_and_retried_while_the_other_still_runs(world, monkeypatch, caplog):
    _overdue_clock(world)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sharing, "sweep", broken)
    with caplog.at_level("ERROR", logger="services.daily"):
        result = daily.run_due(at(date(2025, 5, 6)))
    assert result.failed == ["share-sweep"] and result.reminders is not None
    assert "share-sweep" in caplog.text
    with read_session() as session:
        marker = session.get(PolicySetting, daily.SWEEP_LAST_RUN_KEY)
    assert marker is None or json.loads(marker.value) != "2025-05-06"

    monkeypatch.undo()
    retry = daily.run_due(at(date(2025, 5, 6), hour=15))
    assert retry.failed == [] and retry.sweep == sharing.SweepResult(0, 0) and retry.reminders is None


def _run_due_at_once(processes: int, moment) -> list[daily.DailyResult]:
    """`processes` connections start the daily jobs at the same moment, as app processes started together do."""
    import threading

    barrier = threading.Barrier(processes)
    results: list[daily.DailyResult] = []

    def start():
        barrier.wait()
        results.append(daily.run_due(moment))

    workers = [threading.Thread(target=start) for _i in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


@pytest.mark.parametrize("yesterday_ran", [False, True], ids=["first-day", "marker-from-yesterday"])
def test_daily_jobs_started_by_several_processes_at_once_run_once(world, yesterday_ran):
    """App processes started together (two behind nginx) each start the daily jobs: each job runs exactly once
    that day, whether or not its marker row exists yet, none reports a failure, and no reminder is written twice."""
    _overdue_clock(world)
    _implemented_request(world, date(2025, 4, 30))
    if yesterday_ran:
        assert daily.run_due(at(date(2025, 5, 5), hour=9)).failed == []
    before = {a: len(_events(a)) for a in ("reminders.refresh", "share.sweep")}

    results = _run_due_at_once(4, at(date(2025, 5, 6), hour=9))

    assert [r.failed for r in results] == [[]] * 4
    assert sum(r.reminders is not None for r in results) == 1 and sum(r.sweep is not None for r in results) == 1
    assert {a: len(_events(a)) - before[a] for a in before} == {"reminders.refresh": 1, "share.sweep": 1}
    with read_session() as session:
        reminders = session.exec(select(Notification.clock_id, Notification.user_id, Notification.kind)
                                 .where(Notification.clock_id.is_not(None))).all()  # type: ignore[union-attr]
    assert reminders and len(reminders) == len(set(reminders))
