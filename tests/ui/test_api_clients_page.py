"""The interface-clients page: the system administrator registers a client system and sees its key once, then
revokes it; no other role reaches the page."""

from __future__ import annotations

import pytest

from services.administration import api_clients, auth
from services.seed.orgs import DEMO_PASSWORD
from tests.ui.test_pages import _texts, sign_in

PAGE = "pages/administration/api_clients.py"


def test_sysadmin_registers_a_client_sees_the_key_once_and_revokes_it(app_db):
    at = sign_in("sysadmin")
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error, _texts(at.error)
    at.text_input[0].input("交管前置机")
    at.selectbox[0].set_value(at.selectbox[0].options and next(iter(api_clients.unit_choices())))
    at.multiselect[0].set_value(["catalog:read", "aggregation:write"])
    submit = next(b for b in at.button if b.label in ("登记并签发密钥", "Register and issue the key"))
    submit.click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert at.code and at.code[0].value.startswith("gdh_")
    key = at.code[0].value
    assert api_clients.authenticate(key).name == "交管前置机"
    at.run()  # the next run no longer shows the key
    assert not at.code

    sysadmin = auth.sign_in("sysadmin", DEMO_PASSWORD).actor
    client_id = int(api_clients.list_clients(sysadmin).iloc[0]["id"])
    api_clients.revoke_client(sysadmin, client_id)
    assert api_clients.list_clients(sysadmin, include_revoked=False).empty


def test_the_security_administrator_cannot_open_it(app_db):
    at = sign_in("secadmin")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not registered for the role
