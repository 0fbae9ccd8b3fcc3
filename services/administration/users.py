"""Accounts: the system admin creates, edits, deactivates and resets; the security admin grants roles.
The three administrator roles (三员) can never be held together, and nobody grants roles to themselves."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlmodel import select

from models import (
    ADMIN_ROLES,
    CredentialReset,
    ResetKind,
    ResetStatus,
    Role,
    Unit,
    User,
    UserRole,
    UserSession,
)
from services.administration.auth import hash_password, password_problem
from services.core.actor import Actor
from services.core.audit import diff
from services.core.errors import PermissionDenied, ValidationError
from services.core.i18n import LANGUAGES, N_
from services.core.i18n import gettext as _
from services.core.search import clean, contains
from services.core.timeutil import now_utc
from services.core.uow import read_scope, unit_of_work
from services.core.validators import length_errors, text_error


@dataclass
class UserInput:
    username: str
    display_name: str
    unit_id: int
    language: str = "zh_CN"
    phone: str | None = None


def list_users(actor: Actor, *, unit_id: int | None = None, search: str | None = None) -> pd.DataFrame:
    with read_scope(actor, "user.view") as (session, _scope):
        stmt = select(User, Unit.name).join(Unit, Unit.id == User.unit_id).order_by(User.username)
        if unit_id:
            stmt = stmt.where(User.unit_id == unit_id)
        if clean(search):
            stmt = stmt.where(contains(User.username, search) | contains(User.display_name, search))
        rows = session.exec(stmt).all()
        roles: dict[int, list[str]] = {}
        for user_id, role in session.exec(select(UserRole.user_id, UserRole.role)).all():
            roles.setdefault(user_id, []).append(role)
        return pd.DataFrame(
            [{"id": u.id, "username": u.username, "display_name": u.display_name, "unit_id": u.unit_id,
              "unit": uname, "roles": sorted(roles.get(u.id, [])), "is_active": u.is_active,
              "locked_until": u.locked_until, "last_login_at": u.last_login_at, "language": u.language,
              "phone": u.phone, "has_totp": bool(u.totp_secret), "version": u.version} for u, uname in rows],
            columns=["id", "username", "display_name", "unit_id", "unit", "roles", "is_active", "locked_until",
                     "last_login_at", "language", "phone", "has_totp", "version"])


# The longest text each account field may hold (the columns' lengths); the forms state them in their help.
USER_LIMITS = {"username": 40, "display_name": 60, "phone": 30}
REASON_MAX = 200


def _validate(session, data: UserInput, user_id: int | None) -> None:
    errors: dict[str, str] = {}
    length_errors(errors, USER_LIMITS, data.__dict__)
    name = (data.username or "").strip()
    if "username" in errors:  # too long: the length is the problem to tell
        pass
    elif not name or not all(c.isalnum() or c in "._-" for c in name) or not name.isascii():
        errors["username"] = _("The user name may contain only letters, digits, '.', '_' and '-'.")
    elif (dup := session.exec(select(User.id).where(User.username == name)).first()) is not None and dup != user_id:
        errors["username"] = _("This user name is taken.")
    if not (data.display_name or "").strip():
        errors["display_name"] = _("The name is required.")
    if session.get(Unit, data.unit_id) is None:
        errors["unit_id"] = _("Choose a unit.")
    if data.language not in LANGUAGES:
        errors["language"] = _("Choose a language.")
    if errors:
        raise ValidationError(errors)


def create_user(actor: Actor, data: UserInput, password: str, *, must_change: bool = True,
                now: datetime | None = None) -> int:
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user")
        _validate(uow.session, data, None)
        problem = password_problem(password, data.username)
        if problem:
            raise ValidationError({"password": problem})
        user = User(username=data.username.strip(), display_name=data.display_name.strip(), unit_id=data.unit_id,
                    language=data.language, phone=data.phone, password_hash=hash_password(password),
                    password_changed_at=now, must_change_password=must_change)
        uow.session.add(user)
        uow.session.flush()
        uow.audit("user.create", object_type="user", object_id=user.id,
                  detail={"after": {"username": user.username, "display_name": user.display_name,
                                    "unit_id": user.unit_id}})
        uow.commit()
        return user.id  # type: ignore[return-value]


def update_user(actor: Actor, user_id: int, data: UserInput, *, expected_version: int | None = None,
                now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        uow.check_version(user, expected_version)
        _validate(uow.session, data, user_id)
        fields = ("username", "display_name", "unit_id", "language", "phone")
        before = {k: getattr(user, k) for k in fields}
        for k in fields:
            value = getattr(data, k)
            setattr(user, k, value.strip() if isinstance(value, str) else value)
        uow.session.add(user)
        uow.audit("user.update", object_type="user", object_id=user_id,
                  detail=diff(before, {k: getattr(user, k) for k in fields}))
        uow.commit()


def set_active(actor: Actor, user_id: int, active: bool, *, now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        if user_id == actor.user_id and not active:
            raise ValidationError(_("You cannot deactivate your own account."))
        user = uow.get(User, user_id)
        user.is_active = active
        user.version += 1
        uow.session.add(user)
        uow.audit("user.activate" if active else "user.deactivate", object_type="user", object_id=user_id)
        uow.commit()


def generate_password(length: int = 14) -> str:
    """A random password that satisfies the complexity rule (all four classes)."""
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#$%^&*-_"]
    chars = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _i in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _admin_roles(session, user_id: int) -> set[str]:
    return user_roles(session, user_id) & {r.value for r in ADMIN_ROLES}


def _needs_dual_control(session, user_id: int) -> bool:
    """Administrators' credentials are reset only with a second administrator's approval (dual control), so the
    system administrator cannot take over the security or audit administrator's account alone."""
    return bool(_admin_roles(session, user_id))


