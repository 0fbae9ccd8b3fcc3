"""Sign-in, sign-out, lockout and password policy. Hashes are bcrypt ($2b$, the format
streamlit-authenticator writes), so accounts can move between the two; see docs/architecture.md for why the
sign-in flow itself is ours."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
import pyotp
from sqlalchemy import update
from sqlmodel import func, select

from models import User, UserRole, UserSession
from services.core import audit
from services.core.actor import Actor
from services.core.actor_store import load_actor
from services.core.db import read_session, write_session
from services.core.errors import AuthError, ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.core.timeutil import fmt_local, now_utc


def hash_password(password: str) -> str:
    rounds = get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def password_problem(password: str, username: str | None = None) -> str | None:
    """None when the password meets the complexity rule, else what is missing."""
    cfg = get_settings()
    if len(password) < cfg.password_min_length:
        return _("The password must have at least {n} characters.", n=cfg.password_min_length)
    classes = sum([
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(c in string.punctuation or not c.isalnum() for c in password),
    ])
    if classes < cfg.password_min_classes:
        return _("The password must mix at least {n} of: lower-case letters, upper-case letters, digits, symbols.",
                 n=cfg.password_min_classes)
    if username and username.lower() in password.lower():
        return _("The password must not contain the user name.")
    return None


@dataclass(frozen=True)
class SignInResult:
    actor: Actor
    password_expired: bool
    must_change_password: bool
    must_enrol_totp: bool = False
    session_token: str = ""  # goes into the browser cookie; only its hash is stored


class SecondFactorRequired(AuthError):
    """The password was right and the account has a TOTP secret: ask for the code with this ticket."""

    def __init__(self, ticket: str):
        super().__init__(_("Enter the 6-digit code from your authenticator app."))
        self.ticket = ticket


def _sign(payload: str) -> str:
    key = get_settings().signing_key().encode("utf-8")
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _make_ticket(user_id: int, now: datetime) -> str:
    issued_us = int(now.timestamp() * 1_000_000)
    payload = f"{user_id}.{int(now.timestamp()) + get_settings().totp_ticket_seconds}.{issued_us}"
    return f"{payload}.{_sign(payload)}"


def _read_ticket(ticket: str, now: datetime) -> tuple[int, datetime] | None:
    """(user id, time of issue) of a genuine, unexpired ticket."""
    try:
        user_id, expires, issued_us, signature = ticket.split(".")
        valid = hmac.compare_digest(signature, _sign(f"{user_id}.{expires}.{issued_us}"))
        if not valid or int(expires) < int(now.timestamp()):
            return None
        return int(user_id), datetime.fromtimestamp(int(issued_us) / 1_000_000, tz=now.tzinfo)
    except (ValueError, AttributeError, OverflowError, OSError):
        return None


_dummy_hash: dict[int, str] = {}


def _burn_a_password_check(password: str) -> None:
    """Unknown and inactive accounts take as long to refuse as a wrong password (no user-name enumeration)."""
    rounds = get_settings().bcrypt_rounds
    if rounds not in _dummy_hash:
        _dummy_hash[rounds] = hash_password(secrets.token_urlsafe(16))
    check_password(password, _dummy_hash[rounds])


def _accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The 30-second time step whose code `code` is (this one or a neighbour, for clock drift), or None.

    A step at or before `last_step` — the last code this account used — is refused: a code seen over a shoulder or
    in a proxy log cannot be replayed within its window."""
    totp = pyotp.TOTP(secret)
    code = (code or "").strip()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


def totp_required_for(roles) -> bool:
    return bool(set(roles) & set(get_settings().totp_roles))


def _totp_enforced() -> bool:
    cfg = get_settings()
    return cfg.totp_enforced and not cfg.demo_mode


def _find_user(session, username: str) -> User | None:
    return session.exec(select(User).where(func.lower(User.username) == username.strip().lower())).first()


