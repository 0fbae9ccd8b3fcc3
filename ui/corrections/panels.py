"""Home panel of corrections and the case page the inbox links to."""

from __future__ import annotations

import streamlit as st

from models.clock import CaseKind
from models.user import Role
from services.core.actor import Actor
from services.core.i18n import gettext as _
from services.corrections import queries
from ui.case_links import register_case_page
from ui.home import register

register_case_page(CaseKind.CORRECTION, "pages/corrections/correction.py", "correction_id")
register_case_page(CaseKind.DATA_CHANGE, "pages/aggregation/registrations.py", "data_change_id")


@register({Role.UNIT_STEWARD}, order=40)
def corrections_panel(actor: Actor) -> None:
    counts = queries.home_counts(actor)
    st.subheader(_("Corrections"))
    cols = st.columns(4)
    cols[0].metric(_("Corrections to verify"), counts.to_verify)
    cols[1].metric(_("Of which overdue"), counts.overdue)
    cols[2].metric(_("Our corrections answered"), counts.answered_for_us)
    if cols[0].button(_("Open corrections"), key="home_corrections", type="tertiary", icon=":material/arrow_forward:"):
        st.switch_page("pages/corrections/list.py")
