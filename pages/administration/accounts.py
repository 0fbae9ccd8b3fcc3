"""Accounts (账号管理): create, edit, deactivate or reactivate, reset a password or a lost second factor, unlock;
system administrator only. Roles are granted by the security administrator on the role-grants page.

An administrator's password or second factor is reset under dual control: the system administrator requests it here
and another administrator (system, security or audit) approves it in the "waiting for approval" list on this page,
which is all the security and audit administrators see of it."""

import streamlit as st

from models.user import ADMIN_ROLES
from services.administration import orgs, users
from services.core.i18n import LANGUAGES, N_
from services.core.i18n import gettext as _
from services.core.permissions import can
from services.core.timeutil import fmt_local, now_utc
from ui import session
from ui.forms import choose, field_value, limit_help, optional, yes_no
from ui.labels import roles_text
from ui.markdown import md_escape
from ui.tables import data_table

SECRET_KEY = "admin_users_one_time_password"
actor = session.require_actor()
session.show_flash()
st.title(_("Accounts"))

secret = st.session_state.pop(SECRET_KEY, None)
if secret:  # shown exactly once, right after it was generated
    st.warning(
        _(
            "One-time password for {user}: hand it over in person. It is shown only now; the user must "
            "change it at the first sign-in.",
            user=md_escape(secret[0]),
        ),
        icon=":material/key:",
    )
    st.code(secret[1], language=None)



def approvals() -> None:
    """Credential resets of administrators waiting for a second administrator (dual control)."""
    pending = users.pending_resets(actor)
    if pending.empty:
        if not can(actor, "user.manage"):
            st.info(_("No administrator password or second-factor reset is waiting for approval."))
        return
    st.subheader(_("Administrator resets waiting for approval"))
    kinds = {"password": _("Password"), "totp": _("Second factor")}
    for row in pending.itertuples():
        with st.container(border=True):
            st.markdown(_("**{what}** of **{user}** ({name}), requested by {requester} on {when}",
                          what=kinds.get(row.kind, row.kind), user=md_escape(row.username),
                          name=md_escape(row.display_name), requester=md_escape(row.requested_by),
                          when=fmt_local(row.requested_at)))
            if row.reason:
                st.caption(md_escape(row.reason))
            if actor.user_id in (row.user_id, row.requested_by_id):
                st.caption(_("Another administrator must decide this request."))
                continue
            cols = st.columns(2)
            approve = cols[0].button(_("Approve"), key=f"reset_ok_{row.id}", type="primary",
                                     icon=":material/check:")
            reject = cols[1].button(_("Reject"), key=f"reset_no_{row.id}", icon=":material/close:")
            if approve or reject:
                decision = session.run_action(users.decide_reset, actor, int(row.id), bool(approve),
                                              expected_version=int(row.version))
                if decision:
                    if decision.one_time_password:
                        st.session_state[SECRET_KEY] = (decision.username, decision.one_time_password)
                    session.flash(_("Reset of {user} approved.", user=md_escape(decision.username)) if approve
                                  else _("Reset of {user} rejected.", user=md_escape(decision.username)))
                    st.rerun()


approvals()
if not can(actor, "user.manage"):
    st.stop()

unit_frame = orgs.list_units()
unit_names = {int(u.id): f"{u.name}" for u in unit_frame.itertuples()}
filters = st.columns([3, 3], vertical_alignment="bottom")
unit_filter = filters[0].selectbox(
    _("Unit"),
    [None, *unit_names],
    key="users_unit",
    format_func=lambda i: _("All units") if i is None else unit_names[i],
)
search = filters[1].text_input(_("Search user name or full name"), key="users_search")

accounts = users.list_users(actor, unit_id=unit_filter, search=search or None)
now = now_utc()
accounts["roles_text"] = accounts["roles"].map(roles_text)
accounts["active_text"] = accounts["is_active"].map(yes_no)
accounts["totp_text"] = accounts["has_totp"].map(yes_no)
accounts["locked_text"] = accounts["locked_until"].map(
    lambda t: fmt_local(t) if t is not None and t == t and t > now else ""
)
accounts["last_login_text"] = accounts["last_login_at"].map(
    lambda t: fmt_local(t) if t is not None and t == t else ""
)


