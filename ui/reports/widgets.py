"""Annual report widgets: the figures (frozen or live), the assessment section, the jurisdiction compilation and
the written sections, drawn the same way for the unit, the bureau and leadership."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services import reports
from services.core.i18n import gettext as _
from services.reports import queries
from ui.case_links import register_case_page
from ui.markdown import md_escape

PAGE = "pages/reports/annual.py"
STATE_KEY = "annual_report_id"


def register_case_pages() -> None:
    register_case_page("annual_report", PAGE, STATE_KEY)


def status_text(status: str) -> str:
    msgid = reports.STATUS_NAMES.get(status)  # type: ignore[call-overload]
    return _(msgid) if msgid else status


def report_body(view: queries.ReportView) -> None:
    if view.frozen:
        st.caption(_("Figures frozen at submission (as of {day}).", day=view.figures.get("as_of", "")))
    else:
        st.caption(_("Figures computed now (as of {day}); they are frozen when the report is submitted.",
                     day=view.figures.get("as_of", "")))
    rows = queries.figure_rows(view.figures)
    st.dataframe(pd.DataFrame(rows, columns=[_("Section"), _("Figure"), _("Value")]), hide_index=True,
                 width="stretch", height=min(36 * (len(rows) + 1), 520))
    st.markdown("**" + _("Assessment result") + "**")
    assessment = queries.assessment_rows(view.figures)
    if assessment:
        st.dataframe(pd.DataFrame(assessment, columns=[_("Figure"), _("Value")]), hide_index=True, width="stretch")
    else:
        st.caption(_("No published assessment."))
    data = view.figures.get("jurisdiction")
    if data:
        st.markdown("**" + _("Units of the jurisdiction") + "**")
        cols = st.columns(3)
        cols[0].metric(_("Units reporting"), data["units"])
        cols[1].metric(_("Submitted"), data["submitted"])
        cols[2].metric(_("Accepted"), data["accepted"])
        if data["late"]:
            st.warning(md_escape(_("Late: {units}", units="、".join(data["late"]))))
        if data["missing"]:
            st.error(md_escape(_("Not submitted: {units}", units="、".join(data["missing"]))))
        for _key, frame in queries.jurisdiction_tables(view.figures).items():
            st.dataframe(frame, hide_index=True, width="stretch")


def sections_view(view: queries.ReportView) -> None:
    for key in reports.SECTIONS:
        st.markdown("**" + _(reports.SECTION_TITLES[key]) + "**")
        st.markdown(md_escape(view.sections.get(key) or "—"))


register_case_pages()
