"""Assessment results (考核结果): ranking per group with bar charts, distribution, dimensions, year over year and
a drill-down to each unit's scorecard; the 通报 exports. A unit sees its own scorecard until publication."""

import streamlit as st

from services import assessment
from services.assessment import exports, queries, rules
from services.core import permissions
from services.core.i18n import gettext as _
from ui import session
from ui.assessment import widgets
from ui.exports import export_control
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("Assessment results"))
listing = session.run_action(assessment.list_assessments, actor)
if listing is None or listing.empty:
    st.info(_("No assessment has been sent to the units yet."), icon=":material/leaderboard:")
    st.stop()
years = {int(r.id): f"{r.year} · {r.title} · {widgets.label(rules.STATUS_LABELS, r.status)}"
         for r in listing.itertuples()}
wanted = st.query_params.get("assessment")
ids = list(years)
index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
chosen = st.selectbox(_("Assessment"), ids, index=index, format_func=years.get)
res = session.run_action(queries.results, actor, chosen)
if res is None:
    st.stop()
frame = queries.ranking(res)
if res.assessment.status != "published":
    st.warning(_("Provisional figures: the assessment is not published yet."), icon=":material/hourglass_top:")

ranking_view = len(res.cards) > 1
if ranking_view:
    cols = st.columns(4)
    cols[0].metric(_("Units assessed"), len(frame))
    cols[1].metric(_("Mean score"), f"{frame['total'].mean():.2f}")
    passing = frame["grade"].isin(["excellent", "good", "pass"]).mean() * 100
    cols[2].metric(_("Share passing"), f"{passing:.1f}%")
    cols[3].metric(_("Excellent"), int((frame["grade"] == "excellent").sum()))
    if permissions.can(actor, "assessment.export"):
        export_control("assessment_ranking", lambda fmt: exports.export_ranking(actor, chosen, fmt),
                       signature=chosen)
        language_report = st.button(_("Prepare the 通报 report (PDF)"), icon=":material/picture_as_pdf:")
        if language_report:
            file = session.run_action(exports.report_pdf, actor, chosen)
            if file:
                st.download_button(_("Download {name}", name=file.filename), file.data, file_name=file.filename,
                                   mime=file.mime, type="primary", key="assessment_report_download")
    tabs = st.tabs([widgets.label(rules.GROUP_LABELS, g) for g in rules.UnitGroup] + [_("Overview")])
    selected_unit = None
    for tab, group in zip(tabs, rules.UnitGroup, strict=False):
        with tab:
            part = frame[frame["group"] == group]
            if part.empty:
                st.caption(_("No unit in this group."))
                continue
            event = widgets.show(widgets.ranking_chart(frame, group), f"rank_{group}", clickable=True)
            selected_unit = widgets.clicked_unit(event) or selected_unit
            shown = part.assign(grade=part["grade"].map(lambda g: widgets.label(rules.GRADE_LABELS, g)))
            table = st.dataframe(
                shown[["rank", "unit", "total", "grade", "deducted", "change"]].rename(columns={
                    "rank": _("Rank"), "unit": _("Unit name"), "total": _("Total"), "grade": _("Grade"),
                    "deducted": _("Deductions"), "change": _("Change from last year")}),
                hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"tbl_{group}")
            rows = table.selection.rows if table is not None else []
            if rows:
                selected_unit = int(part.iloc[rows[0]]["unit_id"])
    with tabs[-1]:
        left, right = st.columns(2)
        with left:
            widgets.show(widgets.distribution_chart(frame), "distribution")
        with right:
            widgets.show(widgets.dimension_chart(frame, res), "dimensions")
        history = queries.history(actor)
        if len(history) > 1:
            widgets.show(widgets.history_chart(history), "history_all")
        if res.assessment.good_practice or res.assessment.problems:
            st.markdown(f"**{_('Good practice')}**  \n{md_escape(res.assessment.good_practice or '—')}")
            st.markdown(f"**{_('Problems found')}**  \n{md_escape(res.assessment.problems or '—')}")
    choices = dict(zip(frame["unit_id"].astype(int), frame["unit"], strict=True))
    if selected_unit is None and st.query_params.get("unit", "").isdigit():
        selected_unit = int(st.query_params["unit"])
    options = [None, *choices]
    unit_id = st.selectbox(_("Scorecard of"), options, index=options.index(selected_unit) if selected_unit in choices else 0,
                           format_func=lambda u: _("Choose a unit") if u is None else choices[u])
else:
    unit_id = next(iter(res.cards), None)

if unit_id is not None and unit_id in res.cards:
    widgets.scorecard(actor, res, int(unit_id))
    if permissions.can(actor, "assessment.export", unit_id=int(unit_id)):
        if st.button(_("Prepare the score sheet (PDF)"), icon=":material/picture_as_pdf:", key="card_pdf"):
            file = session.run_action(exports.scorecard_pdf, actor, chosen, int(unit_id))
            if file:
                st.download_button(_("Download {name}", name=file.filename), file.data, file_name=file.filename,
                                   mime=file.mime, type="primary", key="card_pdf_download")
    # a unit reading another unit's published scorecard gets no year-over-year line of it (its own scope only)
    unit_history = (queries.history(actor, int(unit_id))
                    if (ranking_view or res.assessment.status == "published")
                    and permissions.can(actor, "assessment.view", unit_id=int(unit_id)) else None)
    if unit_history is not None and len(unit_history) > 1:
        widgets.show(widgets.history_chart(unit_history), f"history_{unit_id}")
