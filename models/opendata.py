"""Open data (开放): requests from the public — open-data demands (Longyan §19) and applications for conditionally
open data (Qingyuan ch.5) — and the per-client submission counter that limits abuse of the public form.

The applicant's personal data (name, identity number, contact) is stored encrypted (Fernet, key outside the
database: services/opendata/crypto.py); the tracking page reads only the columns that carry no personal data."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class OpenRequestKind(StrEnum):
    DEMAND = "demand"  # 开放需求申请: data not yet open (Longyan §19)
    APPLICATION = "application"  # 有条件开放申请: conditionally open data of a listed entry (Qingyuan ch.5)


class ApplicantKind(StrEnum):
    NATURAL_PERSON = "natural_person"
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    OTHER_ORGANISATION = "other_organisation"


class OpenRequestStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for the unit's (or the bureau's) answer
    NEEDS_INFO = "needs_info"  # the applicant was asked for more; the clock is paused
    UNIT_AGREED = "unit_agreed"  # Longyan §18: the unit agreed to authorised-open access; the bureau grants it
    AGREED = "agreed"  # demand: the data will be opened (open plan / catalog change); application: approved
    REFUSED = "refused"


class OpenRequest(SQLModel, table=True):
    __tablename__ = "open_request"
    __table_args__ = (
        Index("ix_open_request_unit_status", "unit_id", "status", "submitted_at"),
        Index("ix_open_request_submitted", "submitted_at", "kind", "status"),
        Index("ix_open_request_answered", "answered_at", "kind", "status", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=24, unique=True, index=True)  # tracking code given to the applicant
    kind: str = Field(max_length=12)  # OpenRequestKind
    status: str = Field(default=OpenRequestStatus.SUBMITTED, max_length=12)  # OpenRequestStatus
    applicant_kind: str = Field(max_length=20)  # ApplicantKind
    domestic_controlled: bool = False  # an enterprise's declaration (Longyan §18: domestic-controlled only)
    # Personal data, Fernet tokens (never plain text in the database).
    applicant_name_enc: str = Field(sa_column=Column(Text, nullable=False))
    applicant_id_enc: str = Field(sa_column=Column(Text, nullable=False))  # resident ID or USCC
    contact_enc: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str = Field(max_length=1000)
    entry_id: int | None = Field(default=None, foreign_key="catalog_entry.id", index=True)
    title: str | None = Field(default=None, max_length=120)  # a demand: the data wanted
    description: str | None = Field(default=None, max_length=1000)
    # Who answers: the unit owning the entry, or the bureau until it assigns a demand to a unit.
    unit_id: int = Field(foreign_key="unit.id")
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    assigned_at: datetime | None = ts_field()
    info_request: str | None = Field(default=None, max_length=1000)  # shown on the tracking page
    supplement: str | None = Field(default=None, max_length=1000)  # what the applicant added when asked
    reply: str | None = Field(default=None, max_length=2000)  # the answer the applicant reads
    # Longyan §18 (profile rule open_grant_by_bureau): the unit agrees first, then the bureau grants the access.
    unit_agreed_at: datetime | None = ts_field()
    unit_agreed_by: int | None = Field(default=None, foreign_key="app_user.id")
    unit_note: str | None = Field(default=None, max_length=2000)  # the unit's agreement, shown to the bureau
    agreement_signed_on: date | None = None  # 公共数据利用协议 of an approved application
    agreement_ends_on: date | None = None
    submitted_at: datetime = ts_field(nullable=False)
    answered_at: datetime | None = ts_field()
    answered_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()


class PublicSubmission(SQLModel, table=True):
    """One row per public submission attempt that passed the captcha: the rate limit counts these per client
    (kept in the database so the limit holds across server processes). Only a keyed hash of the client."""

    __tablename__ = "public_submission"
    __table_args__ = (Index("ix_public_submission_client", "client_hash", "submitted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_hash: str = Field(max_length=64)
    submitted_at: datetime = ts_field(nullable=False)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    FILED = "filed"  # filed with the bureau, waiting for acceptance
    ACCEPTED = "accepted"
    RETURNED = "returned"  # returned by the bureau with reasons; the unit revises and files again


class OpenPlan(SQLModel, table=True):
    """A unit's yearly open plan (年度开放计划, Qingyuan ch.5), filed with the bureau."""

    __tablename__ = "open_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_open_plan_unit_year"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    year: int
    status: str = Field(default=PlanStatus.DRAFT, max_length=10)  # PlanStatus
    return_reason: str | None = Field(default=None, max_length=1000)
    filed_at: datetime | None = ts_field()
    reviewed_at: datetime | None = ts_field()
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = version_field()


class OpenPlanItem(SQLModel, table=True):
    """An entry the unit plans to open by a date; done once the entry is published with an open attribute."""

    __tablename__ = "open_plan_item"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="open_plan.id", index=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    target_date: date