def account_form(existing=None) -> None:
    with st.form("account_form"):
        left, right = st.columns(2)
        username = left.text_input(_("User name"), value=field_value(existing, "username"),
                                   help=limit_help(users.USER_LIMITS["username"]))
        display_name = right.text_input(
            _("Full name"), value=field_value(existing, "display_name"), help=limit_help(users.USER_LIMITS["display_name"])
        )
        with left:
            unit_id = choose(_("Unit"), unit_names, value=int(field_value(existing, "unit_id", 0)) or None)
        language = right.selectbox(
            _("Language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            index=list(LANGUAGES).index(field_value(existing, "language", "zh_CN")),
        )
        phone = left.text_input(_("Phone"), value=field_value(existing, "phone"),
                                help=limit_help(users.USER_LIMITS["phone"]))
        if existing is None:
            st.caption(_("A one-time password is generated and shown once after saving."))
        if st.form_submit_button(_("Save"), type="primary"):
            data = users.UserInput(
                username=username.strip(),
                display_name=display_name,
                unit_id=unit_id,
                language=language,
                phone=optional(phone),
            )
            if existing is None:
                password = users.generate_password()
                if session.run_action(users.create_user, actor, data, password):
                    st.session_state[SECRET_KEY] = (data.username, password)
                    session.flash(
                        _(
                            "Account {user} created. Ask the security administrator to grant its roles.",
                            user=md_escape(data.username),
                        )
                    )
                    st.rerun()
            else:
                session.run_action(
                    users.update_user,
                    actor,
                    int(existing["id"]),
                    data,
                    expected_version=int(existing["version"]),
                    success=_("Account {user} saved.", user=md_escape(data.username)),
                    rerun=True,
                )


@st.dialog(_("New account"), width="large")
def new_account() -> None:
    account_form()


@st.dialog(_("Edit account"), width="large")
def edit_account(row) -> None:
    account_form(row)


@st.dialog(_("Reset password"))
def reset_password(row) -> None:
    st.write(
        _(
            "Set a new one-time password for {user} ({name})? The current password stops working at once and "
            "a lock is lifted.",
            user=md_escape(row["username"]),
            name=md_escape(row["display_name"]),
        )
    )
    if st.button(_("Reset password"), type="primary", icon=":material/lock_reset:"):
        password = session.run_action(users.reset_password, actor, int(row["id"]))
        if password:
            st.session_state[SECRET_KEY] = (row["username"], password)
            session.flash(_("The password of {user} was reset.", user=md_escape(row["username"])))
            st.rerun()


@st.dialog(_("Reset second factor"))
def reset_totp(row) -> None:
    st.write(
        _(
            "Remove the second factor of {user} ({name})? Use this when the phone with the authenticator app is "
            "lost or replaced. Their open sessions end, and they set up the authenticator again at the next "
            "sign-in with their password.",
            user=md_escape(row["username"]),
            name=md_escape(row["display_name"]),
        )
    )
    if st.button(_("Reset second factor"), type="primary", icon=":material/phonelink_erase:"):
        session.run_action(
            users.reset_totp,
            actor,
            int(row["id"]),
            success=_("The second factor of {user} was reset.", user=md_escape(row["username"])),
            rerun=True,
        )


@st.dialog(_("Request a reset"))
def request_reset(row, kind: str) -> None:
    st.write(
        _(
            "{user} ({name}) is an administrator: the reset takes effect only after another administrator "
            "approves it. They and the other administrators are notified.",
            user=md_escape(row["username"]),
            name=md_escape(row["display_name"]),
        )
    )
    reason = st.text_input(_("Reason"), key="reset_reason", help=limit_help(users.REASON_MAX))
    if st.button(_("Request the reset"), type="primary", icon=":material/how_to_reg:"):
        session.run_action(
            users.request_reset,
            actor,
            int(row["id"]),
            kind,
            reason,
            success=_("Reset of {user} requested: it waits for a second administrator.",
                      user=md_escape(row["username"])),
            rerun=True,
        )


def is_admin(row) -> bool:
    return bool(set(row["roles"]) & {str(r) for r in ADMIN_ROLES})


toolbar = st.container(horizontal=True)
if toolbar.button(_("New account"), icon=":material/person_add:", type="primary"):
    new_account()
clicked = {
    "edit": toolbar.button(_("Edit"), icon=":material/edit:", key="acc_edit"),
    "active": toolbar.button(_("Deactivate / reactivate"), icon=":material/toggle_on:"),
    "reset": toolbar.button(_("Reset password"), icon=":material/lock_reset:", key="acc_reset"),
    "totp": toolbar.button(_("Reset second factor"), icon=":material/phonelink_erase:", key="acc_totp"),
    "unlock": toolbar.button(_("Unlock"), icon=":material/lock_open:"),
}

selected = data_table(
    accounts,
    {
        "username": N_("User name"),
        "display_name": N_("Full name"),
        "unit": N_("Unit"),
        "roles_text": N_("Roles"),
        "active_text": N_("Active"),
        "locked_text": N_("Locked until"),
        "totp_text": N_("Second factor"),
        "last_login_text": N_("Last sign-in"),
    },
    key="accounts_table",
    height=520,
)
st.caption(_("{n} accounts", n=len(accounts)))

if any(clicked.values()) and selected is None:
    st.info(_("Select a row in the table first."))
elif selected is not None:
    user_id, name = int(selected["id"]), selected["username"]
    if clicked["edit"]:
        edit_account(selected)
    elif clicked["reset"]:
        request_reset(selected, "password") if is_admin(selected) else reset_password(selected)
    elif clicked["totp"]:
        request_reset(selected, "totp") if is_admin(selected) else reset_totp(selected)
    elif clicked["active"]:
        activate = not bool(selected["is_active"])
        session.run_action(
            users.set_active,
            actor,
            user_id,
            activate,
            rerun=True,
            success=(
                _("Account {user} reactivated.", user=md_escape(name))
                if activate
                else _("Account {user} deactivated.", user=md_escape(name))
            ),
        )
    elif clicked["unlock"]:
        session.run_action(
            users.unlock, actor, user_id, success=_("Account {user} unlocked.", user=md_escape(name)), rerun=True
        )
