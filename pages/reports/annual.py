"""Annual data-management reports (年度数据管理工作报告, Yunyang §46): the unit writes its sections over the platform's
figures, previews and submits by the due date; the bureau opens the year, accepts or returns units' reports and
submits its own jurisdiction report compiled from them; everyone in scope reads and exports (PDF, XLSX)."""

import streamlit as st

from models.user import Role
from services import reports
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local, local_date
from ui import session
from ui.forms import limit_help
from ui.markdown import md_escape
from ui.reports.widgets import STATE_KEY, report_body, sections_view, status_text
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Annual reports"))
today = local_date()
default_year = today.year if today.month >= 11 else today.year - 1
year = int(st.number_input(_("Report year"), min_value=2015, max_value=2034, value=default_year, step=1))
dates = reports.schedule(year)
if dates is None:
    st.info(_("The active policy profile sets no annual data-management report: not applicable."))
    st.stop()
st.caption(_("Units report by {unit}; the bureau reports to the government by {bureau}; the government to the "
             "city by {government}.", unit=dates.unit.isoformat(), bureau=dates.bureau.isoformat(),
             government=dates.government.isoformat()))
if actor.has(Role.BUREAU_REVIEWER) and st.button(_("Open the report year"), icon=":material/event_available:"):
    session.run_action(reports.open_year, actor, year, success=_("Report year opened."), rerun=True)

frame = reports.list_reports(actor, year)
kinds = {code: _(msgid) for code, msgid in reports.KIND_NAMES.items()}
shown = frame.assign(status=frame["status"].map(status_text), kind=frame["kind"].map(kinds),
                     late=frame["late"].map(lambda v: _("Late") if v else ""),
                     submitted_at=frame["submitted_at"].map(
                         lambda t: fmt_local(t) if t is not None and t == t else ""))
selected = data_table(shown, {"unit": N_("Unit"), "kind": N_("Report kind"), "status": N_("Status"),
                              "due_on": N_("Due date"), "submitted_at": N_("Submitted"), "late": N_("Late")},
                      key="reports_table", height=300)
report_id = int(selected["id"]) if selected is not None else st.session_state.get(STATE_KEY)
if report_id is None and len(frame) == 1:
    report_id = int(frame.iloc[0]["id"])
if report_id is None:
    st.caption(_("Choose a report to read it."))
    st.stop()
view = reports.get_report(actor, int(report_id))
st.session_state[STATE_KEY] = view.id
st.subheader(md_escape(f"{view.unit} · {view.year}"))
st.caption(md_escape(status_text(view.status)) + (" · " + _("Late") if view.late else ""))
if view.return_reason:
    st.warning(md_escape(_("Returned: {reason}", reason=view.return_reason)), icon=":material/undo:")

writer = (view.kind == "unit" and actor.has(Role.UNIT_STEWARD) and view.unit_id == actor.unit_id) or \
         (view.kind == "jurisdiction" and actor.has(Role.BUREAU_REVIEWER) and view.unit_id == actor.unit_id)
tabs = st.tabs([_("Figures"), _("Written sections"), _("Export")])
with tabs[0]:
    report_body(view)
with tabs[1]:
    if writer and view.status in ("draft", "returned"):
        with st.form("report_sections"):
            texts = {key: st.text_area(_(reports.SECTION_TITLES[key]), value=view.sections.get(key) or "", height=140,
                                       key=f"report_{key}")
                     for key in reports.SECTIONS}
            save, submit = st.columns(2)
            if save.form_submit_button(_("Save")):
                session.run_action(reports.save_sections, actor, view.id, texts, expected_version=view.version,
                                   success=_("Report saved."), rerun=True)
            if submit.form_submit_button(_("Save and submit"), type="primary"):
                saved = session.run_action(reports.save_sections, actor, view.id, texts,
                                           expected_version=view.version)
                if saved:
                    session.run_action(reports.submit_report, actor, view.id,
                                       success=_("Report submitted: its figures are now frozen."), rerun=True)
    else:
        sections_view(view)
    if actor.has(Role.BUREAU_REVIEWER) and view.kind == "unit" and view.status == "submitted":
        with st.form("report_review"):
            reason = st.text_area(_("Reasons (when returning)"), help=limit_help(reports.RETURN_REASON_MAX))
            accept, back = st.columns(2)
            if accept.form_submit_button(_("Accept"), type="primary"):
                session.run_action(reports.review_report, actor, view.id, accept=True, expected_version=view.version,
                                   success=_("Report accepted."), rerun=True)
            if back.form_submit_button(_("Return")):
                session.run_action(reports.review_report, actor, view.id, accept=False, reason=reason,
                                   expected_version=view.version, success=_("Report returned."), rerun=True)
with tabs[2]:
    cols = st.columns(2)
    for col, fmt, make in ((cols[0], "pdf", reports.export_pdf), (cols[1], "xlsx", reports.export_xlsx)):
        if col.button(_("Prepare {fmt}", fmt=fmt.upper()), key=f"report_export_{fmt}"):
            file = session.run_action(make, actor, view.id)
            if file:
                st.session_state[f"report_file_{fmt}"] = (view.id, file)
        kept = st.session_state.get(f"report_file_{fmt}")
        if kept and kept[0] == view.id:
            col.download_button(_("Download {name}", name=kept[1].filename), kept[1].data,
                                file_name=kept[1].filename, mime=kept[1].mime, key=f"report_download_{fmt}",
                                type="primary", icon=":material/file_download:")
