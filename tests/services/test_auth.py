from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent
from services.administration import auth
from services.core.db import read_session
from services.core.errors import AuthError, ValidationError
from tests.factories import PASSWORD, previous_code, user_row

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _events(action):
    with read_session() as s:
        return s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def test_sign_in_success_is_audited_and_returns_roles(world):
    result = auth.sign_in("police", PASSWORD, now=T0)
    assert result.actor.roles == {"unit_steward"}
    assert result.actor.unit_id == world.units["police"]
    assert [e.result for e in _events("auth.sign_in")] == ["success"]


def test_username_is_case_insensitive(world):
    assert auth.sign_in("POLICE", PASSWORD, now=T0).actor.username == "police"


def test_five_failures_within_window_lock_the_account_for_fifteen_minutes(world):
    for i in range(4):
        with pytest.raises(AuthError):
            auth.sign_in("police", "wrong", now=T0 + timedelta(minutes=i))
    with pytest.raises(AuthError) as locked:
        auth.sign_in("police", "wrong", now=T0 + timedelta(minutes=4))
    assert "锁定" in locked.value.message
    # Right password while locked is still refused.
    with pytest.raises(AuthError):
        auth.sign_in("police", PASSWORD, now=T0 + timedelta(minutes=10))
    assert len(_events("auth.lock")) == 1
    # Fifteen minutes after the lock it works again.
    assert auth.sign_in("police", PASSWORD, now=T0 + timedelta(minutes=19, seconds=1)).actor.username == "police"


def test_failures_spread_beyond_the_window_do_not_lock(world):
    for i in range(6):
        with pytest.raises(AuthError):
            auth.sign_in("police", "wrong", now=T0 + timedelta(minutes=16 * i))
    assert _events("auth.lock") == []
    assert auth.sign_in("police", PASSWORD, now=T0 + timedelta(hours=3)).actor


def test_unknown_user_gets_the_same_message_as_a_wrong_password(world):
    with pytest.raises(AuthError) as unknown:
        auth.sign_in("nobody", "x", now=T0)
    with pytest.raises(AuthError) as wrong:
        auth.sign_in("police", "x", now=T0)
    assert unknown.value.message == wrong.value.message
    assert [e.result for e in _events("auth.sign_in")] == ["failure", "failure"]


def test_inactive_account_cannot_sign_in(world):
    from services.administration import users

    users.set_active(world["sysadmin"], world["police"].user_id, False)
    with pytest.raises(AuthError):
        auth.sign_in("police", PASSWORD)


def test_password_complexity_rule():
    assert auth.password_problem("short1!") is not None
    assert auth.password_problem("alllowercaseletters") is not None
    assert auth.password_problem("Police@2026x", "police") is not None
    assert auth.password_problem("Quiet-River-2026") is None


def test_change_password_checks_current_and_rule_and_is_audited(world):
    actor = world["police"]
    with pytest.raises(ValidationError) as bad:
        auth.change_password(actor, "wrong", "weak", "weak2")
    assert set(bad.value.errors) == {"current", "new", "repeat"}
    auth.change_password(actor, PASSWORD, "Quiet-River-2026", "Quiet-River-2026")
    assert auth.check_password("Quiet-River-2026", user_row("police").password_hash)
    assert [e.result for e in _events("auth.change_password")] == ["failure", "success"]


def test_expired_password_is_reported_at_sign_in(world):
    result = auth.sign_in("police", PASSWORD, now=datetime.now(UTC) + timedelta(days=91))
    assert result.password_expired


def test_sign_out_is_audited(world):
    auth.sign_out(world["police"])
    assert len(_events("auth.sign_out")) == 1


