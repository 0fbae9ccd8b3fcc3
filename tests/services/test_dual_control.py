"""Dual control (issue #12 item 5): the system administrator cannot reset another administrator's password or
second factor alone. A reset request waits for a second administrator; only the approval changes the account,
both steps are audited and the affected administrator is notified."""

from __future__ import annotations

import json

import pyotp
import pytest
from sqlmodel import select

from models import AuditEvent, CredentialReset, Notification
from services.administration import auth, users
from services.core.db import read_session
from services.core.errors import AuthError, PermissionDenied, ValidationError
from tests.factories import PASSWORD, previous_code, user_row


def _events(action: str) -> list[AuditEvent]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def _notes(user_id: int) -> list[Notification]:
    with read_session() as session:
        return list(session.exec(select(Notification).where(Notification.user_id == user_id)).all())


def _enrol(actor) -> str:
    secret = auth.new_totp_secret()
    auth.enrol_totp(actor, secret, previous_code(secret))  # the current code stays free for the sign-in
    return secret


@pytest.mark.parametrize("target", ["auditadmin", "secadmin"])
def test_the_system_administrator_alone_cannot_reset_another_administrators_password(world, target):
    before = user_row(target).password_hash
    with pytest.raises(PermissionDenied) as refused:
        users.reset_password(world["sysadmin"], world[target].user_id)
    assert target in refused.value.message and refused.value.action == "user.manage"
    assert user_row(target).password_hash == before
    assert auth.sign_in(target, PASSWORD).actor.username == target
    [denied] = [e for e in _events("user.manage") if e.result == "denied"]
    assert denied.object_id == str(world[target].user_id)


def test_the_system_administrator_alone_cannot_reset_another_administrators_second_factor(world):
    _enrol(world["auditadmin"])
    with pytest.raises(PermissionDenied):
        users.reset_totp(world["sysadmin"], world["auditadmin"].user_id)
    assert user_row("auditadmin").totp_secret is not None


def test_a_password_reset_takes_effect_only_when_a_second_administrator_approves(world):
    target = world["auditadmin"]
    request_id = users.request_reset(world["sysadmin"], target.user_id, "password", "forgotten after leave")
    assert auth.sign_in("auditadmin", PASSWORD).actor.username == "auditadmin"  # nothing changed yet
    assert _notes(target.user_id), "the affected administrator is told at once"
    assert _notes(world["secadmin"].user_id), "possible approvers are told"

    pending = users.pending_resets(world["secadmin"])
    assert list(pending["id"]) == [request_id] and pending.iloc[0]["requested_by"] == "sysadmin"

    decision = users.decide_reset(world["secadmin"], request_id, True)
    assert decision.approved and decision.one_time_password
    with pytest.raises(AuthError):
        auth.sign_in("auditadmin", PASSWORD)
    assert auth.sign_in("auditadmin", decision.one_time_password).must_change_password
    assert users.pending_resets(world["secadmin"]).empty

    [asked] = _events("user.reset_request")
    [approved] = _events("user.reset_approve")
    [done] = _events("user.reset_password")
    assert asked.user_id == world["sysadmin"].user_id and approved.user_id == world["secadmin"].user_id
    assert {asked.object_id, approved.object_id, done.object_id} == {str(target.user_id)}
    assert json.loads(done.detail)["requested_by"] == world["sysadmin"].user_id
    outcome = [n for n in _notes(target.user_id) if "approved" in n.message and "secadmin" in n.params]
    assert outcome, "the affected administrator learns the outcome"


def test_a_second_factor_reset_is_approved_by_the_audit_administrator_for_the_security_administrator(world):
    secret = _enrol(world["secadmin"])
    with pytest.raises(auth.SecondFactorRequired) as step:
        auth.sign_in("secadmin", PASSWORD)
    token = auth.verify_second_factor(step.value.ticket, pyotp.TOTP(secret).now()).session_token
    request_id = users.request_reset(world["sysadmin"], world["secadmin"].user_id, "totp")
    assert user_row("secadmin").totp_secret == secret and auth.resume_session(token) is not None

    users.decide_reset(world["auditadmin"], request_id, True)
    assert user_row("secadmin").totp_secret is None
    assert auth.resume_session(token) is None
    [event] = _events("user.reset_totp")
    assert json.loads(event.detail)["sessions_ended"] == 1


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin"])
def test_neither_the_requester_nor_the_affected_administrator_approves(world, who):
    request_id = users.request_reset(world["sysadmin"], world["auditadmin"].user_id, "password")
    with pytest.raises(PermissionDenied):
        users.decide_reset(world[who], request_id, True)
    assert auth.sign_in("auditadmin", PASSWORD).actor.username == "auditadmin"
    with read_session() as session:
        assert session.get(CredentialReset, request_id).status == "pending"


@pytest.mark.parametrize("who", ["reviewer", "police", "leader"])
def test_business_roles_cannot_approve(world, who):
    request_id = users.request_reset(world["sysadmin"], world["auditadmin"].user_id, "password")
    with pytest.raises(PermissionDenied):
        users.decide_reset(world[who], request_id, True)


def test_a_rejected_request_changes_nothing_and_cannot_be_approved_later(world):
    request_id = users.request_reset(world["sysadmin"], world["auditadmin"].user_id, "password")
    decision = users.decide_reset(world["secadmin"], request_id, False)
    assert not decision.approved and decision.one_time_password is None
    assert auth.sign_in("auditadmin", PASSWORD).actor.username == "auditadmin"
    assert len(_events("user.reset_reject")) == 1
    with pytest.raises(ValidationError):
        users.decide_reset(world["secadmin"], request_id, True)


def test_one_pending_request_per_account_and_kind_and_only_for_administrators(world):
    users.request_reset(world["sysadmin"], world["auditadmin"].user_id, "password")
    with pytest.raises(ValidationError):
        users.request_reset(world["sysadmin"], world["auditadmin"].user_id, "password")
    with pytest.raises(ValidationError):
        users.request_reset(world["sysadmin"], world["police"].user_id, "password")
    with pytest.raises(PermissionDenied):
        users.request_reset(world["secadmin"], world["auditadmin"].user_id, "password")


def test_non_administrator_accounts_keep_the_one_step_reset(world):
    password = users.reset_password(world["sysadmin"], world["reviewer"].user_id)
    assert auth.sign_in("reviewer", password).actor.username == "reviewer"