def _refuse_one_step_reset(uow, user: User) -> None:
    if _needs_dual_control(uow.session, user.id):  # type: ignore[arg-type]
        raise PermissionDenied(_("{user} is an administrator: request the reset, and a second administrator "
                                 "approves it.", user=user.username), action="user.manage")


def _apply_password_reset(user: User, now: datetime) -> str:
    password = generate_password()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.must_change_password = True
    user.locked_until = None
    user.failed_attempts = 0
    user.first_failed_at = None
    user.version += 1
    return password


def _apply_totp_reset(session, user: User, now: datetime) -> int:
    """Removes the second factor and ends the user's open sessions; returns how many were ended."""
    user.totp_secret = None
    user.totp_last_step = None
    user.version += 1
    live = session.exec(select(UserSession).where(UserSession.user_id == user.id,
                                                  UserSession.ended_at.is_(None))).all()  # type: ignore[union-attr]
    for row in live:
        row.ended_at, row.ended_reason = now, "totp_reset"
        session.add(row)
    return len(live)


def reset_password(actor: Actor, user_id: int, *, now: datetime | None = None) -> str:
    """Sets a one-time random password (returned once for hand-over) and unlocks the account.

    Not for administrators: their resets go through `request_reset` and a second administrator's approval."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        _refuse_one_step_reset(uow, user)
        password = _apply_password_reset(user, now)
        uow.session.add(user)
        uow.audit("user.reset_password", object_type="user", object_id=user_id)
        uow.commit()
        return password


def reset_totp(actor: Actor, user_id: int, *, now: datetime | None = None) -> None:
    """Lost phone: remove the user's second factor so they enrol a new one at their next sign-in.

    The user's open browser sessions end as well, so nobody goes on working on the old enrolment.
    Not for administrators (dual control, see `request_reset`)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        if not user.totp_secret:
            raise ValidationError(_("{user} has no second factor to reset.", user=user.username))
        _refuse_one_step_reset(uow, user)
        ended = _apply_totp_reset(uow.session, user, now)
        uow.session.add(user)
        uow.audit("user.reset_totp", object_type="user", object_id=user_id,
                  detail={"username": user.username, "sessions_ended": ended})
        uow.commit()


# Stored msgids (translated when read); one per kind and outcome so that no parameter needs translating.
RESET_REQUESTED_MSG = {
    ResetKind.PASSWORD: N_("{requester} asked to reset the password of administrator {user}; it takes effect only "
                           "once another administrator approves it."),
    ResetKind.TOTP: N_("{requester} asked to reset the second factor of administrator {user}; it takes effect only "
                       "once another administrator approves it."),
}
RESET_DECIDED_MSG = {
    (ResetKind.PASSWORD, True): N_("{decider} approved the reset of the password of administrator {user}."),
    (ResetKind.PASSWORD, False): N_("{decider} rejected the reset of the password of administrator {user}."),
    (ResetKind.TOTP, True): N_("{decider} approved the reset of the second factor of administrator {user}."),
    (ResetKind.TOTP, False): N_("{decider} rejected the reset of the second factor of administrator {user}."),
}


def _admin_ids(session) -> set[int]:
    return set(session.exec(select(UserRole.user_id).join(User, User.id == UserRole.user_id)
                            .where(User.is_active, UserRole.role.in_([r.value for r in ADMIN_ROLES]))  # type: ignore[attr-defined]
                            ).all())


def _refuse_unnamed(actor: Actor) -> None:
    if actor.user_id is None:  # the command line or a job: dual control needs two named administrators
        raise PermissionDenied(_("Dual control needs two signed-in administrators."), action="user.reset_approve")


