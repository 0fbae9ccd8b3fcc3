"""Home panel of aggregation: the unit's unmounted and stale entries; for the bureau, filings to answer."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services.aggregation import queries
from services.core.actor import Actor
from services.core.i18n import gettext as _
from ui.home import register


@register({Role.UNIT_STEWARD, Role.BUREAU_REVIEWER}, order=35)
def aggregation_panel(actor: Actor) -> None:
    counts = queries.home_counts(actor)
    st.subheader(_("Aggregation"))
    cols = st.columns(4)
    cols[0].metric(_("Published entries not mounted"), counts.not_mounted)
    cols[1].metric(_("Stale entries"), counts.stale)
    if actor.has(Role.BUREAU_REVIEWER):
        cols[2].metric(_("Filings awaiting the bureau"), counts.filings_pending)
    page = "pages/aggregation/registrations.py" if actor.has(Role.UNIT_STEWARD) else "pages/aggregation/overview.py"
    if cols[0].button(_("Open aggregation"), key="home_aggregation", type="tertiary", icon=":material/arrow_forward:"):
        st.switch_page(page)
