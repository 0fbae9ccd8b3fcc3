"""Home panel of open data: public requests waiting for the user's unit."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services.core.actor import Actor
from services.core.i18n import gettext as _
from services.opendata import queries as open_queries
from ui.home import register
from ui.opendata.widgets import REQUEST_PAGE, register_case_pages

register_case_pages()


@register({Role.UNIT_STEWARD, Role.BUREAU_REVIEWER}, order=35)
def open_data_panel(actor: Actor) -> None:
    waiting = open_queries.open_count(actor)
    if not waiting:
        return
    st.subheader(_("Open data"))
    cols = st.columns(4)
    cols[0].metric(_("Public requests waiting for my unit"), waiting)
    if cols[0].button(_("Open-data requests"), key="home_open_requests", type="tertiary",
                      icon=":material/arrow_forward:"):
        st.switch_page(REQUEST_PAGE)
