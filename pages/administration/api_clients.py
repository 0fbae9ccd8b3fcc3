"""Interface clients (系统对接): the system administrator registers a unit's client system with its scopes, and
rotates or revokes its key. A key is shown once, right after it is issued; only its hash is kept."""

import streamlit as st

from models.api import ApiScope
from services.administration import api_clients
from services.core.i18n import N_
from services.core.i18n import gettext as _
from ui import session
from ui.forms import limit_help
from ui.markdown import md_escape, md_text
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Interface clients"))
st.info(_("Unit systems and exchange platforms call the system interface with a key. Each key acts for one unit "
          "with only the scopes chosen here; every call is audited under the client's name and limited per minute. "
          "The key is shown once: copy it into the client system right away."), icon=":material/key:")

issued = st.session_state.pop("api_client_key", None)
if issued:
    st.warning(md_text("The key of {name} (shown only now):", name=issued[0]), icon=":material/key:")
    st.code(issued[1], language=None)


def _scope_label(scope: str) -> str:
    return f"{scope} · {_(api_clients.SCOPE_LABELS[scope])}"


def _issue(fn, *args, name: str):
    key = session.run_action(fn, *args)
    if key:
        st.session_state["api_client_key"] = (name, key[1] if isinstance(key, tuple) else key)
        st.rerun()


clients = api_clients.list_clients(actor)
left, right = st.columns([3, 2], gap="large")
with left:
    selected = data_table(clients, {"name": N_("Client system"), "unit": N_("Unit"), "scopes": N_("Scopes"),
                                    "rate_limit": N_("Calls per minute"), "key_hint": N_("Key begins with"),
                                    "last_used_at": N_("Last used"), "revoked_at": N_("Revoked")},
                          key="api_clients_table", height=420)
    st.caption(_("{n} client systems", n=len(clients)))

with right:
    if selected is not None:
        st.subheader(md_escape(selected["name"]))
        st.caption(md_escape(selected["unit"]))
        client_id, version = int(selected["id"]), int(selected["version"])
        if selected["revoked_at"] is not None and str(selected["revoked_at"]) not in ("NaT", "None"):
            st.caption(_("This client system's key was revoked."))
        else:
            rotate, revoke = st.columns(2)
            if rotate.button(_("Issue a new key"), key=f"api_rotate_{client_id}"):
                _issue(api_clients.rotate_key, actor, client_id, name=str(selected["name"]))
            if revoke.button(_("Revoke the key"), key=f"api_revoke_{client_id}", type="primary"):
                session.run_action(api_clients.revoke_client, actor, client_id, expected_version=version, rerun=True,
                                   success=md_text("The key of {name} was revoked.", name=selected["name"]))
    st.subheader(_("Register a client system"))
    units = api_clients.unit_choices()
    with st.form("api_client_new", clear_on_submit=True):
        name = st.text_input(_("Client system"), help=limit_help(api_clients.NAME_MAX))
        session.field_slot("name", _("Client system"))
        unit_id = st.selectbox(_("Unit"), list(units), format_func=lambda u: units[u], index=None,
                               placeholder=_("Choose…"))
        scopes = st.multiselect(_("Scopes"), [s.value for s in ApiScope], format_func=_scope_label,
                                placeholder=_("Choose…"))
        rate = st.number_input(_("Calls per minute"), min_value=1, max_value=api_clients.MAX_RATE_LIMIT, value=120)
        if st.form_submit_button(_("Register and issue the key"), type="primary"):
            _issue(api_clients.register_client, actor,
                   api_clients.ClientInput(name=name, unit_id=unit_id, scopes=scopes, rate_limit=int(rate)),
                   name=name)
