"""Home panel of annual reports: the unit's report to write, the bureau's reports to review."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services import reports
from services.core.actor import Actor
from services.core.i18n import gettext as _
from ui.home import register
from ui.reports.widgets import PAGE, register_case_pages

register_case_pages()


@register({Role.UNIT_STEWARD, Role.BUREAU_REVIEWER}, order=62)
def reports_panel(actor: Actor) -> None:
    counts = reports.home_counts(actor)
    if not (counts.to_write or counts.to_review):
        return
    st.subheader(_("Annual reports"))
    cols = st.columns(4)
    if counts.to_write:
        cols[0].metric(_("Reports to write and submit"), counts.to_write)
    if counts.to_review:
        cols[1].metric(_("Reports waiting for the bureau"), counts.to_review)
    if cols[0].button(_("Open annual reports"), key="home_reports", type="tertiary", icon=":material/arrow_forward:"):
        st.switch_page(PAGE)
