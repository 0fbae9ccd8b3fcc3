"""Assessment work (考核评分): the assessor creates the year's assessment from the scheme, adjusts it while in draft,
starts scoring (values frozen at the snapshot date), enters manual scores and deductions with evidence, sends the
scorecards to the units, answers their appeals and publishes."""

from datetime import date

import pandas as pd
import streamlit as st

from services import assessment
from services.assessment import queries, rules, sources
from services.core.i18n import current_language
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from ui import session
from ui.assessment import widgets
from ui.forms import attachment_limit_mb, limit_help, upload_note
from ui.markdown import md_escape

EVIDENCE_TYPES = ["pdf", "png", "jpg", "jpeg"]

actor = session.require_actor()
session.show_flash()
st.title(_("Assessment work"))
today = local_date()
listing = session.run_action(assessment.list_assessments, actor)
if listing is None:
    st.stop()
with st.expander(_("Start a new year's assessment"), expanded=listing.empty), st.form("assessment_create"):
    year = st.number_input(_("Year assessed"), min_value=2015, max_value=today.year, value=today.year, step=1)
    title = st.text_input(_("Title (empty: from the scheme)"), help=limit_help(assessment.TITLE_MAX))
    session.field_slot("title", _("Title (empty: from the scheme)"))
    if st.form_submit_button(_("Create from the scheme"), type="primary"):
        session.run_action(assessment.create_assessment, actor, int(year), title=title,
                           success=_("Assessment created."), rerun=True)
if listing.empty:
    st.stop()
titles = {int(r.id): f"{r.year} · {r.title}" for r in listing.itertuples()}
opened_appeal = st.session_state.pop("assessment_appeal_id", None)  # from the to-do list: the appeal's assessment
ids = list(titles)
wanted = queries.assessment_of_appeal(actor, opened_appeal) if opened_appeal else None
chosen = st.selectbox(_("Assessment"), ids, index=ids.index(wanted) if wanted in ids else 0, format_func=titles.get)
view = session.run_action(assessment.get_assessment, actor, chosen)
if view is None:
    st.stop()
language = current_language()
st.caption(" · ".join([widgets.label(rules.STATUS_LABELS, view.status),
                       _("values as of {day}", day=view.snapshot_on) if view.snapshot_on else _("not scored yet"),
                       _("appeals until {day}", day=view.appeal_due_on) if view.appeal_due_on else "",
                       _("{n} units", n=view.units) if view.units else ""]).strip(" ·"))

scheme = view.scheme
rows = []
for ind in scheme.indicators():
    rows.append({"code": ind.code, "dimension": ind.dimension, "indicator": ind.title(language),
                 "method": widgets.label(rules.METHOD_LABELS, str(ind.method)),
                 "rule": widgets.label(rules.RULE_LABELS, str(ind.rule)) if ind.rule else (ind.source or ""),
                 "kpi": ind.kpi_key or "", "points": ind.points if ind.method != "deduction" else None,
                 "per": ind.per or None, "cap": ind.cap or None,
                 "measured": sources.measurable(ind)})
scheme_frame = pd.DataFrame(rows)
headers = {"code": _("Code"), "dimension": _("Dimension"), "indicator": _("Indicator"), "method": _("Method"),
           "rule": _("Rule"), "kpi": _("Bound KPI"), "points": _("Points"), "per": _("Per occurrence"), "cap": _("Cap"),
           "measured": _("Measured here")}