def sign_in(username: str, password: str, *, now: datetime | None = None) -> SignInResult:
    """Check credentials; count failures; lock after the threshold within the window. Every outcome is audited."""
    now = now_utc(now)
    generic = _("Wrong user name or password.")
    with write_session() as session:
        user = _find_user(session, username or "")
        if user is None or not user.is_active:
            _burn_a_password_check(password or "")
            audit.record(session, None, "auth.sign_in", object_type="user", result="failure", now=now,
                         username=(username or "")[:40], detail={"reason": "unknown or inactive account"})
            session.commit()
            raise AuthError(generic)
        _refuse_if_locked(session, user, now)
        password_ok = check_password(password or "", user.password_hash)
        # Judge the guess against the row as it is now, under its lock: parallel guesses queue here, so the
        # threshold holds exactly on PostgreSQL too (SQLite's write lock already serialises the whole call).
        _lock_row(session, user)
        _refuse_if_locked(session, user, now)
        if not password_ok:
            raise AuthError(_count_failure(session, user, "wrong password", now) or generic)
        if user.totp_secret:
            # Not signed in yet: the second factor decides. Nothing is reset until it succeeds.
            session.rollback()
            raise SecondFactorRequired(_make_ticket(user.id, now))  # type: ignore[arg-type]
        return _complete(session, user, now)


def _refuse_if_locked(session, user: User, now: datetime) -> None:
    if user.locked_until and user.locked_until > now:
        audit.record(session, None, "auth.sign_in", object_type="user", object_id=user.id, result="failure",
                     now=now, username=user.username, detail={"reason": "locked"})
        session.commit()
        raise AuthError(_("The account is locked after repeated failures. Try again after {until}.",
                          until=fmt_local(user.locked_until)))


def _lock_row(session, user: User) -> None:
    """Re-read the account under a row lock (SELECT … FOR UPDATE; a no-op on SQLite, whose write
    transactions are serial) so counters are changed from their current value."""
    session.refresh(user, with_for_update=True)


def _count_failure(session, user: User, reason: str, now: datetime) -> str | None:
    """Count one failure in the window; lock at the threshold. Commits. Returns the lock message if locked.

    The caller holds the account's row lock (`_lock_row`)."""
    cfg = get_settings()
    window = timedelta(minutes=cfg.lockout_window_minutes)
    if user.first_failed_at is None or now - user.first_failed_at > window:
        user.first_failed_at = now
        user.failed_attempts = 1
    else:
        user.failed_attempts += 1
    audit.record(session, None, "auth.sign_in", object_type="user", object_id=user.id, result="failure",
                 now=now, username=user.username, detail={"reason": reason, "failed_attempts": user.failed_attempts})
    message = None
    if user.failed_attempts >= cfg.lockout_threshold:
        user.locked_until = now + timedelta(minutes=cfg.lockout_minutes)
        user.failed_attempts = 0
        user.first_failed_at = None
        audit.record(session, None, "auth.lock", object_type="user", object_id=user.id, now=now,
                     username=user.username, detail={"locked_until": user.locked_until})
        _end_sessions(session, user.id, "locked", now)  # type: ignore[arg-type]
        message = _("Too many failed attempts: the account is locked until {until}.", until=fmt_local(user.locked_until))
    session.add(user)
    session.commit()
    return message


def verify_second_factor(ticket: str, code: str, *, now: datetime | None = None) -> SignInResult:
    """Second sign-in step for accounts with TOTP; wrong codes count toward the lockout like wrong passwords."""
    now = now_utc(now)
    read = _read_ticket(ticket, now)
    if read is None:
        raise AuthError(_("The sign-in took too long. Enter your user name and password again."))
    user_id, issued = read
    with write_session() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active or not user.totp_secret:
            raise AuthError(_("Wrong user name or password."))
        _lock_row(session, user)
        if user.last_login_at is not None and user.last_login_at >= issued:
            # One use per ticket: a sign-in completed since it was issued (this one, or a later one) spends it.
            raise AuthError(_("The sign-in took too long. Enter your user name and password again."))
        if user.locked_until and user.locked_until > now:
            raise AuthError(_("The account is locked after repeated failures. Try again after {until}.",
                              until=fmt_local(user.locked_until)))
        step = _accepted_step(user.totp_secret, code, now, user.totp_last_step)
        if step is None:
            raise AuthError(_count_failure(session, user, "wrong second-factor code", now)
                            or _("The code is wrong or has expired."))
        user.totp_last_step = step  # spent with the sign-in it completes, under the row lock
        return _complete(session, user, now)


