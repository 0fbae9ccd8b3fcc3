"""Display names (msgids) for codes stored in the database: roles, unit kinds, levels, form fields.

Names that depend on the active policy profile (share types, open attributes) come from services.policy."""

from __future__ import annotations

from services.catalog import FIELD_LABELS as CATALOG_FIELD_LABELS
from services.i18n import N_
from services.i18n import gettext as _

ROLE_LABELS = {
    "leader": N_("Bureau leadership"),
    "bureau_reviewer": N_("Bureau reviewer"),
    "unit_steward": N_("Unit data administrator"),
    "county_approver": N_("County approver"),
    "assessor": N_("Assessor"),
    "sys_admin": N_("System administrator"),
    "security_admin": N_("Security administrator"),
    "audit_admin": N_("Audit administrator"),
}

UNIT_KIND_LABELS = {
    "bureau": N_("Competent bureau"),
    "department": N_("Government department"),
    "public_service": N_("Public-service organisation"),
    "county_egov": N_("County e-government department"),
}

LEVEL_LABELS = {"province": N_("Province"), "city": N_("City"), "county": N_("County")}

RESULT_LABELS = {"success": N_("Success"), "failure": N_("Failure"), "denied": N_("Denied")}

FIELD_LABELS = {
    "uscc": N_("Unified social credit code"),
    "name": N_("Name"),
    "short_name": N_("Short name"),
    "kind": N_("Kind"),
    "level": N_("Level"),
    "region_id": N_("Region"),
    "parent_id": N_("Parent region"),
    "code": N_("Code"),
    "username": N_("User name"),
    "display_name": N_("Full name"),
    "unit_id": N_("Unit"),
    "language": N_("Language"),
    "password": N_("Password"),
    "current": N_("Current password"),
    "new": N_("New password"),
    "repeat": N_("Repeat new password"),
    "roles": N_("Roles"),
    "before": N_("Date"),
    "org": N_("Unit"),
    # catalog entry fields: one list, kept in services.catalog (whose "name" is the resource name)
    **{key: msgid for key, msgid in CATALOG_FIELD_LABELS.items() if key != "name"},
    "occurred_on": N_("Date of the change"),
    "resource_name": CATALOG_FIELD_LABELS["name"],
}


def label(mapping: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    msgid = mapping.get(code)
    return _(msgid) if msgid else code


def roles_text(roles) -> str:
    return _(", ").join(label(ROLE_LABELS, r) for r in sorted(roles))
