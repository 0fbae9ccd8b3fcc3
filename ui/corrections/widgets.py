"""One correction: facts, deadline, the reporter (source unit only, ID masked), evidence and the actions open."""

from __future__ import annotations

from datetime import date

import streamlit as st

from services import corrections
from services.core.actor import Actor
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.corrections import queries
from services.corrections.rules import ORIGIN_LABELS, OUTCOMES, SERVED_AS_NORMAL, STATUS_LABELS
from services.deadlines import clocks
from ui import session
from ui.forms import DATE_MAX, DATE_MIN, limit_help
from ui.markdown import md_escape

CORRECTION_COLUMNS = {"code": N_("Code"), "origin_label": N_("Filed by"), "entry": N_("Entry"), "provider": N_("Source unit"),
                      "filed_on": N_("Filed on"), "status_label": N_("Status"), "due_on": N_("Due on")}


def label_rows(df):
    df["origin_label"] = [_(ORIGIN_LABELS.get(o, o)) for o in df["origin"]]
    df["status_label"] = [_(STATUS_LABELS[s]) for s in df["status"]]
    return df


def show_correction(actor: Actor, correction_id: int) -> None:
    view = session.run_action(queries.get_correction, actor, correction_id)
    if not view or view is True:
        return
    st.subheader(f"{view.code} · {md_escape(view.entry_name)}")
    cols = st.columns(4)
    cols[0].metric(_("Status"), _(STATUS_LABELS[view.status]))
    cols[1].metric(_("Filed on"), str(view.filed_on))
    cols[2].metric(_("Due on"), str(view.due_on or "—"))
    cols[3].metric(_("Deadline"), clocks.status_label(view.clock_status))
    st.markdown(f"**{_('Source unit')}**: {md_escape(view.provider)} · **{_('Filed by')}**: "
                f"{md_escape(view.reporter_unit or _(ORIGIN_LABELS[view.origin]))}")
    if view.items:
        st.markdown(f"**{_('Data items')}**: {md_escape('、'.join(view.items))}")
    st.markdown(f"**{_('What is wrong')}**: {md_escape(view.description)}")
    if view.status == "open":
        st.info(_(SERVED_AS_NORMAL), icon=":material/info:")
    if view.reporter_name:
        st.markdown(f"**{_('Reporter')}**: {md_escape(view.reporter_name)} · {md_escape(view.reporter_contact or '')}"
                    f" · {md_escape(view.reporter_id_masked or '')}")
    if view.question:
        st.markdown(f"**{_('Question to the reporter')}**: {md_escape(view.question)}")
    if view.extension_days:
        st.markdown(_("Extended by {n} working days, approved by {who} on {day}: {why}", n=view.extension_days,
                      who=md_escape(view.extension_approver or ""), day=view.extension_approved_on,
                      why=md_escape(view.extension_reason or "")))
    if view.reply:
        st.markdown(f"**{_('Reply')}**: {md_escape(view.reply)}")
    if view.change_note:
        st.markdown(f"**{_('What was changed')}**: {md_escape(view.change_note)}")
    for attachment_id, filename in view.evidence:
        if st.button(_("Evidence: {name}", name=filename), key=f"corr_ev_{attachment_id}", type="tertiary"):
            result = session.run_action(queries.evidence_file, actor, view.id, attachment_id)
            if result and result is not True:
                name, ctype, content = result
                st.download_button(_("Download"), content, file_name=name, mime=ctype, key=f"corr_dl_{attachment_id}")
    _actions(actor, view)


def _actions(actor: Actor, view) -> None:
    if "answer" in view.actions:
        with st.form(f"corr_answer_{view.id}"):
            st.markdown(f"**{_('Answer')}**")
            outcome = st.radio(_("Outcome"), list(OUTCOMES), format_func=lambda o: _(STATUS_LABELS[o]),
                               horizontal=True)
            reply = st.text_area(_("Reply to the reporter"), help=limit_help(2000))
            change = st.text_area(_("What was changed"), help=limit_help(2000))
            if st.form_submit_button(_("Send the answer"), type="primary"):
                session.run_action(corrections.answer, actor, view.id,
                                   corrections.AnswerInput(outcome, reply, change), expected_version=view.version,
                                   success=_("The answer was sent."), rerun=True)
    if "ask" in view.actions:
        with st.form(f"corr_ask_{view.id}"):
            question = st.text_area(_("Question to the reporter"), help=limit_help(1000))
            if st.form_submit_button(_("Ask and pause the deadline")):
                session.run_action(corrections.ask_reporter, actor, view.id, question, expected_version=view.version,
                                   success=_("The deadline is paused until the answer arrives."), rerun=True)
    if "resume" in view.actions:
        with st.form(f"corr_resume_{view.id}"):
            note = st.text_input(_("What the reporter answered"))
            if st.form_submit_button(_("Resume the deadline"), type="primary"):
                session.run_action(corrections.resume_verification, actor, view.id, note,
                                   expected_version=view.version, success=_("The deadline runs again."), rerun=True)
    if "extend" in view.actions:
        with st.form(f"corr_extend_{view.id}"):
            st.markdown(f"**{_('Extension (at most {n} working days, once)', n=view.extension_cap)}**")
            days = st.number_input(_("Working days"), min_value=1, max_value=max(1, view.extension_cap), value=1)
            approver = st.text_input(_("Approved by (head of the unit)"))
            approved_on = st.date_input(_("Approved on"), value=date.today(), min_value=DATE_MIN, max_value=DATE_MAX)
            reason = st.text_area(_("Reason"), help=limit_help(1000))
            if st.form_submit_button(_("Extend")):
                session.run_action(corrections.extend, actor, view.id, int(days), approver=approver,
                                   approved_on=approved_on, reason=reason, expected_version=view.version,
                                   success=_("The deadline was extended."), rerun=True)


def entry_notice(actor: Actor, entry_id: int) -> None:
    """On an entry's page: its open corrections, with the served-as-normal note and a link to each correction the
    viewer may open."""
    from ui import case_links

    notice = queries.entry_notice(actor, entry_id)
    if not notice.open_count:
        return
    with st.container(border=True):
        st.warning(_("{n} correction(s) of this entry's data are being verified.", n=notice.open_count),
                   icon=":material/report:")
        st.caption(_(SERVED_AS_NORMAL))
        linkable = case_links.can_open("correction", actor.roles)
        for row in notice.visible.itertuples():
            text = _("Correction {code}, filed on {day}, due on {due}", code=row.code, day=row.filed_on,
                     due=row.due_on or "—")
            if linkable:
                if st.button(text, key=f"entry_corr_{row.id}", type="tertiary", icon=":material/open_in_new:"):
                    case_links.open_case("correction", int(row.id))
            else:
                st.caption(text)