def test_totp_account_needs_the_code_after_the_password(world):
    import pyotp

    actor = world["secadmin"]
    secret = auth.new_totp_secret()
    with pytest.raises(ValidationError):
        auth.enrol_totp(actor, secret, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    auth.enrol_totp(actor, secret, previous_code(secret))
    with pytest.raises(auth.SecondFactorRequired) as step:
        auth.sign_in("secadmin", PASSWORD)
    with pytest.raises(AuthError):
        auth.verify_second_factor(step.value.ticket, "12345x")
    result = auth.verify_second_factor(step.value.ticket, pyotp.TOTP(secret).now())
    assert result.actor.username == "secadmin"


def test_wrong_second_factor_codes_count_toward_the_lockout(world):

    secret = auth.new_totp_secret()
    auth.enrol_totp(world["sysadmin"], secret, previous_code(secret))
    for _i in range(5):
        with pytest.raises(auth.SecondFactorRequired) as step:
            auth.sign_in("sysadmin", PASSWORD)
        with pytest.raises(AuthError):
            auth.verify_second_factor(step.value.ticket, "abcdef")
    with pytest.raises(AuthError) as locked:
        auth.sign_in("sysadmin", PASSWORD)
    assert not isinstance(locked.value, auth.SecondFactorRequired)


def test_forged_or_expired_ticket_is_refused(world):
    with pytest.raises(AuthError):
        auth.verify_second_factor(f"{world['sysadmin'].user_id}.9999999999.deadbeef", "123456")
    ticket = auth._make_ticket(world["sysadmin"].user_id, T0)
    with pytest.raises(AuthError):
        auth.verify_second_factor(ticket, "123456", now=T0 + timedelta(hours=1))


def test_admin_must_enrol_second_factor_outside_demo_mode(world, monkeypatch):
    from services.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "demo_mode", False)
    assert auth.sign_in("auditadmin", PASSWORD).must_enrol_totp
    assert not auth.sign_in("police", PASSWORD).must_enrol_totp


def test_session_token_resumes_until_idle_timeout(world):
    result = auth.sign_in("police", PASSWORD, now=T0)
    assert result.session_token
    again = auth.resume_session(result.session_token, now=T0 + timedelta(minutes=29))
    assert again is not None and again.actor.username == "police"
    # Activity at +29 min moved the idle window: +58 min is still within 30 minutes of it.
    assert auth.resume_session(result.session_token, now=T0 + timedelta(minutes=58)) is not None
    assert auth.resume_session(result.session_token, now=T0 + timedelta(minutes=89)) is None
    assert auth.resume_session(result.session_token, now=T0 + timedelta(minutes=90)) is None  # ended for good
    assert [e.detail for e in _events("auth.sign_out")] == ['{"reason": "idle"}']


def test_signed_out_or_unknown_token_does_not_resume(world):
    result = auth.sign_in("police", PASSWORD, now=T0)
    auth.sign_out(result.actor, token=result.session_token, now=T0 + timedelta(minutes=1))
    assert auth.resume_session(result.session_token, now=T0 + timedelta(minutes=2)) is None
    assert not auth.touch_session(result.session_token, now=T0 + timedelta(minutes=2))
    assert auth.resume_session("forged-token", now=T0) is None
    assert auth.resume_session(None) is None


def test_deactivated_user_session_ends(world):
    from services.administration import users

    result = auth.sign_in("police", PASSWORD)
    users.set_active(world["sysadmin"], world["police"].user_id, False)
    assert auth.resume_session(result.session_token) is None


def test_only_the_token_hash_is_stored(world):
    from models import UserSession

    result = auth.sign_in("police", PASSWORD)
    with read_session() as s:
        row = s.exec(select(UserSession)).one()
    assert result.session_token not in row.token_hash and len(row.token_hash) == 64