def _complete(session, user: User, now: datetime) -> SignInResult:
    user.failed_attempts = 0
    user.first_failed_at = None
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    actor = load_actor(session, user)
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    audit.record(session, actor, "auth.sign_in", object_type="user", object_id=user.id, now=now)
    session.commit()
    return _result(user, actor, token, now)


def _result(user: User, actor: Actor, token: str, now: datetime) -> SignInResult:
    """What the signed-in user must do before anything else (expired password, second factor)."""
    expired = user.password_changed_at is None or (
        now - user.password_changed_at > timedelta(days=get_settings().password_max_age_days))
    must_enrol = _totp_enforced() and totp_required_for(actor.roles) and not user.totp_secret
    return SignInResult(actor, expired, user.must_change_password, must_enrol, token)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def resume_session(token: str | None, *, now: datetime | None = None) -> SignInResult | None:
    """The signed-in state behind a browser's session cookie, or None when unknown, ended or idle too long.

    An idle session is ended (and audited as an idle sign-out) the first time it is presented."""
    if not token:
        return None
    now = now_utc(now)
    idle = timedelta(minutes=get_settings().idle_timeout_minutes)
    with write_session() as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
        if row is None or row.ended_at is not None:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.is_active or now - row.last_seen_at > idle:
            row.ended_at, row.ended_reason = now, ("idle" if user and user.is_active else "deactivated")
            session.add(row)
            actor = load_actor(session, user) if user else None
            audit.record(session, actor, "auth.sign_out", object_type="user", object_id=row.user_id,
                         detail={"reason": row.ended_reason}, now=now)
            session.commit()
            return None
        row.last_seen_at = now
        session.add(row)
        actor = load_actor(session, user)
        session.commit()
        return _result(user, actor, token, now)


@dataclass(frozen=True)
class LiveSession:
    user_id: int
    unit_id: int
    roles: frozenset[str]
    last_seen_at: datetime


def live_session(token: str | None, *, now: datetime | None = None) -> LiveSession | None:
    """What a browser session may do right now: None when the session was ended, the account deactivated or the
    session idle too long; else the account's current roles and unit. One indexed read (token hash → session →
    account → roles), run on every interaction so revocation reaches tabs that are already open."""
    if not token:
        return None
    now = now_utc(now)
    with read_session() as session:
        rows = session.exec(
            select(UserSession.user_id, UserSession.ended_at, UserSession.last_seen_at, User.is_active, User.unit_id,
                   UserRole.role)
            .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
            .outerjoin(UserRole, UserRole.user_id == User.id)  # type: ignore[arg-type]
            .where(UserSession.token_hash == _token_hash(token))
        ).all()
    if not rows:
        return None
    user_id, ended_at, last_seen_at, is_active, unit_id, _role = rows[0]
    idle = timedelta(minutes=get_settings().idle_timeout_minutes)
    if ended_at is not None or not is_active or now - last_seen_at > idle:
        return None
    return LiveSession(user_id, unit_id, frozenset(r[5] for r in rows if r[5] is not None), last_seen_at)


def touch_session(token: str | None, *, now: datetime | None = None) -> bool:
    """Record activity of a live browser session; False when the session was ended meanwhile."""
    if not token:
        return False
    now = now_utc(now)
    with write_session() as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
        if row is None or row.ended_at is not None:
            return False
        row.last_seen_at = now
        session.add(row)
        session.commit()
        return True


def _end_sessions(session, user_id: int, reason: str, now: datetime) -> None:
    """End every open browser session of an account (in the caller's transaction)."""
    session.exec(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))  # type: ignore[union-attr]
                 .values(ended_at=now, ended_reason=reason))


