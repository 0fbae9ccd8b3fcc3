"""Catalog (目录): entries with their core metadata, data items, published versions, triggers and the
responsibility and demand lists. Searchable columns always hold the *published* state of an entry; a change
under review lives in `pending` until the bureau approves it. `search_text` and `item_count` are kept
in step with the published data items so the published-catalog search touches one table only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class Classification(StrEnum):
    BASE = "base"  # 基础信息资源
    THEME = "theme"  # 主题信息资源
    DEPARTMENT = "department"  # 部门信息资源


class BaseLibrary(StrEnum):
    POPULATION = "population"  # 人口
    LEGAL_PERSON = "legal_person"  # 法人单位
    CREDIT = "credit"  # 公共信用
    MACRO_ECONOMY = "macro_economy"  # 宏观经济
    GEOSPATIAL = "geospatial"  # 自然资源和空间地理
    LICENCE = "licence"  # 电子证照


class ResourceFormat(StrEnum):
    DATABASE = "database"
    FILE = "file"
    INTERFACE = "interface"
    DOCUMENT = "document"
    OTHER = "other"


class ShareType(StrEnum):
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_SHARED = "not_shared"


class OpenAttribute(StrEnum):
    OPEN = "open"  # unconditional / general open
    CONDITIONAL = "conditional"  # conditional / authorised open
    NOT_OPEN = "not_open"


class ShareMethod(StrEnum):
    INTERFACE = "interface"
    FILE_DOWNLOAD = "file_download"
    ONLINE_BROWSE = "online_browse"
    OFFLINE = "offline"


class UpdateFrequency(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"


class SecurityLevel(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    SENSITIVE = "sensitive"


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the bureau's review (new entry, change or withdrawal)
    RETURNED = "returned"  # returned for revision with reasons
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # 下架


class ChangeKind(StrEnum):
    NEW = "new"
    CHANGE = "change"
    WITHDRAW = "withdraw"


class CatalogEntryBase(SQLModel):
    resource_code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120, index=True)
    summary: str | None = Field(default=None, max_length=1000)
    classification: str = Field(max_length=12)  # Classification
    base_library: str | None = Field(default=None, max_length=20)  # BaseLibrary, base entries only
    provider_unit_id: int = Field(foreign_key="unit.id", index=True)
    source_unit_id: int | None = Field(default=None, foreign_key="unit.id")  # 数源单位
    resource_format: str | None = Field(default=None, max_length=12)  # ResourceFormat
    share_type: str | None = Field(default=None, max_length=14)  # ShareType
    share_conditions: str | None = Field(default=None, max_length=1000)
    share_method: str | None = Field(default=None, max_length=20)  # ShareMethod
    share_scope: str | None = Field(default=None, max_length=200)
    open_attribute: str | None = Field(default=None, max_length=12)  # OpenAttribute
    open_conditions: str | None = Field(default=None, max_length=1000)
    restriction_basis: str | None = Field(default=None, max_length=1000)  # 法律法规依据 for any restriction
    update_frequency: str | None = Field(default=None, max_length=12)  # UpdateFrequency
    security_level: str | None = Field(default=None, max_length=12)  # SecurityLevel
    published_on: date | None = None  # 发布日期
    related_codes: str | None = Field(default=None, max_length=400)  # comma-separated resource codes
    usage_requirements: str | None = Field(default=None, max_length=1000)


class CatalogEntry(CatalogEntryBase, table=True):
    __tablename__ = "catalog_entry"
    __table_args__ = (
        Index("ix_catalog_entry_status_provider", "status", "provider_unit_id"),
        Index("ix_catalog_entry_share_type", "share_type"),
        Index("ix_catalog_entry_published_code", "is_published", "resource_code"),
        # Covering index of the catalog KPI aggregates (services/kpi/catalog.py): they read it, not the rows.
        Index("ix_catalog_entry_kpi", "is_published", "published_on", "provider_unit_id", "share_type",
              "open_attribute", "completeness", "last_maintained_at", "restriction_basis"),
        # Aggregation KPIs: mounted entries and their freshness, per provider, without reading the rows.
        Index("ix_catalog_entry_freshness", "is_published", "aggregation_active", "fresh_until", "provider_unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=EntryStatus.DRAFT, max_length=12)  # EntryStatus
    is_published: bool = Field(default=False, index=True)  # a published version is live
    published_version: int = 0
    change_kind: str | None = Field(default=None, max_length=10)  # ChangeKind of the pending submission
    pending: str | None = Field(default=None, sa_column=Column(Text))  # JSON of a change under review
    return_reason: str | None = Field(default=None, max_length=1000)
    completeness: float = 0.0  # filled required core fields / required fields, kept current on every save
    item_count: int = 0  # published data items (the search list shows it without a join)
    search_text: str | None = Field(default=None, sa_column=Column(Text))  # normalised name, code, item names
    filed_at: datetime | None = ts_field()  # 备案 of a not-shared entry with the bureau
    filed_by: int | None = Field(default=None, foreign_key="app_user.id")
    filing_note: str | None = Field(default=None, max_length=500)
    submitted_at: datetime | None = ts_field()
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")  # nobody reviews their own submission
    reviewed_at: datetime | None = ts_field()
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    last_maintained_at: datetime | None = ts_field()  # last reviewed publish/confirmation (annual maintenance)
    data_updated_at: datetime | None = ts_field()  # last data refresh (freshness against update_frequency)
    aggregation_active: bool = False  # mounted: data is aggregated to the platform
    # Last day the data counts as fresh (services.aggregation.rules.fresh_until); None = always fresh (irregular)
    fresh_until: date | None = None
    open_corrections: int = 0  # corrections being verified: the entry shows them (Qingyuan ch.4)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime | None = ts_field()
    version: int = version_field()


class DataItem(SQLModel, table=True):
    __tablename__ = "data_item"
    __table_args__ = (Index("ix_data_item_norm_source", "norm_name", "is_source"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    position: int = 0
    name: str = Field(max_length=80)
    norm_name: str = Field(max_length=80)  # normalised for one-source checks and search
    data_type: str = Field(max_length=20)  # string | integer | decimal | date | datetime | boolean | binary
    length: int | None = None
    is_sensitive: bool = False
    is_source: bool = False  # this unit is the legal source (数源) of the item


class CatalogVersion(SQLModel, table=True):
    """Snapshot of an entry (fields and data items) each time a version is published or withdrawn."""

    __tablename__ = "catalog_version"
    __table_args__ = (UniqueConstraint("entry_id", "version_no", name="uq_catalog_version"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    version_no: int
    change_kind: str = Field(max_length=10)
    snapshot: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    published_at: datetime = ts_field(nullable=False)
    published_by: int | None = Field(default=None, foreign_key="app_user.id")


class CatalogTrigger(SQLModel, table=True):
    """A change of law, duty or data recorded by a unit; starts the unit's catalog update clock."""

    __tablename__ = "catalog_trigger"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    entry_id: int | None = Field(default=None, foreign_key="catalog_entry.id", index=True)
    kind: str = Field(max_length=10)  # law | duty | data
    occurred_on: date
    note: str | None = Field(default=None, max_length=500)
    resolved_at: datetime | None = ts_field()
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)


