"""My applications (我的申请): what my unit asked other units for, with status and the running clock."""

import streamlit as st

from services.core.i18n import gettext as _
from services.sharing.queries import RequestFilter
from ui import session
from ui.sharing.widgets import CLOSED, OPEN, REQUEST_COLUMNS, request_table, show_request
from ui.tables import reset_page

actor = session.require_actor()
session.show_flash()
head = st.columns([4, 1], vertical_alignment="bottom")
head[0].title(_("My applications"))
if head[1].button(_("Apply for data"), icon=":material/add:", type="primary", width="stretch"):
    st.switch_page("pages/sharing/apply.py")

groups = {"open": _("In progress"), "granted": _("Access granted"), "closed": _("Closed"), "all": _("All")}
statuses = {"open": OPEN, "granted": ["implemented"], "closed": CLOSED, "all": []}
group = st.segmented_control(_("Show"), list(groups), format_func=groups.get, default="open", key="share_mine_group",
                             on_change=reset_page, args=("share_mine",)) or "open"

columns = {k: v for k, v in REQUEST_COLUMNS.items() if k != "requester"}
selected = request_table(actor, RequestFilter(view="mine", status=statuses[group]), key="share_mine",
                         columns=columns, height=320)
if selected is None:
    st.caption(_("Select a row to see the request, its deadlines and what you can do next."))
else:
    show_request(actor, selected)
