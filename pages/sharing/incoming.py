"""Incoming requests (收到的申请): what other units ask my unit for — confirm, answer, implement, within the
profile's working days."""

import streamlit as st

from services.core.i18n import gettext as _
from services.sharing.queries import RequestFilter
from services.sharing.rules import PROVIDER_GROUPS
from ui import session
from ui.sharing.widgets import REQUEST_COLUMNS, request_export, request_table, show_request
from ui.tables import reset_page

actor = session.require_actor()
session.show_flash()
st.title(_("Incoming requests"))
st.caption(_("Sharing is the rule: a refusal must cite its legal basis. Answer before the deadline shown."))

groups = {"answer": _("To answer"), "implement": _("To implement"), "waiting": _("Waiting for others"),
          "granted": _("Access granted"), "closed": _("Closed"), "all": _("All")}
statuses = {key: [str(s) for s in value] for key, value in PROVIDER_GROUPS.items()} | {"all": []}
group = st.segmented_control(_("Show"), list(groups), format_func=groups.get, default="answer",
                             key="share_incoming_group", on_change=reset_page, args=("share_incoming",)) or "answer"
overdue = st.toggle(_("Overdue only"), key="share_incoming_overdue", on_change=reset_page, args=("share_incoming",))

columns = {k: v for k, v in REQUEST_COLUMNS.items() if k != "provider"}
flt = RequestFilter(view="incoming", status=statuses[group], overdue_only=overdue)
selected = request_table(actor, flt, key="share_incoming", columns=columns, height=320)
request_export(actor, flt, "share_incoming", columns)
if selected is None:
    st.caption(_("Select a row to see the request, its deadlines and what you can do next."))
else:
    show_request(actor, selected)
