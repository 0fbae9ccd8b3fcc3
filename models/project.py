"""Informatization projects (信息化项目, Longyan §6, §28; Anhui §10–11; Qingyuan ch.8; Yunyang §47): the registry,
the catalog entries a project creates or uses, and every check of its two gates (approval, acceptance)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from models.base import ts_field, version_field


class ProjectStage(StrEnum):
    PROPOSAL = "proposal"  # 立项申请: the unit compiles the proposal and its data catalog
    REVIEW = "review"  # submitted, waiting for the bureau's approval
    APPROVED = "approved"  # 已批复
    CONSTRUCTION = "construction"  # 建设中
    ACCEPTANCE = "acceptance"  # 验收申请: waiting for the bureau's acceptance
    OPERATION = "operation"  # 运行维护


class EntryRole(StrEnum):
    CREATES = "creates"  # the project collects this data: its pre-compiled catalog
    USES = "uses"  # the project uses data another entry already provides


class Gate(StrEnum):
    APPROVAL = "approval"
    ACCEPTANCE = "acceptance"


class Project(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (Index("ix_project_unit_stage", "unit_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    unit_id: int = Field(foreign_key="unit.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    budget: float = 0.0  # ten thousand yuan (万元)
    description: str | None = Field(default=None, max_length=1000)
    stage: str = Field(default=ProjectStage.PROPOSAL, max_length=14)  # ProjectStage
    return_reason: str | None = Field(default=None, max_length=2000)  # the last refusal or return, in words
    submitted_at: datetime | None = ts_field()
    approved_at: datetime | None = ts_field()
    acceptance_requested_at: datetime | None = ts_field()
    accepted_at: datetime | None = ts_field()
    failed_acceptances: int = 0
    no_operating_funds: bool = False  # failed acceptance: no operating funds (运维经费) until it passes
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime | None = ts_field()
    version: int = version_field()


class ProjectEntry(SQLModel, table=True):
    """A catalog entry the project creates (its pre-compiled catalog) or uses."""

    __tablename__ = "project_entry"
    __table_args__ = (UniqueConstraint("project_id", "entry_id", name="uq_project_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    role: str = Field(max_length=10)  # EntryRole


class ProjectGateCheck(SQLModel, table=True):
    """One decision at a gate: passed or refused, with the reasons (JSON list) — the KPIs count these rows."""

    __tablename__ = "project_gate_check"
    __table_args__ = (Index("ix_project_gate_check_gate_time", "gate", "checked_at", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    gate: str = Field(max_length=12)  # Gate
    attempt: int = 1  # the how-many-th check of this gate for the project
    passed: bool
    reasons: str | None = Field(default=None, sa_column=Column(Text))  # JSON list of {code, entry_id, …}
    checked_by: int | None = Field(default=None, foreign_key="app_user.id")
    checked_at: datetime = ts_field(nullable=False, default_now=True)
