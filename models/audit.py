"""Audit events, hash-chained: each event's SHA-256 covers its fields and the previous event's hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text
from sqlmodel import Field, SQLModel

from models.base import ts_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    seq: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    occurred_at: datetime = ts_field(nullable=False, index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str | None = Field(default=None, max_length=40, index=True)
    roles: str | None = Field(default=None, max_length=200)
    unit_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=60, index=True)
    object_type: str | None = Field(default=None, max_length=40, index=True)
    object_id: str | None = Field(default=None, max_length=60)
    result: str = Field(default="success", max_length=10)  # success | failure | denied
    detail: str | None = Field(default=None, sa_column=Column(Text))  # JSON: before/after, reasons, counts
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """Single row holding the chain's tip; locking it serialises appends on PostgreSQL."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_seq: int = Field(default=0, sa_type=BigInteger)
    last_hash: str = Field(default="0" * 64, max_length=64)
    # After a purge the chain restarts from the first kept event, whose prev_hash must equal anchor_hash.
    anchor_seq: int = Field(default=0, sa_type=BigInteger)
    anchor_hash: str = Field(default="0" * 64, max_length=64)
