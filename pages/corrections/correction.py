"""One correction, opened from the inbox or a reminder."""

import streamlit as st

from services.core.i18n import gettext as _
from ui import session
from ui.corrections.widgets import show_correction

actor = session.require_actor()
session.show_flash()
st.title(_("Correction"))
correction_id = st.session_state.get("correction_id")
if correction_id is None:
    st.caption(_("Open a correction from the list or your to-do."))
else:
    show_correction(actor, int(correction_id))
