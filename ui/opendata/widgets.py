"""Open-data widgets: labels of kinds and statuses, the tracking view (public) and the answer form (staff)."""

from __future__ import annotations

import datetime as _dt
import ipaddress

import streamlit as st

from services import opendata
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.deadlines.calendar import DayKind
from services.opendata import queries as open_queries
from services.opendata.rules import APPLICANT_KIND_LABELS, Answer
from ui import badges, session
from ui.case_links import register_case_page
from ui.forms import DATE_MAX, DATE_MIN, limit_help
from ui.markdown import md_escape

KIND_LABELS = {"demand": N_("Open-data demand"), "application": N_("Application for conditionally open data")}
STATUS_LABELS = {"submitted": N_("Waiting for the answer"), "needs_info": N_("More information needed"),
                 "unit_agreed": N_("Agreed by the unit; waiting for the data bureau's grant"),
                 "agreed": N_("Agreed"), "refused": N_("Refused")}
GRANT_LABELS = {"grant": N_("Grant the access"), "refuse": N_("Refuse with reasons")}
ANSWER_LABELS = {Answer.AGREE: N_("Agree"), Answer.REFUSE: N_("Refuse with reasons"),
                 Answer.ASK_INFO: N_("Ask the applicant for more information")}
OPENING_LABELS = {"opened": N_("The data is open: see the open catalog"),
                  "in_review": N_("The entry's opening is under the bureau's catalog review"),
                  "in_preparation": N_("The unit is preparing the entry's opening")}
DAY_LABELS = {DayKind.WORKDAY: N_("Working day"), DayKind.WEEKEND: N_("Weekend"), DayKind.HOLIDAY: N_("Public holiday"),
              DayKind.WORKED_WEEKEND: N_("Weekend worked (调休)")}
LIST_COLUMNS = {"code": N_("Tracking code"), "kind": N_("Kind"), "status": N_("Status"), "subject": N_("Data"),
                "unit": N_("Unit"), "submitted_at": N_("Submitted"), "due_on": N_("Deadline")}
CLASSIFICATION = {"base": N_("Base resources"), "theme": N_("Theme resources"), "department": N_("Department resources")}
FREQUENCY = {"realtime": N_("Real time"), "daily": N_("Daily"), "weekly": N_("Weekly"), "monthly": N_("Monthly"),
             "quarterly": N_("Quarterly"), "yearly": N_("Yearly"), "irregular": N_("Irregular")}
REQUEST_PAGE = "pages/opendata/requests.py"
PUBLIC_PAGES = (("pages/public/open_catalog.py", N_("Open data catalog"), ":material/public:"),
                ("pages/public/open_request.py", N_("Request open data"), ":material/edit_note:"),
                ("pages/public/open_track.py", N_("Track a request"), ":material/search:"),
                ("pages/public/transparency.py", N_("Answers by unit"), ":material/leaderboard:"),
                ("pages/account/sign_in.py", N_("Staff sign-in"), ":material/login:"))
STATE_KEY = "open_request_id"


def register_case_pages() -> None:
    register_case_page("open_request", REQUEST_PAGE, STATE_KEY)


def public_header() -> None:
    """Links between the public pages (reachable without an account) and the staff sign-in."""
    cols = st.columns(len(PUBLIC_PAGES))
    for col, (path, title, icon) in zip(cols, PUBLIC_PAGES, strict=True):
        col.page_link(path, label=_(title), icon=icon)


def client_key() -> str:
    """The client the public-form rate limit counts. The peer address, unless the peer is a proxy on this host or
    network (loopback or private): then the address that proxy appended last to X-Forwarded-For (entries before it
    are whatever the client sent and could be spoofed to dodge the limit)."""
    peer = str(getattr(st.context, "ip_address", "") or "")
    try:
        behind_proxy = not peer or ipaddress.ip_address(peer).is_private or ipaddress.ip_address(peer).is_loopback
    except ValueError:
        behind_proxy = True
    forwarded = [p.strip() for p in ((st.context.headers or {}).get("X-Forwarded-For") or "").split(",") if p.strip()]
    if behind_proxy and forwarded:
        return forwarded[-1]
    return peer or f"session:{id(st.session_state)}"


def kind_label(code: str | None) -> str:
    return _(KIND_LABELS.get(code or "", code or ""))


def status_label(code: str | None) -> str:
    return _(STATUS_LABELS.get(code or "", code or ""))


def applicant_label(code: str | None) -> str:
    return _(APPLICANT_KIND_LABELS.get(code or "", code or ""))  # type: ignore[call-overload]


def show_tracking(view: open_queries.Tracking) -> None:
    """What the applicant sees: status, dates, the deadline with the days counted and skipped, the reply."""
    st.subheader(f"{view.code} · {md_escape(kind_label(view.kind))}")
    st.markdown(f"**{_('Status')}**: {status_label(view.status)}")
    if view.clock_status:
        badges.status_badge(view.clock_status)
    rows = [(_("Data"), view.subject), (_("Answering unit"), view.unit),
            (_("Submitted on"), view.submitted_on.isoformat()),
            (_("Answer due by"), view.due_on.isoformat() if view.due_on else _("No statutory deadline")),
            (_("Answered on"), view.answered_on.isoformat() if view.answered_on else "—")]
    for name, value in rows:
        st.markdown(f"**{name}**: {md_escape(str(value))}")
    if view.paused:
        st.info(_("The deadline is paused while the unit waits for the information it asked you for."))
    if view.info_request:
        st.warning(md_escape(_("The unit asks: {text}", text=view.info_request)))
    if view.reply:
        st.success(md_escape(_("Reply: {text}", text=view.reply)))
    if view.opening:
        st.info(_(OPENING_LABELS[view.opening]), icon=":material/public:")
    if view.agreement_signed_on:
        st.markdown(md_escape(_("Data use agreement signed on {signed}, valid until {ends}.",
                                signed=view.agreement_signed_on.isoformat(),
                                ends=view.agreement_ends_on.isoformat() if view.agreement_ends_on else "—")))
    if view.days:
        with st.expander(_("How the deadline was counted ({n} working days from the day after submission)",
                           n=view.workdays or 0)):
            st.dataframe([{_("Date"): d.day.isoformat(), _("Day"): _(DAY_LABELS[d.kind]),
                           _("Counted"): "✓" if d.counted else "—"} for d in view.days],
                         hide_index=True, width="stretch")


