"""The accounts page under dual control: a reset requested by the system administrator is approved by another
administrator on the same page, who sees the one-time password once; the requester cannot approve it."""

from __future__ import annotations

from services.administration import auth
from services.seed.orgs import DEMO_PASSWORD
from tests.ui.test_pages import _texts, sign_in

ACCOUNTS = "pages/administration/accounts.py"


def test_sysadmin_requests_and_the_security_admin_approves_an_audit_admin_reset(app_db):
    from services.administration import users

    sysadmin = auth.sign_in("sysadmin", DEMO_PASSWORD).actor
    target = users.list_users(sysadmin, search="auditadmin").iloc[0]
    users.request_reset(sysadmin, int(target["id"]), "password", "left the phone at home")

    approver = sign_in("secadmin")
    approver.switch_page(ACCOUNTS).run()
    assert not approver.exception
    assert "账号" in _texts(approver.title)[0] or "Accounts" in _texts(approver.title)[0]
    approve = next(b for b in approver.button if b.key and b.key.startswith("reset_ok_"))
    approve.click().run()
    assert not approver.exception and not approver.error, _texts(approver.error)
    assert approver.code and len(approver.code[0].value) >= 12  # the one-time password, shown once

    requester = sign_in("sysadmin")
    requester.switch_page(ACCOUNTS).run()
    assert not [b for b in requester.button if b.key and b.key.startswith("reset_ok_")]


def test_the_audit_admin_sees_only_the_approval_list(app_db):
    at = sign_in("auditadmin")
    at.switch_page(ACCOUNTS).run()
    assert not at.exception and not at.error, _texts(at.error)
    assert not at.dataframe  # no account list, no toolbar
