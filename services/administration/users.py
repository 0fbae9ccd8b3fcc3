"""Accounts: the system admin creates, edits, deactivates and resets; the security admin grants roles.
The three administrator roles (三员) can never be held together, and nobody grants roles to themselves."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlmodel import select

from models import ADMIN_ROLES, Role, Unit, User, UserRole, UserSession
from services.administration.auth import hash_password, password_problem
from services.core.actor import Actor
from services.core.audit import diff
from services.core.errors import ValidationError
from services.core.i18n import LANGUAGES
from services.core.i18n import gettext as _
from services.core.search import clean, contains
from services.core.timeutil import now_utc
from services.core.uow import read_scope, unit_of_work


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


def _validate(session, data: UserInput, user_id: int | None) -> None:
    errors: dict[str, str] = {}
    name = (data.username or "").strip()
    if not name or not all(c.isalnum() or c in "._-" for c in name) or not name.isascii():
        errors["username"] = _("The user name may contain only letters, digits, '.', '_' and '-'.")
    else:
        dup = session.exec(select(User.id).where(User.username == name)).first()
        if dup is not None and dup != user_id:
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


def reset_password(actor: Actor, user_id: int, *, now: datetime | None = None) -> str:
    """Sets a one-time random password (returned once for hand-over) and unlocks the account."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        password = generate_password()
        user.password_hash = hash_password(password)
        user.password_changed_at = now
        user.must_change_password = True
        user.locked_until = None
        user.failed_attempts = 0
        user.first_failed_at = None
        user.version += 1
        uow.session.add(user)
        uow.audit("user.reset_password", object_type="user", object_id=user_id)
        uow.commit()
        return password


def reset_totp(actor: Actor, user_id: int, *, now: datetime | None = None) -> None:
    """Lost phone: remove the user's second factor so they enrol a new one at their next sign-in.

    The user's open browser sessions end as well, so nobody goes on working on the old enrolment."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("user.manage", object_type="user", object_id=user_id)
        user = uow.get(User, user_id)
        if not user.totp_secret:
            raise ValidationError(_("{user} has no second factor to reset.", user=user.username))
        user.totp_secret = None
        user.version += 1
        uow.session.add(user)
        live = uow.session.exec(select(UserSession).where(UserSession.user_id == user_id,
                                                          UserSession.ended_at.is_(None))).all()  # type: ignore[union-attr]
        for row in live:
            row.ended_at, row.ended_reason = now, "totp_reset"
            uow.session.add(row)
        uow.audit("user.reset_totp", object_type="user", object_id=user_id,
                  detail={"username": user.username, "sessions_ended": len(live)})
        uow.commit()


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
