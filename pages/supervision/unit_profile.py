"""Unit profile (单位画像): one unit's KPIs, what pulls its catalog down, the requests it received, late steps."""

import streamlit as st

from services import kpi
from services.core.i18n import gettext as _
from services.kpi.cases import CaseMode, case_list, unit_catalog_issues, unit_profile, unit_requests
from services.sharing.rules import STATUS_LABELS, label
from ui import case_links, session
from ui.kpi.tiles import DASHBOARD, case_table, filter_bar, load, period_caption, tiles
from ui.labels import UNIT_KIND_LABELS
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
heading = st.empty()  # the title above the filter bar, as on every page; the unit's name once it is chosen
heading.title(_("Unit profile"))
filters = filter_bar(actor)
if filters is None:
    st.stop()
if filters.unit_id is None:
    st.info(_("Choose a unit above, or click a unit in any chart or table of the dashboard."), icon=":material/apartment:")
    st.stop()

profile = session.run_action(load, unit_profile, actor, filters.unit_id)
if profile is None:
    st.stop()
heading.title(md_escape(profile.name))
st.caption(" · ".join(part for part in (
    profile.region, label(UNIT_KIND_LABELS, profile.kind), _("USCC {code}", code=profile.uscc),
    _("Data administrator: {name} {phone}", name=profile.data_admin_name or "—", phone=profile.data_admin_phone or ""),
) if part))
st.page_link(DASHBOARD, label=_("Back to the dashboard"), icon=":material/arrow_back:",
             query_params={k: v for k, v in filters.query_params().items() if k != "unit"})

results = session.run_action(load, kpi.compute, actor, filters.period, unit_id=filters.unit_id)
if results is None:
    st.stop()
st.caption(period_caption(filters))
for family in kpi.families():
    st.markdown(f"##### {_(family.title)}")
    tiles([r for r in results if r.family == family.key], filters)

late = load(case_list, actor, CaseMode.LATE, period=filters.period, unit_id=filters.unit_id)
open_steps = load(case_list, actor, CaseMode.OPEN, period=filters.period, unit_id=filters.unit_id)
issues = load(unit_catalog_issues, actor, filters.unit_id, filters.period)
requests = load(unit_requests, actor, filters.unit_id, filters.period)
late_tab, open_tab, catalog_tab, requests_tab = st.tabs([
    _("Missed deadlines ({n})", n=late.total), _("Open steps ({n})", n=open_steps.total),
    _("Catalog issues ({n})", n=len(issues)), _("Requests received ({n})", n=len(requests))])
with late_tab:
    st.caption(_("Deadlines that fell due in the period and were not met: answered late or still open."))
    case_table(late, "unit_late", filters, unit_page=True)
with open_tab:
    case_table(open_steps, "unit_open", filters, unit_page=True)
with catalog_tab:
    if issues.empty:
        st.success(_("No published entry of this unit has a quality issue."), icon=":material/task_alt:")
    else:
        st.dataframe(issues, hide_index=True, width="stretch", column_config={
            "resource_code": st.column_config.TextColumn(_("Resource code")),
            "name": st.column_config.TextColumn(_("Resource name"), width="medium"),
            "share_type": None,
            "completeness": st.column_config.NumberColumn(_("Metadata completeness"), format="%.1f%%"),
            "last_maintained_at": st.column_config.DatetimeColumn(_("Last maintained"), format="YYYY-MM-DD"),
            "issues": st.column_config.TextColumn(_("Issues"), width="large"),
        })
with requests_tab:
    shown = requests.assign(status=requests["status"].map(lambda s: label(STATUS_LABELS, s)))
    picked = st.dataframe(shown, hide_index=True, width="stretch", key="unit_requests", on_select="rerun",
                          selection_mode="single-row", column_config={
        "request_id": None, "implemented_at": None,
        "code": st.column_config.TextColumn(_("Reference")),
        "requester": st.column_config.TextColumn(_("Requesting unit")),
        "status": st.column_config.TextColumn(_("Status")),
        "submitted_at": st.column_config.DatetimeColumn(_("Submitted"), format="YYYY-MM-DD HH:mm"),
        "answered_at": st.column_config.DatetimeColumn(_("Answered"), format="YYYY-MM-DD HH:mm"),
    })
    st.caption(_("Select a row to open the request."))
    chosen = [r for r in picked.selection.rows if r < len(requests)]
    if chosen and case_links.can_open("share_request", actor.roles):
        case_links.open_case("share_request", int(requests.iloc[chosen[0]]["request_id"]))