def _parallel_wrong_passwords(username: str, threads: int, attempts: int, now: datetime) -> list[str]:
    """`threads` connections each try `attempts` wrong passwords at once; returns every refusal's message."""
    import threading

    barrier = threading.Barrier(threads)
    messages: list[str] = []
    lock = threading.Lock()

    def attack():
        barrier.wait()
        for _i in range(attempts):
            try:
                auth.sign_in(username, "wrong-guess", now=now)
            except AuthError as exc:
                with lock:
                    messages.append(exc.message)

    workers = [threading.Thread(target=attack) for _i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return messages


def test_parallel_wrong_passwords_lock_after_exactly_the_threshold(world):
    """8 connections × 8 wrong passwords at once: exactly 5 guesses are judged, then the account is locked."""
    from services.core.settings import get_settings

    messages = _parallel_wrong_passwords("police", 8, 8, T0)
    assert len(messages) == 64
    judged = [e for e in _events("auth.sign_in") if '"wrong password"' in (e.detail or "")]
    assert len(judged) == get_settings().lockout_threshold
    assert len(_events("auth.lock")) == 1
    with pytest.raises(AuthError):
        auth.sign_in("police", PASSWORD, now=T0 + timedelta(minutes=1))


def test_wrong_current_password_on_the_change_form_counts_toward_the_lockout(world):
    actor = world["police"]
    signed_in = auth.sign_in("police", PASSWORD, now=T0)
    for i in range(5):
        with pytest.raises(ValidationError):
            auth.change_password(actor, "wrong", "Quiet-River-2026", "Quiet-River-2026", now=T0 + timedelta(minutes=i))
    assert len(_events("auth.lock")) == 1
    with pytest.raises(AuthError):
        auth.sign_in("police", PASSWORD, now=T0 + timedelta(minutes=6))
    # The browser session that guessed is ended as well.
    assert auth.resume_session(signed_in.session_token, now=T0 + timedelta(minutes=6)) is None


def test_a_sign_in_ticket_is_redeemed_once(world):
    import pyotp

    secret = auth.new_totp_secret()
    auth.enrol_totp(world["secadmin"], secret, previous_code(secret))
    with pytest.raises(auth.SecondFactorRequired) as step:
        auth.sign_in("secadmin", PASSWORD)
    auth.verify_second_factor(step.value.ticket, pyotp.TOTP(secret).now())
    with pytest.raises(AuthError):
        auth.verify_second_factor(step.value.ticket, pyotp.TOTP(secret).now())


def test_a_totp_code_signs_in_once_within_its_window(world):
    """A code read over a shoulder (or from a proxy log) cannot be replayed with a fresh password sign-in."""
    import pyotp

    secret = auth.new_totp_secret()
    totp = pyotp.TOTP(secret)
    auth.enrol_totp(world["secadmin"], secret, totp.at(T0), now=T0)
    with pytest.raises(AuthError):  # the code that enrolled the app does not sign in
        _second_step("secadmin", totp.at(T0), T0 + timedelta(seconds=5))
    later = T0 + timedelta(seconds=30)
    assert _second_step("secadmin", totp.at(later), later).actor.username == "secadmin"
    with pytest.raises(AuthError):  # same code, new ticket, same window
        _second_step("secadmin", totp.at(later), later + timedelta(seconds=10))
    with pytest.raises(AuthError):  # an older code still inside the drift window
        _second_step("secadmin", totp.at(T0), later + timedelta(seconds=10))
    next_step = later + timedelta(seconds=30)
    assert _second_step("secadmin", totp.at(next_step), next_step).actor.username == "secadmin"
    assert user_row("secadmin").totp_last_step == totp.timecode(next_step)


def _second_step(username: str, code: str, now):
    with pytest.raises(auth.SecondFactorRequired) as step:
        auth.sign_in(username, PASSWORD, now=now)
    return auth.verify_second_factor(step.value.ticket, code, now=now)


def test_unknown_user_names_cost_a_password_check(world, monkeypatch):
    calls = []
    real = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda p, h: calls.append(h) or real(p, h))
    with pytest.raises(AuthError):
        auth.sign_in("nobody-here", "whatever", now=T0)
    assert len(calls) == 1