def request_reset(actor: Actor, user_id: int, kind: str, reason: str = "", *, now: datetime | None = None) -> int:
    """First step of dual control: the system administrator asks to reset an administrator's password or second
    factor. Nothing changes on the account; the affected administrator and the possible approvers are notified."""
    from services.deadlines.reminders import notify

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        _refuse_unnamed(actor)
        user = uow.get(User, user_id)
        if kind not in {k.value for k in ResetKind}:
            raise ValidationError({"kind": _("Choose what to reset.")})
        if (problem := text_error((reason or "").strip(), REASON_MAX)) is not None:
            raise ValidationError({"reason": problem})
        if not _needs_dual_control(uow.session, user_id):
            raise ValidationError(_("{user} is not an administrator: reset it directly.", user=user.username))
        if kind == ResetKind.TOTP and not user.totp_secret:
            raise ValidationError(_("{user} has no second factor to reset.", user=user.username))
        open_one = uow.session.exec(select(CredentialReset.id).where(
            CredentialReset.user_id == user_id, CredentialReset.kind == kind,
            CredentialReset.status == ResetStatus.PENDING)).first()
        if open_one is not None:
            raise ValidationError(_("A reset of this kind for {user} is already waiting for approval.",
                                    user=user.username))
        row = CredentialReset(user_id=user_id, kind=kind, reason=(reason or "").strip(),
                              requested_by=actor.user_id, requested_at=now)
        uow.session.add(row)
        uow.session.flush()
        notify(uow.session, user_ids=(_admin_ids(uow.session) - {actor.user_id}) | {user_id}, kind="info",
               message=RESET_REQUESTED_MSG[ResetKind(kind)],
               params={"requester": actor.username, "user": user.username}, case_kind="credential_reset", case_id=row.id, now=now)
        uow.audit("user.reset_request", object_type="user", object_id=user_id,
                  detail={"request": row.id, "kind": kind, "username": user.username})
        uow.commit()
        return row.id  # type: ignore[return-value]


@dataclass(frozen=True)
class ResetDecision:
    request_id: int
    username: str
    kind: str
    approved: bool
    one_time_password: str | None = None  # password resets: shown once to the approver for hand-over


def decide_reset(actor: Actor, request_id: int, approve: bool, *, expected_version: int | None = None,
                 now: datetime | None = None) -> ResetDecision:
    """Second step of dual control: another administrator approves (the reset takes effect now) or rejects it.

    The approver is neither the requester nor the affected administrator; both steps are audited and the affected
    administrator is notified of the outcome."""
    from services.deadlines.reminders import notify

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.reset_approve", object_type="credential_reset", object_id=request_id)
        _refuse_unnamed(actor)
        row = uow.get(CredentialReset, request_id, for_update=True)
        uow.check_version(row, expected_version)
        if row.status != ResetStatus.PENDING:
            raise ValidationError(_("This reset request was already decided."))
        if actor.user_id in (row.requested_by, row.user_id):
            raise PermissionDenied(_("A second administrator must decide: not the one who asked for the reset, "
                                     "nor the administrator concerned."), action="user.reset_approve")
        user = uow.get(User, row.user_id, for_update=True)
        password = None
        detail: dict = {"request": row.id, "kind": row.kind, "username": user.username,
                        "requested_by": row.requested_by}
        if approve:
            if row.kind == ResetKind.PASSWORD:
                password = _apply_password_reset(user, now)
                uow.audit("user.reset_password", object_type="user", object_id=user.id, detail=detail)
            else:
                detail["sessions_ended"] = _apply_totp_reset(uow.session, user, now)
                uow.audit("user.reset_totp", object_type="user", object_id=user.id, detail=detail)
            uow.session.add(user)
        row.status = ResetStatus.APPROVED if approve else ResetStatus.REJECTED
        row.decided_by, row.decided_at = actor.user_id, now
        uow.session.add(row)
        uow.audit("user.reset_approve" if approve else "user.reset_reject", object_type="user", object_id=user.id,
                  detail=detail)
        notify(uow.session, user_ids={row.user_id, row.requested_by}, kind="info",
               message=RESET_DECIDED_MSG[(ResetKind(row.kind), approve)],
               params={"user": user.username, "decider": actor.username}, case_kind="credential_reset", case_id=row.id, now=now)
        uow.commit()
        return ResetDecision(row.id, user.username, row.kind, approve, password)  # type: ignore[arg-type]


