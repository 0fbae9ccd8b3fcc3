"""Home panel 我的待办: open deadlines in the user's scope, and the reminders list in the sidebar."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.clock import CaseKind
from models.user import Role
from services.core.actor import Actor
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.permissions import Scope, allowed_scope
from services.deadlines import clocks, inbox, policy
from services.deadlines import reminders as notifications
from ui import badges, case_links, session
from ui.home import register, register_reminders
from ui.markdown import md_escape, md_text

CASE_KIND_LABELS = {
    CaseKind.CATALOG_ENTRY: N_("Catalog entry"),
    CaseKind.SHARE_REQUEST: N_("Share request"),
    CaseKind.DISPUTE: N_("Sharing dispute"),
    CaseKind.CORRECTION: N_("Correction"),
    CaseKind.OPEN_REQUEST: N_("Open-data request"),
    CaseKind.ASSESSMENT_CARD: N_("Assessment scorecard"),
    CaseKind.ASSESSMENT_APPEAL: N_("Assessment appeal"),
}
STATUS_CHOICES = {"all": N_("All open"), "overdue": N_("Overdue"), "due_soon": N_("Due soon")}
INBOX_ROLES = {Role.UNIT_STEWARD, Role.COUNTY_APPROVER, Role.BUREAU_REVIEWER, Role.LEADER, Role.ASSESSOR}
PAGE_KEY = "inbox_page"


def kind_label(kind: str | None) -> str:
    msgid = CASE_KIND_LABELS.get(kind) if kind else None  # type: ignore[call-overload]
    return _(msgid) if msgid else (kind or "")


def _reset_page() -> None:
    st.session_state[PAGE_KEY] = 1


def _filters(actor: Actor, page: inbox.InboxPage | None) -> inbox.InboxFilters:
    cols = st.columns([2.5, 1.9, 2.6])  # the three choices of "show" fit at 1366 px in either language
    status = cols[0].segmented_control(_("Show"), list(STATUS_CHOICES), format_func=lambda k: _(STATUS_CHOICES[k]),
                                       default="all", key="inbox_status", on_change=_reset_page)
    kinds = [k for k in CASE_KIND_LABELS if k in (page.kinds if page else [])]
    kind = cols[1].selectbox(_("Kind of case"), [None, *kinds], format_func=lambda k: _("All kinds") if k is None
                             else kind_label(k), key="inbox_kind", on_change=_reset_page)
    unit_id = None
    if allowed_scope(actor, "inbox.view") is not Scope.UNIT:
        units = inbox.unit_choices(actor)
        unit_id = cols[2].selectbox(_("Responsible unit"), [None, *units],
                                    format_func=lambda u: _("All units") if u is None else units[u],
                                    key="inbox_unit", on_change=_reset_page)
    return inbox.InboxFilters(case_kind=kind, unit_id=unit_id, status=None if status in (None, "all") else status)


def _table(actor: Actor, page: inbox.InboxPage) -> None:
    rows = page.rows
    if rows.empty:
        st.info(_("No open deadline matches."), icon=":material/task_alt:")
        return
    view = pd.DataFrame({
        _("Status"): [clocks.status_label(s) for s in rows["status"]],
        _("Working days"): [badges.left_text(n if pd.notna(n) else None, s)
                            for n, s in zip(rows["workdays_left"], rows["status"], strict=True)],
        _("Due on"): [d.isoformat() + (" *" if p else "") if d else "—" for d, p in zip(rows["due_on"], rows["provisional"], strict=True)],
        _("Case"): [f"{kind_label(k)} {ref}" for k, ref in zip(rows["case_kind"], rows["case_ref"], strict=True)],
        _("Step"): [policy.step_label(s) for s in rows["step"]],
        _("Responsible unit"): rows["unit_name"],
        _("Started on"): [d.isoformat() for d in rows["started_on"]],
        _("Open for (working days)"): rows["age_workdays"],
    })
    event = st.dataframe(badges.style_status(view, _("Status"), rows["status"]), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode="single-row", key="inbox_table")
    if rows["provisional"].any():
        st.caption(_("* Due date in a year whose holiday schedule is not yet official: it may still move."))
    selected = event.selection.rows if event and event.selection else []
    if selected:
        row = rows.iloc[selected[0]]
        if case_links.can_open(row["case_kind"], actor.roles):
            if st.button(md_text("Open {case}", case=row["case_ref"]), icon=":material/open_in_new:", type="primary"):
                case_links.open_case(row["case_kind"], int(row["case_id"]))
        else:
            st.caption(_("This kind of case has no page you can open."))


def _pager(page: inbox.InboxPage) -> None:
    if page.pages <= 1:
        return
    left, middle, right = st.columns([1, 3, 1])
    if left.button(_("Previous"), disabled=page.page <= 1, key="inbox_prev"):
        st.session_state[PAGE_KEY] = page.page - 1
        st.rerun()
    middle.caption(_("Page {page} of {pages} · {total} records", page=page.page, pages=page.pages, total=page.total))
    if right.button(_("Next"), disabled=page.page >= page.pages, key="inbox_next"):
        st.session_state[PAGE_KEY] = page.page + 1
        st.rerun()


def _summary_by_unit(actor: Actor) -> None:
    summary = inbox.overdue_by_unit(actor)
    if summary.empty or not summary["overdue"].any():
        return
    with st.expander(_("Overdue by unit"), expanded=Role.LEADER in actor.roles):
        late = summary[summary["overdue"] > 0]
        st.dataframe(pd.DataFrame({
            _("Responsible unit"): late["unit_name"], _("Region"): late["region_name"],
            _("Overdue"): late["overdue"], _("Due soon"): late["due_soon"], _("Open"): late["open"],
            _("Oldest overdue since"): [d.isoformat() if d else "" for d in late["oldest_due_on"]],
            _("Most working days late"): late["max_workdays_late"],
        }), hide_index=True, width="stretch")


def _overdue_plan_items(actor: Actor) -> None:
    """Yearly open-plan items past their target date and not open yet (no SLA clock: the unit chose the date)."""
    items = inbox.overdue_plan_items(actor)
    if items.empty:
        return
    with st.expander(_("Open-plan items past their date ({n})", n=len(items)), expanded=True, icon=":material/event_busy:"):
        st.dataframe(pd.DataFrame({
            _("Year"): items["year"].astype(str), _("Responsible unit"): items["unit_name"],
            _("Resource code"): items["resource_code"], _("Entry"): items["entry_name"],
            _("To be opened by"): [d.isoformat() for d in items["target_date"]], _("Days late"): items["days_late"],
        }), hide_index=True, width="stretch")


@register(INBOX_ROLES, order=10)
def inbox_panel(actor: Actor) -> None:
    st.subheader(_("Deadlines"))
    head = inbox.inbox(actor, inbox.InboxFilters(), page=1, page_size=1)
    counts = head.counts
    cols = st.columns(4)
    cols[0].metric(_("Open"), counts.open)
    cols[1].metric(_("Due soon"), counts.due_soon)
    cols[2].metric(_("Overdue"), counts.overdue)
    cols[3].metric(_("Paused"), counts.paused)
    _overdue_plan_items(actor)
    if counts.open == 0:
        st.info(_("No deadline is running in your area."), icon=":material/task_alt:")
        return
    filters = _filters(actor, head)
    page = session.run_action(inbox.inbox, actor, filters, page=st.session_state.get(PAGE_KEY, 1))
    if page:
        _table(actor, page)
        _pager(page)
    if allowed_scope(actor, "inbox.view") is not Scope.UNIT:
        _summary_by_unit(actor)


def reminders(actor: Actor) -> None:
    """Sidebar: unread reminders with 'mark as read' (registered with ui.home.register_reminders)."""
    if actor.user_id is None:
        return
    unread = notifications.unread_count(actor)
    label = _("Reminders ({n})", n=unread) if unread else _("Reminders")
    with st.popover(label, icon=":material/notifications:", width="stretch"):
        items = notifications.for_user(actor)
        if not items:
            st.caption(_("No unread reminders."))
            return
        if st.button(_("Mark all as read"), key="reminders_all", width="stretch"):
            notifications.mark_all_read(actor)
            st.rerun()
        for item in items:
            icon = ":material/error:" if item.kind == notifications.KIND_OVERDUE else ":material/schedule:"
            st.markdown(f"{icon} {md_escape(item.text)}")
            cols = st.columns(2)
            if cols[0].button(_("Mark as read"), key=f"reminder_read_{item.id}"):
                notifications.mark_read(actor, item.id)
                st.rerun()
            if case_links.can_open(item.case_kind, actor.roles) and cols[1].button(
                    _("Open the case"), key=f"reminder_open_{item.id}"):
                notifications.mark_read(actor, item.id)
                case_links.open_case(item.case_kind, int(item.case_id))  # type: ignore[arg-type]


register_reminders(reminders)
