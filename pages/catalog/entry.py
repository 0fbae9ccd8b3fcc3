"""Catalog entry (目录编制): the unit's form for one entry — basic information, sharing and opening, data
items as an editable grid, version history — and the lifecycle actions (save, submit, withdraw, recall)."""

import streamlit as st

from services import catalog
from services.catalog import quality as catalog_quality
from services.core.i18n import gettext as _
from ui import session
from ui.catalog import widgets as cw
from ui.corrections.widgets import entry_notice
from ui.forms import limit_help
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()

entry_id = st.session_state.get("catalog_entry_id")
if st.button(_("Back to my catalog"), icon=":material/arrow_back:"):
    st.switch_page("pages/catalog/mine.py")

if entry_id is None:
    data, version, status = catalog.new_entry_template(actor), None, "draft"
    st.title(_("New catalog entry"))
else:
    loaded = session.run_action(catalog.get_working_copy, actor, entry_id)
    if not loaded:
        st.stop()
    data, version, status = loaded
    st.title(md_escape(data.name or data.resource_code))
view = catalog.get_entry(actor, entry_id) if entry_id else None

score, missing = catalog.completeness(data)
head = st.columns([1, 1, 1, 3])
head[0].metric(_("Status"), cw.name_of("status", status))
head[1].metric(_("Published version"), view.published_version if view and view.is_published else "—")
head[2].metric(_("Completeness"), cw.percent(score))
if missing:
    head[3].caption(_("Missing: {fields}", fields="、".join(cw.field_name(f) for f in missing)))
if view and view.return_reason and status == "returned":
    st.warning(_("Returned by the bureau: {reason}", reason=md_escape(view.return_reason)), icon=":material/undo:")
if view and view.is_published and status != "published":
    st.info(_("Published version {n} stays visible to everyone until the bureau approves this change.",
              n=view.published_version), icon=":material/visibility:")
if view and view.is_published:
    entry_notice(actor, entry_id)

acts = catalog.available_actions(actor, view)
units = catalog.unit_options(actor)
# The form keeps what the user typed across a refused save; it is rebuilt from the database after each action.
generation = st.session_state.setdefault("catalog_form_generation", 0)
form_key = f"entry_{entry_id}_{generation}"
# A refused save keeps the form as typed and comes back with every problem, each on its tab and under its field.
problems = st.session_state.pop("catalog_entry_problems", {}).get(form_key)


def _refused(errors: dict[str, str]) -> None:
    st.session_state["catalog_entry_problems"] = {form_key: errors}
    st.rerun()


if "edit" in acts:
    if problems:
        st.error(_("Nothing was saved: {n} problems to correct, each shown under its field (the tabs say where).",
                   n=len(problems)), icon=":material/error:")
        elsewhere = {k: v for k, v in problems.items()
                     if k not in (*cw.BASIC_FIELDS, *cw.SHARE_FIELDS, *cw.ITEM_FIELDS)}
        session.show_field_errors(elsewhere)
    with st.form(form_key):
        edited = cw.entry_form_fields(data, units, key=f"e{entry_id}_{generation}", errors=problems)
        b1, b2, _rest = st.columns([1, 1.4, 3])
        save = b1.form_submit_button(_("Save draft"), icon=":material/save:")
        send = b2.form_submit_button(_("Save and submit for review"), type="primary", icon=":material/send:",
                                     disabled="submit" not in acts)
    if save or send:
        if send:
            saved_id = session.run_action(catalog.save_and_submit, actor, entry_id, edited, expected_version=version,
                                          invalid=_refused)
        elif entry_id is None:
            saved_id = session.run_action(catalog.create_entry, actor, edited, invalid=_refused)
        else:
            saved_id = entry_id if session.run_action(catalog.update_entry, actor, entry_id, edited,
                                                      expected_version=version, invalid=_refused) else None
        if saved_id:
            st.session_state["catalog_entry_id"] = saved_id
            session.flash(_("Submitted for the bureau's review.") if send else _("Saved."))
            st.session_state["catalog_form_generation"] = generation + 1
            st.rerun()
    hints = catalog_quality.obtainable_by_sharing(actor, data.provider_unit_id, [i.name for i in data.data_items])
    for hint in hints:
        st.warning(_("{item} is already provided by {unit} in base-library entry {code}: obtain it by sharing "
                     "instead of collecting it again.", item=md_escape(hint.item_name), unit=md_escape(hint.provider),
                     code=md_escape(hint.resource_code)), icon=":material/share:")
else:
    st.info(_("The entry is under the bureau's review and cannot be edited now."), icon=":material/hourglass_top:")
    st.subheader(_("Submitted changes"))
    cw.diff_table(catalog.entry_diff(actor, entry_id))

if entry_id:
    actions = st.columns(3)
    reload = {"catalog_form_generation": generation + 1}  # after any of these actions the form is rebuilt
    if "recall" in acts and actions[0].button(_("Recall the submission"), icon=":material/undo:"):
        st.session_state.update(reload)
        session.run_action(catalog.recall_submission, actor, entry_id, expected_version=version,
                           success=_("The submission was recalled."), rerun=True)
    if "discard" in acts and actions[1].button(
            _("Discard the change") if view and view.is_published else _("Delete the draft"), icon=":material/delete:"):
        st.session_state.update(reload)
        deleted = session.run_action(catalog.discard_draft, actor, entry_id, expected_version=version)
        if deleted:
            if deleted is True:
                st.session_state["catalog_entry_id"] = None
                st.switch_page("pages/catalog/mine.py")
            session.flash(_("The change was discarded."))
            st.rerun()
    if "withdraw" in acts:
        with actions[2].popover(_("Withdraw (下架)"), icon=":material/archive:"):
            reason = st.text_area(_("Reason for the withdrawal"), help=limit_help(1000), key="withdraw_reason")
            if st.button(_("Submit the withdrawal for review"), type="primary"):
                st.session_state.update(reload)
                session.run_action(catalog.request_withdrawal, actor, entry_id, reason, expected_version=version,
                                   success=_("The withdrawal was submitted for review."), rerun=True)

    with st.expander(_("Version history")):
        history = catalog.entry_history(actor, entry_id)
        if history.empty:
            st.caption(_("No version has been published yet."))
        else:
            history = history.assign(changed_fields=history["changed_fields"].map(
                lambda keys: "、".join(cw.field_name(k) for k in keys)))
            st.dataframe(cw.display_frame(history, {"version_no": "Version", "change_kind": "Submission",
                                                    "published_at": "Published", "share_type": "Share type",
                                                    "items": "Data items", "changed_fields": "Changed fields"},
                                          enums={"change_kind": "change_kind", "share_type": "share_type"}),
                         hide_index=True, width="stretch")
