"""Accounts: the system administrator manages them, the security administrator grants roles, and the three
administrator roles stay with three different people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.administration import auth, users
from services.core.errors import AuthError, Conflict, ValidationError
from tests.factories import PASSWORD, user_row

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _new(world, username="zhangsan", **extra):
    data = users.UserInput(username=username, display_name="张三", unit_id=world.units["civil"], **extra)
    return users.create_user(world["sysadmin"], data, "Strong#Pass2026")


def test_system_admin_creates_an_account_that_must_change_its_password(world):
    user_id = _new(world)
    result = auth.sign_in("zhangsan", "Strong#Pass2026")
    assert result.actor.user_id == user_id and result.must_change_password


def test_account_input_problems_are_reported_per_field(world):
    bad = users.UserInput(username="张 三", display_name=" ", unit_id=99_999, language="fr")
    with pytest.raises(ValidationError) as refused:
        users.create_user(world["sysadmin"], bad, "short")
    assert set(refused.value.errors) == {"username", "display_name", "unit_id", "language"}
    with pytest.raises(ValidationError) as weak:
        users.create_user(world["sysadmin"], users.UserInput("lisi", "李四", world.units["civil"]), "lisi@Pass2026x")
    assert set(weak.value.errors) == {"password"}


def test_a_taken_user_name_is_refused(world):
    _new(world)
    with pytest.raises(ValidationError) as refused:
        _new(world)
    assert "username" in refused.value.errors


def test_editing_a_stale_account_is_a_conflict(world):
    user_id = _new(world)
    version = user_row("zhangsan").version
    data = users.UserInput(username="zhangsan", display_name="张三丰", unit_id=world.units["civil"])
    users.update_user(world["sysadmin"], user_id, data, expected_version=version)
    with pytest.raises(Conflict):
        users.update_user(world["sysadmin"], user_id, data, expected_version=version)
    assert user_row("zhangsan").display_name == "张三丰"


def test_deactivated_account_cannot_sign_in_and_own_account_cannot_be_deactivated(world):
    users.set_active(world["sysadmin"], world["civil"].user_id, False)
    with pytest.raises(AuthError):
        auth.sign_in("civil", PASSWORD)
    users.set_active(world["sysadmin"], world["civil"].user_id, True)
    assert auth.sign_in("civil", PASSWORD).actor.username == "civil"
    with pytest.raises(ValidationError):
        users.set_active(world["sysadmin"], world["sysadmin"].user_id, False)


def test_reset_password_hands_over_a_one_time_password_and_unlocks(world):
    for i in range(5):
        with pytest.raises(AuthError):
            auth.sign_in("police", "wrong", now=T0 + timedelta(seconds=i))
    one_time = users.reset_password(world["sysadmin"], world["police"].user_id, now=T0 + timedelta(minutes=1))
    assert auth.password_problem(one_time) is None
    result = auth.sign_in("police", one_time, now=T0 + timedelta(minutes=2))
    assert result.must_change_password
    with pytest.raises(AuthError):
        auth.sign_in("police", PASSWORD, now=T0 + timedelta(minutes=3))


def test_unlock_lets_a_locked_user_in_at_once(world):
    for i in range(5):
        with pytest.raises(AuthError):
            auth.sign_in("police", "wrong", now=T0 + timedelta(seconds=i))
    users.unlock(world["sysadmin"], world["police"].user_id, now=T0 + timedelta(minutes=1))
    assert auth.sign_in("police", PASSWORD, now=T0 + timedelta(minutes=1)).actor.username == "police"


def test_security_admin_replaces_roles(world):
    users.set_roles(world["secadmin"], world["police"].user_id, {"unit_steward", "leader"})
    rows = users.list_users(world["secadmin"], search="police").set_index("username")
    assert set(rows.loc["police", "roles"]) == {"leader", "unit_steward"}
    assert rows.loc["county_police", "roles"] == ["unit_steward"]


@pytest.mark.parametrize("roles", [{"sys_admin", "audit_admin"}, {"security_admin", "sys_admin"}])
def test_two_administrator_roles_are_never_held_together(world, roles):
    with pytest.raises(ValidationError) as refused:
        users.set_roles(world["secadmin"], world["civil"].user_id, roles)
    assert "三人" in refused.value.errors["roles"]


def test_an_administrator_cannot_hold_business_roles(world):
    with pytest.raises(ValidationError) as refused:
        users.set_roles(world["secadmin"], world["civil"].user_id, {"audit_admin", "unit_steward"})
    assert "业务角色" in refused.value.errors["roles"]


def test_security_admin_cannot_change_own_roles(world):
    with pytest.raises(ValidationError):
        users.set_roles(world["secadmin"], world["secadmin"].user_id, {"security_admin"})


def test_list_users_filters_by_unit_and_search(world):
    _new(world)
    rows = users.list_users(world["sysadmin"], unit_id=world.units["civil"])
    assert set(rows["username"]) == {"civil", "zhangsan"}
    assert list(users.list_users(world["sysadmin"], search="张三")["username"]) == ["zhangsan"]


@pytest.mark.parametrize("field, limit", sorted(users.USER_LIMITS.items()))
def test_an_over_long_account_field_is_refused_with_its_length(world, field, limit):
    """A paste longer than the column is refused with the limit (the form has no max_chars); nothing is saved."""
    before = len(users.list_users(world["sysadmin"]))
    values = {"username": "zhangsan", "display_name": "张三", "unit_id": world.units["civil"], field: "a" * (limit + 1)}
    with pytest.raises(ValidationError) as refused:
        users.create_user(world["sysadmin"], users.UserInput(**values), "Strong#Pass2026")
    assert refused.value.errors == {field: f"最多 {limit} 个字符，当前内容有 {limit + 1} 个字符。"}
    assert len(users.list_users(world["sysadmin"])) == before


def test_an_over_long_reset_reason_is_refused_and_nothing_is_requested(world):
    with pytest.raises(ValidationError) as refused:
        users.request_reset(world["sysadmin"], world["auditadmin"].user_id, "password", "因" * 201)
    assert refused.value.errors == {"reason": "最多 200 个字符，当前内容有 201 个字符。"}
    assert users.pending_resets(world["secadmin"]).empty
