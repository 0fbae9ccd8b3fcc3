"""Aggregation (汇聚登记, RULES.md §3): one registration per published entry saying how its data reaches the
platform, the log of data updates, and reports that shared data changed (Shanghai §16).

Freshness is kept on the entry itself (`catalog_entry.data_updated_at`, `fresh_until`, `aggregation_active`),
written by the commands that record updates, so reads never scan the log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class AggregationMode(StrEnum):
    REALTIME_INTERFACE = "realtime_interface"  # 实时接口
    DATABASE_PUSH = "database_push"  # 数据库推送
    FILE_UPLOAD = "file_upload"  # 文件上传
    MANUAL_UPLOAD = "manual_upload"  # 手工上传 (data without a system, Qingyuan §18)
    RETURN_FLOW = "return_flow"  # 回流 from a higher-level system (Longyan §9)


class RegistrationState(StrEnum):
    ACTIVE = "active"  # mounted: data is aggregated
    SUSPENDED = "suspended"  # stopped for a stated reason
    NOT_POSSIBLE = "not_possible"  # the unit filed why it cannot aggregate (Longyan §9 报市大数据局备案)


class FilingStatus(StrEnum):
    PENDING = "pending"  # waiting for the bureau
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"  # the bureau does not accept the reason: the unit must aggregate


class AggregationRegistration(SQLModel, table=True):
    __tablename__ = "aggregation_registration"
    __table_args__ = (Index("ix_aggregation_registration_unit_state", "unit_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", unique=True)
    unit_id: int = Field(foreign_key="unit.id")  # the providing unit, copied from the entry
    mode: str | None = Field(default=None, max_length=20)  # AggregationMode (not needed when not possible)
    source_system: str | None = Field(default=None, max_length=120)
    expected_records: int | None = None
    state: str = Field(max_length=14)  # RegistrationState
    reason: str | None = Field(default=None, max_length=1000)  # suspension or not-possible reason
    filing_status: str | None = Field(default=None, max_length=14)  # FilingStatus, not-possible only
    filing_note: str | None = Field(default=None, max_length=1000)  # the bureau's answer
    filing_decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    filing_decided_at: datetime | None = ts_field()
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime | None = ts_field()
    version: int = version_field()


class DataUpdate(SQLModel, table=True):
    """One update of an entry's data on the platform (form or exchange-platform file)."""

    __tablename__ = "data_update"
    __table_args__ = (Index("ix_data_update_entry_time", "entry_id", "updated_at"),
                      Index("ix_data_update_unit_time", "unit_id", "updated_at"),
                      # a client system's event id: a retried push of the same event never counts twice
                      UniqueConstraint("client_id", "client_event_id", name="uq_data_update_client_event"))

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id")
    unit_id: int = Field(foreign_key="unit.id")
    updated_at: datetime = ts_field(nullable=False)
    record_count: int
    added: int = 0
    changed: int = 0
    deleted: int = 0
    source: str | None = Field(default=None, max_length=120)  # who or which system updated
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    client_id: int | None = Field(default=None, foreign_key="api_client.id")  # pushed through the interface
    client_event_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = ts_field(nullable=False, default_now=True)


class DataChange(SQLModel, table=True):
    """A unit's report that shared data changed (Shanghai §16): refresh clock until the update is recorded."""

    __tablename__ = "data_change"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    changed_on: date
    note: str = Field(max_length=1000)
    update_id: int | None = Field(default=None, foreign_key="data_update.id")  # the update that closed it
    resolved_at: datetime | None = ts_field()
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
