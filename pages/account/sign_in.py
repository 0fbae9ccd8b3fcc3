"""Sign-in screen (the only page before authentication); demo accounts are listed in demo mode."""

import streamlit as st

from services.administration import auth
from services.core.errors import AuthError
from services.core.i18n import gettext as _
from services.seed.orgs import DEMO_PASSWORD
from ui import session
from ui.labels import ROLE_LABELS, label
from ui.sidebar import language_switch

session.show_flash()
left, middle, right = st.columns([1, 1.3, 1])
with middle:
    st.title(_("GovData Hub"))
    st.caption(_("Government data aggregation and sharing platform"))
    st.page_link("pages/public/open_catalog.py", label=_("Open data catalog (no account needed)"),
                 icon=":material/public:")
    ticket = st.session_state.get("govdata_totp_ticket")
    if ticket:
        with st.form("second_factor", border=True):
            st.info(_("Enter the 6-digit code from your authenticator app."), icon=":material/key:")
            code = st.text_input(_("Verification code"), autocomplete="one-time-code")
            col_ok, col_back = st.columns(2)
            confirmed = col_ok.form_submit_button(_("Verify"), type="primary", width="stretch")
            back = col_back.form_submit_button(_("Back"), width="stretch")
        if back:
            del st.session_state["govdata_totp_ticket"]
            st.rerun()
        if confirmed:
            try:
                result = auth.verify_second_factor(ticket, code)
            except AuthError as exc:
                st.error(exc.message, icon=":material/lock:")
            else:
                del st.session_state["govdata_totp_ticket"]
                session.sign_in(result)
                st.rerun()
    else:
        with st.form("sign_in", border=True):
            username = st.text_input(_("User name"), autocomplete="username")
            password = st.text_input(_("Password"), type="password", autocomplete="current-password")
            submitted = st.form_submit_button(_("Sign in"), type="primary", width="stretch")
        if submitted:
            if not username or not password:
                st.error(_("Enter your user name and password."))
            else:
                try:
                    result = auth.sign_in(username, password)
                except auth.SecondFactorRequired as step:
                    st.session_state["govdata_totp_ticket"] = step.ticket
                    st.rerun()
                except AuthError as exc:
                    st.error(exc.message, icon=":material/lock:")
                else:
                    session.sign_in(result)
                    st.rerun()
    language_switch()

    demo = auth.demo_accounts()
    if demo:
        with st.expander(_("Demo accounts (demo mode only)"), expanded=True):
            st.caption(_("Every demo account uses the password {password}", password=DEMO_PASSWORD))
            st.dataframe(
                [{_("User name"): a["username"], _("Role"): label(ROLE_LABELS, a["role"]), _("Unit"): a["unit"]}
                 for a in demo],
                hide_index=True, width="stretch",
            )
