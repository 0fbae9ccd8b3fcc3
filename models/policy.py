"""Deployment-level policy state: the active profile and single-value overrides set by the security admin."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import ts_field


class PolicySetting(SQLModel, table=True):
    """Key/value store: key 'active_profile' names the profile; 'override.<path>' keys override one value."""

    __tablename__ = "policy_setting"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=2000)  # JSON-encoded
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = ts_field(nullable=False, default_now=True)
