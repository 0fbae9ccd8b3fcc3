"""Track a request (申请查询): status, dates, the deadline and the reply by tracking code, never personal data."""

import streamlit as st

from services import opendata
from services.core.i18n import gettext as _
from services.opendata import queries as open_queries
from ui import session
from ui.forms import limit_help
from ui.opendata.widgets import public_header, show_tracking

public_header()
st.title(_("Track a request"))
with st.form("open_track"):
    code = st.text_input(_("Tracking code"), value=st.query_params.get("code", ""))
    looked = st.form_submit_button(_("Look up"), type="primary")
if looked or code:
    view = open_queries.track(code)
    if view is None:
        st.warning(_("No request has this tracking code."))
    else:
        show_tracking(view)
        if view.status == "needs_info":
            with st.form("open_supplement"):
                text = st.text_area(_("Your answer to the unit"), help=limit_help(1000))
                if st.form_submit_button(_("Send")):
                    session.run_action(opendata.supplement, view.code, text,
                                       success=_("Sent. The deadline runs again."), rerun=True)
