"""Home panels of the assessment: appeals waiting for the assessors; the unit's provisional scorecard and its
appeal window. Clocks of the assessment open the matching page from the inbox."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services import assessment
from services.assessment import queries
from services.core.actor import Actor
from services.core.i18n import gettext as _
from ui.assessment.widgets import MY_PAGE, WORK_PAGE
from ui.case_links import register_case_page
from ui.home import register

register_case_page("assessment_card", MY_PAGE, "assessment_card_id")
register_case_page("assessment_appeal", WORK_PAGE, "assessment_appeal_id")


@register({Role.ASSESSOR}, order=20)
def assessor_panel(actor: Actor) -> None:
    counts = queries.work_counts(actor)
    if not counts.get("appeals") and not counts.get("running"):
        return
    st.subheader(_("Assessment"))
    cols = st.columns(4)
    cols[0].metric(_("Appeals to answer"), counts.get("appeals", 0))
    cols[1].metric(_("Assessments in progress"), counts.get("running", 0))
    if cols[0].button(_("Assessment work"), key="home_assessment", type="tertiary", icon=":material/arrow_forward:"):
        st.switch_page(WORK_PAGE)


@register({Role.UNIT_STEWARD}, order=45)
def unit_panel(actor: Actor) -> None:
    waiting = [c for c in assessment.my_cards(actor) if c.window_open]
    if not waiting:
        return
    st.subheader(_("Assessment"))
    for card in waiting:
        st.warning(_("The provisional scorecard of {title} is ready: accept it or appeal by {day}.",
                     title=card.title, day=card.appeal_due_on), icon=":material/schedule:")
    if st.button(_("My assessment scorecard"), key="home_my_scorecard", type="tertiary",
                 icon=":material/arrow_forward:"):
        st.switch_page(MY_PAGE)
