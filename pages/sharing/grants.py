"""Access grants (共享授权): data my unit may use, and data my unit gives to others, each with its end date;
usage reports (Qingyuan ch.4) and revocation."""

import streamlit as st

from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.sharing import queries as sharing_queries
from services.sharing.rules import METHOD_LABELS, label
from ui import session
from ui.sharing.widgets import show_request, workdays_left
from ui.tables import current_page, data_table, pager, reset_page

actor = session.require_actor()
session.show_flash()
st.title(_("Access grants"))

KEY = "share_grants"
sides = {"consumer": _("Data my unit uses"), "provider": _("Data my unit gives")}
cols = st.columns([3, 1.4], vertical_alignment="bottom")
side = cols[0].segmented_control(_("Show"), list(sides), format_func=sides.get, default="consumer",
                                 key=f"{KEY}_side", on_change=reset_page, args=(KEY,)) or "consumer"
active_only = cols[1].toggle(_("Active only"), value=True, key=f"{KEY}_active", on_change=reset_page, args=(KEY,))

page = current_page(KEY)
grants, total = sharing_queries.list_grants(actor, side=side, active_only=active_only, page=page, page_size=15)
if grants.empty:
    st.info(_("No access grants."))
    st.stop()
today = local_date()
grants["method_text"] = grants["method"].map(lambda v: label(METHOD_LABELS, v))
grants["state"] = [
    _("Revoked") if revoked is not None and str(revoked) not in ("NaT", "None") else
    (_("Ended") if ends and ends < today else _("{n} working days left", n=workdays_left(today, ends)) if ends else "")
    for revoked, ends in zip(grants["revoked_at"], grants["ends_on"], strict=True)]
selected = data_table(grants, {"code": N_("Tracking number"), "entry": N_("Data"), "consumer": N_("Using unit"),
                               "provider": N_("Providing unit"), "items": N_("Data items"), "method_text": N_("Share method"),
                               "starts_on": N_("From"), "ends_on": N_("Until"), "state": N_("Status")},
                      key=f"{KEY}_table", height=300)
pager(KEY, page, max(1, -(-total // 15)), total)
if selected is not None and selected["request_id"] is not None:
    show_request(actor, int(selected["request_id"]))
