"""Answers by unit (答复情况): how many public requests each unit received and answered on time."""

import streamlit as st

from services.core.i18n import gettext as _
from services.opendata import queries as open_queries
from ui.opendata.widgets import public_header

public_header()
st.title(_("Answers by unit"))
st.caption(_("The mean working days to answer is shown once a unit has answered at least {n} requests.",
             n=open_queries.TRANSPARENCY_MIN_REQUESTS))
frame = open_queries.transparency()
st.dataframe(frame.rename(columns={"unit": _("Unit"), "received": _("Received"), "answered": _("Answered"),
                                   "answered_on_time": _("Answered on time"),
                                   "mean_workdays": _("Mean working days to answer")}),
             hide_index=True, width="stretch")
