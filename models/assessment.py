"""The yearly supervision assessment (监督考核): the assessment with its frozen scheme, one scorecard per assessed
unit, the frozen values and entered scores per indicator, and the units' appeals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, Index, SQLModel

from models.base import ts_field, version_field


class AssessmentStatus(StrEnum):
    DRAFT = "draft"  # the scheme may still be edited
    SCORING = "scoring"  # values frozen at the snapshot date; assessors enter manual scores and deductions
    REVIEW = "review"  # units read their provisional scorecard and may appeal within the window
    PUBLISHED = "published"  # 通报: frozen, ranked


class CardStatus(StrEnum):
    PROVISIONAL = "provisional"
    ACCEPTED = "accepted"  # the unit confirmed its provisional scorecard
    APPEALED = "appealed"
    FINAL = "final"  # published


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the score stands
    ADJUSTED = "adjusted"  # the assessor changed the score


class Assessment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True, index=True)
    title: str = Field(max_length=200)
    status: str = Field(default=AssessmentStatus.DRAFT, max_length=12)  # AssessmentStatus
    scheme: str = Field(sa_column=Column(Text, nullable=False))  # JSON, frozen when scoring starts
    organiser_unit_id: int | None = Field(default=None, foreign_key="unit.id")  # the assessing bureau
    snapshot_on: date | None = None  # automatic values are computed as of this day
    review_opened_on: date | None = None
    appeal_due_on: date | None = None  # last day a unit may appeal (working days from the profile or scheme)
    published_at: datetime | None = ts_field()
    good_practice: str | None = Field(default=None, sa_column=Column(Text))
    problems: str | None = Field(default=None, sa_column=Column(Text))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    version: int = version_field()


class AssessmentCard(SQLModel, table=True):
    """One assessed unit in one assessment; totals, rank and grade are written at publication (frozen)."""

    __tablename__ = "assessment_card"
    __table_args__ = (UniqueConstraint("assessment_id", "unit_id", name="uq_assessment_card_unit"),
                      Index("ix_assessment_card_unit", "unit_id", "assessment_id"))

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id")
    unit_id: int = Field(foreign_key="unit.id")
    unit_group: str = Field(max_length=20)  # rules.UnitGroup
    status: str = Field(default=CardStatus.PROVISIONAL, max_length=12)  # CardStatus
    total: float | None = None
    rank: int | None = None
    group_size: int | None = None
    grade: str | None = Field(default=None, max_length=12)
    dimensions: str | None = Field(default=None, max_length=2000)  # JSON {dimension code: points} at publication
    responded_at: datetime | None = ts_field()
    version: int = version_field()


class AssessmentScore(SQLModel, table=True):
    """One indicator for one unit: the frozen automatic value or platform count, and what the assessor entered."""

    __tablename__ = "assessment_score"
    __table_args__ = (UniqueConstraint("assessment_id", "unit_id", "indicator", name="uq_assessment_score"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    indicator: str = Field(max_length=60)  # indicator code of the scheme
    value: float | None = None  # automatic: the KPI's value at the snapshot; deduction: occurrences counted
    measured: bool = True  # False = the KPI family does not exist in this deployment ("not measured")
    manual_points: float | None = None  # manual indicator (or a not-measured one entered by hand)
    manual_occurrences: int = 0  # deduction occurrences entered with evidence
    evidence: str | None = Field(default=None, max_length=2000)
    override_points: float | None = None  # set by an appeal decision ("adjust")
    override_reason: str | None = Field(default=None, max_length=2000)
    entered_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime | None = ts_field()


class AssessmentAppeal(SQLModel, table=True):
    __tablename__ = "assessment_appeal"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    card_id: int = Field(foreign_key="assessment_card.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    indicator: str | None = Field(default=None, max_length=60)  # None = the scorecard as a whole
    reason: str = Field(max_length=2000)
    status: str = Field(default=AppealStatus.OPEN, max_length=12)  # AppealStatus
    points_before: float | None = None
    points_after: float | None = None
    answer: str | None = Field(default=None, max_length=2000)
    filed_by: int | None = Field(default=None, foreign_key="app_user.id")
    filed_at: datetime = ts_field(nullable=False, default_now=True)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = ts_field()
    version: int = version_field()
