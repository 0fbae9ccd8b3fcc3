"""Audit log (审计日志): filter, page through and inspect events, export them (an audited action), verify the
hash chain and purge past the retention period; audit administrator only."""

import json
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from services.administration import audit_log
from services.administration.audit_log import AuditFilter
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local, local_date
from ui import session
from ui.labels import OBJECT_TYPE_LABELS, RESULT_LABELS, action_label, label, roles_text
from ui.tables import current_page, data_table, pager, reset_page

EXPORT_KEY = "audit_export_file"
EARLIEST = date(2000, 1, 1)
actor = session.require_actor()
session.show_flash()
st.title(_("Audit log"))

options = audit_log.filter_options(actor)
with st.form("audit_filter", border=True):
    # Dates in full (YYYY-MM-DD: a narrow box showed "00/01/01"); any day since 2000 can be typed.
    row1 = st.columns([1.15, 1.15, 1.1, 1.6, 1])
    start = row1[0].date_input(_("From"), value=local_date() - timedelta(days=6), key="audit_start",
                               min_value=EARLIEST, max_value=local_date(), format="YYYY-MM-DD")
    end = row1[1].date_input(_("To"), value=local_date(), key="audit_end", min_value=EARLIEST,
                             max_value=local_date(), format="YYYY-MM-DD")
    username = row1[2].text_input(_("User name"), key="audit_user")
    action = row1[3].selectbox(
        _("Action"),
        [None, *options["actions"]],
        key="audit_action",
        format_func=lambda a: _("All actions") if a is None else action_label(a),
    )
    result = row1[4].selectbox(
        _("Result"),
        [None, *audit_log.RESULTS],
        key="audit_result",
        format_func=lambda r: _("All results") if r is None else label(RESULT_LABELS, r),
    )
    row2 = st.columns([1.2, 1.2, 3.6], vertical_alignment="bottom")
    object_type = row2[0].selectbox(
        _("Object type"),
        [None, *options["object_types"]],
        key="audit_otype",
        format_func=lambda t: _("All objects") if t is None else label(OBJECT_TYPE_LABELS, t),
    )
    object_id = row2[1].text_input(_("Object ID"), key="audit_oid")
    if row2[2].form_submit_button(_("Apply filter"), icon=":material/filter_alt:", type="primary"):
        reset_page("audit")
        st.session_state.pop(EXPORT_KEY, None)

flt = AuditFilter(
    start=start,
    end=end,
    username=username or None,
    action=action,
    object_type=object_type,
    object_id=object_id or None,
    result=result,
)
page = session.run_action(audit_log.search_events, actor, flt, page=current_page("audit"))
if page is None:
    st.stop()

table = page.rows.assign(
    time=page.rows["occurred_at"].map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S") if pd.notna(t) else ""),
    result_text=page.rows["result"].map(lambda r: label(RESULT_LABELS, r)),
    action_text=page.rows["action"].map(action_label),
    roles=page.rows["roles"].map(lambda r: roles_text(r.split(",")) if isinstance(r, str) and r else ""),
    object_text=page.rows["object_type"].map(lambda t: label(OBJECT_TYPE_LABELS, t) if isinstance(t, str) else ""),
    object_id=page.rows["object_id"].map(lambda v: "" if v is None or pd.isna(v) else str(v)),
)
selected = data_table(
    table,
    {"seq": N_("Sequence"), "time": N_("Time"), "username": N_("User name"), "roles": N_("Roles"),
     "action_text": N_("Action"), "object_text": N_("Object type"), "object_id": N_("Object ID"),
     "result_text": N_("Result")},
    key="audit_table", height=400,
)
pager("audit", page.page, page.pages, page.total)

if selected is None:
    st.caption(_("Select an event to see its detail and before/after values."))
elif event := session.run_action(audit_log.get_event, actor, int(selected["seq"])):
    st.subheader(_("Event {seq}", seq=event.seq))
    facts, changes = st.columns([2, 3], gap="medium")
    facts.dataframe(pd.DataFrame({_("Field"): [_("Time"), _("User name"), _("Roles"), _("Action"), _("Result"),
                                               _("Object"), _("Hash")],
                                  _("Value"): [fmt_local(event.occurred_at, with_seconds=True), event.username,
                                               roles_text(event.roles.split(",")) if event.roles else "",
                                               f"{action_label(event.action)} ({event.action})",
                                               label(RESULT_LABELS, event.result),
                                               f"{label(OBJECT_TYPE_LABELS, event.object_type)} {event.object_id or ''}".strip(),
                                               event.hash]}), hide_index=True, width="stretch")
    with changes:
        if event.changes:
            st.dataframe(pd.DataFrame([{_("Field"): c.field, _("Before"): json.dumps(c.before, ensure_ascii=False),
                                        _("After"): json.dumps(c.after, ensure_ascii=False)} for c in event.changes]),
                         hide_index=True, width="stretch")
        if event.detail:
            with st.expander(_("Full detail"), expanded=not event.changes):
                st.json(event.detail)

st.divider()
tools = st.columns([1.4, 1, 1.4, 2.2], vertical_alignment="bottom")
fmt = tools[0].segmented_control(
    _("Export format"), list(audit_log.EXPORT_FORMATS), default="xlsx", format_func=str.upper, key="audit_fmt"
)
if tools[1].button(
    _("Export"), icon=":material/download:", help=_("The export itself is recorded in the audit log.")
):
    file = session.run_action(audit_log.export_events, actor, flt, fmt or "xlsx")
    if file:
        st.session_state[EXPORT_KEY] = file
file = st.session_state.get(EXPORT_KEY)
if file:
    tools[2].download_button(
        _("Download {n} events", n=file.rows),
        file.data,
        file_name=file.filename,
        mime=file.mime,
        icon=":material/file_download:",
        type="primary",
    )
if tools[3].button(_("Verify hash chain"), icon=":material/verified:"):
    status = session.run_action(audit_log.verify_chain, actor)
    if status and status.ok:
        st.success(_("The audit chain is intact: {n} events verified.", n=status.checked))
    elif status:
        st.error(
            _(
                "The audit chain is broken at event {seq}: {reason}",
                seq=status.broken_seq,
                reason=status.reason,
            )
        )

with st.expander(_("Purge events past the retention period")):
    limit, retention = audit_log.purge_limit(actor)
    st.caption(
        _(
            "Events must be kept at least {days} days and six months, so the date must be on or before {limit}; "
            "purged events are gone for good, so take a backup first. The purge itself is recorded.",
            days=retention, limit=limit.isoformat(),
        )
    )
    with st.form("audit_purge"):
        before = st.date_input(_("Delete events before"), value=limit)
        confirm = st.checkbox(_("I understand that this cannot be undone."))
        if st.form_submit_button(_("Purge"), icon=":material/delete_forever:"):
            if not confirm:
                st.error(_("Tick the confirmation first."))
            else:
                count = session.run_action(audit_log.purge, actor, before)
                if count is not None:
                    session.flash(_("{n} events deleted.", n=count))
                    st.rerun()
