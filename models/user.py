"""Accounts: one unit each, one or more roles, bcrypt hash, language, lockout and password-age fields."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class Role(StrEnum):
    LEADER = "leader"
    BUREAU_REVIEWER = "bureau_reviewer"
    UNIT_STEWARD = "unit_steward"
    COUNTY_APPROVER = "county_approver"
    ASSESSOR = "assessor"
    SYS_ADMIN = "sys_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"


# The three administrators (三员) must be held by different people.
ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class UserBase(SQLModel):
    username: str = Field(max_length=40, unique=True, index=True)
    display_name: str = Field(max_length=60)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    language: str = Field(default="zh_CN", max_length=10)
    phone: str | None = Field(default=None, max_length=30)
    is_active: bool = Field(default=True)


class User(UserBase, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=100)
    password_changed_at: datetime | None = ts_field()
    must_change_password: bool = Field(default=False)
    failed_attempts: int = Field(default=0)
    first_failed_at: datetime | None = ts_field()
    locked_until: datetime | None = ts_field()
    last_login_at: datetime | None = ts_field()
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = Field(default=None)  # 30-second step of the last accepted code: each code works once
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str = Field(max_length=30)  # Role
    granted_by: int | None = Field(default=None, foreign_key="app_user.id")
    granted_at: datetime = ts_field(nullable=False, default_now=True)


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the database only its SHA-256.

    Lets a page reload keep the user signed in while the idle timeout is enforced here, server-side."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = ts_field(nullable=False)
    last_seen_at: datetime = ts_field(nullable=False)
    ended_at: datetime | None = ts_field()
    ended_reason: str | None = Field(default=None, max_length=20)  # user | idle | deactivated | locked | ended


class ResetKind(StrEnum):
    PASSWORD = "password"
    TOTP = "totp"


class ResetStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CredentialReset(SQLModel, table=True):
    """Dual control: a reset of an administrator's password or second factor waits here until a second
    administrator approves it (or rejects it); only the approval changes the account."""

    __tablename__ = "credential_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=10)  # ResetKind
    status: str = Field(default=ResetStatus.PENDING, max_length=10, index=True)  # ResetStatus
    reason: str = Field(default="", max_length=200)
    requested_by: int = Field(foreign_key="app_user.id")
    requested_at: datetime = ts_field(nullable=False)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = ts_field()
    version: int = version_field()
