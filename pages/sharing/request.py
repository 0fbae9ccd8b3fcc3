"""Share request (共享申请): one request in full, opened from a list, the inbox or by its tracking number."""

import streamlit as st

from services.core.i18n import gettext as _
from services.sharing import queries as sharing_queries
from services.sharing.queries import RequestFilter
from ui import session
from ui.sharing.widgets import show_request

actor = session.require_actor()
session.show_flash()
st.title(_("Share request"))

code = st.text_input(_("Tracking number"), key="share_lookup_code", placeholder="GX20250930…")
request_id = st.session_state.get("share_request_id")
if code.strip():
    rows, _total = sharing_queries.list_requests(actor, RequestFilter(code=code), page_size=1)
    if rows.empty:
        st.info(_("No request with this tracking number is visible to you."))
        request_id = None
    else:
        request_id = int(rows.iloc[0]["id"])
        st.session_state["share_request_id"] = request_id

if request_id:
    show_request(actor, int(request_id))
else:
    st.caption(_("Enter a tracking number, or open a request from a list or from your to-do."))
