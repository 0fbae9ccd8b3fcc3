"""All share requests (共享申请总览): every request in the reader's scope with filters, server-side pages, the
cross-level filings (Qingyuan ch.4) and the requests the bureau co-decides (Longyan §12)."""

import streamlit as st

from services.core.i18n import gettext as _
from services.sharing import queries as sharing_queries
from services.sharing.queries import RequestFilter
from services.sharing.rules import KIND_LABELS, ROUTE_LABELS, STATUS_LABELS, label
from ui import session
from ui.forms import DATE_MAX, DATE_MIN
from ui.sharing.widgets import request_export, request_table, show_request
from ui.tables import reset_page

actor = session.require_actor()
session.show_flash()
st.title(_("All share requests"))

KEY = "share_all"
units = sharing_queries.unit_options(actor)
row1 = st.columns([2, 1.3, 1.5, 2.2], vertical_alignment="bottom")
status = row1[0].multiselect(_("Status"), list(STATUS_LABELS), format_func=lambda v: label(STATUS_LABELS, v),
                             key=f"{KEY}_status", on_change=reset_page, args=(KEY,),
                             placeholder=_("Choose…"), select_all=False)
kind = row1[1].selectbox(_("Kind"), [None, *KIND_LABELS], key=f"{KEY}_kind", on_change=reset_page, args=(KEY,),
                         format_func=lambda v: _("All") if v is None else label(KIND_LABELS, v))
route = row1[2].selectbox(_("Decided by"), [None, *ROUTE_LABELS], key=f"{KEY}_route", on_change=reset_page,
                          args=(KEY,), format_func=lambda v: _("All") if v is None else label(ROUTE_LABELS, v))
provider = row1[3].selectbox(_("Providing unit"), [None, *units], key=f"{KEY}_provider", on_change=reset_page,
                             args=(KEY,), format_func=lambda v: _("All units") if v is None else units[v])
row2 = st.columns([1.7, 1.4, 1.2, 1.5, 2.3], vertical_alignment="bottom")  # the date range readable at 1366 px
requester = row2[0].selectbox(_("Requesting unit"), [None, *units], key=f"{KEY}_requester", on_change=reset_page,
                              args=(KEY,), format_func=lambda v: _("All units") if v is None else units[v])
code = row2[1].text_input(_("Tracking number"), key=f"{KEY}_code", on_change=reset_page, args=(KEY,))
overdue = row2[2].toggle(_("Overdue only"), key=f"{KEY}_overdue", on_change=reset_page, args=(KEY,))
filings = row2[3].toggle(_("Cross-level filings"), key=f"{KEY}_filed", on_change=reset_page, args=(KEY,))
period = row2[4].date_input(_("Submitted between"), value=[], key=f"{KEY}_period", on_change=reset_page, args=(KEY,),
                            min_value=DATE_MIN, max_value=DATE_MAX, format="YYYY-MM-DD")

flt = RequestFilter(view="all", status=status, kind=kind, route=route, provider_unit_id=provider,
                    requester_unit_id=requester, code=code, overdue_only=overdue, cross_level_only=filings,
                    submitted_from=period[0] if len(period) > 0 else None,
                    submitted_to=period[1] if len(period) > 1 else None)
selected = request_table(actor, flt, key=KEY, height=360)
request_export(actor, flt, KEY)
if selected is not None:
    show_request(actor, selected)
