"""KPI targets set by the bureau; the KPIs themselves are computed, never stored."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import ts_field


class KpiTarget(SQLModel, table=True):
    __tablename__ = "kpi_target"
    __table_args__ = (UniqueConstraint("kpi_key", "region_id", name="uq_kpi_target"),)

    id: int | None = Field(default=None, primary_key=True)
    kpi_key: str = Field(max_length=60)
    region_id: int | None = Field(default=None, foreign_key="region.id")  # None = the whole jurisdiction
    value: float
    set_by: int | None = Field(default=None, foreign_key="app_user.id")
    set_at: datetime = ts_field(nullable=False, default_now=True)
