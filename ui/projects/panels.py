"""Home panel of informatization projects: the unit's proposals, the bureau's decisions waiting, no-funds marks."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services import projects
from services.core.actor import Actor
from services.core.i18n import gettext as _
from ui.home import register
from ui.projects.widgets import PAGE, register_case_pages

register_case_pages()


@register({Role.UNIT_STEWARD, Role.BUREAU_REVIEWER}, order=60)
def projects_panel(actor: Actor) -> None:
    counts = projects.home_counts(actor)
    if not (counts.proposals or counts.waiting or counts.no_funds):
        return
    st.subheader(_("Informatization projects"))
    cols = st.columns(4)
    if actor.has(Role.UNIT_STEWARD):
        cols[0].metric(_("Proposals not yet submitted"), counts.proposals)
    if actor.has(Role.BUREAU_REVIEWER):
        cols[1].metric(_("Waiting for approval or acceptance"), counts.waiting)
    cols[2].metric(_("Without operating funds"), counts.no_funds)
    if cols[0].button(_("Open projects"), key="home_projects", type="tertiary", icon=":material/arrow_forward:"):
        st.switch_page(PAGE)
