"""My aggregation (汇聚登记): how each published entry of my unit reaches the platform, its freshness, the update
log with CSV/XLSX import and export, and reports that shared data changed."""

from datetime import date

import streamlit as st

from services import aggregation
from services.aggregation import queries, update_log
from services.aggregation.rules import FILING_LABELS, MODE_LABELS, NOT_MOUNTED, STATE_LABELS
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local
from ui import session
from ui.catalog.widgets import name_of
from ui.forms import DATE_MAX, DATE_MIN, UPLOAD_DEFAULT_MB, choose, upload_note
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("My aggregation"))
df = queries.registrations(actor, unit_id=actor.unit_id)
df["state_label"] = [_(STATE_LABELS[s]) if isinstance(s, str) else _(NOT_MOUNTED) for s in df["state"]]
df["mode_label"] = [_(MODE_LABELS[m]) if isinstance(m, str) else "" for m in df["mode"]]
df["filing_label"] = [_(FILING_LABELS[f]) if isinstance(f, str) else "" for f in df["filing_status"]]
df["frequency_label"] = [name_of("update_frequency", f) for f in df["update_frequency"]]  # 每日, not "daily"
df["fresh_label"] = [(_("Fresh") if f else _("Stale by {n} days", n=late)) if a else ""
                     for a, f, late in zip(df["aggregation_active"], df["fresh"], df["days_late"], strict=True)]
cols = st.columns(3)
cols[0].metric(_("Published entries"), len(df))
cols[1].metric(_("Mounted"), int(df["aggregation_active"].sum()))
cols[2].metric(_("Stale entries"), int((df["days_late"] > 0).sum()))
selected = data_table(df, {"resource_code": N_("Resource code"), "name": N_("Entry"), "state_label": N_("Aggregation"),
                           "mode_label": N_("Mode"), "frequency_label": N_("Update frequency"),
                           "fresh_until": N_("Fresh until"), "fresh_label": N_("Freshness"), "filing_label": N_("Filing")},
                      key="agg_regs", height=300)

if selected is not None:
    entry_id, version = int(selected["entry_id"]), selected["version"]
    expected = None if version != version or version is None else int(version)
    st.subheader(f"{selected['resource_code']} {selected['name']}")
    tabs = st.tabs([_("Registration"), _("Record an update"), _("Data changed"), _("Cannot aggregate")])
    with tabs[0], st.form("agg_register"):
        mode = choose(_("Mode"), {k: _(v) for k, v in MODE_LABELS.items()}, value=selected["mode"])
        system = st.text_input(_("Source system"), value=selected["source_system"] or "")
        records = st.number_input(_("Expected record count"), min_value=0, value=int(selected["expected_records"] or 0))
        if st.form_submit_button(_("Save registration"), type="primary"):
            session.run_action(aggregation.register, actor,
                               aggregation.RegistrationInput(entry_id, mode, system, int(records)),
                               expected_version=expected, success=_("Saved."), rerun=True)
        reason = st.text_input(_("Reason for suspending"))
        if st.form_submit_button(_("Suspend")):
            session.run_action(aggregation.suspend, actor, entry_id, reason, expected_version=expected,
                               success=_("Saved."), rerun=True)
    with tabs[1], st.form("agg_update"):
        day = st.date_input(_("Updated on"), value=date.today(), min_value=DATE_MIN, max_value=DATE_MAX)
        counts = st.columns(4)
        total = counts[0].number_input(_("Record count"), min_value=0, value=0)
        added = counts[1].number_input(_("Added"), min_value=0, value=0)
        changed = counts[2].number_input(_("Changed"), min_value=0, value=0)
        deleted = counts[3].number_input(_("Deleted"), min_value=0, value=0)
        source = st.text_input(_("Updated by (person or system)"))
        if st.form_submit_button(_("Record the update"), type="primary"):
            session.run_action(aggregation.record_update, actor,
                               aggregation.UpdateInput(entry_id, day, int(total), int(added), int(changed),
                                                       int(deleted), source), success=_("Saved."), rerun=True)
    with tabs[2], st.form("agg_change"):
        changed_on = st.date_input(_("Changed on"), value=date.today(), min_value=DATE_MIN, max_value=DATE_MAX)
        note = st.text_area(_("What changed"))
        if st.form_submit_button(_("Report the change"), type="primary"):
            session.run_action(aggregation.report_change, actor, entry_id, changed_on, note,
                               success=_("Reported; consumers holding access were told."), rerun=True)
    with tabs[3], st.form("agg_not_possible"):
        why = st.text_area(_("Why the data cannot be aggregated"))
        if st.form_submit_button(_("File with the bureau")):
            session.run_action(aggregation.file_not_possible, actor, entry_id, why, expected_version=expected,
                               success=_("Filed with the bureau."), rerun=True)

st.subheader(_("Update log"))
log, total = queries.update_log(actor, unit_id=actor.unit_id)
log["updated_at"] = log["updated_at"].map(lambda t: fmt_local(t) if t is not None and t == t else "")  # local time
data_table(log, {"resource_code": N_("Resource code"), "name": N_("Entry"), "updated_at": N_("Updated at"),
                 "record_count": N_("Record count"), "added": N_("Added"), "changed": N_("Changed"), "deleted": N_("Deleted"),
                 "source": N_("Updated by (person or system)")}, key="agg_log", height=260, selectable=False)
left, right = st.columns(2)
with left:
    upload = st.file_uploader(_("Import updates (CSV or XLSX from the exchange platform)"), type=["csv", "xlsx"])
    upload_note(UPLOAD_DEFAULT_MB, ["csv", "xlsx"])
    if upload is not None and st.button(_("Import"), type="primary"):
        report = session.run_action(update_log.import_updates, actor, upload.name, upload.getvalue())
        if report and report is not True:
            if report.problems:
                st.error(_("Nothing was written: {n} problems.", n=len(report.problems)))
                st.dataframe([{_("Row"): p.row, _("Column"): p.column, _("Problem"): p.message}
                              for p in report.problems], hide_index=True)
            else:
                st.success(_("{n} updates recorded, {s} already in the log.", n=report.written, s=report.skipped))
with right:
    fmt = st.radio(_("Format"), ["csv", "xlsx"], horizontal=True)
    st.download_button(_("Export the update log"), update_log.export_updates(actor, fmt=fmt),
                       file_name=f"updates.{fmt}")
