"""Probes for the administration actions: audit log reading, export and purge; backup and restore."""

from __future__ import annotations

from datetime import date

from services.administration import audit_log, backup
from services.administration.audit_log import AuditFilter
from tests.services.probes import probe


@probe("audit.read")
def _(w):
    audit_log.search_events(w["sysadmin"], AuditFilter())


@probe("audit.export")
def _(w):
    audit_log.export_events(w["secadmin"], AuditFilter(), "csv")


@probe("audit.purge")
def _(w):
    audit_log.purge(w["sysadmin"], date(2020, 1, 1))


@probe("backup.create")
def _(w):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        backup.create_backup(w["auditadmin"], f"{tmp}/b.zip")


@probe("backup.restore")
def _(w):
    backup.restore_backup(w["secadmin"], "/nonexistent/backup.zip", force=True)


@probe("user.reset_approve")
def _(w):
    from services.administration import users

    request_id = users.request_reset(w["sysadmin"], w["auditadmin"].user_id, "password")
    users.decide_reset(w["reviewer"], request_id, True)


@probe("api_client.manage")
def _(w):
    from services.administration import api_clients

    api_clients.register_client(w["secadmin"], api_clients.ClientInput("x-system", w.units["police"], ["catalog:read"]))
