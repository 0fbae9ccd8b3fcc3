"""Open-data requests (开放申请): public demands and applications my unit must answer; the bureau assigns demands."""

import streamlit as st

from services import catalog
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.opendata import queries as open_queries
from ui import session
from ui.opendata.widgets import (
    KIND_LABELS,
    LIST_COLUMNS,
    STATE_KEY,
    STATUS_LABELS,
    kind_label,
    show_request,
    status_label,
)
from ui.tables import current_page, data_table, pager, reset_page

actor = session.require_actor()
session.show_flash()
st.title(_("Open-data requests"))
cols = st.columns(3)
code = cols[2].text_input(_("Tracking code"), key="open_requests_code", on_change=reset_page, args=("open_requests",))
status = cols[0].selectbox(_("Status"), ["", *STATUS_LABELS], format_func=lambda s: status_label(s) if s else _("All"),
                           key="open_requests_status", on_change=reset_page, args=("open_requests",))
kind = cols[1].selectbox(_("Kind"), ["", *KIND_LABELS], format_func=lambda k: kind_label(k) if k else _("All"),
                         key="open_requests_kind", on_change=reset_page, args=("open_requests",))
page = current_page("open_requests")
frame, total = open_queries.list_requests(actor, status=status or None, kind=kind or None, code=code, page=page)
shown = frame.assign(kind=frame["kind"].map(kind_label), status=frame["status"].map(status_label))
selected = data_table(shown, LIST_COLUMNS, key="open_requests_table", height=320)
pager("open_requests", page, max(1, -(-total // get_settings().page_size)), total)
request_id = int(selected["id"]) if selected is not None else st.session_state.pop(STATE_KEY, None)
if request_id is None and code and total == 1:
    request_id = int(frame.iloc[0]["id"])
if request_id is None:
    st.caption(_("Select a row to see the request and answer it."))
else:
    view = session.run_action(open_queries.get_request, actor, int(request_id))
    if view and view is not True:
        units = {uid: name for uid, name in open_queries.assignable_units().items() if uid != view.unit_id}
        entries = {}
        if view.kind == "demand" and view.answers and actor.unit_id == view.unit_id:
            frame_entries, _count = catalog.list_entries(actor, unit_id=view.unit_id, page_size=500)
            entries = dict(zip(frame_entries["id"], frame_entries["resource_code"] + " " + frame_entries["name"],
                               strict=True))
        show_request(actor, view, units, entries)
