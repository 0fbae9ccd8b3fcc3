"""Home panel of sharing: what waits for the user's unit or county, grants about to end, disputes."""

from __future__ import annotations

import streamlit as st

from models.user import Role
from services.core.actor import Actor
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.sharing import queries as sharing_queries
from ui.home import register
from ui.sharing.widgets import register_case_pages

register_case_pages()


def _link(column, text: str, page: str, key: str) -> None:
    if column.button(text, key=key, type="tertiary", icon=":material/arrow_forward:"):
        st.switch_page(page)


@register({Role.UNIT_STEWARD, Role.COUNTY_APPROVER, Role.BUREAU_REVIEWER}, order=30)
def sharing_panel(actor: Actor) -> None:
    o = sharing_queries.overview(actor)
    st.subheader(_("Sharing"))
    if actor.has(Role.COUNTY_APPROVER):
        cols = st.columns(4)
        cols[0].metric(_("County requests to decide"), o.county_queue)
        _link(cols[0], _("Open the queue"), "pages/workbench/county_approvals.py", "home_share_county")
    if actor.has(Role.UNIT_STEWARD):
        cols = st.columns(4)
        cols[0].metric(_("Requests my unit must handle"), o.incoming_waiting)
        cols[1].metric(_("Of which overdue"), o.incoming_overdue)
        cols[2].metric(_("My applications needing more information"), o.needs_info)
        cols[3].metric(_("Grants ending within {n} days", n=get_settings().share_expiry_notice_days),
                       o.grants_expiring)
        _link(cols[0], _("Incoming requests"), "pages/sharing/incoming.py", "home_share_incoming")
        _link(cols[2], _("My applications"), "pages/sharing/mine.py", "home_share_mine")
        _link(cols[3], _("Access grants"), "pages/sharing/grants.py", "home_share_grants")
        if o.refused:
            st.caption(_("{n} of your applications were refused: you may object and ask the bureau to coordinate.",
                         n=o.refused))
    if actor.has(Role.BUREAU_REVIEWER):
        cols = st.columns(4)
        cols[0].metric(_("Disputes under coordination"), o.disputes_open)
        cols[1].metric(_("Requests awaiting the bureau's answer"), o.co_decisions)
        _link(cols[0], _("Disputes"), "pages/sharing/disputes.py", "home_share_disputes")
        _link(cols[1], _("All share requests"), "pages/sharing/all_requests.py", "home_share_all")
