"""Informatization projects (信息化项目): the unit registers a project, links the catalog entries it creates or uses
and moves it through its stages; the bureau approves and accepts through the two gates; leadership and assessors
read the registry by stage, with the projects that get no operating funds."""

import streamlit as st

from models.user import Role
from services import projects
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local
from ui import session
from ui.forms import choose, limit_help
from ui.markdown import md_escape
from ui.projects.widgets import ACTION_LABELS, LIST_COLUMNS, STATE_KEY, gate_result, stage_text
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Informatization projects"))
is_steward = actor.has(Role.UNIT_STEWARD)
is_bureau = actor.has(Role.BUREAU_REVIEWER)

if is_steward:
    with st.expander(_("Register a project"), icon=":material/add:"), st.form("project_register", clear_on_submit=True):
        name = st.text_input(_("Project name"), help=limit_help(projects.TEXT_LIMITS["name"]))
        session.field_slot("name", _("Project name"))
        budget = st.number_input(_("Budget (10k yuan)"), min_value=0.0, step=10.0)
        description = st.text_area(_("What the project builds"),
                                   help=limit_help(projects.TEXT_LIMITS["description"]))
        session.field_slot("description", _("What the project builds"))
        if st.form_submit_button(_("Register"), type="primary"):
            created = session.run_action(projects.register_project, actor,
                                         projects.ProjectInput(name, budget, description),
                                         success=_("Project registered: link its catalog entries next."))
            if created:
                st.session_state[STATE_KEY] = int(created)
                st.rerun()

stages = {None: _("All stages"), **{code: _(msgid) for code, msgid in projects.STAGE_NAMES.items()}}
filters = st.columns([2, 2, 3])
stage = filters[0].selectbox(_("Stage"), list(stages), format_func=lambda s: stages[s], key="project_stage")
no_funds = filters[1].toggle(_("Without operating funds only"), key="project_no_funds")
frame = projects.list_projects(actor, stage=stage, no_funds_only=no_funds)
shown = frame.assign(stage=frame["stage"].map(stage_text),
                     funds=frame["no_operating_funds"].map(lambda f: _("None: failed acceptance") if f else ""))
selected = data_table(shown, LIST_COLUMNS, key="projects_table", height=320)
project_id = int(selected["id"]) if selected is not None else st.session_state.get(STATE_KEY)
if project_id is None:
    st.caption(_("Choose a project to see its entries and gates."))
    st.stop()

project = projects.get_project(actor, int(project_id))
st.session_state[STATE_KEY] = project.id
st.subheader(md_escape(project.name))
cols = st.columns(4)
cols[0].metric(_("Stage"), stage_text(project.stage))
cols[1].metric(_("Budget (10k yuan)"), f"{project.budget:g}")
cols[2].metric(_("Failed acceptances"), project.failed_acceptances)
cols[3].metric(_("Operating funds"), _("None") if project.no_operating_funds else _("Granted"))
st.caption(md_escape(project.unit) + (" · " + md_escape(project.description) if project.description else ""))
if project.return_reason:
    st.warning(md_escape(project.return_reason), icon=":material/undo:")

roles = {code: _(msgid) for code, msgid in projects.ROLE_NAMES.items()}
entries = project.entries.assign(role=project.entries["role"].map(roles),
                                 is_published=project.entries["is_published"].map(lambda v: _("Yes") if v else _("No")),
                                 aggregation_active=project.entries["aggregation_active"].map(
                                     lambda v: _("Yes") if v else _("No")))
st.markdown("**" + _("Catalog entries of the project") + "**")
data_table(entries, {"resource_code": N_("Resource code"), "name": N_("Name"), "role": N_("Role"),
                     "provider": N_("Providing unit"), "is_published": N_("Published"),
                     "aggregation_active": N_("Aggregated"), "fresh_until": N_("Fresh until")},
           key="project_entries", selectable=False)

own_unit = project.unit_id == actor.unit_id
if is_steward and own_unit and project.stage in ("proposal", "approved", "construction"):
    with st.form("project_link"):
        link_cols = st.columns([1.4, 3, 1])
        role = link_cols[0].selectbox(_("Role"), list(roles), format_func=lambda r: roles[r], key="project_link_role")
        options = projects.entry_choices(actor, project.id, role)
        with link_cols[1]:
            entry_id = choose(_("Catalog entry"), options, key="project_link_entry", allow_empty=True)
        if link_cols[2].form_submit_button(_("Link the entry"), type="primary") and entry_id is not None:
            session.run_action(projects.link_entry, actor, project.id, int(entry_id), role,
                               success=_("Entry linked."), rerun=True)

gate = "acceptance" if project.stage in ("construction", "acceptance") else "approval"
if project.stage != "operation":
    gate_result(projects.preview_gate(actor, project.id, gate), preview=True)

actions = projects.available_actions(project.stage, is_unit=is_steward and own_unit, is_bureau=is_bureau)
if actions:
    reason = st.text_area(_("Reasons (when returning)"), key="project_reason", help=limit_help(projects.REASON_MAX)) \
        if "return" in actions else ""
    buttons = st.columns(len(actions))
    for col, action in zip(buttons, actions, strict=True):
        if not col.button(_(ACTION_LABELS[action]), key=f"project_{action}",
                          type="primary" if action in ("submit", "approve", "accept") else "secondary"):
            continue
        if action in ("approve", "accept"):
            fn = projects.approve_project if action == "approve" else projects.accept_project
            result = session.run_action(fn, actor, project.id, expected_version=project.version)
            if result:
                session.flash(_("Gate passed.") if result.passed else _("Refused at the gate: the reasons are on the "
                                                                          "project."),
                              "success" if result.passed else "warning")
                st.rerun()
        elif action == "return":
            session.run_action(projects.return_project, actor, project.id, reason,
                               expected_version=project.version, success=_("Project returned."), rerun=True)
        else:
            fn = {"submit": projects.submit_project, "start_construction": projects.start_construction,
                  "request_acceptance": projects.request_acceptance}[action]
            session.run_action(fn, actor, project.id, expected_version=project.version, success=_("Saved."),
                               rerun=True)

if project.checks:
    st.markdown("**" + _("Gate decisions") + "**")
    for check in reversed(project.checks):
        st.caption(f"{fmt_local(check.checked_at)} · {_('Attempt {n}', n=check.attempt)}")
        gate_result(projects.GateResult(check.gate, check.passed, check.reasons))