scheme_tab, scoring_tab, appeals_tab, publish_tab = st.tabs([_("Scheme"), _("Scoring"), _("Appeals"), _("Publication")])
with scheme_tab:
    unmeasured = scheme_frame[~scheme_frame["measured"]]
    if not unmeasured.empty:
        st.info(_("Not measured in this deployment (no such KPI): {codes}. Their points are {how}.",
                  codes=", ".join(unmeasured["code"]),
                  how=_("re-weighted over the measured indicators") if scheme.unmeasured == "reweight"
                  else _("entered by hand")), icon=":material/info:")
    if view.status == "draft":
        edited = st.data_editor(scheme_frame.rename(columns=headers), hide_index=True, width="stretch",
                                disabled=[headers[k] for k in headers if k not in ("points", "per", "cap")],
                                key="scheme_editor")
        if st.button(_("Save the scheme")):
            raw = view.scheme_json
            changes = {r[headers["code"]]: r for _i, r in edited.iterrows()}
            for dim in raw["dimensions"]:
                for ind in dim["indicators"]:
                    row = changes.get(ind["code"])
                    if row is None:
                        continue
                    for key in ("points", "per", "cap"):
                        value = row[headers[key]]
                        if value is not None and not pd.isna(value):
                            ind[key] = float(value)
            session.run_action(assessment.update_scheme, actor, chosen, raw, expected_version=view.version,
                               success=_("Scheme saved."), rerun=True)
        with st.form("assessment_start"):
            snapshot = st.date_input(_("Compute the automatic values as of"),
                                     value=min(today, date(view.year, 12, 31)),
                                     min_value=date(view.year, 1, 1), max_value=min(today, date(view.year, 12, 31)))
            if st.form_submit_button(_("Freeze the scheme and start scoring"), type="primary"):
                session.run_action(assessment.start_scoring, actor, chosen, snapshot_on=snapshot,
                                   expected_version=view.version, success=_("Scoring started."), rerun=True)
    else:
        st.dataframe(scheme_frame.rename(columns=headers), hide_index=True, width="stretch")
        st.caption(_("The scheme is frozen with the assessment."))

res = None
if view.status != "draft":
    res = session.run_action(queries.results, actor, chosen)
with scoring_tab:
    if res is None:
        st.caption(_("Scoring starts once the scheme is frozen."))
    else:
        ranking = queries.ranking(res)
        missing = sum(len(c.missing) for c in res.cards.values())
        if missing:
            st.warning(_("{n} manual scores are not entered yet.", n=missing), icon=":material/edit_note:")
        names = dict(zip(ranking["unit_id"].astype(int), ranking["unit"], strict=True))
        if view.status == "scoring":
            editable = [i for i in scheme.indicators()
                        if i.method != "automatic" or not sources.measurable(i)]
            with st.form("assessment_score"):
                unit_id = st.selectbox(_("Unit"), list(names), format_func=names.get)
                code = st.selectbox(_("Indicator"), [i.code for i in editable],
                                    format_func=lambda c: f"{c} · {scheme.indicator(c).title(language)}")
                points = st.number_input(_("Points (manual indicators)"), min_value=0.0, max_value=100.0, step=0.5)
                occurrences = st.number_input(_("Occurrences (deductions)"), min_value=0, max_value=999, step=1)
                evidence = st.text_area(_("Evidence"), help=limit_help(
                    assessment.EVIDENCE_MAX, _("What was checked: documents, records, findings.")))
                files = st.file_uploader(_("Evidence files (PDF, PNG or JPEG)"), accept_multiple_files=True,
                                         type=EVIDENCE_TYPES, max_upload_size=attachment_limit_mb(),
                                         key="assessment_evidence_files")
                upload_note(attachment_limit_mb(), EVIDENCE_TYPES)
                if st.form_submit_button(_("Save the score"), type="primary"):
                    ind = scheme.indicator(code)
                    kwargs = ({"occurrences": int(occurrences)} if ind.method == "deduction"
                              else {"points": float(points)})
                    uploads = [assessment.Upload(f.name, f.getvalue()) for f in files or []]
                    session.run_action(assessment.enter_score, actor, chosen, int(unit_id), code,
                                       evidence=evidence, uploads=uploads, success=_("Score saved."), rerun=True,
                                       **kwargs)
        if view.status in ("scoring", "review"):
            cols = st.columns(2)
            if cols[0].button(_("Recompute the automatic values"),
                              help=_("Later data never changes the scores by itself; a recompute is recorded with "
                                     "what moved.")):
                moved = session.run_action(assessment.recompute, actor, chosen, expected_version=view.version)
                if moved is not None:
                    st.success(_("{n} values moved.", n=len(moved) if isinstance(moved, list) else 0))
                    if isinstance(moved, list) and moved:
                        st.dataframe(pd.DataFrame(moved), hide_index=True)
            if view.status == "scoring" and cols[1].button(_("Send the provisional scorecards to the units"),
                                                           type="primary"):
                session.run_action(assessment.open_review, actor, chosen, expected_version=view.version,
                                   success=_("Scorecards sent; the appeal window is open."), rerun=True)
        st.dataframe(ranking[["unit", "group", "total", "rank", "deducted", "status"]].assign(
            group=ranking["group"].map(lambda g: widgets.label(rules.GROUP_LABELS, g)),
            status=ranking["status"].map(lambda s: widgets.label(rules.CARD_LABELS, s))).rename(columns={
                "unit": _("Unit name"), "group": _("Group"), "total": _("Total"), "rank": _("Rank"),
                "deducted": _("Deductions"), "status": _("Status")}), hide_index=True, width="stretch")

