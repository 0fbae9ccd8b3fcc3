"""Per-browser-session state: the signed-in actor, idle timeout, language, and running service actions
with their errors shown in the user's language."""

from __future__ import annotations

import inspect
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import streamlit as st

from services.administration import auth
from services.core import i18n
from services.core.actor import Actor
from services.core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationError
from services.core.i18n import gettext as _
from services.core.settings import ROOT, get_settings
from ui import session_cookie
from ui.markdown import md_escape

T = TypeVar("T")
ACTOR_KEY = "govdata_actor"
LAST_SEEN_KEY = "govdata_last_seen"
FLASH_KEY = "govdata_flash"
TOKEN_KEY = "govdata_token"
SIGNED_OUT_KEY = "govdata_signed_out"
LAST_TOUCH_KEY = "govdata_last_touch"
COOKIE_SET_KEY = "govdata_cookie_set"  # token the cookie was set to, "to clear", "cleared"
SLOTS_KEY = "govdata_field_slots"
TOUCH_EVERY = timedelta(seconds=60)  # server-side activity is recorded at most once a minute


def actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    """Pages call this first. app.py only routes signed-in users to the pages of their roles; this re-checks
    both, because Streamlit runs a file under pages/ directly (without app.py) when a session asks for it
    before any st.navigation call of the process."""
    current = actor()
    if current is None:
        st.stop()
    frame = inspect.currentframe()
    caller = Path(frame.f_back.f_code.co_filename).resolve() if frame and frame.f_back else None
    from ui.navigation import PAGES

    specs = [spec for spec in PAGES if (ROOT / spec.path).resolve() == caller]
    if specs and not any(current.roles & spec.roles for spec in specs):  # type: ignore[union-attr]
        st.error(_("Your role does not allow this action."), icon=":material/block:")
        st.stop()
    return current  # type: ignore[return-value]


def sign_in(result: auth.SignInResult) -> None:
    st.session_state[ACTOR_KEY] = result.actor
    st.session_state[TOKEN_KEY] = result.session_token
    st.session_state[LAST_SEEN_KEY] = st.session_state[LAST_TOUCH_KEY] = datetime.now(UTC)
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.session_state["govdata_must_change_password"] = result.must_change_password or result.password_expired
    st.session_state["govdata_must_enrol_totp"] = result.must_enrol_totp
    st.session_state["govdata_lang"] = result.actor.language


def sign_out(reason: str = "user") -> None:
    current = actor()
    if current is not None:
        auth.sign_out(current, reason=reason, token=st.session_state.get(TOKEN_KEY))
    lang = st.session_state.get("govdata_lang")
    st.session_state.clear()
    # The browser still sends the old cookie with this connection: never resume from it again here.
    st.session_state[SIGNED_OUT_KEY] = True
    st.session_state[COOKIE_SET_KEY] = "to clear"  # the cookie may have been set after this connection opened
    if lang:
        st.session_state["govdata_lang"] = lang


def restore_from_cookie() -> None:
    """After a page reload the browser comes back with its session cookie: resume if the server agrees."""
    if actor() is not None or st.session_state.get(SIGNED_OUT_KEY):
        return
    token = st.context.cookies.get(session_cookie.COOKIE_NAME) if st.context.cookies else None
    result = auth.resume_session(token)
    if result is not None:
        sign_in(result)


def keep_cookie() -> None:
    """Have the server set (signed in) or clear (signed out) the HttpOnly session cookie, once per change.

    The page never holds the session token: it posts a one-time ticket to the server's `/auth/session` route,
    which answers with the cookie (ui/session_cookie.py). Without that route (`streamlit run app.py`) no cookie is
    written and a reload asks to sign in again. Only a hash of the token is stored server-side, and the server
    ends idle sessions regardless of the cookie."""
    if not session_cookie.served():
        return
    token = st.session_state.get(TOKEN_KEY)
    sent = (st.context.cookies or {}).get(session_cookie.COOKIE_NAME)
    if token is not None:
        if sent != token and st.session_state.get(COOKIE_SET_KEY) != token:
            st.session_state[COOKIE_SET_KEY] = token
            st.html(session_cookie.exchange_script(session_cookie.issue(token)), unsafe_allow_javascript=True)
    elif (sent or st.session_state.get(COOKIE_SET_KEY) == "to clear") and st.session_state.get(COOKIE_SET_KEY) != "cleared":
        st.session_state[COOKIE_SET_KEY] = "cleared"
        st.html(session_cookie.clear_script(), unsafe_allow_javascript=True)


def enforce_idle_timeout() -> bool:
    """Signs the user out after the idle period; returns True when that just happened."""
    current = actor()
    if current is None:
        return False
    now = datetime.now(UTC)
    last = st.session_state.get(LAST_SEEN_KEY, now)
    if now - last > timedelta(minutes=get_settings().idle_timeout_minutes):
        sign_out("idle")
        flash(_("You were signed out after {n} minutes without activity.", n=get_settings().idle_timeout_minutes),
              "warning")
        return True
    st.session_state[LAST_SEEN_KEY] = now
    if now - st.session_state.get(LAST_TOUCH_KEY, now) >= TOUCH_EVERY:
        st.session_state[LAST_TOUCH_KEY] = now
        if not auth.touch_session(st.session_state.get(TOKEN_KEY)):
            sign_out("ended")  # ended elsewhere (deactivated, or signed out in another tab)
            return True
    return False


