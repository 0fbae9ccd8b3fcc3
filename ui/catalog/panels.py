"""Home panels of the catalog: what a unit has to revise or maintain, what the bureau has to review.
Also registers the catalog case pages so inbox rows of catalog clocks open the right screen."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services import catalog
from services.core.actor import Actor
from services.core.i18n import gettext as _
from ui.case_links import register_case_page
from ui.home import register

# The review clock is the bureau's; the update clock (after a trigger) is the unit's.
register_case_page("catalog_entry", "pages/catalog/review.py", "catalog_review_id")
register_case_page(catalog.CASE_TRIGGER, "pages/catalog/mine.py", "catalog_trigger_id")


@register({Role.UNIT_STEWARD}, order=30)
def unit_catalog_panel(actor: Actor) -> None:
    counts = catalog.status_counts(actor)
    due = catalog.maintenance_due(actor)
    triggers = catalog.list_triggers(actor, open_only=True)
    if not (counts.get("returned") or counts.get("draft") or len(due) or len(triggers)):
        return
    st.subheader(_("Catalog"))
    cols = st.columns(4)
    cols[0].metric(_("Returned for revision"), counts.get("returned", 0))
    cols[1].metric(_("Drafts not submitted"), counts.get("draft", 0))
    cols[2].metric(_("Changes to act on"), len(triggers))
    cols[3].metric(_("Due for annual maintenance"), len(due))
    if st.button(_("Open my catalog"), icon=":material/folder_open:", key="home_catalog_mine"):
        st.switch_page("pages/catalog/mine.py")


@register({Role.BUREAU_REVIEWER}, order=30)
def bureau_catalog_panel(actor: Actor) -> None:
    queue = catalog.review_queue(actor)
    unfiled = catalog.restricted_entries(actor, unfiled_only=True)
    if queue.empty and unfiled.empty:
        return
    st.subheader(_("Catalog"))
    cols = st.columns(2)
    cols[0].metric(_("Submissions waiting for review"), len(queue))
    cols[1].metric(_("Not-shared entries to file"), len(unfiled))
    if st.button(_("Open catalog review"), icon=":material/fact_check:", key="home_catalog_review"):
        st.switch_page("pages/catalog/review.py")
