"""The system interface (系统对接): client systems of a unit with their keys, and the per-key request counts.

Only the SHA-256 of a key is stored; the key itself is shown once when it is issued or rotated. The rate window
is a row per key and minute, incremented in one statement, so every server process counts against the same row;
the endpoints without a key are counted the same way per client address (a keyed hash of it, never the address)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class ApiScope(StrEnum):
    CATALOG_READ = "catalog:read"  # search the published catalog, read one entry
    CATALOG_WRITE = "catalog:write"  # create or change the unit's entries (drafts or submitted changes)
    AGGREGATION_WRITE = "aggregation:write"  # registrations and the update log of the unit's entries
    SHARING_READ = "sharing:read"  # the grants the unit holds, its requests' status
    KPI_READ = "kpi:read"  # the dashboard bundle (a data bureau's client only)


class ApiClient(SQLModel, table=True):
    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    scopes: str = Field(max_length=200)  # space-separated ApiScope values
    key_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the key
    key_hint: str = Field(max_length=16)  # the key's first characters, to tell keys apart in lists
    rate_limit: int = Field(default=120)  # calls per minute
    note: str | None = Field(default=None, max_length=500)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    rotated_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()
    revoked_by: int | None = Field(default=None, foreign_key="app_user.id")
    last_used_at: datetime | None = ts_field()
    version: int = version_field()


class ApiRateWindow(SQLModel, table=True):
    """Calls of one key in one minute; upserted atomically (INSERT … ON CONFLICT DO UPDATE … RETURNING)."""

    __tablename__ = "api_rate_window"
    __table_args__ = (UniqueConstraint("client_id", "window_start", name="uq_api_rate_window"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="api_client.id")
    window_start: datetime = ts_field(nullable=False)
    calls: int = Field(default=0)


class ApiAddressWindow(SQLModel, table=True):
    """Calls without a key (open data) from one client address in one minute, counted like `ApiRateWindow`:
    tracking codes cannot be tried by the thousand. Only a keyed hash of the address is kept."""

    __tablename__ = "api_address_window"
    __table_args__ = (UniqueConstraint("client_hash", "window_start", name="uq_api_address_window"),
                      Index("ix_api_address_window_start", "window_start"))

    id: int | None = Field(default=None, primary_key=True)
    client_hash: str = Field(max_length=64)
    window_start: datetime = ts_field(nullable=False)
    calls: int = Field(default=0)
