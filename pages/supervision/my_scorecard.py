"""My unit's assessment scorecard (考核得分): the provisional scorecard during the appeal window — accept it or
appeal one indicator with reasons — then the published result, the answers to appeals and the score sheet."""

import streamlit as st

from services import assessment
from services.assessment import exports, queries, rules
from services.core.i18n import current_language
from services.core.i18n import gettext as _
from ui import session
from ui.assessment import widgets
from ui.forms import limit_help
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("My assessment scorecard"))
cards = session.run_action(assessment.my_cards, actor)
if not cards:
    st.info(_("No assessment has been sent to your unit yet."), icon=":material/leaderboard:")
    st.stop()
labels = {c.card_id: f"{c.year} · {c.title}" for c in cards}
opened = st.session_state.pop("assessment_card_id", None)  # from the to-do list
ids = list(labels)
card_id = st.selectbox(_("Assessment"), ids, index=ids.index(opened) if opened in ids else 0, format_func=labels.get)
mine = next(c for c in cards if c.card_id == card_id)
res = session.run_action(queries.results, actor, mine.assessment_id)
if res is None or actor.unit_id not in res.cards:
    st.stop()
if mine.window_open:
    left = "" if mine.workdays_left is None else _(" ({n} working days left)", n=mine.workdays_left)
    st.warning(_("Provisional scorecard: accept it or appeal by {day}{left}.", day=mine.appeal_due_on, left=left),
               icon=":material/schedule:")
elif mine.assessment_status == "review":
    st.info(widgets.label(rules.CARD_LABELS, mine.card_status), icon=":material/hourglass_top:")
widgets.scorecard(actor, res, actor.unit_id)
if st.button(_("Prepare the score sheet (PDF)"), icon=":material/picture_as_pdf:"):
    file = session.run_action(exports.scorecard_pdf, actor, mine.assessment_id, actor.unit_id)
    if file:
        st.download_button(_("Download {name}", name=file.filename), file.data, file_name=file.filename,
                           mime=file.mime, type="primary", key="my_card_pdf")

if mine.window_open:
    st.subheader(_("Your answer"))
    scheme = res.assessment.scheme
    accept_col, appeal_col = st.columns(2)
    with accept_col:
        if st.button(_("Accept the scorecard"), type="primary"):
            session.run_action(assessment.respond, actor, card_id, accept=True, expected_version=mine.version,
                               success=_("Scorecard accepted."), rerun=True)
    with appeal_col, st.form("assessment_appeal"):
        codes = [None] + [i.code for i in scheme.indicators()]
        indicator = st.selectbox(_("Indicator appealed"), codes, format_func=lambda c: _("The whole scorecard")
                                 if c is None else f"{c} · {scheme.indicator(c).title(current_language())}")
        reason = st.text_area(_("Reasons and evidence"), help=limit_help(assessment.EVIDENCE_MAX))
        if st.form_submit_button(_("Appeal")):
            session.run_action(assessment.respond, actor, card_id, accept=False, indicator=indicator, reason=reason,
                               expected_version=mine.version, success=_("Appeal filed with the assessors."),
                               rerun=True)

appeals = session.run_action(queries.appeals, actor, mine.assessment_id)
if appeals is not None and not appeals.empty:
    st.subheader(_("Appeals"))
    for row in appeals.itertuples():
        st.markdown(f"**{md_escape(row.indicator or _('The whole scorecard'))}** · "
                    f"{widgets.label(rules.APPEAL_LABELS, row.status)}  \n{md_escape(row.reason)}"
                    + (f"  \n{_('Answer')}: {md_escape(row.answer)}" if row.answer else ""))
