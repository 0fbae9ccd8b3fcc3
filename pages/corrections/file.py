"""Report wrong data (数据纠错): a consumer unit tells the source unit what is wrong on a published entry."""

import streamlit as st

from services import corrections
from services.core.i18n import gettext as _
from services.corrections import queries
from services.corrections.evidence import Upload
from ui import session
from ui.forms import attachment_limit_mb, choose, limit_help, upload_note

actor = session.require_actor()
session.show_flash()
st.title(_("Report wrong data"))
search = st.text_input(_("Find the entry"), key="corr_file_search")
entries = {i: f"{code} {name}" for i, code, name in queries.public_entries(search)}
with st.form("corr_file"):
    entry_id = choose(_("Catalog entry"), entries)
    items = st.text_input(_("Data items concerned (separated by commas)"))
    description = st.text_area(_("What is wrong"), help=limit_help(2000))
    files = st.file_uploader(_("Evidence (PDF, PNG or JPEG)"), accept_multiple_files=True,
                             type=["pdf", "png", "jpg", "jpeg"], max_upload_size=attachment_limit_mb())
    upload_note(attachment_limit_mb(), ["pdf", "png", "jpg", "jpeg"])
    if st.form_submit_button(_("Report"), type="primary") and entry_id is not None:
        uploads = [Upload(f.name, f.getvalue()) for f in files or []]
        names = [n.strip() for n in items.replace("，", ",").split(",") if n.strip()]
        session.run_action(corrections.file_correction, actor,
                           corrections.CorrectionInput(entry_id, description, names), uploads,
                           success=_("The correction was filed; the source unit verifies it."), rerun=True)
