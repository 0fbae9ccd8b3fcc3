"""One probe per permission-table action: an out-of-scope (or wrong-role) user is refused by the service."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from services.administration import orgs, users
from services.core.errors import PermissionDenied
from services.core.permissions import PERMISSIONS, Scope, allowed_scope, require
from tests.services.probes import PROBES, probe


# --- administration ---------------------------------------------------------------------------------
@probe("region.manage")
def _(w):
    orgs.save_region(w["secadmin"], orgs.RegionInput(code="990199", name="x", level="county",
                                                     parent_id=w.regions["city"]))


@probe("unit.manage")
def _(w):
    unit = orgs.get_unit(w.units["police"])
    orgs.save_unit(w["police"], orgs.UnitInput(uscc=unit.uscc, name="x", kind=unit.kind, level=unit.level,
                                               region_id=unit.region_id), unit.id)


@probe("user.view")
def _(w):
    users.list_users(w["auditadmin"])


@probe("user.manage")
def _(w):
    users.reset_password(w["secadmin"], w["police"].user_id)


@probe("role.grant")
def _(w):
    users.set_roles(w["sysadmin"], w["police"].user_id, {"unit_steward", "leader"})


for _path in sorted(Path(__file__).parent.glob("permission_probes_*.py")):
    importlib.import_module(f"tests.services.{_path.stem}")


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_out_of_scope_user_is_refused(world, action):
    assert action in PROBES, f"add a probe for {action!r} in tests/services/permission_probes*.py"
    with pytest.raises(PermissionDenied) as refused:
        PROBES[action](world)
    assert refused.value.action == action, f"the probe was refused {refused.value.action!r}, not {action!r}"


def test_unit_scope_allows_own_unit_only(world):
    steward = world["police"]
    assert require(steward, "catalog.edit", unit_id=world.units["police"]) is Scope.UNIT
    with pytest.raises(PermissionDenied):
        require(steward, "catalog.edit", unit_id=world.units["civil"])


def test_region_scope_covers_own_county_only(world):
    approver = world["approver"]
    assert require(approver, "share.decide", region_id=world.regions["county"]) is Scope.REGION
    with pytest.raises(PermissionDenied):
        require(approver, "share.decide", region_id=world.regions["county2"])
    with pytest.raises(PermissionDenied):
        require(approver, "share.decide", region_id=world.regions["city"])


def test_three_admin_roles_share_no_action():
    # Shared on purpose: reading the account list, and approving another administrator's credential reset (the
    # second administrator of dual control is whichever of the others did not ask and is not concerned).
    shared = {"user.view", "user.reset_approve"}
    for action, rule in PERMISSIONS.items():
        admins = {r for r in rule if r in {"sys_admin", "security_admin", "audit_admin"}}
        assert len(admins) <= 1 or action in shared, action


def test_leader_reads_but_never_changes():
    from services.core.actor import Actor

    leader = Actor(1, "l", "l", 1, 1, frozenset({"leader"}))
    writable = {a for a in PERMISSIONS if allowed_scope(leader, a) is not None}
    assert writable <= {"inbox.view", "catalog.view", "catalog.export", "share.view", "open.view", "kpi.view",
                        "kpi.export", "aggregation.view", "correction.view", "assessment.view", "assessment.export",
                        "project.view", "report.view"}
