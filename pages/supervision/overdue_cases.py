"""Overdue cases (超期事项): the steps behind an overdue count or a missed-deadline rate, filterable and exportable."""

import streamlit as st

from services.core import permissions
from services.core.i18n import gettext as _
from services.kpi.cases import CASE_KIND_TITLES, STEP_TITLES, CaseMode, case_list
from services.kpi.export import export_case_list
from ui import session
from ui.exports import export_control
from ui.kpi.tiles import DASHBOARD, case_table, filter_bar, load, period_caption
from ui.labels import colon

MODE_LABELS = {CaseMode.OVERDUE: _("Overdue at the end of the period"),
               CaseMode.LATE: _("Deadlines missed in the period"), CaseMode.OPEN: _("All open steps")}

actor = session.require_actor()
session.show_flash()
st.title(_("Overdue cases"))
filters = filter_bar(actor)
if filters is None:
    st.stop()

params = st.query_params
modes = list(MODE_LABELS)
wanted_mode = params.get("mode")
# The three lists have long names ("Overdue at the end of the period"): the choice gets a row of its own.
mode = st.segmented_control(_("Show"), modes, format_func=MODE_LABELS.get, key="cases_mode",
                                 default=CaseMode(wanted_mode) if wanted_mode in set(CaseMode) else CaseMode.OVERDUE)
mode = mode or CaseMode.OVERDUE
cols = st.columns([1.4, 1.4, 2.2])
kinds = [None, *CASE_KIND_TITLES]
kind = cols[0].selectbox(_("Kind of case"), kinds, key="cases_kind",
                         index=kinds.index(params.get("kind")) if params.get("kind") in kinds else 0,
                         format_func=lambda k: _("All kinds") if k is None else _(CASE_KIND_TITLES[k]))
steps = [None, *STEP_TITLES]
step = cols[1].selectbox(_("Step"), steps, key="cases_step",
                         index=steps.index(params.get("step")) if params.get("step") in steps else 0,
                         format_func=lambda s: _("All steps") if s is None else _(STEP_TITLES[s]))
st.query_params.update({k: v for k, v in {"mode": str(mode), "kind": kind, "step": step}.items() if v})
for name, value in (("kind", kind), ("step", step)):
    if value is None and name in st.query_params:
        del st.query_params[name]

query = dict(period=filters.period, region_id=filters.region_id, unit_id=filters.unit_id, kind=kind, step=step)
cases = session.run_action(load, case_list, actor, mode, **query)
if cases is None:
    st.stop()
st.caption(period_caption(filters) if mode is not CaseMode.OPEN else _("Open steps as of today"))
st.markdown(f"**{MODE_LABELS[mode]}{colon()}{cases.total:,}**")

if permissions.can(actor, "kpi.export"):  # CSV or XLSX of the list as filtered, like every list a user hands on
    export_control("cases", lambda fmt: export_case_list(actor, mode, fmt, **query), signature=(str(mode), query))

case_table(cases, "cases_table", filters)
st.page_link(DASHBOARD, label=_("Back to the dashboard"), icon=":material/arrow_back:",
             query_params=filters.query_params())
