"""Home panels of the system, security and audit administrators."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services import users
from services.actor import Actor
from services.i18n import gettext as _
from ui.home import register


@register({Role.SYS_ADMIN, Role.SECURITY_ADMIN}, order=50)
def accounts_panel(actor: Actor) -> None:
    o = users.account_overview(actor)
    st.subheader(_("Accounts and units"))
    cols = st.columns(5)
    cols[0].metric(_("Active units"), o.units)
    cols[1].metric(_("Units without a data administrator"), o.units_without_admin)
    cols[2].metric(_("Accounts"), o.users)
    cols[3].metric(_("Locked accounts"), o.locked)
    cols[4].metric(_("Accounts without a role"), o.without_roles)
    if o.password_expired:
        st.warning(_("{n} active accounts have an expired password.", n=o.password_expired))
