"""SLA clocks: every waiting state of every workflow starts one; inbox and SLA KPIs read this table."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import text
from sqlmodel import Field, Index, SQLModel

from models.base import ts_field


class CaseKind(StrEnum):
    CATALOG_ENTRY = "catalog_entry"
    SHARE_REQUEST = "share_request"
    DISPUTE = "dispute"
    CORRECTION = "correction"
    OPEN_REQUEST = "open_request"
    DATA_CHANGE = "data_change"  # shared data changed, waiting for the update (Shanghai §16)
    ASSESSMENT_CARD = "assessment_card"  # a unit reviews its provisional scorecard (appeal window)
    ASSESSMENT_APPEAL = "assessment_appeal"  # assessors answer a unit's appeal
    PROJECT = "project"  # an informatization project waiting for approval or acceptance
    ANNUAL_REPORT = "annual_report"  # a unit's or the bureau's annual data-management report (Yunyang §46)


class ClockStep(StrEnum):
    CATALOG_UPDATE = "catalog_update"  # unit submits a change after a trigger
    CATALOG_REVIEW = "catalog_review"  # bureau reviews a submission
    SHARE_ANSWER = "share_answer"  # provider (and co-deciders) answer a conditional request
    SHARE_APPLICATION_FORM = "share_application_form"  # Shanghai §14: the signed written form is awaited (age only)
    SHARE_IMPLEMENT = "share_implement"  # provider implements an approved request
    UNCATALOGUED_CONFIRM = "uncatalogued_confirm"  # provider confirms a request for data not in the catalog
    SHARE_CATALOG = "share_catalog"  # provider catalogs confirmed data until the entry is published
    SHARE_VERIFY = "share_verify"  # source unit answers a verification request (核验比对)
    DISPUTE = "dispute"  # bureau coordinates a dispute
    CORRECTION_VERIFY = "correction_verify"
    CORRECTION_EXTENSION = "correction_extension"
    DATA_REFRESH = "data_refresh"  # changed shared data updated on the platform (profile rule data_refresh_workdays)
    OPEN_DEMAND_ANSWER = "open_demand_answer"
    OPEN_APPLICATION_ANSWER = "open_application_answer"
    OPEN_GRANT = "open_grant"  # the bureau grants authorised-open access after the unit agreed (Longyan §18)
    ASSESSMENT_REVIEW = "assessment_review"  # appeal window on a provisional scorecard (working days: the scheme)
    ASSESSMENT_APPEAL = "assessment_appeal"  # assessors answer an appeal (no statutory number: tracked by age)
    PROJECT_REVIEW = "project_review"  # the bureau decides a project's approval
    PROJECT_ACCEPTANCE = "project_acceptance"  # the bureau checks a project at acceptance
    ANNUAL_REPORT_UNIT = "annual_report_unit"  # a unit submits its annual report (by 31 December)
    ANNUAL_REPORT_BUREAU = "annual_report_bureau"  # the bureau reports to the government (mid-January)


class ClockOutcome(StrEnum):
    DONE = "done"  # the step was completed (answered, reviewed, implemented…)
    CANCELLED = "cancelled"  # the case was withdrawn or superseded


class SlaClock(SQLModel, table=True):
    __tablename__ = "sla_clock"
    __table_args__ = (
        # Open clocks in inbox order (due date, then start date and id): a page of the inbox and the overdue
        # filters are range reads that stop after the page, no sort. Two forms, one per planner: PostgreSQL
        # cannot read ORDER BY due_on off an index leading with closed_at (IS NULL is no equality to it), so it
        # uses the partial index; SQLite's statistics do not see that only ~2% of closed_at are NULL and
        # prefer a skip-scan of the region index over the partial one, so it uses the full index.
        Index("ix_sla_clock_open_by_due", "due_on", "started_on", "id",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
        Index("ix_sla_clock_open_due_order", "closed_at", "due_on", "started_on", "id"),
        Index("ix_sla_clock_case", "case_kind", "case_id"),
        Index("ix_sla_clock_unit_open", "responsible_unit_id", "closed_at"),
        Index("ix_sla_clock_region_open", "responsible_region_id", "closed_at"),
        # KPIs: deadlines met per step in a period (due_on range) and answers per period (closed_on range).
        # Covering: the dashboard's aggregates read these indexes only, never the table rows.
        Index("ix_sla_clock_step_due", "step", "due_on", "closed_on", "outcome", "paused_at", "responsible_unit_id"),
        Index("ix_sla_clock_step_closed", "step", "closed_on", "outcome", "started_on", "paused_workdays",
              "responsible_unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_kind: str = Field(max_length=20)  # CaseKind
    case_id: int
    step: str = Field(max_length=30)  # ClockStep
    responsible_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    responsible_region_id: int | None = Field(default=None, foreign_key="region.id")
    started_on: date
    workdays: int | None = None  # the allowance at start (plus extensions); None = no statutory deadline
    due_on: date | None = Field(default=None, index=True)
    extended_days: int = 0
    paused_at: datetime | None = ts_field()
    paused_workdays: int = 0  # working days the clock spent paused, added to the deadline
    closed_at: datetime | None = ts_field()
    closed_on: date | None = None  # local (Asia/Shanghai) date of closing, compared with due_on
    outcome: str | None = Field(default=None, max_length=20)  # ClockOutcome
    created_at: datetime = ts_field(nullable=False, default_now=True)


class Notification(SQLModel, table=True):
    """In-app reminders (due soon, overdue, decisions) shown in the sidebar of the responsible users."""

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=30)  # due_soon | overdue | decision | info
    clock_id: int | None = Field(default=None, foreign_key="sla_clock.id", index=True)
    case_kind: str | None = Field(default=None, max_length=20)
    case_id: int | None = None
    message: str = Field(max_length=300)  # msgid, translated when shown in the reader's language
    params: str | None = Field(default=None, max_length=1000)  # JSON values for the msgid's {placeholders}
    created_at: datetime = ts_field(nullable=False, default_now=True)
    read_at: datetime | None = ts_field()
