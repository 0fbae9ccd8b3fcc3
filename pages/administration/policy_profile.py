"""Policy profile (security administrator): choose the jurisdiction's rules and override single values."""

import pandas as pd
import streamlit as st

from services.core.i18n import gettext as _
from services.deadlines import configuration, policy
from ui import session
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("Policy profile"))
st.caption(_("Deadlines, names of share types and open attributes, and routing rules follow one profile per "
             "deployment. Every change is audited and moves the due dates of open deadlines."))

view = session.run_action(policy.overview, actor)
if not view:
    st.stop()
active, original = view.active, view.file_profile
names = [p.name for p in view.profiles]
titles = {p.name: p.title for p in view.profiles}

choose, facts = st.columns([2, 3], gap="large")
with choose:
    st.subheader(_("Active profile"))
    picked = st.selectbox(_("Profile in use"), names, index=names.index(active.name), format_func=titles.get)
    if picked != active.name and st.button(_("Use this profile"), type="primary"):
        moved = session.run_action(configuration.use_profile, actor, picked)
        if moved is not None:
            session.flash(_("Profile {name} is active; {n} open deadlines moved.", name=titles[picked], n=moved))
            st.rerun()
with facts:
    st.markdown(f"**{md_escape(active.title)}**  \n{md_escape(active.jurisdiction)}")
    share = " / ".join(policy.share_type_label(c) for c in ("unconditional", "conditional", "not_shared"))
    opening = " / ".join(policy.open_attribute_label(c) for c in ("open", "conditional", "not_open"))
    st.markdown(_("Share types: {names}", names=share) + "  \n" + _("Open attributes: {names}", names=opening))
    if active.overrides:
        st.info(_("{n} values differ from the profile file (marked ✎ below).", n=len(active.overrides)),
                icon=":material/edit_note:")


def _mark(path: str) -> str:
    return " ✎" if path in active.overrides else ""


st.subheader(_("Deadlines (working days)"))
st.dataframe(pd.DataFrame({
    _("Step"): [policy.step_label(step) for step in active.steps],
    _("Working days"): [(str(rule.workdays) if rule.workdays is not None else _("none (tracked by age)"))
                        + _mark(f"steps.{step}") for step, rule in active.steps.items()],
    _("In the regulation"): [str(original.steps[step].workdays or "—") for step in active.steps],
    _("Article"): [rule.article or "—" for rule in active.steps.values()],
    _("Note"): [rule.note or "" for rule in active.steps.values()],
}), hide_index=True, width="stretch")


st.subheader(_("Rules"))
st.dataframe(pd.DataFrame({
    _("Rule"): [_(policy.RULE_LABELS.get(k, k)) for k in active.rules],
    _("Value"): [policy.rule_value_text(k, r.value) + _mark(f"rules.{k}") for k, r in active.rules.items()],
    _("Article"): [r.article or "—" for r in active.rules.values()],
    _("Note"): [r.note or "" for r in active.rules.values()],
}), hide_index=True, width="stretch")

st.subheader(_("Override one value"))
paths = policy.overridable_paths()
with st.form("policy_override"):
    path = st.selectbox(_("Value"), paths, format_func=lambda p: policy.override_label(p) + _mark(p))
    text = st.text_input(_("New value"), help=_("Working days as a whole number (empty = no deadline); yes/no for "
                                                "rules; a name for share types and open attributes."))
    save, reset = st.columns(2)
    if save.form_submit_button(_("Save override"), type="primary"):
        moved = session.run_action(configuration.set_override, actor, path, policy.parse_override_text(path, text))
        if moved is not None:
            session.flash(_("{value} overridden; {n} open deadlines moved.", value=policy.override_label(path), n=moved))
            st.rerun()
    if reset.form_submit_button(_("Back to the profile's value")):
        moved = session.run_action(configuration.clear_override, actor, path)
        if moved is not None:
            session.flash(_("{value} follows the profile again; {n} open deadlines moved.",
                            value=policy.override_label(path), n=moved))
            st.rerun()