def show_request(actor, view: open_queries.RequestView, units: dict[int, str],
                 entries: dict[int, str] | None = None) -> None:
    st.subheader(f"{view.code} · {md_escape(kind_label(view.kind))}")
    cols = st.columns(3)
    cols[0].markdown(f"**{_('Status')}**: {status_label(view.status)}")
    cols[1].markdown(f"**{_('Answer due by')}**: {view.due_on.isoformat() if view.due_on else '—'}")
    if view.clock_status:
        with cols[2]:
            badges.status_badge(view.clock_status)
    lines = [(_("Data"), view.subject), (_("Description"), view.description or "—"), (_("Purpose"), view.purpose),
             (_("Applicant type"), applicant_label(view.applicant_kind)), (_("Applicant"), view.applicant_name),
             (_("Resident ID or credit code"), view.applicant_id), (_("Contact"), view.contact),
             (_("Answering unit"), view.unit)]
    if view.supplement:
        lines.append((_("Added by the applicant"), view.supplement))
    if view.reply:
        lines.append((_("Reply"), view.reply))
    for name, value in lines:
        st.markdown(f"**{name}**: {md_escape(str(value))}")
    if view.opening:
        st.info(_(OPENING_LABELS[view.opening]), icon=":material/public:")
    if not view.personal_data_shown:
        st.caption(_("Personal data is masked: only the unit that processes the request sees it."))
    if view.unit_agreed_at:
        st.markdown(md_escape(_("The unit agreed on {day}: {note}", day=view.unit_agreed_at.date().isoformat(),
                                note=view.unit_note or "—")))
    if view.can_grant:
        _grant_form(actor, view)
    if view.can_assign:
        with st.form(f"open_assign_{view.id}"):
            target = st.selectbox(_("Assign to unit"), list(units), format_func=units.get, index=None,
                                  placeholder=_("Choose…"))
            if st.form_submit_button(_("Assign")) and target:
                session.run_action(opendata.assign, actor, view.id, target, expected_version=view.version,
                                   success=_("Assigned; the deadline keeps running from the submission."), rerun=True)
    if not view.answers:
        return
    with st.form(f"open_answer_{view.id}"):
        choice = st.radio(_("Answer"), view.answers, format_func=lambda a: _(ANSWER_LABELS[a]), horizontal=True)
        reply = st.text_area(_("Reply to the applicant"), help=limit_help(2000))
        signed = ends = entry_id = None
        if view.kind == "demand" and entries:
            entry_id = st.selectbox(_("Entry to open (when agreeing; its change goes through catalog review)"),
                                    list(entries), format_func=entries.get, index=None, placeholder=_("Choose…"))
        if view.kind == "application":
            c1, c2 = st.columns(2)
            signed = c1.date_input(_("Data use agreement signed on (when agreeing)"), value=None, min_value=DATE_MIN, max_value=DATE_MAX)
            ends = c2.date_input(_("Agreement valid until"), value=None, min_value=DATE_MIN, max_value=DATE_MAX)
        if st.form_submit_button(_("Send the answer"), type="primary"):
            session.run_action(opendata.answer, actor, view.id,
                               opendata.AnswerInput(choice, reply=reply, agreement_signed_on=signed,
                                                    agreement_ends_on=ends, entry_id=entry_id),
                               expected_version=view.version, success=_("Answer recorded."), rerun=True)


def _grant_form(actor, view: open_queries.RequestView) -> None:
    """Longyan §18: the bureau grants the authorised-open access the unit agreed to, with the data use agreement."""
    st.info(_("Under the rules in force the data bureau grants authorised-open access after the unit agreed "
              "(Longyan §18)."), icon=":material/verified_user:")
    with st.form(f"open_grant_{view.id}"):
        choice = st.radio(_("Decision"), list(GRANT_LABELS), format_func=lambda g: _(GRANT_LABELS[g]), horizontal=True)
        reply = st.text_area(_("Reply to the applicant"), help=limit_help(2000), key=f"open_grant_reply_{view.id}")
        c1, c2 = st.columns(2)
        signed = c1.date_input(_("Data use agreement signed on (when agreeing)"), value=None,
                               key=f"open_grant_signed_{view.id}")
        ends = c2.date_input(_("Agreement valid until"), value=None, min_value=_dt.date.today() - _dt.timedelta(days=3650),
                             key=f"open_grant_ends_{view.id}")
        if st.form_submit_button(_("Record the grant decision"), type="primary"):
            session.run_action(opendata.grant, actor, view.id,
                               opendata.GrantInput(choice, reply=reply, agreement_signed_on=signed,
                                                   agreement_ends_on=ends),
                               expected_version=view.version, success=_("Decision recorded."), rerun=True)
