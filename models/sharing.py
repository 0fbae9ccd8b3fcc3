"""Sharing between units (共享): requests and their decisions, grants with end dates, disputes, usage reports
and attached written applications."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, Index, SQLModel

from models.base import ts_field, version_field


class RequestKind(StrEnum):
    ACCESS = "access"  # unconditional entry: granted at once, no approval
    APPLY = "apply"  # conditional entry: provider (and co-deciders) answer
    VERIFY = "verify"  # 核验比对: records checked by the source unit, nothing handed over (Qingyuan ch.4)
    UNCATALOGUED = "uncatalogued"  # data not in the catalog: provider confirms, catalogs, then answers


class Route(StrEnum):
    PROVIDER = "provider"  # the provider decides (Shanghai, Qingyuan)
    BUREAU_CO = "bureau_co"  # the bureau decides with the provider (Longyan §12)
    COUNTY = "county"  # county e-gov department with the provider (Longyan §12 para 2)


class RequestStatus(StrEnum):
    DRAFT = "draft"
    PENDING_CONFIRM = "pending_confirm"  # uncatalogued: provider must confirm it can catalog the data
    AWAITING_CATALOG = "awaiting_catalog"  # uncatalogued, confirmed: waits until the provider's entry is published
    SUBMITTED = "submitted"  # waiting for the answer
    VERIFYING = "verifying"  # verification request waiting for the source unit's answer
    NEEDS_INFO = "needs_info"  # provider asked for more information; requester amends and resubmits
    APPROVED = "approved"  # waiting for implementation
    IMPLEMENTED = "implemented"  # access given (a grant exists)
    REJECTED = "rejected"
    DISPUTED = "disputed"  # requester objected to a refusal; the bureau coordinates
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REVOKED = "revoked"
    VERIFIED = "verified"  # verification request answered (match / no match / partly); nothing was handed over


class VerifyResult(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    PARTIAL = "partial"


class AnswerClockStart(StrEnum):
    """Which event starts the provider's answer clock (a profile rule)."""

    SUBMISSION = "submission"  # the online submission
    WRITTEN_APPLICATION = "written_application"  # receipt of the signed, system-generated form (Shanghai §14)


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the refusal stands
    OVERTURNED = "overturned"  # the provider must implement


class Party(StrEnum):
    PROVIDER = "provider"
    BUREAU = "bureau"
    COUNTY = "county"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    NEEDS_INFO = "needs_info"


