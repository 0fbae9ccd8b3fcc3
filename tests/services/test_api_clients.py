"""Client systems of the interface: registration rules, the key shown once and stored as a hash, rotation and
revocation refusing the old key at once, the scope's actor, and the rate limit counted in the database so that two
server processes (two engines here) share one count."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlmodel import select

from models import AuditEvent
from models.api import ApiClient
from services.administration import api_clients
from services.administration.api_clients import ClientInput
from services.core import db as dbmod
from services.core.db import read_session
from services.core.errors import AuthError, PermissionDenied, RateLimited, ValidationError

MOMENT = datetime(2025, 10, 9, 2, 0, 30, tzinfo=UTC)


def _register(world, who: str = "sysadmin", **overrides) -> tuple[int, str]:
    data = dict(name="民政局业务系统", unit_id=world.units["civil"], scopes=["catalog:read", "aggregation:write"])
    data.update(overrides)
    return api_clients.register_client(world[who], ClientInput(**data))


def test_the_key_is_shown_once_and_only_its_hash_is_stored(world):
    client_id, key = _register(world)
    with read_session() as session:
        row = session.get(ApiClient, client_id)
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "api_client.register")).one()
    assert key.startswith("gdh_") and len(key) > 40
    assert row.key_hash == api_clients.hash_key(key) and key not in (row.key_hash, row.key_hint)
    assert row.scopes == "catalog:read aggregation:write" and row.rate_limit == 120
    assert key not in (audit.detail or "")
    caller = api_clients.authenticate(key)
    assert caller.unit_id == world.units["civil"] and caller.scopes == {"catalog:read", "aggregation:write"}


def test_registration_rules(world):
    with pytest.raises(ValidationError) as err:
        _register(world, name="x", scopes=[], rate_limit=0)
    assert set(err.value.errors) == {"name", "scopes", "rate_limit"}
    _register(world)
    with pytest.raises(ValidationError) as err:
        _register(world)  # the same name
    assert set(err.value.errors) == {"name"}
    with pytest.raises(ValidationError) as err:  # KPIs: a data bureau's client only
        _register(world, name="公安大屏", unit_id=world.units["police"], scopes=["kpi:read"])
    assert set(err.value.errors) == {"scopes"}
    _register(world, name="大屏", unit_id=world.units["bureau"], scopes=["kpi:read"])


def test_only_the_system_administrator_manages_clients(world):
    for who in ("secadmin", "police", "reviewer"):
        with pytest.raises(PermissionDenied):
            _register(world, who)
    client_id, _key = _register(world)
    with pytest.raises(PermissionDenied):
        api_clients.revoke_client(world["auditadmin"], client_id)


def test_rotation_and_revocation_refuse_the_old_key_at_once(world):
    client_id, key = _register(world)
    new_key = api_clients.rotate_key(world["sysadmin"], client_id)
    with pytest.raises(AuthError):
        api_clients.authenticate(key)
    api_clients.authenticate(new_key)
    api_clients.revoke_client(world["sysadmin"], client_id)
    with pytest.raises(AuthError):
        api_clients.authenticate(new_key)
    with pytest.raises(ValidationError):  # a revoked client stays revoked
        api_clients.rotate_key(world["sysadmin"], client_id)
    frame = api_clients.list_clients(world["sysadmin"])
    assert pd.notna(frame.loc[0, "revoked_at"])
    assert api_clients.list_clients(world["sysadmin"], include_revoked=False).empty


def test_a_call_acts_as_the_unit_with_only_the_scopes_role(world):
    _client_id, key = _register(world)
    caller = api_clients.authenticate(key)
    actor = caller.actor("aggregation:write", "en")
    assert actor.roles == {"unit_steward"} and actor.unit_id == world.units["civil"] and actor.user_id is None
    assert actor.username == "api:民政局业务系统" and actor.language == "en"


def test_the_rate_limit_is_counted_in_the_database_across_two_engines(world, db):
    _client_id, key = _register(world, rate_limit=3)
    url = dbmod.get_engine().url.render_as_string(hide_password=False)
    api_clients.authenticate(key, now=MOMENT)
    api_clients.authenticate(key, now=MOMENT)
    other = dbmod.configure(url)  # a second "process": its own engine and connections
    assert other is dbmod.get_engine()
    api_clients.authenticate(key, now=MOMENT)
    with pytest.raises(RateLimited) as err:
        api_clients.authenticate(key, now=MOMENT)
    assert err.value.retry_after == 30  # the window ends at the next minute
    dbmod.configure(url)
    with pytest.raises(RateLimited):
        api_clients.authenticate(key, now=MOMENT.replace(second=59))
    api_clients.authenticate(key, now=MOMENT.replace(minute=1))  # a new minute
