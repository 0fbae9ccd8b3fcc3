"""Public correction (数据纠错, no sign-in): a data subject reports wrong data and receives a tracking code."""

import streamlit as st

from services import corrections
from services.core.i18n import gettext as _
from services.corrections import queries
from services.corrections.evidence import Upload
from ui import session
from ui.forms import attachment_limit_mb, choose, limit_help, upload_note
from ui.markdown import md_escape

st.title(_("Report wrong government data"))
st.caption(_("Your name, contact and ID number are stored encrypted and are seen only by the unit that verifies "
             "the data. Keep the tracking code: it is shown once."))
search = st.text_input(_("Find the data (name or resource code)"), key="public_corr_search")
entries = {i: f"{code} {name}" for i, code, name in queries.public_entries(search)}
with st.form("public_correction"):
    entry_id = choose(_("Catalog entry"), entries)
    description = st.text_area(_("What is wrong"), help=limit_help(2000))
    name = st.text_input(_("Your name"), help=limit_help(50))
    contact = st.text_input(_("Telephone or e-mail"), help=limit_help(100))
    resident_id = st.text_input(_("Resident ID number (optional)"), help=limit_help(18))
    files = st.file_uploader(_("Evidence (PDF, PNG or JPEG)"), accept_multiple_files=True,
                             type=["pdf", "png", "jpg", "jpeg"], max_upload_size=attachment_limit_mb())
    upload_note(attachment_limit_mb(), ["pdf", "png", "jpg", "jpeg"])
    submitted = st.form_submit_button(_("Submit"), type="primary")
if submitted and entry_id is not None:
    uploads = [Upload(f.name, f.getvalue()) for f in files or []]
    result = session.run_action(corrections.file_public_correction,
                                corrections.PublicCorrectionInput(entry_id, description, name, contact, resident_id),
                                uploads)
    if result and result is not True:
        code, tracking = result
        st.success(_("Received as {code}.", code=code))
        st.markdown(_("Your tracking code: **{tracking}**", tracking=md_escape(tracking)))
if st.button(_("Track a correction"), type="tertiary"):
    st.switch_page("pages/public/track_correction.py")
