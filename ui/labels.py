"""Display names (msgids) for codes stored in the database: roles, unit kinds, levels, form fields.

Names that depend on the active policy profile (share types, open attributes) come from services.policy."""

from __future__ import annotations

from services.catalog import FIELD_LABELS as CATALOG_FIELD_LABELS
from services.core.i18n import N_
from services.core.i18n import gettext as _

ROLE_LABELS = {
    "leader": N_("Bureau leadership"),
    "bureau_reviewer": N_("Bureau reviewer"),
    "unit_steward": N_("Unit data administrator"),
    "county_approver": N_("County approver"),
    "assessor": N_("Assessor"),
    "sys_admin": N_("System administrator"),
    "security_admin": N_("Security administrator"),
    "audit_admin": N_("Audit administrator"),
    "system": N_("System"),  # audit events of the command line and background jobs
}

UNIT_KIND_LABELS = {
    "bureau": N_("Competent bureau"),
    "department": N_("Government department"),
    "public_service": N_("Public-service organisation"),
    "county_egov": N_("County e-government department"),
}

LEVEL_LABELS = {"province": N_("Province"), "city": N_("City"), "county": N_("County")}

# What an audit event is about (audit_event.object_type), as the audit administrator reads it.
OBJECT_TYPE_LABELS = {
    "aggregation_registration": N_("Aggregation registration"), "audit_event": N_("Audit log"),
    "calendar": N_("Working-day calendar"), "calendar_day": N_("Calendar day"), "catalog_entry": N_("Catalog entry"),
    "catalog_trigger": N_("Catalog update trigger"), "correction": N_("Correction"),
    "credential_reset": N_("Credential reset"), "data_update": N_("Data update"), "database": N_("Database"),
    "demand_item": N_("Demand item"), "kpi": N_("Dashboard"), "kpi_target": N_("KPI target"),
    "notification": N_("Notification"), "one_source_decision": N_("One-source decision"),
    "open_plan": N_("Yearly open plan"), "open_request": N_("Open-data request"), "policy": N_("Policy profile"),
    "policy_override": N_("Policy override"), "region": N_("Region"),
    "responsibility_item": N_("Responsibility item"), "share_dispute": N_("Dispute"),
    "share_grant": N_("Access grant"), "share_request": N_("Share request"), "unit": N_("Unit"),
    "user": N_("Account"), "backup": N_("Backup"),
}

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
    # the assessment (services/assessment)
    "snapshot_on": N_("Compute the automatic values as of"), "year": N_("Year"), "units": N_("Units assessed"),
    "indicator": N_("Indicator"), "scores": N_("Scoring"), "points": N_("Points"), "appeals": N_("Appeals"),
    "occurrences": N_("Occurrences"), "dimensions": N_("Dimension"), "grades": N_("Grade"),
    "unmeasured": N_("Not measured"),
    "resource_name": CATALOG_FIELD_LABELS["name"],
    # sharing forms (the labels the forms show; a form that labels a field differently marks its own place
    # with ui.session.field_slot and its label wins)
    "entry_id": N_("Catalog entry"),
    "entry_ids": N_("Entries"),
    "records": N_("Records to verify"),
    "verify_result": N_("Verification result"),
    "verify_note": N_("Note"),
    "received_on": N_("Day the signed application arrived"),
    "basis_law": N_("Law or regulation"),
    "basis_article": N_("Article"),
    "checkpoint": N_("Checkpoint file"),
    # aggregation and corrections forms
    "state": N_("State"),
    "mode": N_("Aggregation mode"),
    "source_system": N_("Source system"),
    "expected_records": N_("Expected record count"),
    "updated_at": N_("Updated at"),
    "source": N_("Recorded by"),
    "changed_on": N_("Day the data changed"),
    "question": N_("Question to the reporter"),
    "approved_on": N_("Approved on"),
    "evidence": N_("Evidence"),
    "contact": N_("Contact"),
    "resident_id": N_("Resident ID number"),
    "provider_unit_id": N_("Unit that holds the data"),
    "items": N_("Data items"),
    "scenario": N_("Scenario"),
    "purpose": N_("Purpose"),
    "legal_basis": N_("Duty or legal basis"),
    "end_date": N_("Needed until"),
    "share_method": N_("Share method"),
    "method": N_("Share method"),
    "title": N_("Name of the data"),
    "description": N_("Description of the data"),
    "wanted_items": N_("Data items wanted"),
    "attachment": N_("Written application (PDF or image)"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "decision": N_("Decision"),
    "outcome": N_("Coordination result"),
    "use_agreement": N_("Data use agreement (number or title)"),
    "confidentiality_agreement": N_("Confidentiality agreement (number or title)"),
    "status": N_("Status"),
    "content": N_("How the data was used"),
    "period": N_("Period"),
    "responsible_unit_id": N_("Responsible unit"),
    "norm_name": N_("Data item"),
    # dashboard, policy, calendar, audit and backup forms
    "data_admin_phone": N_("Data administrator's phone"),
    "chief_data_officer": N_("Chief data officer"),
    "data_admin_name": N_("Data administrator"),
    "phone": N_("Phone"),
    "good_practice": N_("Good practice"),
    "grant": N_("Decision"),  # the open-data grant form
    "kpi_key": N_("Indicator"),
    "value": N_("Value"),
    "start": N_("First day"),
    "end": N_("Last day"),
    "region": N_("Region"),
    # interface clients (系统对接)
    "client": N_("Client system"),
    "scopes": N_("Scopes"),
    "rate_limit": N_("Calls per minute"),
    "events": N_("Update-log events"),
    "path": N_("Policy value"),
    "profile": N_("Policy profile"),
    "day": N_("Date"),
    "workdays": N_("Working days"),
    "clock": N_("Deadline"),
    "file": N_("File"),
    "format": N_("Export format"),
    "result": N_("Result"),
    # open-data requests (services.opendata)
    "applicant_kind": N_("Applicant type"),
    "id_number": N_("Resident ID or credit code"),
    "captcha": N_("Result"),
    "reply": N_("Reply to the applicant"),
    "answer": N_("Answer"),
    "agreement_signed_on": N_("Data use agreement signed on (when agreeing)"),
    "agreement_ends_on": N_("Agreement valid until"),
    "supplement": N_("Your answer to the unit"),
    "target_date": N_("Open by"),
    "return_reason": N_("Reasons (when returning)"),
    # informatization projects and annual reports
    "stage": N_("Stage"),
    "role": N_("Role"),
    "budget": N_("Budget (10k yuan)"),
    "work_done": N_("Work done this year"),
    "problems": N_("Problems"),
    "next_year_plan": N_("Plan for next year"),
}