class ResponsibilityItem(SQLModel, table=True):
    """采集责任清单: an entry the bureau expects a unit to catalog; coverage = published / expected."""

    __tablename__ = "responsibility_item"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    resource_name: str = Field(max_length=120)
    base_library: str | None = Field(default=None, max_length=20)
    entry_id: int | None = Field(default=None, foreign_key="catalog_entry.id", index=True)
    note: str | None = Field(default=None, max_length=500)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)


class DemandItem(SQLModel, table=True):
    """需求清单: data a unit needs from others; the bureau links it to an entry or a responsible unit."""

    __tablename__ = "demand_item"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    title: str = Field(max_length=120)
    description: str | None = Field(default=None, max_length=1000)
    wanted_items: str | None = Field(default=None, max_length=1000)
    status: str = Field(default="open", max_length=12)  # open | linked | closed
    linked_entry_id: int | None = Field(default=None, foreign_key="catalog_entry.id")
    responsible_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()


class OneSourceDecision(SQLModel, table=True):
    """The bureau's ruling on which unit is the legal source (数源) of a data item claimed by several units."""

    __tablename__ = "one_source_decision"

    id: int | None = Field(default=None, primary_key=True)
    norm_name: str = Field(max_length=80, unique=True, index=True)
    source_unit_id: int = Field(foreign_key="unit.id")
    note: str | None = Field(default=None, max_length=500)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime = ts_field(nullable=False, default_now=True)
