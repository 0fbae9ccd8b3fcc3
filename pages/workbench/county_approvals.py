"""County approvals (县级审批): the county e-government department's short queue of requests between county units
(Longyan §12 para 2), soonest deadline first; approve in one click, refuse with the legal basis in two."""

import streamlit as st

from models.sharing import Decision
from services import sharing
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.sharing import DecisionInput
from services.sharing import queries as sharing_queries
from services.sharing.rules import METHOD_LABELS, label
from ui import session
from ui.markdown import md_text
from ui.sharing.widgets import deadline_markdown, fields_md, md_escape, refusal_fields

actor = session.require_actor()
session.show_flash()
st.title(_("County approvals"))

queue = sharing_queries.county_queue(actor)
st.caption(_("{n} requests wait for the county's decision. The provider decides with you.", n=len(queue)))
if not queue:
    st.success(_("Nothing is waiting for the county's decision."), icon=":material/task_alt:")


@st.dialog(_("Refuse"), width="large")
def refuse(item) -> None:
    st.markdown(f"**{md_escape(item.code)}** · {md_escape(item.requester)} → {md_escape(item.provider)}")
    law, article, reasons = refusal_fields(f"county_refuse_{item.id}")
    if st.button(_("Refuse"), type="primary"):
        session.run_action(sharing.decide, actor, item.id,
                           DecisionInput(Decision.REJECT, reason=reasons, basis_law=law, basis_article=article),
                           expected_version=item.version, success=md_text("Request {code} was refused.", code=item.code),
                           rerun=True)


today = local_date()
for item in queue:
    with st.container(border=True):
        top = st.columns([4.6, 2.6, 1.1, 1.1], vertical_alignment="center")
        top[0].markdown(f"**{md_escape(item.entry)}** · {item.code}  \n"
                        f"{md_escape(item.requester)} → {md_escape(item.provider)}")
        top[1].markdown(deadline_markdown(item.due_on, today) + ("  \n" + _("Provider has approved")
                                                                 if item.provider_approved else ""))
        if top[2].button(_("Approve"), key=f"ok_{item.id}", type="primary", width="stretch"):
            session.run_action(sharing.decide, actor, item.id, DecisionInput(Decision.APPROVE),
                               expected_version=item.version,
                               success=md_text("Request {code} was approved.", code=item.code), rerun=True)
        if top[3].button(_("Refuse"), key=f"no_{item.id}", width="stretch"):
            refuse(item)
        terms = " · ".join([label(METHOD_LABELS, item.share_method), _("until {day}", day=item.end_date)]
                           + ([_("{n} attachments", n=item.attachments)] if item.attachments else []))
        st.markdown(fields_md([(_("Data items"), _(", ").join(item.items)),
                               (_("Purpose"), " — ".join(filter(None, [item.purpose, item.scenario]))),
                               (_("Duty or legal basis"), item.legal_basis), (_("Terms"), terms)]))
        if item.needs_confidentiality:
            st.caption(_("Sensitive data: a confidentiality agreement is required before access is given."))
        if st.button(_("Open the full request"), key=f"open_{item.id}", type="tertiary"):
            st.session_state["share_request_id"] = item.id
            st.switch_page("pages/sharing/request.py")