class ShareRequest(SQLModel, table=True):
    __tablename__ = "share_request"
    __table_args__ = (
        Index("ix_share_request_provider_status", "provider_unit_id", "status"),
        Index("ix_share_request_requester_status", "requester_unit_id", "status"),
        Index("ix_share_request_submitted", "submitted_at"),
        Index("ix_share_request_route_status_region", "route", "status", "provider_region_id"),
        Index("ix_share_request_status_submitted", "status", "submitted_at"),
        # KPIs: decisions of the requests answered in a period (approval rate), read from the index alone.
        Index("ix_share_request_answered", "answered_at", "kind", "status", "provider_unit_id"),
        # A unit's incoming / outgoing list, newest first, paged straight off the index (no sort of its requests).
        Index("ix_share_request_provider_submitted", "provider_unit_id", "submitted_at"),
        Index("ix_share_request_requester_submitted", "requester_unit_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=24, unique=True, index=True)  # tracking number shown to people
    kind: str = Field(max_length=14)  # RequestKind
    route: str = Field(default=Route.PROVIDER, max_length=10)  # Route
    status: str = Field(default=RequestStatus.DRAFT, max_length=16)  # RequestStatus
    requester_unit_id: int = Field(foreign_key="unit.id")
    provider_unit_id: int = Field(foreign_key="unit.id")
    # Regions of both units, kept on the row so region-scoped lists and the county queue need no join.
    requester_region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    provider_region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    entry_id: int | None = Field(default=None, foreign_key="catalog_entry.id", index=True)
    requested_items: str | None = Field(default=None, sa_column=Column(Text))  # JSON list of data-item ids/names
    uncatalogued_title: str | None = Field(default=None, max_length=120)  # name of the data not in the catalog
    uncatalogued_description: str | None = Field(default=None, max_length=1000)
    scenario: str | None = Field(default=None, max_length=300)
    purpose: str | None = Field(default=None, max_length=1000)
    legal_basis: str | None = Field(default=None, max_length=1000)  # the duty or law that needs the data
    share_method: str | None = Field(default=None, max_length=20)
    end_date: date | None = None
    # The provider's competent bureau (nearest bureau up the region tree), the only bureau that co-decides or
    # coordinates this request; fixed at submission.
    bureau_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    route_note: str | None = Field(default=None, max_length=300)  # why the route differs from the profile's
    cross_level: bool = False  # filed with the higher and same-level bureau (Qingyuan ch.4)
    needs_confidentiality: bool = False  # secret, commercial or personal data (Shanghai §14)
    # Decision on least authorisation (may narrow what was asked).
    approved_items: str | None = Field(default=None, sa_column=Column(Text))
    approved_end_date: date | None = None
    approved_method: str | None = Field(default=None, max_length=20)
    decision_reason: str | None = Field(default=None, max_length=1000)  # reasons / legal basis of a refusal
    confidentiality_agreement: str | None = Field(default=None, max_length=200)
    use_agreement: str | None = Field(default=None, max_length=200)  # data use agreement (Longyan §12)
    implementation_note: str | None = Field(default=None, max_length=1000)
    info_request: str | None = Field(default=None, max_length=1000)  # what a decider asked the requester to add
    resubmissions: int = 0
    # Verification (核验比对): the records the requester asks the source to check, and the source's answer.
    verify_records: str | None = Field(default=None, sa_column=Column(Text))
    verify_result: str | None = Field(default=None, max_length=10)  # VerifyResult
    verify_note: str | None = Field(default=None, max_length=1000)
    # Shanghai §14: the day the provider received the signed written application (starts the answer clock).
    application_received_on: date | None = None
    filed_at: datetime | None = ts_field()  # cross-level filing recorded with the bureaus
    submitted_at: datetime | None = ts_field()
    answered_at: datetime | None = ts_field()
    implemented_at: datetime | None = ts_field()
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime | None = ts_field()
    version: int = version_field()


class ShareDecision(SQLModel, table=True):
    """One party's answer on a request; co-decided routes need every party's approval."""

    __tablename__ = "share_decision"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="share_request.id", index=True)
    party: str = Field(max_length=10)  # Party
    round: int = 0  # ShareRequest.resubmissions when decided: a resubmission starts a new round of answers
    decision: str = Field(max_length=12)  # Decision
    reason: str | None = Field(default=None, max_length=1000)
    # A refusal's legal basis as a citation a reviewer can check: the law or regulation and its article.
    basis_law: str | None = Field(default=None, max_length=200)
    basis_article: str | None = Field(default=None, max_length=60)
    # What this party approved on least authorisation (None when it rejected or asked for information).
    items: str | None = Field(default=None, sa_column=Column(Text))
    end_date: date | None = None
    method: str | None = Field(default=None, max_length=20)
    decided_by: int = Field(foreign_key="app_user.id")
    decided_at: datetime = ts_field(nullable=False)


class ShareGrant(SQLModel, table=True):
    """Access given to a consumer unit; ends on `ends_on` or when revoked."""

    __tablename__ = "share_grant"
    __table_args__ = (Index("ix_share_grant_consumer_entry", "consumer_unit_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="share_request.id", index=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    consumer_unit_id: int = Field(foreign_key="unit.id")
    provider_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    items: str | None = Field(default=None, sa_column=Column(Text))  # JSON list of data-item ids
    method: str | None = Field(default=None, max_length=20)
    starts_on: date
    ends_on: date | None = Field(default=None, index=True)
    revoked_at: datetime | None = ts_field()
    revoked_reason: str | None = Field(default=None, max_length=500)
    revoked_by: int | None = Field(default=None, foreign_key="app_user.id")
    expiry_reminded_on: date | None = None  # last expiry reminder sent to both sides
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()


class Dispute(SQLModel, table=True):
    __tablename__ = "share_dispute"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="share_request.id", index=True)
    raised_by: int = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=1000)
    status: str = Field(default="open", max_length=12)  # DisputeStatus
    bureau_unit_id: int | None = Field(default=None, foreign_key="unit.id")  # the bureau that coordinates
    decision_note: str | None = Field(default=None, max_length=1000)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = ts_field()
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()


class UsageReport(SQLModel, table=True):
    """Consumers report how shared data was used (Qingyuan ch.4)."""

    __tablename__ = "usage_report"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="share_grant.id", index=True)
    reported_by: int = Field(foreign_key="app_user.id")
    period: str | None = Field(default=None, max_length=20)
    content: str = Field(max_length=2000)
    created_at: datetime = ts_field(nullable=False, default_now=True)


class Attachment(SQLModel, table=True):
    """A file kept outside the database (under settings.attachment_dir) with its SHA-256."""

    __table_args__ = (Index("ix_attachment_owner", "owner_kind", "owner_id"),)  # a request's files

    id: int | None = Field(default=None, primary_key=True)
    owner_kind: str = Field(max_length=20)
    owner_id: int
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    stored_path: str = Field(max_length=300)
    uploaded_by: int | None = Field(default=None, foreign_key="app_user.id")  # None: a public reporter
    uploaded_at: datetime = ts_field(nullable=False, default_now=True)