def pending_resets(actor: Actor) -> pd.DataFrame:
    """Reset requests waiting for a second administrator, for the approval screen."""
    with read_scope(actor, "user.reset_approve") as (session, _scope):
        rows = session.exec(select(CredentialReset, User.username, User.display_name)
                            .join(User, User.id == CredentialReset.user_id)
                            .where(CredentialReset.status == ResetStatus.PENDING)
                            .order_by(CredentialReset.requested_at)).all()
        names = dict(session.exec(select(User.id, User.username)).all()) if rows else {}
        return pd.DataFrame(
            [{"id": r.id, "user_id": r.user_id, "username": uname, "display_name": dname, "kind": r.kind,
              "reason": r.reason, "requested_by": names.get(r.requested_by, ""), "requested_by_id": r.requested_by,
              "requested_at": r.requested_at, "version": r.version} for r, uname, dname in rows],
            columns=["id", "user_id", "username", "display_name", "kind", "reason", "requested_by",
                     "requested_by_id", "requested_at", "version"])


def unlock(actor: Actor, user_id: int, *, now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        user.locked_until = None
        user.failed_attempts = 0
        user.first_failed_at = None
        uow.session.add(user)
        uow.audit("user.unlock", object_type="user", object_id=user_id)
        uow.commit()


def user_roles(session, user_id: int) -> set[str]:
    return set(session.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all())


def set_roles(actor: Actor, user_id: int, roles: set[str], *, now: datetime | None = None) -> None:
    """Replace a user's roles (security admin only). Refuses self-grants and any two of the three admin roles."""
    roles = {str(r) for r in roles}
    with unit_of_work(actor, now) as uow:
        uow.require("role.grant", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        errors: dict[str, str] = {}
        unknown = roles - {r.value for r in Role}
        if unknown:
            errors["roles"] = _("Unknown role: {roles}", roles=", ".join(sorted(unknown)))
        elif len(roles & {r.value for r in ADMIN_ROLES}) > 1:
            errors["roles"] = _("System, security and audit administrator must be three different people.")
        elif len(roles & {r.value for r in ADMIN_ROLES}) == 1 and roles - {r.value for r in ADMIN_ROLES}:
            errors["roles"] = _("An administrator account cannot also hold business roles.")
        if user_id == actor.user_id:
            errors["roles"] = _("You cannot change your own roles.")
        if errors:
            raise ValidationError(errors)
        current = user_roles(uow.session, user_id)
        for role in current - roles:
            row = uow.session.exec(select(UserRole).where(UserRole.user_id == user_id, UserRole.role == role)).one()
            uow.session.delete(row)
        for role in roles - current:
            uow.session.add(UserRole(user_id=user_id, role=role, granted_by=actor.user_id, granted_at=now_utc(now)))
        user.version += 1
        uow.session.add(user)
        uow.audit("role.grant", object_type="user", object_id=user_id,
                  detail={"before": sorted(current), "after": sorted(roles)})
        uow.commit()


def set_language(actor: Actor, language: str, *, now: datetime | None = None) -> None:
    """A user's own language preference, remembered across sign-ins."""
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose a language.")})
    with unit_of_work(actor, now) as uow:
        user = uow.get(User, actor.user_id)
        if user.language != language:
            before = user.language
            user.language = language
            uow.session.add(user)
            uow.audit("user.language", object_type="user", object_id=actor.user_id,
                      detail={"before": before, "after": language})
            uow.commit()


@dataclass
class AccountOverview:
    units: int
    units_without_admin: int
    users: int
    inactive: int
    locked: int
    without_roles: int
    password_expired: int


def account_overview(actor: Actor, *, now: datetime | None = None) -> AccountOverview:
    """Counts the system and security administrators act on (home page)."""
    from datetime import timedelta

    from sqlmodel import func

    from services.core.settings import get_settings

    now = now_utc(now)
    with read_scope(actor, "user.view") as (session, _scope):
        count = lambda stmt: session.exec(stmt).one() or 0  # noqa: E731
        has_role = select(UserRole.user_id).distinct()
        expiry = now - timedelta(days=get_settings().password_max_age_days)
        return AccountOverview(
            units=count(select(func.count()).select_from(Unit).where(Unit.is_active)),
            units_without_admin=count(select(func.count()).select_from(Unit).where(
                Unit.is_active, (Unit.data_admin_name.is_(None)) | (Unit.data_admin_name == ""))),  # type: ignore[union-attr]
            users=count(select(func.count()).select_from(User)),
            inactive=count(select(func.count()).select_from(User).where(User.is_active.is_(False))),  # type: ignore[attr-defined]
            locked=count(select(func.count()).select_from(User).where(User.locked_until > now)),  # type: ignore[operator]
            without_roles=count(select(func.count()).select_from(User).where(
                User.is_active, User.id.not_in(has_role))),  # type: ignore[union-attr]
            password_expired=count(select(func.count()).select_from(User).where(
                User.is_active, User.password_changed_at < expiry)),  # type: ignore[operator]
        )