def revalidate() -> bool:
    """Every run: re-read the session record and the account's active state and roles (one indexed read), so a
    deactivation, a role change or a sign-out elsewhere reaches this tab at its next interaction. Returns True
    when the user was just signed out."""
    current = actor()
    if current is None:
        return False
    live = auth.live_session(st.session_state.get(TOKEN_KEY))
    if live is None or live.user_id != current.user_id or not live.roles:
        sign_out("ended")
        flash(_("Your session has ended (the account was changed or signed out elsewhere). Please sign in again."),
              "warning")
        return True
    if live.roles != current.roles or live.unit_id != current.unit_id:
        fresh = auth.reload_actor(current)
        if fresh is None:
            sign_out("ended")
            return True
        st.session_state[ACTOR_KEY] = fresh
    return False


def apply_language() -> str:
    current = actor()
    lang = st.session_state.get("govdata_lang") or (current.language if current else None)
    return i18n.set_language(lang)


def flash(message: str, kind: str = "success") -> None:
    """A message shown once on the next run (survives st.rerun)."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop(FLASH_KEY, None)
    if item:
        kind, message = item
        getattr(st, kind, st.info)(message)


def begin_run() -> None:
    """Called by app.py at the top of every run: message places of the previous run are gone."""
    st.session_state[SLOTS_KEY] = {}


def field_slot(field: str | tuple[str, ...], label: str, where=None) -> None:
    """Mark the place, right under a widget, where a validation message about the service field `field`
    appears; `label` is the widget's label as the user reads it, so the message names the field that way.
    `where` is the column or container the widget is in (default: the current one); `field` may name several
    service fields that this one widget answers."""
    place = (where or st).container()
    for name in (field,) if isinstance(field, str) else field:
        st.session_state.setdefault(SLOTS_KEY, {})[name] = (place, label)


def show_field_errors(errors: dict[str, str]) -> None:
    """Each message beside its field when the form marked a place for it, otherwise where the action ran;
    the field is named as its label reads (the form's label, else ui.labels.FIELD_LABELS)."""
    colon = "：" if i18n.current_language() == "zh_CN" else ": "
    slots = st.session_state.get(SLOTS_KEY) or {}
    for field_name, message in errors.items():
        slot = slots.get(field_name)
        name = slot[1] if slot else field_label(field_name)
        text = f"{name}{colon}{message}" if field_name else message
        (slot[0] if slot else st).error(md_escape(text), icon=":material/error:")


def run_action(fn: Callable[..., T], *args, success: str | None = None, rerun: bool = False,
               after: Callable[[], None] | None = None, invalid: Callable[[dict[str, str]], None] | None = None,
               **kwargs) -> T | None:
    """Call a service and show its typed errors next to the form.

    `after` runs once the service succeeded, before the rerun (a page clears its selection there, so the next
    run never shows a row the decision just moved). Returns the service's result (True when the service
    returns nothing), or None when it was refused. `invalid` takes the field → message problems of a refused
    input instead of showing them here (a form with tabs draws them on its next run, each under its field)."""
    try:
        result = fn(*args, **kwargs)
    except ValidationError as exc:
        if invalid is not None:
            invalid(exc.errors)
        show_field_errors(exc.errors)
        return None
    except Conflict as exc:
        st.warning(md_escape(exc.message), icon=":material/sync_problem:")
        return None
    except (PermissionDenied, NotFound) as exc:
        st.error(md_escape(exc.message), icon=":material/block:")
        return None
    except ServiceError as exc:
        st.error(md_escape(exc.message))
        return None
    if after is not None:
        after()
    if success:
        if rerun:
            flash(success)
            st.rerun()
        st.success(success)
    elif rerun:
        st.rerun()
    return True if result is None else result


def run_page(page) -> None:
    """Run the selected page; an unexpected error is logged under a short incident id and the user sees only a
    generic message with that id (Streamlit's own error details are off, see .streamlit/config.toml). Where
    error details are switched on (development, AppTest), the error propagates as usual."""
    from streamlit import config

    if config.get_option("client.showErrorDetails") not in ("none", False, "false"):
        page.run()
        return
    try:
        page.run()
    except Exception:  # st.stop / st.rerun are BaseExceptions and pass through
        incident = secrets.token_hex(4)
        logging.getLogger("govdata.incident").exception("incident %s", incident)
        st.error(_("Something went wrong. Please try again; if it persists, give the administrator this incident "
                   "number: {incident}", incident=incident), icon=":material/error:")


def field_label(field_name: str) -> str:
    """Human label of a service field name (msgids in ui.labels.FIELD_LABELS)."""
    from ui.labels import FIELD_LABELS

    msgid = FIELD_LABELS.get(field_name)
    if msgid:
        return _(msgid)
    return _("This field")  # never the internal name
