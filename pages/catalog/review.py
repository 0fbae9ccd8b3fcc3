"""Catalog review (目录审核) for the bureau: the queue of submissions with a field-by-field diff, approve or
return with reasons; restricted entries whose share type the bureau fixes (Shanxi §12); filings (备案)."""

import pandas as pd
import streamlit as st

from services import catalog
from services.catalog import exports
from services.core import i18n
from services.core.i18n import gettext as _
from ui import session
from ui.catalog import widgets as cw
from ui.exports import export_control
from ui.forms import limit_help
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("Catalog review"))

tab_queue, tab_restricted = st.tabs([_("Submissions"), _("Restricted entries and filings")])

QUEUE_HEADERS = {"resource_code": "Resource code", "name": "Resource name", "due_on": "Review due",
                 "provider": "Providing unit", "change_kind": "Submission", "share_type": "Share type",
                 "submitted_at": "Submitted"}
QUEUE_ENUMS = {"change_kind": "change_kind", "share_type": "share_type"}


def _forget_selection() -> None:
    """A decision or a new filter moves the rows: the next run starts with no row selected and no panel, so
    a click can never act on a submission the reviewer has not looked at."""
    st.session_state["review_table_gen"] = st.session_state.get("review_table_gen", 0) + 1
    st.session_state.pop("catalog_review_id", None)


def _present(frame: pd.DataFrame) -> pd.DataFrame:
    # A review without a deadline in the active policy profile says so instead of leaving the column blank.
    frame = frame.assign(due_on=frame["due_on"].map(
        lambda d: _("No statutory deadline") if d is None or pd.isna(d) else d.isoformat()))
    return cw.display_frame(frame, QUEUE_HEADERS, enums=QUEUE_ENUMS)


with tab_queue:
    f1, f2, f3 = st.columns([2, 1, 1])
    search = f1.text_input(_("Search name, resource code or unit"), key="review_search",
                           on_change=_forget_selection)
    kinds = {None: _("All submissions"), **{k: cw.name_of("change_kind", k) for k in cw.CHANGE_KIND}}
    lang = i18n.current_language()  # a select box keeps its value as shown: one key per language
    change_kind = f2.selectbox(_("Submission"), list(kinds), format_func=kinds.get, key=f"review_kind_{lang}",
                               on_change=_forget_selection)
    shares = {None: _("All share types"), **cw.options("share_type")}
    share_type = f3.selectbox(_("Share type"), list(shares), format_func=shares.get, key=f"review_share_{lang}",
                              on_change=_forget_selection)
    filters = {"search": search or None, "change_kind": change_kind, "share_type": share_type}
    queue = catalog.review_queue(actor, **filters)
    st.caption(_("{n} submissions waiting, earliest deadline first", n=len(queue)))
    table_key = f"review_table_{st.session_state.get('review_table_gen', 0)}"
    event = st.dataframe(_present(queue), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=table_key, height=250)  # the panel stays in view
    wanted = st.session_state.get("catalog_review_id")
    rows = [r for r in event.selection.rows if r < len(queue)]
    if rows:
        chosen = queue.iloc[rows[0]]
    elif wanted is not None and wanted in set(queue["id"]):
        chosen = queue[queue["id"] == wanted].iloc[0]
    else:
        chosen = None
    if chosen is None and len(queue):
        st.info(_("Select a submission in the table to review it."), icon=":material/touch_app:")
    if chosen is not None:
        entry_id, version = int(chosen["id"]), int(chosen["version"])
        with st.container(border=True):
            st.subheader(f"{md_escape(chosen['name'])}（{md_escape(chosen['resource_code'])}）· {md_escape(chosen['provider'])}")
            changes = catalog.entry_diff(actor, entry_id)
            cw.diff_table(changes)
            working, _v, _s = catalog.get_working_copy(actor, entry_id)
            score, missing = catalog.completeness(working)
            st.caption(_("Completeness {score}; missing: {fields}", score=cw.percent(score),
                         fields="、".join(cw.field_name(f) for f in missing) or "—"))
            left, right = st.columns(2)
            with left:
                fix = None
                if catalog.fixable_on_approval(chosen["change_kind"], working.share_type):
                    share = cw.options("share_type")
                    fix = st.selectbox(_("Share type as fixed by the bureau"), list(share),
                                       index=list(share).index(working.share_type), format_func=share.get,
                                       key=f"fix_{entry_id}")
                note = st.text_input(_("Review note"), key=f"note_{entry_id}",
                                     help=limit_help(catalog.NOTE_MAX))
                if st.button(_("Approve and publish"), type="primary", icon=":material/check:", key=f"ok_{entry_id}"):
                    session.run_action(catalog.approve_entry, actor, entry_id, share_type=fix, note=note,
                                       expected_version=version, success=_("Approved."), rerun=True,
                                       after=_forget_selection)
            with right:
                reason = st.text_area(_("Reasons for return"), key=f"why_{entry_id}", help=limit_help(1000))
                if st.button(_("Return for revision"), icon=":material/undo:", key=f"back_{entry_id}"):
                    session.run_action(catalog.return_entry, actor, entry_id, reason, expected_version=version,
                                       success=_("Returned to the unit."), rerun=True, after=_forget_selection)
    export_control("review_queue", lambda fmt: exports.export_review_queue(actor, fmt, present=_present, **filters),
                   signature=filters)

with tab_restricted:
    c1, c2 = st.columns([1, 1])
    kind = c1.selectbox(_("Share type"), [None, "conditional", "not_shared"], key="restricted_kind",
                        format_func=lambda c: _("All restricted") if c is None else cw.name_of("share_type", c))
    unfiled = c2.toggle(_("Entries not yet filed"), key="restricted_unfiled")
    restricted = catalog.restricted_entries(actor, share_type=kind, unfiled_only=unfiled)
    picked = st.dataframe(
        cw.display_frame(restricted.assign(filed=restricted["filed_at"].notna().map({True: _("Filed"), False: ""})),
                         {"resource_code": "Resource code", "name": "Resource name", "provider": "Providing unit",
                          "share_type": "Share type", "restriction_basis": "Legal basis for the restriction",
                          "filed": "Filing"}, enums={"share_type": "share_type"}),
        hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="restricted_table")
    if picked.selection.rows:
        entry = restricted.iloc[picked.selection.rows[0]]
        entry_id, version = int(entry["id"]), int(entry["version"])
        f1, f2 = st.columns(2)
        with f1.form(f"fix_share_{entry_id}"):
            st.markdown(_("**Fix the share type** (Shanxi §12)"))
            share = cw.options("share_type")
            new_type = st.selectbox(_("Share type"), list(share), format_func=share.get,
                                    index=list(share).index(entry["share_type"]))
            why = st.text_area(_("Reasons for the decision"), help=limit_help(catalog.NOTE_MAX))
            if st.form_submit_button(_("Fix the share type"), type="primary"):
                session.run_action(catalog.fix_share_type, actor, entry_id, new_type, why, expected_version=version,
                                   success=_("The share type was fixed and a new version published."), rerun=True)
        if catalog.needs_filing(entry["share_type"], None if pd.isna(entry["filed_at"]) else entry["filed_at"]):
            with f2.form(f"file_{entry_id}"):
                st.markdown(_("**Record the filing (备案)** of this entry"))
                file_note = st.text_input(_("Filing reference or note"), help=limit_help(catalog.NOTE_MAX))
                if st.form_submit_button(_("Record the filing")):
                    session.run_action(catalog.file_entry, actor, entry_id, file_note, expected_version=version,
                                       success=_("The filing was recorded."), rerun=True)
