"""Widgets of the sharing screens: request tables with deadline marks, the request detail, and the action dialogs
offered from the state machine's moves for the signed-in user."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from models.sharing import Decision
from services import sharing
from services.core.actor import Actor
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local, local_date, to_local
from services.deadlines import calendar as workcal
from services.deadlines import policy
from services.sharing import attachments as sharing_files
from services.sharing import queries as sharing_queries
from services.sharing.queries import RequestFilter, RequestView
from services.sharing.rules import (
    ACT_LABELS,
    CLOSED_STATUSES,
    DECISION_LABELS,
    DISPUTE_STATUS_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    OPEN_STATUSES,
    PARTY_LABELS,
    ROUTE_LABELS,
    ROUTE_PARTIES,
    STATUS_LABELS,
    VERIFY_RESULT_LABELS,
    Act,
    label,
    round_answers,
)
from ui import session
from ui.forms import DATE_MAX, DATE_MIN, limit_help, upload_note
from ui.markdown import md_escape, md_text
from ui.tables import current_page, data_table, pager

OPEN = [str(s) for s in OPEN_STATUSES]
CLOSED = [str(s) for s in CLOSED_STATUSES]
STATUS_COLORS = {"pending_confirm": "orange", "submitted": "blue", "needs_info": "orange", "approved": "violet",
                 "implemented": "green", "rejected": "red", "disputed": "orange", "withdrawn": "gray",
                 "expired": "gray", "revoked": "gray"}
# The deadline comes right after the status so it stays on screen at 1366 px; unit names are the widest columns.
REQUEST_COLUMNS = {"code": N_("Tracking number"), "status_text": N_("Status"), "due_text": N_("Deadline"),
                   "entry": N_("Data"), "kind_text": N_("Kind"), "requester": N_("Requesting unit"),
                   "provider": N_("Providing unit"), "submitted": N_("Submitted")}
UPLOAD_TYPES = ["pdf", "png", "jpg", "jpeg"]


def upload_limit_mb() -> int:
    """The uploader shows and enforces the attachment limit of the settings (Streamlit's default is 200 MB)."""
    from services.core.settings import get_settings

    return max(1, int(get_settings().share_attachment_max_mb))


# --- formatting -------------------------------------------------------------------------------------------
def fields_md(rows) -> str:
    """Bold label, colon in the UI language, escaped value; one per line."""
    from services.core.i18n import current_language

    colon = "：" if current_language() == "zh_CN" else ": "
    return "  \n".join(f"**{name}**{colon}{md_escape(value if value is not None else '')}" for name, value in rows)


def workdays_left(today: date, due_on: date | None) -> int | None:
    if due_on is None:
        return None
    if today > due_on:
        return -max(1, workcal.elapsed_workdays(due_on, today))
    return workcal.elapsed_workdays(today, due_on)


def deadline_text(due_on, today: date, *, step: str | None = None) -> str:
    """"2025-10-10 · 2 working days left", "overdue 3 working days", or the age note for steps without one."""
    if due_on is None or pd.isna(due_on):
        return _("No statutory deadline") if step else ""
    left = workdays_left(today, due_on)
    if left is None:
        return ""
    if left < 0:
        return _("{day} · overdue {n} working days", day=due_on, n=-left)
    if left == 0:
        return _("{day} · due today", day=due_on)
    return _("{day} · {n} working days left", day=due_on, n=left)


def deadline_markdown(due_on, today: date) -> str:
    text = deadline_text(due_on, today, step="x")
    left = workdays_left(today, due_on) if due_on is not None else None
    if left is None:
        return text
    color = "red" if left < 0 else "orange" if left <= 1 else "green"
    return f":{color}[{text}]"


def status_badge(status: str) -> None:
    st.badge(label(STATUS_LABELS, status), color=STATUS_COLORS.get(status, "gray"))


def _local_day(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return to_local(pd.Timestamp(value).to_pydatetime()).strftime("%Y-%m-%d")


def format_requests(df: pd.DataFrame, today: date) -> pd.DataFrame:
    df = df.copy()
    df["kind_text"] = df["kind"].map(lambda v: label(KIND_LABELS, v))
    df["status_text"] = df["status"].map(lambda v: label(STATUS_LABELS, v))
    df["submitted"] = df["submitted_at"].map(_local_day)
    df["due_text"] = [deadline_text(None if pd.isna(d) else d, today, step=s if isinstance(s, str) else None)
                      for d, s in zip(df["due_on"], df["step"], strict=True)]
    return df


def request_export(actor: Actor, flt: RequestFilter, key: str, columns: dict[str, str] | None = None) -> None:
    """XLSX/CSV of every request the filter matches, with the table's columns and names (an audited export)."""
    from services.sharing import exports as sharing_exports
    from ui.exports import export_control

    shown = columns or REQUEST_COLUMNS

    def present(rows: pd.DataFrame) -> pd.DataFrame:
        return format_requests(rows, local_date())[list(shown)].rename(columns={k: _(v) for k, v in shown.items()})

    export_control(key, lambda fmt: sharing_exports.export_requests(actor, flt, fmt, present=present),
                   signature=flt)


def request_table(actor: Actor, flt: RequestFilter, *, key: str, columns: dict[str, str] | None = None,
                  height: int = 380) -> int | None:
    """A server-paged table of requests; returns the selected request id."""
    today = local_date()
    page = current_page(key)
    size = 15
    rows, total = sharing_queries.list_requests(actor, flt, page=page, page_size=size)
    pages = max(1, -(-total // size))
    if rows.empty and total == 0:
        st.info(_("No requests match."))
        return None
    # The deadline ("2026-12-04 · 5 working days left") is read whole at 1366 px; the data name takes the rest.
    widths = {"due_text": st.column_config.TextColumn(width=230), "entry": st.column_config.TextColumn(width=200)}
    selected = data_table(format_requests(rows, today), columns or REQUEST_COLUMNS, key=f"{key}_table",
                          height=height, column_config=widths)
    pager(key, page, pages, total)
    return None if selected is None else int(selected["id"])


# --- one request ----------------------------------------------------------------------------------------
def _items_text(items) -> str:
    names = []
    for item in items:
        names.append(f"{item.name}⚠" if item.is_sensitive else item.name)
    return _(", ").join(names)


def _answers(view: RequestView) -> tuple[set[str], set[str]]:
    if view.status != "submitted":
        return set(), set()
    return round_answers(view.route, view.decisions, view.resubmissions)


def waiting_note(view: RequestView) -> None:
    """A co-decided request stays "awaiting answer" until every party approved: say who answered and who is
    awaited, so a provider's answer does not look ignored."""
    answered, waiting = _answers(view)
    if not answered or not waiting:
        return
    st.markdown(md_escape(_("{answered} answered; waiting for {waiting}",
                            answered=_(", ").join(label(PARTY_LABELS, p) for p in sorted(answered)),
                            waiting=_(", ").join(label(PARTY_LABELS, p) for p in sorted(waiting)))))


def show_request(actor: Actor, request_id: int, *, actions: bool = True) -> RequestView | None:
    """The whole case: what was asked, who decides, the clocks, decisions, agreements, grants and dispute,
    with the moves the user may make now."""
    view = session.run_action(sharing_queries.get_request, actor, request_id)
    if not isinstance(view, RequestView):
        return None
    today = local_date()
    if actions:
        action_bar(actor, view)
    with st.container(border=True):
        head = st.columns([3, 2], vertical_alignment="center")
        head[0].subheader(f"{md_escape(view.code)} · {md_escape(view.entry or view.uncatalogued_title or '')}")
        with head[1]:
            status_badge(view.status)
            waiting_note(view)
            clock = view.open_clock
            if clock is not None:
                st.markdown(f"{policy.step_label(clock.step)}：{deadline_markdown(clock.due_on, today)}")
        left, right = st.columns(2)
        left_rows = [(_("Requesting unit"), view.requester), (_("Providing unit"), view.provider),
                     (_("Kind"), label(KIND_LABELS, view.kind)), (_("Decided by"), label(ROUTE_LABELS, view.route))]
        if view.cross_level:
            left_rows.append((_("Filed with the bureaus"), fmt_local(view.submitted_at)))
        left.markdown(fields_md(left_rows))
        right_rows = [(_("Scenario"), view.scenario), (_("Purpose"), view.purpose),
                      (_("Duty or legal basis"), view.legal_basis)]
        if view.kind != "verify":  # a verification hands nothing over: no method, no period
            right_rows += [(_("Share method"), label(METHOD_LABELS, view.share_method)),
                           (_("Needed until"), view.end_date)]
        right.markdown(fields_md([(k, v) for k, v in right_rows if v or k != _("Scenario")]))
        rows = [(_("Data items requested"), _items_text(view.requested_items))]
        if view.uncatalogued_description:
            rows.append((_("Description of the data"), view.uncatalogued_description))
        if view.entry_share_type == "not_shared" and view.restriction_basis:
            rows.append((_("Legal basis for not sharing"), view.restriction_basis))
        if view.approved_items:
            rows.append((_("Approved on least authorisation"), " · ".join([
                _items_text(view.approved_items), label(METHOD_LABELS, view.approved_method),
                _("until {day}", day=view.approved_end_date)])))
        st.markdown(fields_md(rows))
        if view.route_note:
            st.info(_(view.route_note), icon=":material/alt_route:")
        if view.status == "awaiting_catalog":
            st.info(_("The provider confirmed it holds the data. Nothing is shared before its catalog entry is "
                      "reviewed and published; the request then goes on to the answer."), icon=":material/schedule:")
        if view.awaiting_written_application:
            st.warning(_("The answer deadline counts from the day the provider receives the signed written "
                         "application (Shanghai §14). Print the form, sign it and send it to the provider."),
                       icon=":material/draft:")
            form = sharing_queries.application_form_html(actor, view.id)
            st.download_button(_("Download the application form"), form, file_name=f"{view.code}.html",
                               mime="text/html", icon=":material/print:", key=f"form_{view.id}")
        elif view.application_received_on:
            st.caption(_("Written application received on {day}.", day=view.application_received_on))
        if view.kind == "verify":
            verify_rows = []
            if view.verify_records:
                verify_rows.append((_("Records to verify"), view.verify_records.replace("\n", "；")))
            if view.verify_result:
                verify_rows.append((_("Verification result"), label(VERIFY_RESULT_LABELS, view.verify_result)))
            if view.verify_note:
                verify_rows.append((_("Note"), view.verify_note))
            if verify_rows:
                st.markdown(fields_md(verify_rows))
        if view.needs_confidentiality:
            st.warning(_("Secret, commercial or personal data: a confidentiality agreement is required before "
                         "access is given (Shanghai §14)."), icon=":material/lock:")
        if view.info_request and view.status == "needs_info":
            st.info(_("Information requested: {text}", text=md_escape(view.info_request)), icon=":material/help:")
        if view.decision_reason and view.status in ("rejected", "disputed"):
            st.error(_("Refused: {text}", text=md_escape(view.decision_reason)), icon=":material/block:")
        agreements = [(_("Data use agreement"), view.use_agreement),
                      (_("Confidentiality agreement"), view.confidentiality_agreement),
                      (_("How access was given"), view.implementation_note)]
        shown = [(name, value) for name, value in agreements if value]
        if shown:
            st.markdown(fields_md(shown))
    _timeline(view, today)
    return view


def _timeline(view: RequestView, today: date) -> None:
    tabs = st.tabs([_("Decisions"), _("Deadlines"), _("Access and usage"), _("Attachments")])
    with tabs[0]:
        if view.decisions:
            st.dataframe(pd.DataFrame([{
                _("Party"): label(PARTY_LABELS, d["party"]), _("Answer"): label(DECISION_LABELS, d["decision"]),
                _("Reasons"): d["reason"] or "", _("By"): d["by"], _("At"): fmt_local(d["at"])}
                for d in view.decisions]), hide_index=True, width="stretch")
        else:
            st.caption(_("No answer yet."))
        if view.dispute:
            d = view.dispute
            rows = [(_("Objection"), d["reason"]), (_("Status"), label(DISPUTE_STATUS_LABELS, d["status"]))]
            if d["note"]:
                rows.append((_("Coordination result"), d["note"]))
            st.markdown(fields_md(rows))
    with tabs[1]:
        st.dataframe(deadline_rows(view, today), hide_index=True, width="stretch")
    with tabs[2]:
        for g in view.grants:
            state = (_("revoked: {reason}", reason=g["revoked_reason"]) if g["revoked_at"]
                     else _("until {day}", day=g["ends_on"]))
            items_text = _("{n} data items", n=g["items"])
            st.markdown(md_escape(f"{label(METHOD_LABELS, g['method'])} · {items_text} · {state}"))
        for r in view.usage_reports:
            st.markdown("- " + md_escape(f"{r['period'] or ''} {r['content']} · {r['by']} · {fmt_local(r['at'])}"))
        if not view.grants:
            st.caption(_("Access has not been given yet."))
    with tabs[3]:
        for a in view.attachments:
            _download(view, a)
        if not view.attachments:
            st.caption(_("No written application attached."))


def deadline_rows(view: RequestView, today: date) -> pd.DataFrame:
    """The request's clocks as text columns: a column mixing dates and words (no statutory deadline) cannot be
    converted for the browser, and Streamlit logged an ArrowTypeError on every render."""
    return pd.DataFrame([{
        _("Step"): policy.step_label(c.step), _("Responsible unit"): c.responsible or "",
        _("Started"): c.started_on.isoformat() if c.started_on else "",
        _("Due"): c.due_on.isoformat() if c.due_on else _("No statutory deadline"),
        _("Closed"): c.closed_on.isoformat() if c.closed_on else "", _("Result"): _clock_result(c, today)}
        for c in view.clocks], columns=[_("Step"), _("Responsible unit"), _("Started"), _("Due"), _("Closed"),
                                        _("Result")])


def _clock_result(clock, today: date) -> str:
    if clock.closed_on is None:
        return deadline_text(clock.due_on, today, step=clock.step)
    if clock.outcome == "cancelled":
        return _("Cancelled")
    if clock.due_on is not None and clock.closed_on > clock.due_on:
        return _("Late")
    return _("On time")


def _download(view: RequestView, attachment: dict) -> None:
    actor = session.require_actor()
    cols = st.columns([4, 1], vertical_alignment="center")
    cols[0].caption(f"{md_escape(attachment['filename'])} · {attachment['size'] / 1024:.0f} KB · SHA-256 {attachment['sha256'][:16]}…")
    if cols[1].button(_("Prepare download"), key=f"att_{attachment['id']}", width="stretch"):
        result = session.run_action(sharing_queries.read_attachment, actor, attachment["id"])
        if isinstance(result, tuple):
            name, mime, content = result
            cols[1].download_button(_("Download"), content, file_name=name, mime=mime, key=f"dl_{attachment['id']}")


# --- actions ----------------------------------------------------------------------------------------------
def action_bar(actor: Actor, view: RequestView) -> None:
    """One button per move the state machine offers this user now; each opens its dialog."""
    acts = [a for a in view.acts if a != Act.EXPIRE]
    answered, _waiting = _answers(view)
    if answered and not (set(view.parties) & set(ROUTE_PARTIES.get(view.route, ())) - answered):
        acts = [a for a in acts if a not in (Act.APPROVE, Act.REJECT, Act.ASK_INFO)]  # this side has answered
    extra = []
    active_grants = [g for g in view.grants if not g["revoked_at"]]
    if "requester" in view.parties and active_grants:
        extra.append("usage")
    if "requester" in view.parties and view.status in sharing.OPEN_STATUSES:
        extra.append("attach")
    if not acts and not extra:
        return
    buttons = st.columns(max(4, len(acts) + len(extra)))
    for i, act in enumerate(acts + extra):
        text = _("Report usage") if act == "usage" else _("Attach application") if act == "attach" \
            else label(ACT_LABELS, act)
        primary = act in (Act.APPROVE, Act.IMPLEMENT, Act.CONFIRM, Act.RESUBMIT, Act.ANSWER_VERIFICATION)
        if buttons[i].button(text, key=f"act_{view.id}_{act}", type="primary" if primary else "secondary",
                             width="stretch"):
            DIALOGS[act](actor, view)


def refusal_fields(key: str) -> tuple[str, str, str]:
    """A refusal cites a law or regulation and its article, then the reasons (Shanghai §13)."""
    cols = st.columns([3, 1])
    law = cols[0].text_input(_("Law or regulation"), help=limit_help(200), key=f"{key}_law",
                             placeholder=_("e.g. 中华人民共和国个人信息保护法"))
    session.field_slot("basis_law", _("Law or regulation"), cols[0])
    article = cols[1].text_input(_("Article"), help=limit_help(60), key=f"{key}_article", placeholder="第三十四条")
    session.field_slot("basis_article", _("Article"), cols[1])
    reasons = st.text_area(_("Reasons for refusing"), help=limit_help(1000), key=f"{key}_reasons")
    session.field_slot("reason", _("Reasons for refusing"))
    return law, article, reasons


def _dialog(title: str):
    return st.dialog(title, width="large")


def _decide(actor: Actor, view: RequestView, default: str) -> None:
    def body():
        choices = {Decision.APPROVE: _("Approve"), Decision.REJECT: _("Refuse"),
                   Decision.NEEDS_INFO: _("Ask for more information")}
        decision = st.segmented_control(_("Answer"), list(choices), format_func=choices.get, default=default,
                                        key=f"dec_{view.id}") or default
        ceiling = view.approved_items or view.requested_items
        items = end = method = None
        if decision == Decision.APPROVE:
            st.caption(_("Least authorisation: keep only the data items, method and period the duty needs."))
            names = {i.id: i.name for i in ceiling if i.id is not None}
            items = st.multiselect(_("Data items granted"), list(names), default=list(names), format_func=names.get,
                                   placeholder=_("Choose…"), select_all=False)
            session.field_slot("items", _("Data items granted"))
            cols = st.columns(2)
            end = cols[0].date_input(_("Access ends on"), value=view.approved_end_date or view.end_date, min_value=DATE_MIN, max_value=DATE_MAX)
            session.field_slot("end_date", _("Access ends on"), cols[0])
            methods = list(METHOD_LABELS)
            current = view.approved_method or view.share_method
            method = cols[1].selectbox(_("Share method"), methods, format_func=lambda m: label(METHOD_LABELS, m),
                                       index=methods.index(current) if current in methods else 0)
        law = article = None
        if decision == Decision.REJECT:
            law, article, reason = refusal_fields(f"refuse_{view.id}")
        else:
            reason_label = _("Remarks (optional)") if decision == Decision.APPROVE else _("What information is missing")
            reason = st.text_area(reason_label, help=limit_help(1000))
            session.field_slot("reason", reason_label)
        if st.button(_("Submit answer"), type="primary"):
            session.run_action(sharing.decide, actor, view.id,
                               sharing.DecisionInput(decision, reason=reason, items=items, end_date=end,
                                                     method=method, basis_law=law, basis_article=article),
                               expected_version=view.version, success=_("Your answer was recorded."), rerun=True)
    _dialog(md_text("Answer request {code}", code=view.code))(body)()


def _answer_verification(actor: Actor, view: RequestView) -> None:
    def body():
        st.caption(_("Compare the listed records with your data and say whether they match. Nothing else is "
                     "returned to the requester (Qingyuan ch.4)."))
        if view.verify_records:
            st.code(view.verify_records, language=None)
        results = list(VERIFY_RESULT_LABELS)
        result = st.radio(_("Result"), results, format_func=lambda r: label(VERIFY_RESULT_LABELS, r),
                          horizontal=True, key=f"verify_{view.id}")
        note = st.text_area(_("Note (required when the records partly match)"), help=limit_help(1000))
        if st.button(_("Send the result"), type="primary"):
            session.run_action(sharing.answer_verification, actor, view.id, result=result, note=note,
                               expected_version=view.version, success=_("The verification result was sent."),
                               rerun=True)
    _dialog(_("Answer verification request {code}", code=view.code))(body)()


def _receive_application(actor: Actor, view: RequestView) -> None:
    def body():
        day = st.date_input(_("Day the signed application arrived"), value=local_date(),
                            min_value=DATE_MIN, max_value=DATE_MAX)
        if st.button(_("Record receipt"), type="primary"):
            session.run_action(sharing.record_application_received, actor, view.id, day,
                               expected_version=view.version,
                               success=_("The receipt was recorded; the answer deadline runs from that day."),
                               rerun=True)
    _dialog(_("Written application for {code}", code=view.code))(body)()


def _confirm(actor: Actor, view: RequestView) -> None:
    def body():
        st.write(_("Your unit confirms it holds this data. A draft catalog entry pre-filled from the request is "
                   "created for you to complete and submit; the request then waits for your answer."))
        if st.button(_("Confirm and create the draft entry"), type="primary"):
            session.run_action(sharing.confirm_uncatalogued, actor, view.id, expected_version=view.version,
                               success=_("Confirmed: complete the draft entry in the catalog."), rerun=True)
    _dialog(md_text("Confirm request {code}", code=view.code))(body)()


def _resubmit(actor: Actor, view: RequestView) -> None:
    def body():
        st.info(_("Information requested: {text}", text=md_escape(view.info_request)))
        scenario = st.text_input(_("Scenario"), value=view.scenario or "", help=limit_help(300))
        session.field_slot("scenario", _("Scenario"))
        purpose = st.text_area(_("Purpose"), value=view.purpose or "", help=limit_help(1000))
        session.field_slot("purpose", _("Purpose"))
        basis = st.text_area(_("Duty or legal basis"), value=view.legal_basis or "", help=limit_help(1000))
        session.field_slot("legal_basis", _("Duty or legal basis"))
        cols = st.columns(2)
        methods = list(METHOD_LABELS)
        method = cols[0].selectbox(_("Share method"), methods, format_func=lambda m: label(METHOD_LABELS, m),
                                   index=methods.index(view.share_method) if view.share_method in methods else 0)
        end = cols[1].date_input(_("Needed until"), value=view.end_date, min_value=DATE_MIN, max_value=DATE_MAX)
        session.field_slot("end_date", _("Needed until"), cols[1])
        upload = st.file_uploader(_("Written application (PDF or image)"), type=UPLOAD_TYPES,
                                      max_upload_size=upload_limit_mb())
        upload_note(upload_limit_mb(), UPLOAD_TYPES)
        session.field_slot("attachment", _("Written application (PDF or image)"))
        if st.button(_("Resubmit"), type="primary"):
            session.run_action(sharing.resubmit, actor, view.id, scenario=scenario, purpose=purpose,
                               legal_basis=basis, share_method=method, end_date=end,
                               attachment=to_upload(upload), expected_version=view.version,
                               success=_("The request was resubmitted."), rerun=True)
    _dialog(md_text("Amend and resubmit {code}", code=view.code))(body)()


def _simple(title: str, text_label: str | None, call, success: str):
    """A dialog with one optional text box; `title`, `text_label` and `success` are msgids (N_)."""
    def opener(actor: Actor, view: RequestView) -> None:
        def body():
            text = st.text_area(_(text_label), help=limit_help(1000)) if text_label else None
            session.field_slot("reason", _(text_label) if text_label else "")
            if st.button(_("Confirm"), type="primary"):
                call(actor, view, text, _(success))
        _dialog(md_text(title, code=view.code))(body)()
    return opener


def _withdraw(actor, view, _text, success):
    session.run_action(sharing.withdraw, actor, view.id, expected_version=view.version, success=success, rerun=True)


def _dispute(actor, view, text, success):
    session.run_action(sharing.raise_dispute, actor, view.id, reason=text, expected_version=view.version,
                       success=success, rerun=True)


def _revoke(actor, view, text, success):
    grant = next(g for g in view.grants if not g["revoked_at"])
    session.run_action(sharing.revoke_grant, actor, grant["id"], reason=text, expected_version=grant["version"],
                       success=success, rerun=True)


def _agreements(actor: Actor, view: RequestView) -> None:
    def body():
        use = st.text_input(_("Data use agreement (number or title)"), value=view.use_agreement or "", help=limit_help(200))
        session.field_slot("use_agreement", _("Data use agreement (number or title)"))
        conf = st.text_input(_("Confidentiality agreement (number or title)"),
                             value=view.confidentiality_agreement or "", help=limit_help(200),
                             disabled=not view.needs_confidentiality)
        session.field_slot("confidentiality_agreement", _("Confidentiality agreement (number or title)"))
        if st.button(_("Save agreements"), type="primary"):
            session.run_action(sharing.record_agreements, actor, view.id, use_agreement=use,
                               confidentiality_agreement=conf or None, expected_version=view.version,
                               success=_("The agreements were recorded."), rerun=True)
    _dialog(md_text("Agreements for {code}", code=view.code))(body)()


def _implement(actor: Actor, view: RequestView) -> None:
    def body():
        note = st.text_area(_("How access was given (account, interface, file, delivery)"), help=limit_help(1000))
        session.field_slot("note", _("How access was given (account, interface, file, delivery)"))
        use = st.text_input(_("Data use agreement (number or title)"), value=view.use_agreement or "", help=limit_help(200))
        session.field_slot("use_agreement", _("Data use agreement (number or title)"))
        conf = None
        if view.needs_confidentiality:
            conf = st.text_input(_("Confidentiality agreement (number or title)"),
                                 value=view.confidentiality_agreement or "", help=limit_help(200))
            session.field_slot("confidentiality_agreement", _("Confidentiality agreement (number or title)"))
        if st.button(_("Record implementation"), type="primary"):
            session.run_action(sharing.implement, actor, view.id, note=note, use_agreement=use or None,
                               confidentiality_agreement=conf or None, expected_version=view.version,
                               success=_("Access was given and recorded."), rerun=True)
    _dialog(md_text("Implement {code}", code=view.code))(body)()


def _coordinate(outcome: str):
    def opener(actor: Actor, view: RequestView) -> None:
        def body():
            st.markdown(fields_md([(_("Objection"), view.dispute["reason"] if view.dispute else ""),
                                   (_("Refusal"), view.decision_reason)]))
            note = st.text_area(_("Coordination result and grounds"), help=limit_help(1000))
            session.field_slot("note", _("Coordination result and grounds"))
            if st.button(_("Record the decision"), type="primary") and view.dispute:
                session.run_action(sharing.resolve_dispute, actor, view.dispute["id"], outcome=outcome, note=note,
                                   expected_version=view.dispute["version"],
                                   success=_("The coordination result was recorded."), rerun=True)
        _dialog(label(DISPUTE_STATUS_LABELS, outcome))(body)()
    return opener


def _usage(actor: Actor, view: RequestView) -> None:
    def body():
        grant = next(g for g in view.grants if not g["revoked_at"])
        period = st.text_input(_("Period (e.g. 2025Q3)"), help=limit_help(20))
        session.field_slot("period", _("Period (e.g. 2025Q3)"))
        content = st.text_area(_("How the data was used"), help=limit_help(2000))
        session.field_slot("content", _("How the data was used"))
        if st.button(_("Submit report"), type="primary"):
            session.run_action(sharing.report_usage, actor, grant["id"], content=content, period=period,
                               success=_("The usage report was submitted."), rerun=True)
    _dialog(md_text("Usage report for {code}", code=view.code))(body)()


def _attach(actor: Actor, view: RequestView) -> None:
    def body():
        upload = st.file_uploader(_("Written application (PDF or image)"), type=UPLOAD_TYPES,
                                      max_upload_size=upload_limit_mb())
        upload_note(upload_limit_mb(), UPLOAD_TYPES)
        session.field_slot("attachment", _("Written application (PDF or image)"))
        if st.button(_("Attach"), type="primary", disabled=upload is None):
            session.run_action(sharing.attach_application, actor, view.id, to_upload(upload),
                               success=_("The file was attached."), rerun=True)
    _dialog(md_text("Attach to {code}", code=view.code))(body)()


def to_upload(uploaded) -> sharing_files.Upload | None:
    return None if uploaded is None else sharing_files.Upload(uploaded.name, uploaded.getvalue())


DIALOGS = {
    Act.APPROVE: lambda a, v: _decide(a, v, Decision.APPROVE),
    Act.REJECT: lambda a, v: _decide(a, v, Decision.REJECT),
    Act.ASK_INFO: lambda a, v: _decide(a, v, Decision.NEEDS_INFO),
    Act.CONFIRM: _confirm,
    Act.ANSWER_VERIFICATION: _answer_verification,
    Act.RECEIVE_APPLICATION: _receive_application,
    Act.RESUBMIT: _resubmit,
    Act.WITHDRAW: _simple(N_("Withdraw {code}"), None, _withdraw, N_("The request was withdrawn.")),
    Act.DISPUTE: _simple(N_("Object to the refusal of {code}"), N_("Why the refusal should be reconsidered"),
                         _dispute, N_("Your objection was sent to the bureau for coordination.")),
    Act.REVOKE: _simple(N_("Revoke access under {code}"), N_("Reason for revoking access"), _revoke,
                        N_("Access was revoked.")),
    Act.RECORD_AGREEMENTS: _agreements,
    Act.IMPLEMENT: _implement,
    Act.UPHOLD: _coordinate("upheld"),
    Act.OVERTURN: _coordinate("overturned"),
    "usage": _usage,
    "attach": _attach,
}


def default_end_date() -> date:
    return local_date() + timedelta(days=365)


def register_case_pages() -> None:
    """Inbox rows and reminders of sharing cases open these pages (ui/case_links)."""
    from ui.case_links import register_case_page

    register_case_page("share_request", "pages/sharing/request.py", "share_request_id")
    register_case_page("dispute", "pages/sharing/disputes.py", "share_dispute_id")


register_case_pages()


# --- application forms (share_apply page) -----------------------------------------------------------------
def _after_submit(message: str) -> None:
    st.session_state.pop("share_entry_id", None)
    session.flash(message)
    st.switch_page("pages/sharing/mine.py")


def access_form(actor: Actor, entry) -> None:
    """Unconditional entry: access is granted at once; the purpose is recorded (Longyan §21)."""
    names = {i["id"]: i["name"] for i in entry.data_items}
    with st.form("share_access"):
        items = st.multiselect(_("Data items"), list(names), default=list(names), format_func=names.get,
                               placeholder=_("Choose…"), select_all=False)
        session.field_slot("items", _("Data items"))
        purpose = st.text_input(_("Purpose"), help=limit_help(1000))
        session.field_slot("purpose", _("Purpose"))
        cols = st.columns(2)
        scenario = cols[0].text_input(_("Scenario (optional)"), help=limit_help(300))
        session.field_slot("scenario", _("Scenario (optional)"), cols[0])
        end = cols[1].date_input(_("Needed until"), value=default_end_date(), min_value=DATE_MIN, max_value=DATE_MAX)
        session.field_slot("end_date", _("Needed until"), cols[1])
        if st.form_submit_button(_("Get access"), type="primary"):
            result = session.run_action(sharing.get_access, actor, entry.id, purpose=purpose, scenario=scenario,
                                        items=items, end_date=end)
            if result:
                _after_submit(md_text("Access to {name} was granted.", name=entry.name))


def verification_form(actor: Actor, entry) -> None:
    """核验比对 (Qingyuan ch.4): the records the source unit checks against its data; nothing is handed over."""
    names = {i["id"]: i["name"] for i in entry.data_items}
    with st.form("share_verify"):
        items = st.multiselect(_("Data items to compare (all when none is chosen)"), list(names),
                               format_func=names.get)
        records = st.text_area(_("Records to verify, one per line (for example ID number and name)"),
                               help=limit_help(5000), height=120)
        cols = st.columns(2)
        scenario = cols[0].text_input(_("Scenario (optional)"), help=limit_help(300))
        purpose = cols[1].text_input(_("Purpose"), help=limit_help(1000))
        basis = st.text_area(_("Duty or legal basis that needs the data"), help=limit_help(1000), height=70)
        if st.form_submit_button(_("Submit verification request"), type="primary"):
            data = sharing.VerificationInput(entry_id=entry.id, records=records, purpose=purpose, legal_basis=basis,
                                             items=items, scenario=scenario)
            if session.run_action(sharing.request_verification, actor, data):
                _after_submit(_("Your verification request was sent to {unit}.", unit=entry.provider))


def application_form(actor: Actor, entry) -> None:
    """Conditional entry: the statement the provider decides on."""
    names = {i["id"]: i["name"] + (" ⚠" if i["is_sensitive"] else "") for i in entry.data_items}
    with st.form("share_apply"):
        items = st.multiselect(_("Data items wanted (only what the duty needs)"), list(names), format_func=names.get,
                               placeholder=_("Choose…"), select_all=False)
        session.field_slot("items", _("Data items wanted (only what the duty needs)"))
        scenario, method, purpose, basis, end, upload = _statement_fields(entry.share_method)
        if st.form_submit_button(_("Submit application"), type="primary"):
            data = sharing.ApplicationInput(entry_id=entry.id, items=items, scenario=scenario, purpose=purpose,
                                            legal_basis=basis, share_method=method, end_date=end)
            if session.run_action(sharing.apply, actor, data, attachment=to_upload(upload)):
                _after_submit(md_text("Your request was sent to {unit}.", unit=entry.provider))


def _statement_fields(declared_method: str | None):
    """What every application states (Shanghai §14, Qingyuan ch.4): scenario, method, purpose, the duty or legal
    basis, the end date and an optional written application — each with its place for a validation message."""
    methods = list(METHOD_LABELS)
    cols = st.columns(2)
    scenario = cols[0].text_input(_("Scenario"), help=limit_help(300))
    session.field_slot("scenario", _("Scenario"), cols[0])
    method = cols[1].selectbox(_("Share method"), methods, format_func=lambda m: label(METHOD_LABELS, m),
                               index=methods.index(declared_method) if declared_method in methods else 0)
    session.field_slot("share_method", _("Share method"), cols[1])
    purpose = st.text_area(_("Purpose"), help=limit_help(1000), height=80)
    session.field_slot("purpose", _("Purpose"))
    basis = st.text_area(_("Duty or legal basis that needs the data"), help=limit_help(1000), height=80)
    session.field_slot("legal_basis", _("Duty or legal basis that needs the data"))
    cols = st.columns(2)
    end = cols[0].date_input(_("Needed until"), value=default_end_date(), min_value=DATE_MIN, max_value=DATE_MAX)
    session.field_slot("end_date", _("Needed until"), cols[0])
    upload = cols[1].file_uploader(_("Written application (PDF or image, optional)"), type=UPLOAD_TYPES,
                                   max_upload_size=upload_limit_mb())
    upload_note(upload_limit_mb(), UPLOAD_TYPES, cols[1])
    session.field_slot("attachment", _("Written application (PDF or image, optional)"), cols[1])
    return scenario, method, purpose, basis, end, upload


def uncatalogued_form(actor: Actor) -> None:
    """Data not in the catalog (Qingyuan ch.4): asked of a named unit, which confirms and then catalogs it."""
    units = sharing_queries.unit_options(actor, exclude_own=True)
    with st.form("share_uncatalogued"):
        provider = st.selectbox(_("Unit that holds the data"), [None, *units],
                                format_func=lambda v: _("Choose…") if v is None else units[v])
        session.field_slot("provider_unit_id", _("Unit that holds the data"))
        title = st.text_input(_("Name of the data"), help=limit_help(120))
        session.field_slot("title", _("Name of the data"))
        description = st.text_area(_("Description of the data"), help=limit_help(1000), height=80)
        session.field_slot("description", _("Description of the data"))
        wanted = st.text_area(_("Data items wanted, one per line"), height=90)
        session.field_slot(("wanted_items", "items"), _("Data items wanted, one per line"))
        scenario, method, purpose, basis, end, upload = _statement_fields(None)
        if st.form_submit_button(_("Send request"), type="primary"):
            data = sharing.ApplicationInput(provider_unit_id=provider, title=title, description=description,
                                            wanted_items=wanted.splitlines(), scenario=scenario, purpose=purpose,
                                            legal_basis=basis, share_method=method, end_date=end)
            if session.run_action(sharing.request_uncatalogued, actor, data, attachment=to_upload(upload)):
                _after_submit(md_text("Your request was sent to {unit}.", unit=units.get(provider, "")))
