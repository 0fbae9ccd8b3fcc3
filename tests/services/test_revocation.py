"""Revocation reaches what is already open: a cached actor (an open browser tab) acts on the account's current
state, and the per-run session check sees deactivation and role changes at once."""

from __future__ import annotations

import pytest

from services.administration import auth, users
from services.core.errors import PermissionDenied
from tests.factories import PASSWORD, add_user


def test_a_deactivated_accounts_cached_actor_is_refused_by_services(world):
    second = add_user("sysadmin2", world.units["bureau"], ["sys_admin"])
    users.unlock(second, world["police"].user_id)  # allowed while active
    users.set_active(world["sysadmin"], second.user_id, False)
    with pytest.raises(PermissionDenied):
        users.unlock(second, world["police"].user_id)


def test_a_removed_role_no_longer_works_through_a_cached_actor(world):
    cached = world["sysadmin"]
    users.set_roles(world["secadmin"], cached.user_id, {"leader"})
    with pytest.raises(PermissionDenied):
        users.unlock(cached, world["police"].user_id)
    with pytest.raises(PermissionDenied):
        users.list_users(cached)


def test_live_session_reports_current_roles_and_ends_on_deactivation(world):
    signed_in = auth.sign_in("police", PASSWORD)
    live = auth.live_session(signed_in.session_token)
    assert live is not None and live.roles == frozenset({"unit_steward"}) and live.user_id == world["police"].user_id
    users.set_roles(world["secadmin"], world["police"].user_id, {"unit_steward", "leader"})
    assert auth.live_session(signed_in.session_token).roles == frozenset({"unit_steward", "leader"})
    users.set_active(world["sysadmin"], world["police"].user_id, False)
    assert auth.live_session(signed_in.session_token) is None
    assert auth.live_session("forged") is None and auth.live_session(None) is None


def test_live_session_is_one_statement(world):
    from sqlalchemy import event

    from services.core import db as dbmod

    signed_in = auth.sign_in("police", PASSWORD)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(dbmod.get_engine(), "before_cursor_execute", listener)
    try:
        auth.live_session(signed_in.session_token)
    finally:
        event.remove(dbmod.get_engine(), "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
