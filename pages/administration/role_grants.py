"""Role grants (角色授权): the security administrator replaces an account's roles. The three administrator
roles are held by three different people and never together with business roles (三员分立)."""

import streamlit as st

from models.user import Role
from services.administration import users
from services.core.i18n import N_
from services.core.i18n import gettext as _
from ui import session
from ui.labels import ROLE_LABELS, label, roles_text
from ui.markdown import md_escape, md_text
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Role grants"))
st.info(
    _(
        "Separation of duties: system, security and audit administrator are three different people, and an "
        "administrator account holds no business role. Nobody changes their own roles."
    ),
    icon=":material/admin_panel_settings:",
)

search = st.text_input(_("Search user name or full name"), key="roles_search")
accounts = users.list_users(actor, search=search or None)
accounts["roles_text"] = accounts["roles"].map(roles_text)
accounts = (
    accounts[accounts["is_active"]] if not st.toggle(_("Show inactive"), key="roles_inactive") else accounts
)

left, right = st.columns([3, 2], gap="large")
with left:
    selected = data_table(
        accounts,
        {
            "username": N_("User name"),
            "display_name": N_("Full name"),
            "unit": N_("Unit"),
            "roles_text": N_("Roles"),
        },
        key="roles_table",
        height=520,
    )
    st.caption(_("{n} accounts", n=len(accounts)))

with right:
    if selected is None:
        st.caption(_("Select an account in the table to change its roles."))
    else:
        st.subheader(f"{md_escape(selected['display_name'])} · {md_escape(selected['username'])}")
        st.caption(md_escape(selected["unit"]))
        with st.form(f"roles_{int(selected['id'])}"):
            chosen = st.multiselect(
                _("Roles"),
                [r.value for r in Role],
                default=list(selected["roles"]),
                format_func=lambda r: label(ROLE_LABELS, r), placeholder=_("Choose…"), select_all=False)
            if st.form_submit_button(_("Save roles"), type="primary"):
                session.run_action(
                    users.set_roles,
                    actor,
                    int(selected["id"]),
                    set(chosen),
                    rerun=True,
                    success=md_text("Roles of {user} saved.", user=selected["username"]),
                )
