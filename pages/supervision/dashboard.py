"""Leadership dashboard (领导驾驶舱): KPI tiles against targets, charts and tables by unit; every number drills down."""

import streamlit as st

from services import kpi
from services.core import i18n, permissions
from services.core.i18n import gettext as _
from services.kpi import series
from services.kpi.cases import CASE_KIND_TITLES
from services.kpi.export import XLSX_MIME, export_dashboard, file_name
from ui import session
from ui.assessment.widgets import dashboard_section as assessment_section
from ui.kpi import charts
from ui.kpi.tiles import (
    CASES_PAGE,
    chart,
    filter_bar,
    load,
    period_caption,
    target_editor,
    tiles,
    unit_table,
)

actor = session.require_actor()
session.show_flash()
st.title(_("Leadership dashboard"))
filters = filter_bar(actor)
if filters is None:
    st.stop()
scope = dict(region_id=filters.region_id, unit_id=filters.unit_id)
# The first dashboard of the day computes every indicator (seconds at city scale); say so while it does.
with st.spinner(_("Computing the indicators for this period…"), show_time=True):
    results = session.run_action(load, kpi.compute, actor, filters.period, **scope)
if results is None:
    st.stop()
caption, action = st.columns([4, 1.2], vertical_alignment="center")
caption.caption(period_caption(filters))

if permissions.can(actor, "kpi.export"):
    language = i18n.current_language()

    def _workbook() -> bytes:  # runs only when the button is clicked (and is audited then)
        i18n.set_language(language)
        return export_dashboard(actor, filters.period, **scope)

    action.download_button(_("Export tables (XLSX)"), _workbook, file_name=file_name("kpi", filters.period),
                           mime=XLSX_MIME, icon=":material/download:", on_click="ignore", width="stretch")

by_key = {r.key: r for r in results}
for family in kpi.families():
    st.markdown(f"##### {_(family.title)}")
    tiles([r for r in results if r.family == family.key], filters)
target_editor(actor, results, filters)

sharing_tab, catalog_tab, clocks_tab = st.tabs([_("Sharing"), _("Catalog"), _("Deadlines")])
with sharing_tab:
    monthly = load(series.monthly_requests, actor, filters.period, **scope)
    left, right = st.columns(2)
    with left:
        chart(charts.monthly_requests(monthly, by_key["sharing.on_time_answer"].target), "monthly",
              _("Requests per month"), filters, clickable=False)
    sharing_units = load(kpi.by_unit, actor, filters.period, "sharing", **scope)
    with right:
        on_time = by_key["sharing.on_time_answer"]
        chart(charts.unit_bars(sharing_units, on_time.key, _("On-time answer rate by providing unit (worst first)"),
                               target=on_time.target, higher_is_better=True, percent=True),
              "on_time_units", _("On-time answer rate by unit"), filters)
    st.subheader(_("Sharing by providing unit"), anchor="units-sharing")
    unit_table(sharing_units, results, "sharing_units", filters)

with catalog_tab:
    catalog_units = load(kpi.by_unit, actor, filters.period, "catalog", **scope)
    chart(charts.catalog_by_unit(catalog_units, by_key["catalog.coverage"].target,
                                 by_key["catalog.completeness"].target),
          "catalog_units_chart", _("Catalog completeness and coverage by unit"), filters)
    left, right = st.columns(2)
    with left:
        chart(charts.funnel(load(series.catalog_funnel, actor, filters.period, **scope)), "funnel",
              _("Catalog status funnel"), filters, clickable=False)
    with right:
        chart(charts.share_types(load(series.share_types_by_unit, actor, filters.period, **scope)), "share_types",
              _("Share types by unit"), filters)
    st.subheader(_("Catalog by providing unit"), anchor="units-catalog")
    unit_table(catalog_units, results, "catalog_units", filters)

with clocks_tab:
    overdue = load(series.overdue_by_unit, actor, filters.period, **scope)
    if overdue.empty:
        st.success(_("No case is overdue at the end of this period."), icon=":material/task_alt:")
    else:
        chart(charts.overdue_by_unit(overdue, CASE_KIND_TITLES), "overdue_units", _("Overdue now by unit"), filters)
        st.page_link(CASES_PAGE, label=_("List every overdue case"), icon=":material/list:",
                     query_params=filters.query_params(mode="overdue"))
    st.subheader(_("Deadlines by responsible unit"), anchor="units-clocks")
    unit_table(load(kpi.by_unit, actor, filters.period, "clocks", **scope), results, "clock_units", filters)

# Supervision assessment (监督考核): the latest published ranking, drill-down to a unit's scorecard.
assessment_section(actor)
