"""Disputes (共享争议协调): requesters' objections to refusals, coordinated and decided by the bureau, tracked by
age in working days (Shanghai §14, Qingyuan ch.8)."""

import streamlit as st

from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local
from services.sharing import queries as sharing_queries
from services.sharing.rules import DISPUTE_STATUS_LABELS, label
from ui import session
from ui.sharing.widgets import show_request
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Disputes"))
st.caption(_("Uphold the refusal, or overturn it: the provider must then implement within the profile's days."))

choices = {"open": _("Under coordination"), "decided": _("Decided"), "all": _("All")}
shown = st.segmented_control(_("Show"), list(choices), format_func=choices.get, default="open",
                             key="share_disputes_group") or "open"
disputes = sharing_queries.list_disputes(actor, status="open" if shown == "open" else None)
if shown == "decided":
    disputes = disputes[disputes["status"] != "open"]
if disputes.empty:
    st.info(_("No disputes."))
    st.stop()
disputes["status_text"] = disputes["status"].map(lambda v: label(DISPUTE_STATUS_LABELS, v))
disputes["opened"] = disputes["created_at"].map(fmt_local)
selected = data_table(disputes, {"code": N_("Tracking number"), "entry": N_("Data"), "requester": N_("Requesting unit"),
                                 "provider": N_("Providing unit"), "reason": N_("Objection"), "refusal": N_("Refusal"),
                                 "opened": N_("Raised"), "age_workdays": N_("Working days open"), "status_text": N_("Status")},
                      key="share_disputes_table", height=300)
request_id = int(selected["request_id"]) if selected is not None else None
wanted = st.session_state.get("share_dispute_id")
if request_id is None and wanted is not None:
    match = disputes[disputes["id"] == wanted]
    request_id = int(match.iloc[0]["request_id"]) if not match.empty else None
if request_id is not None:
    show_request(actor, request_id)
