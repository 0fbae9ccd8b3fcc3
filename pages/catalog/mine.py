"""My catalog (本单位目录): the unit's entries in every state with completeness, new entries, recorded changes
of law/duty/data with their update deadlines, and the annual maintenance list (Shanghai §10)."""

from datetime import date

import streamlit as st

from services import catalog
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from ui import session
from ui.catalog import widgets as cw
from ui.forms import DATE_MAX, DATE_MIN, limit_help
from ui.markdown import md_escape, md_text

actor = session.require_actor()
session.show_flash()
st.title(_("My catalog"))
st.caption(md_escape(actor.unit_name))

counts = catalog.status_counts(actor)
cols = st.columns(5)
for col, status in zip(cols, ("draft", "returned", "submitted", "published", "withdrawn"), strict=True):
    col.metric(cw.name_of("status", status), counts.get(status, 0))

tab_entries, tab_triggers, tab_maintenance = st.tabs([_("Catalog entries"), _("Changes to act on"), _("Annual maintenance")])

with tab_entries:
    c1, c2, c3, c4 = st.columns([2, 1.2, 1, 1])
    text = c1.text_input(_("Search by resource name or code"), key="mine_text")
    status = c2.selectbox(_("Status"), [None, "draft", "returned", "submitted", "published", "withdrawn"],
                          format_func=lambda s: _("All") if s is None else cw.name_of("status", s), key="mine_status")
    incomplete = c3.toggle(_("Incomplete only"), key="mine_incomplete")
    if c4.button(_("New entry"), type="primary", icon=":material/add:", width="stretch"):
        st.session_state["catalog_entry_id"] = None
        st.switch_page("pages/catalog/entry.py")
    rows, total = catalog.list_entries(actor, status=status, text=text or None, incomplete_only=incomplete,
                                       page_size=500)
    st.caption(_("{n} entries", n=total))
    shown = rows.assign(completeness=rows["completeness"].map(cw.percent))
    table = cw.display_frame(shown, {"resource_code": "Resource code", "name": "Resource name", "status": "Status",
                                     "change_kind": "Submission", "share_type": "Share type",
                                     "completeness": "Completeness", "items": "Data items", "updated_at": "Updated",
                                     "return_reason": "Reasons for return"},
                             enums={"status": "status", "change_kind": "change_kind", "share_type": "share_type"})
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key="mine_table")
    if event.selection.rows and event.selection.rows[0] < len(rows):
        chosen = rows.iloc[event.selection.rows[0]]
        if st.button(md_text("Open {name}", name=chosen["name"]), icon=":material/edit:"):
            st.session_state["catalog_entry_id"] = int(chosen["id"])
            st.switch_page("pages/catalog/entry.py")

with tab_triggers:
    st.caption(_("Record a change of law, duty or data: the deadline to update the catalog runs from the day of "
                 "the change, in working days set by the policy profile."))
    mine, _total = catalog.list_entries(actor, page_size=1000)
    with st.form("trigger", clear_on_submit=True):
        t1, t2, t3 = st.columns([1.2, 1, 2])
        kind = t1.selectbox(_("What changed"), list(cw.options("trigger")), format_func=lambda k: cw.name_of("trigger", k))
        occurred = t2.date_input(_("Date of the change"), value=local_date(), min_value=DATE_MIN, max_value=DATE_MAX)
        entry_ids = [None, *[int(i) for i in mine["id"]]]
        names = dict(zip(mine["id"], mine["name"], strict=True))
        entry_id = t3.selectbox(_("Entry concerned"), entry_ids,
                                format_func=lambda i: _("A new entry is needed") if i is None else names[i])
        note = st.text_input(_("Note"), help=limit_help(500))
        if st.form_submit_button(_("Record the change"), type="primary"):
            session.run_action(catalog.record_trigger, actor, actor.unit_id, kind, occurred if isinstance(
                occurred, date) else None, entry_id=entry_id, note=note, success=_("The change was recorded."),
                rerun=True)
    triggers = catalog.list_triggers(actor, open_only=True)
    st.dataframe(cw.display_frame(triggers, {"kind": "What changed", "occurred_on": "Date of the change",
                                             "entry": "Entry concerned", "due_on": N_("Update due"), "note": "Note"},
                                  enums={"kind": "trigger"}), hide_index=True, width="stretch")
    if not triggers.empty:
        with st.form("resolve"):
            labels = {int(r.id): f"{cw.name_of('trigger', r.kind)} {r.occurred_on} {r.entry or ''}"
                      for r in triggers.itertuples()}
            trigger_id = st.selectbox(_("Change"), list(labels), format_func=labels.get)
            how = st.text_input(_("How it was dealt with"), help=limit_help(catalog.TRIGGER_NOTE_MAX))
            if st.form_submit_button(_("Mark as dealt with")):
                session.run_action(catalog.resolve_trigger, actor, trigger_id, how, success=_("Done."), rerun=True)

with tab_maintenance:
    due = catalog.maintenance_due(actor)
    st.caption(_("Every unit maintains its whole catalog at least once a year (Shanghai §10). These published "
                 "entries were not reviewed or confirmed in the last twelve months."))
    picked = st.dataframe(cw.display_frame(due, {"resource_code": "Resource code", "name": "Resource name",
                                                 "last_maintained_at": "Last maintained"}),
                          hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
                          key="maint_table")
    if picked.selection.rows and st.button(_("Confirm the selected entries are still accurate")):
        ids = [int(due.iloc[i]["id"]) for i in picked.selection.rows]
        session.run_action(catalog.confirm_maintained, actor, ids, success=_("Confirmed."), rerun=True)
