"""Yearly open plans (年度开放计划): a unit lists the entries it will open and files the plan; the bureau accepts or
returns it; everyone in scope follows the progress."""

from datetime import date

import pandas as pd
import streamlit as st

from models.user import Role
from services import catalog
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.opendata import plans
from ui import session
from ui.forms import limit_help
from ui.markdown import md_escape
from ui.tables import data_table

PLAN_STATUS = {"draft": N_("Draft"), "filed": N_("Filed, waiting for the bureau"), "accepted": N_("Accepted"),
               "returned": N_("Returned for revision")}
actor = session.require_actor()
status_text = {code: _(msgid) for code, msgid in PLAN_STATUS.items()}
session.show_flash()
st.title(_("Yearly open plans"))
year = st.number_input(_("Year"), min_value=2015, max_value=2035, value=local_date().year, step=1)
progress = plans.progress(actor, int(year))
columns = {"unit": N_("Unit"), "status": N_("Status"), "items": N_("Planned entries"), "opened": N_("Opened"),
           "overdue": N_("Past their date, not open")}
shown = progress.assign(status=progress["status"].map(lambda s: status_text.get(s, s)))
selected = data_table(shown, columns, key="open_plans_table", height=260)

if actor.has(Role.UNIT_STEWARD):
    mine = progress[progress["unit_id"] == actor.unit_id]
    plan = mine.iloc[0] if len(mine) else None
    st.subheader(_("My unit's plan"))
    if plan is not None and plan["status"] == "returned":
        st.warning(_("The bureau returned the plan; revise it and file it again."))
    if plan is None or plan["status"] in ("draft", "returned"):
        entries, _total = catalog.list_entries(actor, unit_id=actor.unit_id, page_size=500)
        current = plans.plan_items(actor, int(plan["plan_id"])) if plan is not None else pd.DataFrame()
        targets = dict(zip(current.get("entry_id", []), current.get("target_date", []), strict=False))
        editor = pd.DataFrame({"entry_id": entries["id"], "name": entries["name"],
                               "planned": entries["id"].isin(list(targets)),
                               "target_date": [targets.get(i, date(int(year), 12, 31)) for i in entries["id"]]})
        edited = st.data_editor(editor, hide_index=True, width="stretch", disabled=["entry_id", "name"],
                                column_config={"entry_id": None, "name": _("Name"), "planned": _("In the plan"),
                                               "target_date": st.column_config.DateColumn(_("Open by"))},
                                key="open_plan_editor")
        chosen = [plans.PlanItemInput(int(r.entry_id), r.target_date) for r in edited.itertuples() if r.planned]
        cols = st.columns(2)
        if cols[0].button(_("Save the plan")):
            session.run_action(plans.save_plan, actor, int(year), chosen,
                               expected_version=int(plan["version"]) if plan is not None else None,
                               success=_("Plan saved."), rerun=True)
        if plan is not None and cols[1].button(_("File with the bureau"), type="primary"):
            session.run_action(plans.file_plan, actor, int(plan["plan_id"]), expected_version=int(plan["version"]),
                               success=_("Plan filed with the bureau."), rerun=True)
    elif plan is not None:
        st.info(md_escape(status_text[plan["status"]]))

if selected is not None:
    st.subheader(md_escape(str(selected["unit"])))
    items = plans.plan_items(actor, int(selected["plan_id"]))
    st.dataframe(items.rename(columns={"resource_code": _("Resource code"), "name": _("Name"),
                                       "target_date": _("Open by"), "open_attribute": _("Open attribute")})
                 .drop(columns=["entry_id"]), hide_index=True, width="stretch")
    if actor.has(Role.BUREAU_REVIEWER) and selected["status"] == status_text["filed"]:
        with st.form("open_plan_review"):
            reason = st.text_area(_("Reasons (when returning)"), help=limit_help(plans.RETURN_REASON_MAX))
            accept, back = st.columns(2)
            if accept.form_submit_button(_("Accept"), type="primary"):
                session.run_action(plans.review_plan, actor, int(selected["plan_id"]), accept=True,
                                   expected_version=int(selected["version"]), success=_("Plan accepted."), rerun=True)
            if back.form_submit_button(_("Return")):
                session.run_action(plans.review_plan, actor, int(selected["plan_id"]), accept=False, reason=reason,
                                   expected_version=int(selected["version"]), success=_("Plan returned."), rerun=True)