def label(mapping: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    msgid = mapping.get(code)
    return _(msgid) if msgid else code


def roles_text(roles) -> str:
    return _(", ").join(label(ROLE_LABELS, r) for r in sorted(roles))

# Audit-event and permission action codes as the audit administrator reads them (unknown codes show as is).
ACTION_LABELS = {
    "auth.sign_in": N_("Sign-in"), "auth.sign_out": N_("Sign-out"), "auth.lock": N_("Account locked"),
    "auth.change_password": N_("Change own password"), "auth.totp_enrol": N_("Set up second factor"),
    "user.create": N_("Create account"), "user.update": N_("Edit account"), "user.activate": N_("Reactivate account"),
    "user.deactivate": N_("Deactivate account"), "user.reset_password": N_("Reset password"),
    "user.reset_totp": N_("Reset second factor"), "user.unlock": N_("Unlock account"),
    "user.reset_request": N_("Request an administrator reset"),
    "user.reset_approve": N_("Approve an administrator reset"),
    "user.reset_reject": N_("Reject an administrator reset"),
    "user.language": N_("Change language"), "user.view": N_("View accounts"), "user.manage": N_("Manage accounts"),
    "role.grant": N_("Grant roles"), "region.create": N_("Create region"), "region.update": N_("Edit region"),
    "region.manage": N_("Manage regions"), "unit.create": N_("Create unit"), "unit.update": N_("Edit unit"),
    "unit.manage": N_("Manage units"), "policy.use": N_("Choose policy profile"),
    "policy.override": N_("Override policy value"), "policy.override_clear": N_("Clear policy override"),
    "policy.manage": N_("Manage policy profiles"), "calendar.edit_day": N_("Edit calendar day"),
    "calendar.import": N_("Import official schedule"), "calendar.manage": N_("Manage calendar"),
    "audit.read": N_("Read audit log"), "audit.export": N_("Export audit log"), "audit.verify": N_("Verify audit chain"),
    "audit.export_checkpoint": N_("Export audit checkpoint"),
    "audit.purge": N_("Purge audit log"), "backup.create": N_("Create backup"), "backup.restore": N_("Restore backup"),
    "seed.demo": N_("Load demo data"), "reminders.refresh": N_("Refresh reminders"), "inbox.view": N_("View to-do list"),
    "catalog.create": N_("Create catalog entry"), "catalog.update": N_("Edit catalog entry"),
    "catalog.submit": N_("Submit catalog entry"), "catalog.recall": N_("Recall submission"),
    "catalog.approve": N_("Approve catalog entry"), "catalog.return": N_("Return catalog entry"),
    "catalog.withdraw_request": N_("Request withdrawal"), "catalog.discard_change": N_("Discard pending change"),
    "catalog.delete_draft": N_("Delete draft"), "catalog.fix_share_type": N_("Fix share type"),
    "catalog.file": N_("Record filing"), "catalog.trigger": N_("Record catalog trigger"),
    "catalog.trigger_resolve": N_("Resolve catalog trigger"), "catalog.confirm_maintained": N_("Confirm maintenance"),
    "catalog.import": N_("Import catalog spreadsheet"), "catalog.export": N_("Export catalog spreadsheet"),
    "catalog.review_export": N_("Export review queue"), "catalog.quality_export": N_("Export catalog quality"),
    "share.export": N_("Export share requests"),
    "catalog.responsibility_add": N_("Add responsibility item"),
    "catalog.responsibility_link": N_("Link responsibility item"),
    "catalog.responsibility_remove": N_("Remove responsibility item"), "catalog.responsibility": N_("Manage responsibility list"),
    "catalog.demand_add": N_("Add demand"), "catalog.demand_link": N_("Link demand"),
    "catalog.demand_close": N_("Close demand"), "catalog.demand": N_("Manage demand list"),
    "catalog.one_source_settle": N_("Settle one-source conflict"), "catalog.one_source": N_("Review one-source conflicts"),
    "catalog.edit": N_("Edit catalog"), "catalog.review": N_("Review catalog"), "catalog.view": N_("View catalog"),
    "catalog.view_unpublished": N_("View unpublished entries"),
    "share.access": N_("Get unconditional access"), "share.apply": N_("Apply for shared data"),
    "share.request_uncatalogued": N_("Request uncatalogued data"), "share.confirm": N_("Confirm uncatalogued request"),
    "share.attach": N_("Attach written application"), "share.decide": N_("Decide share request"),
    "share.resubmit": N_("Resubmit share request"), "share.withdraw": N_("Withdraw share request"),
    "share.record_agreements": N_("Record agreements"), "share.implement": N_("Implement sharing"),
    "share.revoke": N_("Revoke access"), "share.report_usage": N_("Report usage"), "share.dispute": N_("Raise dispute"),
    "share.coordinate": N_("Decide dispute"), "share.file": N_("File cross-level request"),
    "share.sweep": N_("Expire grants"), "share.view": N_("View share requests"),
    "kpi.view": N_("View dashboard"), "kpi.set_target": N_("Set KPI target"), "kpi.export": N_("Export dashboard"),
    "api.scope": N_("Interface call outside the key's scopes"),
}


def action_label(code: str | None) -> str:
    return label(ACTION_LABELS, code)


def colon() -> str:
    """The colon after a label: full-width in Chinese, ": " in English ("用户名：…" / "User name: …")."""
    from services.core import i18n

    return "：" if i18n.current_language() == "zh_CN" else ": "
