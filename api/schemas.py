"""Request and response bodies. Text fields refuse NUL and unpaired surrogates (no database stores them) and every
number is bounded to what the columns hold, so a wrong value is a 422, never a database error."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_ID = 2_147_483_647  # the id columns are 32-bit integers on PostgreSQL
MAX_COUNT = 2_000_000_000


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("NUL character")
    text.encode("utf-8")  # unpaired surrogates raise UnicodeEncodeError (a ValueError)
    return text


def Text(max_length: int):  # noqa: N802 - reads as a type in the models below
    return Annotated[str, Field(max_length=max_length), AfterValidator(_storable)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- catalog --------------------------------------------------------------------------------------------------
class DataItemRecord(Strict):
    name: Text(200) | None = None
    data_type: Text(40) | None = Field(default=None, description="code (string, integer, date …) or Chinese name")
    length: int | None = Field(default=None, ge=-MAX_COUNT, le=MAX_COUNT)
    is_sensitive: bool = False
    is_source: bool = False


class EntryRecord(Strict):
    """One entry as the spreadsheet's entry sheet has it (keys instead of Chinese headers); enumerations by code or
    by any name the spreadsheet accepts; units by unified social credit code."""

    resource_code: Text(60) | None = None
    name: Text(200) | None = None
    summary: Text(4000) | None = None
    classification: Text(40) | None = None
    base_library: Text(40) | None = None
    provider_uscc: Text(40) | None = Field(default=None, description="default: the client's unit")
    resource_format: Text(40) | None = None
    share_type: Text(40) | None = None
    share_conditions: Text(4000) | None = None
    share_method: Text(40) | None = None
    share_scope: Text(4000) | None = None
    open_attribute: Text(40) | None = None
    open_conditions: Text(4000) | None = None
    restriction_basis: Text(4000) | None = None
    update_frequency: Text(40) | None = None
    security_level: Text(40) | None = None
    source_uscc: Text(40) | None = None
    published_on: Text(40) | None = Field(default=None, description="YYYY-MM-DD")
    related_codes: Text(4000) | None = None
    data_items: list[DataItemRecord] = Field(default_factory=list, max_length=2000)
    version: int | None = Field(default=None, ge=1, le=MAX_ID,
                                description="for a change: the version you read (GET /catalog/entries/{id}); 409 if stale")


class EntriesIn(Strict):
    entries: list[EntryRecord] = Field(min_length=1, max_length=1000)
    submit: bool = Field(default=False, description="submit every entry for review in the same transaction")
    dry_run: bool = Field(default=False, description="check only; write nothing")


class ImportOut(BaseModel):
    written: bool
    dry_run: bool
    created: int
    updated: int
    submitted: int
    warnings: list[dict[str, Any]] = []


class EntrySummary(BaseModel):
    id: int
    resource_code: str
    name: str
    provider_unit_id: int
    provider: str
    classification: str | None
    base_library: str | None
    share_type: str | None
    open_attribute: str | None
    update_frequency: str | None
    resource_format: str | None
    share_method: str | None
    published_on: date | None
    published_version: int | None
    items: int | None


class SearchOut(BaseModel):
    total: int
    page: int
    page_size: int
    entries: list[EntrySummary]


# --- aggregation ----------------------------------------------------------------------------------------------
class RegistrationIn(Strict):
    mode: Text(40) = Field(description="realtime_interface, database_push, file_upload, manual_upload, return_flow")
    source_system: Text(120) | None = None
    expected_records: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    version: int | None = Field(default=None, ge=1, le=MAX_ID,
                                description="the version you read; a stale one is refused with 409")


class RegistrationOut(BaseModel):
    registration_id: int
    entry_id: int


class EventIn(Strict):
    event_id: Text(64) = Field(min_length=1, description="your id of the event: a retried push counts once")
    resource_code: Text(60)
    updated_at: Text(40) = Field(description="ISO 8601 date or date-time (Asia/Shanghai unless it has an offset)")
    record_count: int = Field(ge=0, le=MAX_COUNT)
    added: int = Field(default=0, ge=0, le=MAX_COUNT)
    changed: int = Field(default=0, ge=0, le=MAX_COUNT)
    deleted: int = Field(default=0, ge=0, le=MAX_COUNT)
    source: Text(120) | None = None


class EventsIn(Strict):
    events: list[EventIn] = Field(min_length=1, max_length=5000)


class PushOut(BaseModel):
    received: int
    written: int
    duplicates: int
    entries: int


# --- sharing --------------------------------------------------------------------------------------------------
class GrantOut(BaseModel):
    id: int
    request_code: str | None
    request_id: int | None
    entry: str
    provider: str
    items: int
    method: str | None
    starts_on: date | None
    ends_on: date | None


class RequestStatusOut(BaseModel):
    id: int
    code: str
    kind: str
    status: str
    requester: str
    provider: str
    entry_code: str | None
    entry: str | None
    submitted_at: datetime | None
    answered_at: datetime | None
    implemented_at: datetime | None
    approved_method: str | None
    approved_end_date: date | None
    waiting_step: str | None  # the deadline step running now (answer, implementation …), if any
    due_on: date | None


# --- open data ------------------------------------------------------------------------------------------------
class TrackingOut(BaseModel):
    code: str
    kind: str
    status: str
    subject: str
    unit: str
    submitted_on: date
    due_on: date | None
    workdays: int | None
    paused: bool
    answered_on: date | None
    info_request: str | None
    reply: str | None
    clock_status: str | None
