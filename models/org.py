"""Regions (GB/T 2260 city/county tree) and units (government departments and public-service organisations)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import ts_field, version_field


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class UnitKind(StrEnum):
    BUREAU = "bureau"  # competent bureau (主管部门)
    DEPARTMENT = "department"  # government department (政务部门)
    PUBLIC_SERVICE = "public_service"  # public-service organisation (公共服务机构)
    COUNTY_EGOV = "county_egov"  # county e-government department (县级电子政务管理部门)


class UnitLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class RegionBase(SQLModel):
    code: str = Field(max_length=6, min_length=6, unique=True, index=True)  # GB/T 2260
    name: str = Field(max_length=60)
    level: str = Field(max_length=10)  # RegionLevel
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)


class Region(RegionBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = ts_field(nullable=False, default_now=True)


class UnitBase(SQLModel):
    uscc: str = Field(max_length=18, min_length=18, unique=True, index=True)  # GB 32100 unified social credit code
    name: str = Field(max_length=100)
    short_name: str | None = Field(default=None, max_length=40)
    kind: str = Field(max_length=20)  # UnitKind
    level: str = Field(max_length=10)  # UnitLevel
    region_id: int = Field(foreign_key="region.id", index=True)
    chief_data_officer: str | None = Field(default=None, max_length=60)  # 首席数据官 (Qingyuan §9)
    data_admin_name: str | None = Field(default=None, max_length=60)  # 数据专管员 (Longyan §26)
    data_admin_phone: str | None = Field(default=None, max_length=30)
    is_active: bool = Field(default=True)


class Unit(UnitBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime | None = ts_field()
    version: int = version_field()
