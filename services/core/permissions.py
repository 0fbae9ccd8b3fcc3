"""The permission table: each action name maps roles to the scope they may act in (own unit, own region, all).

Every service function checks its action here first (CKAN-style). Pages only hide what this table refuses;
they never decide anything themselves."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from models.user import Role
from services.core.actor import Actor
from services.core.errors import PermissionDenied
from services.core.i18n import gettext as _


class Scope(IntEnum):
    """Ordered so that the widest scope a user holds through any of their roles wins."""

    UNIT = 1
    REGION = 2
    ALL = 3


R = Role
U, G, A = Scope.UNIT, Scope.REGION, Scope.ALL
WORKING_ROLES = (R.LEADER, R.BUREAU_REVIEWER, R.UNIT_STEWARD, R.COUNTY_APPROVER, R.ASSESSOR)

PERMISSIONS: dict[str, dict[str, Scope]] = {
    # --- administration: the three admins (三员) never overlap --------------------------------------
    "region.manage": {R.SYS_ADMIN: A},
    "unit.manage": {R.SYS_ADMIN: A},
    "user.view": {R.SYS_ADMIN: A, R.SECURITY_ADMIN: A},
    "user.manage": {R.SYS_ADMIN: A},  # create, edit, deactivate, reset password (an administrator's: request it)
    # dual control: a second administrator approves the reset of an administrator's credentials
    "user.reset_approve": {R.SYS_ADMIN: A, R.SECURITY_ADMIN: A, R.AUDIT_ADMIN: A},
    "role.grant": {R.SECURITY_ADMIN: A},
    "policy.manage": {R.SECURITY_ADMIN: A},
    "calendar.manage": {R.SECURITY_ADMIN: A},
    "audit.read": {R.AUDIT_ADMIN: A},
    "audit.export": {R.AUDIT_ADMIN: A},
    "audit.purge": {R.AUDIT_ADMIN: A},
    "backup.create": {R.SYS_ADMIN: A},  # manage.py backup (system administrator's duty)
    "backup.restore": {R.SYS_ADMIN: A},
    "api_client.manage": {R.SYS_ADMIN: A},  # register, rotate and revoke the keys of client systems (系统对接)
    # --- inbox and reminders ------------------------------------------------------------------------
    "inbox.view": {R.UNIT_STEWARD: U, R.COUNTY_APPROVER: G, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    # --- catalog ------------------------------------------------------------------------------------
    "catalog.view": {role: A for role in WORKING_ROLES},
    "catalog.view_unpublished": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: A},  # drafts and changes under review
    "catalog.edit": {R.UNIT_STEWARD: U},
    "catalog.submit": {R.UNIT_STEWARD: U},
    "catalog.trigger": {R.UNIT_STEWARD: U},
    "catalog.review": {R.BUREAU_REVIEWER: G},  # the provider's competent bureau (services.core.jurisdiction)
    "catalog.file": {R.BUREAU_REVIEWER: G},
    "catalog.import": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: A},
    "catalog.export": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: A, R.ASSESSOR: A, R.LEADER: A},
    "catalog.responsibility": {R.BUREAU_REVIEWER: A},
    "catalog.demand": {R.UNIT_STEWARD: U},
    "catalog.demand_link": {R.BUREAU_REVIEWER: A},
    "catalog.one_source": {R.BUREAU_REVIEWER: A},
    # --- sharing ------------------------------------------------------------------------------------
    "share.view": {R.UNIT_STEWARD: U, R.COUNTY_APPROVER: G, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    "share.apply": {R.UNIT_STEWARD: U},
    "share.decide": {R.UNIT_STEWARD: U, R.COUNTY_APPROVER: G, R.BUREAU_REVIEWER: G},  # reviewers: their jurisdiction
    "share.implement": {R.UNIT_STEWARD: U},
    "share.revoke": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: G},
    "share.report_usage": {R.UNIT_STEWARD: U},
    "share.dispute": {R.UNIT_STEWARD: U},
    "share.coordinate": {R.BUREAU_REVIEWER: G},
    "share.confirm": {R.UNIT_STEWARD: U},  # provider confirms a request for uncatalogued data (Qingyuan ch.4)
    "share.attach": {R.UNIT_STEWARD: U},  # requester attaches a written application
    "share.sweep": {},  # expiry of grants and reminders: the scheduled job (system actor) only
    # --- aggregation (汇聚登记) and corrections (纠错 / 校核) ----------------------------------------------
    "aggregation.view": {R.UNIT_STEWARD: U, R.COUNTY_APPROVER: G, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    "aggregation.register": {R.UNIT_STEWARD: U},  # register, suspend, file "not possible"
    "aggregation.record_update": {R.UNIT_STEWARD: U},  # update log: form and file import
    "aggregation.report_change": {R.UNIT_STEWARD: U},  # shared data changed (Shanghai §16)
    "aggregation.acknowledge": {R.BUREAU_REVIEWER: A},  # the bureau answers a "not possible" filing
    "correction.view": {R.UNIT_STEWARD: U, R.COUNTY_APPROVER: G, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    "correction.file": {R.UNIT_STEWARD: U},  # a consumer unit reports wrong data
    "correction.answer": {R.UNIT_STEWARD: U},  # the source unit verifies, asks, answers
    "correction.extend": {R.UNIT_STEWARD: U},  # one extension approved by the unit's head (Yunyang §23)
    # --- open data (the public files requests without an account; these are the staff's actions) ------
    "open.view": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    "open.answer": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: G},  # the unit owning the entry, or the bureau
    "open.assign": {R.BUREAU_REVIEWER: G},  # the bureau hands a demand for unknown data to a unit
    "open.grant": {R.BUREAU_REVIEWER: G},  # Longyan §18: the bureau grants authorised-open access the unit agreed to
    "open.plan": {R.UNIT_STEWARD: U},  # a unit compiles and files its yearly open plan (Qingyuan ch.5)
    "open.plan_review": {R.BUREAU_REVIEWER: G},  # the bureau accepts or returns it
    # --- supervision assessment (监督考核) --------------------------------------------------------------
    # Units read their own scorecard from the appeal window on, and the ranking once published.
    "assessment.view": {R.ASSESSOR: A, R.LEADER: A, R.BUREAU_REVIEWER: A, R.UNIT_STEWARD: U},
    "assessment.manage": {R.ASSESSOR: A},  # create, scheme, start and recompute, send to units, publish
    "assessment.score": {R.ASSESSOR: A},  # manual scores and deductions with evidence
    "assessment.appeal": {R.UNIT_STEWARD: U},  # accept or appeal the unit's provisional scorecard
    "assessment.decide_appeal": {R.ASSESSOR: A},
    "assessment.export": {R.ASSESSOR: A, R.LEADER: A, R.BUREAU_REVIEWER: A, R.UNIT_STEWARD: U},
    # --- informatization projects (Longyan §6, §28; Anhui §10–11; Qingyuan ch.8; Yunyang §47) -------------------
    "project.view": {R.UNIT_STEWARD: U, R.COUNTY_APPROVER: G, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    "project.register": {R.UNIT_STEWARD: U},  # register, edit, link entries, submit, report construction and acceptance
    "project.approve": {R.BUREAU_REVIEWER: G},  # the approval gate (the project's competent bureau)
    "project.accept": {R.BUREAU_REVIEWER: G},  # the acceptance gate
    # --- annual data-management reports (Yunyang §46) --------------------------------------------------------
    "report.view": {R.UNIT_STEWARD: U, R.BUREAU_REVIEWER: A, R.LEADER: A, R.ASSESSOR: A},
    "report.edit": {R.UNIT_STEWARD: U},  # the unit writes its sections, previews and submits
    "report.review": {R.BUREAU_REVIEWER: G},  # opens the year, accepts or returns units' reports
    "report.compile": {R.BUREAU_REVIEWER: G},  # the bureau's jurisdiction report to the government
    # --- dashboard ----------------------------------------------------------------------------------
    "kpi.view": {R.LEADER: A, R.BUREAU_REVIEWER: A, R.ASSESSOR: A},
    "kpi.set_target": {R.BUREAU_REVIEWER: A},
    "kpi.export": {R.LEADER: A, R.BUREAU_REVIEWER: A, R.ASSESSOR: A},
}


def allowed_scope(actor: Actor, action: str) -> Scope | None:
    """The widest scope the actor holds for `action`, or None."""
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}: add it to services/core/permissions.py")
    if actor.is_system:
        return Scope.ALL
    rule = PERMISSIONS[action]
    scopes = [rule[role] for role in actor.roles if role in rule]
    return max(scopes) if scopes else None


def can(actor: Actor, action: str, *, unit_id: int | None = None, region_id: int | None = None) -> bool:
    try:
        require(actor, action, unit_id=unit_id, region_id=region_id)
    except PermissionDenied:
        return False
    return True


def require(actor: Actor, action: str, *, unit_id: int | None = None, region_id: int | None = None) -> Scope:
    """Refuse unless the actor may do `action` on an object of `unit_id` (in `region_id`).

    With no target given, only the role is checked and the caller must filter by the returned scope."""
    scope = allowed_scope(actor, action)
    if scope is None:
        raise PermissionDenied(_("Your role does not allow this action."), action=action)
    if scope is Scope.ALL or (unit_id is None and region_id is None):
        return scope
    if scope is Scope.UNIT and unit_id is not None and unit_id == actor.unit_id:
        return scope
    if scope is Scope.REGION and region_id is not None and region_id in actor.region_ids:
        return scope
    if scope is Scope.REGION and region_id is None and unit_id is not None and unit_id == actor.unit_id:
        return scope
    raise PermissionDenied(_("This record is outside the units you are responsible for."), action=action)


def actions_for(roles: Iterable[str]) -> set[str]:
    roles = set(roles)
    return {action for action, rule in PERMISSIONS.items() if roles.intersection(rule)}
