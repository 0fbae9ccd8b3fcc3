"""Home panels of the system, security and audit administrators."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services.administration import audit_log, users
from services.core.actor import Actor
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local
from ui.home import register


@register({Role.SYS_ADMIN, Role.SECURITY_ADMIN}, order=50)
def accounts_panel(actor: Actor) -> None:
    o = users.account_overview(actor)
    st.subheader(_("Accounts and units"))
    cols = st.columns(5)
    cols[0].metric(_("Active units"), o.units)
    cols[1].metric(_("Units without a data administrator"), o.units_without_admin)
    cols[2].metric(_("Total accounts"), o.users)
    cols[3].metric(_("Locked accounts"), o.locked)
    cols[4].metric(_("Accounts without a role"), o.without_roles)
    if o.password_expired:
        st.warning(_("{n} active accounts have an expired password.", n=o.password_expired))


@register({Role.AUDIT_ADMIN}, order=50)
def audit_panel(actor: Actor) -> None:
    o = audit_log.overview(actor)
    st.subheader(_("Today in the audit log"))
    cols = st.columns(4)
    cols[0].metric(_("Sign-in failures"), o.sign_in_failures)
    cols[1].metric(_("Denied actions"), o.denials)
    cols[2].metric(_("Lockouts"), o.lockouts)
    cols[3].metric(_("Events today"), o.events_today)
    chain = o.chain
    if chain.ok is None:
        st.warning(_("The hash chain has not been verified yet: verify it on the audit-log page."),
                   icon=":material/help:")
    elif chain.ok and chain.checked:
        st.success(_("Hash chain intact at the last verification ({when}, {n} events).",
                     when=fmt_local(chain.verified_at), n=chain.checked), icon=":material/verified:")
    elif chain.ok:
        st.success(_("Hash chain intact at the last verification ({when}).", when=fmt_local(chain.verified_at)),
                   icon=":material/verified:")
    else:
        st.error(_("The hash chain was broken at event {seq} at the last verification ({when}): {reason}",
                   seq=chain.broken_seq, when=fmt_local(chain.verified_at), reason=chain.reason),
                 icon=":material/gpp_bad:")
    if o.sign_in_failures or o.denials:
        st.page_link("pages/administration/audit_log.py", label=_("Open the audit log"), icon=":material/policy:")
