"""Every demo role signs in through the real sign-in form and opens every page of its navigation; pages of
other roles are not reachable. Pages added to ui/navigation.py are covered automatically."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import AuditEvent
from services.core.db import read_session
from services.seed.orgs import DEMO_PASSWORD
from tests.ui.conftest import APP
from ui.navigation import PAGES, pages_for

DEMO_ROLES = {
    "leader": {"leader"}, "reviewer": {"bureau_reviewer"}, "assessor": {"assessor"},
    "steward_gaj": {"unit_steward"}, "approver_ds": {"county_approver"},
    "sysadmin": {"sys_admin"}, "secadmin": {"security_admin"}, "auditadmin": {"audit_admin"},
}
TIMEOUT = 60


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def sign_in(username: str, password: str = DEMO_PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    fields = {t.label: t for t in at.text_input}
    fields["用户名"].input(username)
    fields["密码"].input(password)
    at.button[0].click().run()
    return at


@pytest.mark.parametrize("username", sorted(DEMO_ROLES))
def test_every_page_of_the_role_renders_and_other_pages_are_unreachable(app_db, username):
    at = sign_in(username)
    assert not at.exception, at.exception
    assert "govdata_actor" in at.session_state, _texts(at.error)
    mine = pages_for(DEMO_ROLES[username])
    assert mine, "every role has at least a home page"
    for spec in mine:
        at.switch_page(spec.path).run()
        assert not at.exception, f"{spec.path}: {at.exception}"
        assert at.title and at.title[0].value, f"{spec.path} shows no title"
    reachable = {spec.path for spec in mine}
    for path in sorted({spec.path for spec in PAGES} - reachable):
        with pytest.raises(ValueError):
            at.switch_page(path)


def test_steward_cannot_switch_to_an_admin_page(app_db):
    at = sign_in("steward_gaj")
    for path in ("pages/administration/accounts.py", "pages/administration/audit_log.py",
                 "pages/administration/role_grants.py"):
        with pytest.raises(ValueError):
            at.switch_page(path)
    assert _texts(at.title) == ["我的待办"]


def test_switching_the_language_shows_english(app_db):
    at = sign_in("sysadmin")
    at.sidebar.selectbox(key="govdata_lang_choice").set_value("en").run()
    assert not at.exception
    assert _texts(at.title) == ["My to-do"]
    at.switch_page("pages/administration/accounts.py").run()
    assert _texts(at.title) == ["Accounts"]


def test_wrong_passwords_lock_the_account_and_the_form_says_so(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for _attempt in range(5):
        fields = {t.label: t for t in at.text_input}
        fields["用户名"].input("steward_gaj")
        fields["密码"].input("wrong-password")
        at.button[0].click().run()
    assert any("锁定" in e for e in _texts(at.error)), _texts(at.error)
    fields = {t.label: t for t in at.text_input}
    fields["用户名"].input("steward_gaj")
    fields["密码"].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert "govdata_actor" not in at.session_state
    assert any("锁定" in e for e in _texts(at.error))


def test_audit_admin_export_offers_a_download_and_is_audited(app_db):
    at = sign_in("auditadmin")
    at.switch_page("pages/administration/audit_log.py").run()
    export = next(b for b in at.button if b.label == "导出")
    export.click().run()
    assert not at.exception and not at.error, _texts(at.error)
    with read_session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).all()
    assert [e.username for e in events][-1:] == ["auditadmin"]


def test_an_admin_page_run_outside_the_navigation_still_refuses_a_steward(app_db):
    """Defence in depth: a page file executed directly (folder-based multipage mode) re-checks the roles."""
    from services.administration import auth

    steward = auth.sign_in("steward_gaj", DEMO_PASSWORD).actor
    at = AppTest.from_file(str(Path(APP).parent / "pages" / "administration" / "accounts.py"), default_timeout=TIMEOUT)
    at.session_state["govdata_actor"] = steward
    at.run()
    assert not at.exception
    assert not at.title and any("角色" in e for e in _texts(at.error))


def test_audit_log_names_actions_in_the_users_language(app_db):
    at = sign_in("auditadmin")
    at.switch_page("pages/administration/audit_log.py").run()
    assert not at.exception
    shown = {str(v) for v in at.dataframe[0].value.to_numpy().ravel()}
    assert "登录" in shown  # the auditadmin's own sign-in, shown by name rather than as auth.sign_in
    assert "auth.sign_in" not in shown


def test_an_open_tab_is_signed_out_at_its_next_interaction_after_deactivation(app_db):
    from services.administration import auth, users

    at = sign_in("steward_gaj")
    assert "govdata_actor" in at.session_state
    sysadmin = auth.sign_in("sysadmin", DEMO_PASSWORD).actor
    users.set_active(sysadmin, at.session_state["govdata_actor"].user_id, False)
    at.run()
    assert not at.exception
    assert "govdata_actor" not in at.session_state
    assert {t.label for t in at.text_input} >= {"用户名", "密码"}


def test_an_open_tab_loses_a_removed_role_at_its_next_interaction(app_db):
    from services.administration import auth, users

    at = sign_in("sysadmin")
    at.switch_page("pages/administration/accounts.py").run()
    assert at.title and not at.exception
    secadmin = auth.sign_in("secadmin", DEMO_PASSWORD).actor
    users.set_roles(secadmin, at.session_state["govdata_actor"].user_id, {"leader"})
    at.run()
    assert not at.exception
    assert at.session_state["govdata_actor"].roles == frozenset({"leader"})
    with pytest.raises(ValueError):
        at.switch_page("pages/administration/accounts.py")


def test_an_unexpected_error_shows_an_incident_id_not_a_traceback(app_db, monkeypatch, caplog):
    from streamlit import config

    from ui import session as ui_session

    class Broken:
        def run(self):
            raise RuntimeError("database exploded: secret detail")

    monkeypatch.setattr(config, "get_option", lambda name: "none")
    from unittest.mock import patch

    with patch("ui.session.st") as fake_st:
        ui_session.run_page(Broken())
    shown = fake_st.error.call_args[0][0]
    assert "secret detail" not in shown
    import re

    incident = re.search(r"[0-9a-f]{8}", shown).group(0)
    assert any(incident in r.getMessage() for r in caplog.records)