def end_session(token: str | None, reason: str, *, now: datetime | None = None) -> None:
    if not token:
        return
    now = now_utc(now)
    with write_session() as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
        if row is not None and row.ended_at is None:
            row.ended_at, row.ended_reason = now, reason
            session.add(row)
            session.commit()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(actor: Actor, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=actor.username, issuer_name="GovData Hub")


def has_totp(actor: Actor) -> bool:
    with read_session() as session:
        user = session.get(User, actor.user_id)
        return bool(user and user.totp_secret)


def enrol_totp(actor: Actor, secret: str, code: str, *, now: datetime | None = None) -> None:
    """Store a new TOTP secret once the user proves their app produces its codes."""
    now = now_utc(now)
    step = _accepted_step(secret, code, now, None)
    if step is None:
        raise ValidationError({"code": _("The code is wrong or has expired.")})
    with write_session() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise AuthError(_("Wrong user name or password."))
        user.totp_secret = secret
        user.totp_last_step = step  # the enrolment code cannot be used again to sign in
        user.version += 1
        session.add(user)
        audit.record(session, actor, "auth.totp_enrol", object_type="user", object_id=actor.user_id, now=now)
        session.commit()


def sign_out(actor: Actor, *, reason: str = "user", token: str | None = None, now: datetime | None = None) -> None:
    end_session(token, reason, now=now)
    with write_session() as session:
        audit.record(session, actor, "auth.sign_out", object_type="user", object_id=actor.user_id,
                     detail={"reason": reason}, now=now)
        session.commit()


def change_password(actor: Actor, current: str, new: str, repeat: str, *, now: datetime | None = None) -> None:
    """A user changes their own password (no permission beyond being signed in)."""
    now = now_utc(now)
    errors: dict[str, str] = {}
    if new != repeat:
        errors["repeat"] = _("The two new passwords differ.")
    problem = password_problem(new, actor.username)
    if problem:
        errors["new"] = problem
    if current == new:
        errors["new"] = _("The new password must differ from the current one.")
    with write_session() as session:
        user = session.get(User, actor.user_id, with_for_update=True)
        if user is None:
            raise AuthError(_("Wrong user name or password."))
        if not check_password(current or "", user.password_hash):
            # Guessing through the change form counts toward the same lockout as the sign-in form.
            locked = _count_failure(session, user, "wrong current password", now)
            errors["current"] = locked or _("The current password is wrong.")
        if errors:
            audit.record(session, actor, "auth.change_password", object_type="user", object_id=actor.user_id,
                         result="failure", detail={"fields": sorted(errors)}, now=now)
            session.commit()
            raise ValidationError(errors)
        user.password_hash = hash_password(new)
        user.password_changed_at = now
        user.must_change_password = False
        user.version += 1
        session.add(user)
        audit.record(session, actor, "auth.change_password", object_type="user", object_id=actor.user_id, now=now)
        session.commit()


def reload_actor(actor: Actor) -> Actor | None:
    """Fresh roles and unit for a signed-in user; None if the account was deactivated meanwhile."""
    with read_session() as session:
        user = session.get(User, actor.user_id)
        if user is None or not user.is_active:
            return None
        return load_actor(session, user)


def demo_accounts(limit_per_role: int = 3) -> list[dict]:
    """Accounts to show on the sign-in page in demo mode only (empty otherwise), a few per role."""
    from models import Unit

    if not get_settings().demo_mode:
        return []
    with read_session() as session:
        rows = session.exec(
            select(User.username, User.display_name, Unit.short_name, UserRole.role)
            .join(UserRole, UserRole.user_id == User.id).join(Unit, Unit.id == User.unit_id)
            .where(User.is_active).order_by(UserRole.role, User.id)
        ).all()
    shown: dict[str, int] = {}
    out = []
    for username, display, unit, role in rows:
        if shown.get(role, 0) < limit_per_role:
            shown[role] = shown.get(role, 0) + 1
            out.append({"username": username, "display_name": display, "unit": unit, "role": role})
    return out
