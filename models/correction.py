"""Corrections (纠错 / 异议 / 校核, RULES.md §5): a consumer unit or a member of the public reports that an entry's
data is wrong; the source unit verifies within the profile's working days (one extension where the profile
allows it) and answers corrected / confirmed correct / rejected.

A public reporter's name, contact and resident ID are stored encrypted (`*_enc`, Fernet tokens); the tracking
code is stored as its SHA-256 only, like session tokens."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, Index, SQLModel

from models.base import ts_field, version_field


class CorrectionOrigin(StrEnum):
    UNIT = "unit"  # a consumer unit (Longyan §14, Qingyuan ch.4)
    PUBLIC = "public"  # a data subject or member of the public (Qingyuan ch.4, Yunyang §23)


class CorrectionStatus(StrEnum):
    OPEN = "open"  # the source unit verifies
    CORRECTED = "corrected"
    CONFIRMED = "confirmed"  # the data was found correct
    REJECTED = "rejected"  # not a correction (no basis, not this unit's data …), with reasons


class Correction(SQLModel, table=True):
    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_unit_status", "provider_unit_id", "status"),
                      Index("ix_correction_entry_status", "entry_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=24, unique=True)
    origin: str = Field(max_length=10)  # CorrectionOrigin
    entry_id: int = Field(foreign_key="catalog_entry.id")
    provider_unit_id: int = Field(foreign_key="unit.id")  # the source unit that verifies
    provider_region_id: int | None = Field(default=None, foreign_key="region.id")
    reporter_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    items: str | None = Field(default=None, max_length=1000)  # JSON list of data-item names concerned
    description: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=CorrectionStatus.OPEN, max_length=12)  # CorrectionStatus
    filed_on: date
    # Public reporter (encrypted at rest; never shown on the tracking page)
    reporter_name_enc: str | None = Field(default=None, sa_column=Column(Text))
    reporter_contact_enc: str | None = Field(default=None, sa_column=Column(Text))
    reporter_id_enc: str | None = Field(default=None, sa_column=Column(Text))
    tracking_hash: str | None = Field(default=None, max_length=64, unique=True)
    # Extension (Yunyang §23: at most the profile's days, approved by the unit's head)
    extension_days: int = 0
    extension_approver: str | None = Field(default=None, max_length=50)
    extension_approved_on: date | None = None
    extension_reason: str | None = Field(default=None, max_length=1000)
    question: str | None = Field(default=None, max_length=1000)  # asked of the reporter (the clock pauses)
    # Outcome
    reply: str | None = Field(default=None, max_length=2000)  # told to the reporter
    change_note: str | None = Field(default=None, max_length=2000)  # what was corrected
    answered_at: datetime | None = ts_field()
    answered_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()
