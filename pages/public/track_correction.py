"""Public tracking (no sign-in): status, dates and the reply of a correction — never the reporter's data."""

import streamlit as st

from services.core.i18n import gettext as _
from services.corrections import queries
from ui.markdown import md_escape

st.title(_("Track a correction"))
code = st.text_input(_("Tracking code"), key="public_track_code")
if st.button(_("Look up"), type="primary") and code:
    status = queries.track(code)
    if status is None:
        st.warning(_("No correction has this tracking code."))
    else:
        st.subheader(f"{status.code} · {md_escape(status.entry_name)}")
        cols = st.columns(3)
        cols[0].metric(_("Status"), status.status_label)
        cols[1].metric(_("Filed on"), str(status.filed_on))
        cols[2].metric(_("Answered on") if status.answered_on else _("Due on"),
                       str(status.answered_on or status.due_on or "—"))
        if status.extended:
            st.caption(_("The verification was extended with the approval of the unit's head."))
        if status.reply:
            st.markdown(f"**{_('Reply')}**: {md_escape(status.reply)}")
if st.button(_("Report wrong data"), type="tertiary"):
    st.switch_page("pages/public/report_correction.py")
