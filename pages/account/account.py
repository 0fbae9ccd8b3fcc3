"""My account: profile, language and password change (forced after an expiry or a reset)."""

import streamlit as st

from services.administration import auth
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from ui import session
from ui.labels import colon, roles_text
from ui.markdown import md_escape
from ui.qr import qr_png

actor = session.require_actor()
session.show_flash()
st.title(_("Account and password"))

if st.session_state.get("govdata_must_change_password"):
    st.warning(_("Your password has expired or was reset by an administrator: set a new one to continue."),
               icon=":material/key:")

profile, password = st.columns([1, 1], gap="large")
with profile:
    st.subheader(_("Profile"))
    c = colon()
    st.markdown(f"**{_('User name')}**{c}{md_escape(actor.username)}  \n**{_('Full name')}**{c}{md_escape(actor.display_name)}  \n"
                f"**{_('Unit')}**{c}{md_escape(actor.unit_name)}  \n**{_('Roles')}**{c}{roles_text(actor.roles)}")

with password:
    st.subheader(_("Change password"))
    cfg = get_settings()
    st.caption(_("At least {n} characters, mixing at least {k} of: lower-case letters, upper-case letters, digits, "
                 "symbols. Passwords expire after {days} days.", n=cfg.password_min_length,
                 k=cfg.password_min_classes, days=cfg.password_max_age_days))
    with st.form("change_password", clear_on_submit=True):
        current = st.text_input(_("Current password"), type="password")
        new = st.text_input(_("New password"), type="password")
        repeat = st.text_input(_("Repeat new password"), type="password")
        if st.form_submit_button(_("Change password"), type="primary"):
            if session.run_action(auth.change_password, actor, current, new, repeat):
                st.session_state["govdata_must_change_password"] = False
                session.flash(_("Your password was changed."))
                st.rerun()

with profile:
    st.subheader(_("Second factor (TOTP)"))
    if auth.has_totp(actor):
        st.success(_("An authenticator app is set up: sign-in asks for its 6-digit code."), icon=":material/verified_user:")
    else:
        if st.session_state.get("govdata_must_enrol_totp"):
            st.warning(_("Your role requires a second factor: set up an authenticator app to continue."),
                       icon=":material/key:")
        elif auth.totp_required_for(actor.roles):
            st.caption(_("Recommended for your role: sign-in will then also ask for a code from your phone."))
        secret = st.session_state.setdefault("govdata_totp_secret", auth.new_totp_secret())
        st.caption(_("Scan the code with an authenticator app, or type the key into it (time-based, 6 digits, "
                     "30 seconds), then enter the code the app shows."))
        st.image(qr_png(auth.totp_uri(actor, secret)), width=180)
        st.code(secret, language=None)
        with st.form("enrol_totp", clear_on_submit=True):
            code = st.text_input(_("Verification code"))
            session.field_slot("code", _("Verification code"))
            if st.form_submit_button(_("Turn on the second factor")):
                if session.run_action(auth.enrol_totp, actor, secret, code):
                    st.session_state.pop("govdata_totp_secret", None)
                    st.session_state["govdata_must_enrol_totp"] = False
                    session.flash(_("The second factor is on."))
                    st.rerun()
