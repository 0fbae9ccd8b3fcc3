"""Aggregation overview (汇聚情况): mount rate and freshness by unit, stale entries by unit, drill-down to the
entries, and (bureau) filings that aggregation is not possible."""

import plotly.express as px
import streamlit as st

from models.user import Role
from services import aggregation
from services.aggregation import queries
from services.core.i18n import N_
from services.core.i18n import gettext as _
from ui import session
from ui.catalog.widgets import name_of
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Aggregation overview"))
df = queries.overview(actor)
cols = st.columns(4)
published, mounted = int(df["published"].sum()), int(df["mounted"].sum())
cols[0].metric(_("Mount rate"), f"{100 * mounted / published:.1f}%" if published else "—")
cols[1].metric(_("Fresh rate"), f"{100 * int(df['fresh'].sum()) / mounted:.1f}%" if mounted else "—")
cols[2].metric(_("Stale entries"), int(df["stale"].sum()))
cols[3].metric(_("Filed as not possible"), int(df["not_possible"].sum()))
stale = df[df["stale"] > 0].head(20)
if not stale.empty:
    chart = px.bar(stale, x="stale", y="unit", orientation="h", labels={"stale": _("Stale entries"), "unit": ""})
    chart.update_layout(height=60 + 28 * len(stale), yaxis={"autorange": "reversed"}, margin={"l": 0, "r": 0, "t": 10})
    st.plotly_chart(chart, width="stretch")
selected = data_table(df, {"unit": N_("Unit"), "published": N_("Published entries"), "mounted": N_("Mounted"),
                           "mount_rate": N_("Mount rate (%)"), "fresh_rate": N_("Fresh rate (%)"), "stale": N_("Stale entries"),
                           "not_possible": N_("Filed as not possible")}, key="agg_overview", height=320)
if selected is not None:
    st.subheader(selected["unit"])
    entries = queries.registrations(actor, unit_id=int(selected["unit_id"]))
    entries = entries[entries["days_late"] > 0].sort_values("days_late", ascending=False)
    entries["update_frequency"] = [name_of("update_frequency", f) for f in entries["update_frequency"]]
    data_table(entries, {"resource_code": N_("Resource code"), "name": N_("Entry"), "update_frequency": N_("Update frequency"),
                         "fresh_until": N_("Fresh until"), "days_late": N_("Days late")}, key="agg_drill", selectable=False)

if actor.has(Role.BUREAU_REVIEWER):
    st.subheader(_("Filings awaiting the bureau"))
    filings = queries.pending_filings(actor)
    chosen = data_table(filings, {"unit": N_("Unit"), "resource_code": N_("Resource code"), "name": N_("Entry"),
                                  "reason": N_("Reason")}, key="agg_filings", height=200)
    if chosen is not None:
        with st.form("agg_filing_decision"):
            note = st.text_area(_("Note"))
            ok, no = st.columns(2)
            if ok.form_submit_button(_("Acknowledge"), type="primary"):
                session.run_action(aggregation.decide_filing, actor, int(chosen["id"]), True, note,
                                   expected_version=int(chosen["version"]), success=_("Saved."), rerun=True)
            if no.form_submit_button(_("Reject: the data must be aggregated")):
                session.run_action(aggregation.decide_filing, actor, int(chosen["id"]), False, note,
                                   expected_version=int(chosen["version"]), success=_("Saved."), rerun=True)