with appeals_tab:
    appeals = session.run_action(queries.appeals, actor, chosen) if view.status != "draft" else None
    if appeals is None or appeals.empty:
        st.caption(_("No appeal."))
    else:
        shown = appeals.assign(status=appeals["status"].map(lambda s: widgets.label(rules.APPEAL_LABELS, s)))
        st.dataframe(shown[["unit", "indicator", "reason", "status", "points_before", "points_after", "answer"]].rename(
            columns={"unit": _("Unit name"), "indicator": _("Indicator"), "reason": _("Reasons"),
                     "status": _("Status"), "points_before": _("Points before"), "points_after": _("Points after"),
                     "answer": _("Answer")}), hide_index=True, width="stretch")
        waiting = appeals[appeals["status"] == "open"]
        if not waiting.empty and view.status == "review":
            with st.form("assessment_decide"):
                labels = {int(r.id): f"{r.unit} · {r.indicator or _('The whole scorecard')}" for r in waiting.itertuples()}
                appeal_id = st.selectbox(_("Appeal"), list(labels), format_func=labels.get)
                row = waiting[waiting["id"] == appeal_id].iloc[0]
                st.markdown(md_escape(str(row["reason"])))
                outcome = st.radio(_("Decision"), ["uphold", "adjust"], horizontal=True,
                                   format_func=lambda o: _("Uphold the score") if o == "uphold" else _("Adjust the score"))
                new_points = st.number_input(_("Points after adjustment"), min_value=0.0, max_value=100.0, step=0.5)
                reason = st.text_area(_("Reasons told to the unit"), help=limit_help(assessment.EVIDENCE_MAX))
                if st.form_submit_button(_("Decide"), type="primary"):
                    session.run_action(assessment.decide_appeal, actor, int(appeal_id), adjust=outcome == "adjust",
                                       reason=reason, points=float(new_points) if outcome == "adjust" else None,
                                       expected_version=int(row["version"]), success=_("Appeal answered."),
                                       rerun=True)

with publish_tab:
    if view.status == "review":
        st.caption(_("{answered} of {units} units answered; {open} appeals waiting.", answered=view.answered,
                     units=view.units, open=view.open_appeals))
        with st.form("assessment_publish"):
            good = st.text_area(_("Good practice"), help=limit_help(assessment.PUBLISHED_TEXT_MAX))
            session.field_slot("good_practice", _("Good practice"))
            problems = st.text_area(_("Problems found"), help=limit_help(assessment.PUBLISHED_TEXT_MAX))
            session.field_slot("problems", _("Problems found"))
            if st.form_submit_button(_("Publish the results"), type="primary"):
                session.run_action(assessment.publish, actor, chosen, good_practice=good, problems=problems,
                                   expected_version=view.version, success=_("Results published."), rerun=True)
    elif view.status == "published":
        st.success(_("Published."), icon=":material/campaign:")
    else:
        st.caption(_("Publication follows the units' review of their scorecards."))
    st.page_link(widgets.RESULTS_PAGE, label=_("Ranking, charts and exports"), icon=":material/leaderboard:",
                 query_params={"assessment": str(chosen)})
