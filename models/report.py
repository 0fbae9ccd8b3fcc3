"""Annual data-management reports (年度数据管理工作报告, Yunyang §46): each unit's report to the bureau and the
bureau's jurisdiction report compiled from them. Figures are computed by the platform and frozen as JSON when the
report is submitted; the written sections are the unit's own."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class ReportKind(StrEnum):
    UNIT = "unit"  # a unit's report to the bureau (due 31 December)
    JURISDICTION = "jurisdiction"  # the bureau's report to the government (due mid-January)


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the bureau (unit reports); final for a jurisdiction report
    ACCEPTED = "accepted"
    RETURNED = "returned"  # returned with reasons; the unit revises and submits again


class AnnualReport(SQLModel, table=True):
    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("unit_id", "year", "kind", name="uq_annual_report_unit_year_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    year: int = Field(index=True)
    kind: str = Field(default=ReportKind.UNIT, max_length=14)  # ReportKind
    status: str = Field(default=ReportStatus.DRAFT, max_length=10)  # ReportStatus
    due_on: date | None = None  # from the profile and the working-day calendar
    work_done: str | None = Field(default=None, sa_column=Column(Text))
    problems: str | None = Field(default=None, sa_column=Column(Text))
    next_year_plan: str | None = Field(default=None, sa_column=Column(Text))
    snapshot: str | None = Field(default=None, sa_column=Column(Text))  # JSON figures frozen at submission
    submitted_at: datetime | None = ts_field()
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    late: bool = False  # submitted after its due date
    return_reason: str | None = Field(default=None, max_length=2000)
    reviewed_at: datetime | None = ts_field()
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime | None = ts_field()
    version: int = version_field()
