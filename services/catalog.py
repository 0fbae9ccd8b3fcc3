"""Catalog (目录) use cases: compile, submit, review and publish entries with their data items, versions,
triggers and update/review clocks, and the published-catalog search every unit uses to find data.

An entry's columns (and its `data_item` rows) hold the PUBLISHED state once it has been published; a change
being drafted or under review lives in `pending` (JSON) until the bureau approves it, so sharing, opening and
KPIs always read what was approved. An entry that was never published keeps its draft in the columns."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, insert, or_, update
from sqlmodel import Session, select

from models import (
    CatalogEntry,
    CatalogTrigger,
    CatalogVersion,
    DataItem,
    OneSourceDecision,
    Region,
    ResponsibilityItem,
    Unit,
    UnitKind,
)
from models.catalog import (
    BaseLibrary,
    ChangeKind,
    Classification,
    EntryStatus,
    OpenAttribute,
    ResourceFormat,
    SecurityLevel,
    ShareMethod,
    ShareType,
    UpdateFrequency,
)
from models.clock import CaseKind, ClockOutcome, ClockStep
from services.actor import Actor
from services.audit import diff as audit_diff
from services.errors import NotFound, ValidationError
from services.i18n import N_
from services.i18n import gettext as _
from services.permissions import Scope, can
from services.settings import get_settings
from services.timeutil import local_date, now_utc
from services.uow import read_scope, unit_of_work
from services.validators import uscc_error

DATA_TYPES = ("string", "integer", "decimal", "date", "datetime", "boolean", "binary")
TRIGGER_KINDS = ("law", "duty", "data")
RESTRICTED_SHARE = (ShareType.CONDITIONAL, ShareType.NOT_SHARED)
RESTRICTED_OPEN = (OpenAttribute.CONDITIONAL, OpenAttribute.NOT_OPEN)
RESOURCE_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_./-]{2,39}$")
MAX_ITEM_LENGTH = 65_535
# Shanghai §10: every unit maintains its whole catalog at least once a year.
MAINTENANCE_INTERVAL = timedelta(days=365)
CASE_TRIGGER = "catalog_trigger"  # the update clock belongs to the trigger (it may concern a not-yet-existing entry)

# Display names of every catalog field (msgids), used by forms, completeness reports, diffs and the spreadsheet.
FIELD_LABELS: dict[str, str] = {
    "resource_code": N_("Resource code"),
    "name": N_("Resource name"),
    "summary": N_("Summary"),
    "classification": N_("Classification"),
    "base_library": N_("Base library"),
    "provider_unit_id": N_("Providing unit"),
    "source_unit_id": N_("Source unit"),
    "resource_format": N_("Resource format"),
    "share_type": N_("Share type"),
    "share_conditions": N_("Share conditions"),
    "share_method": N_("Share method"),
    "share_scope": N_("Share scope"),
    "open_attribute": N_("Open attribute"),
    "open_conditions": N_("Open conditions"),
    "restriction_basis": N_("Legal basis for the restriction"),
    "update_frequency": N_("Update frequency"),
    "security_level": N_("Security level"),
    "published_on": N_("Publication date"),
    "related_codes": N_("Related resource codes"),
    "usage_requirements": N_("Usage requirements"),
    "data_items": N_("Data items"),
}


# --- inputs and views -------------------------------------------------------------------------------
@dataclass
class DataItemInput:
    name: str
    data_type: str = "string"
    length: int | None = None
    is_sensitive: bool = False
    is_source: bool = False


@dataclass
class EntryInput:
    """Everything a unit fills in for one entry (the core metadata of RULES.md §2 plus its data items)."""

    resource_code: str
    name: str
    provider_unit_id: int
    classification: str = Classification.DEPARTMENT
    summary: str | None = None
    base_library: str | None = None
    source_unit_id: int | None = None
    resource_format: str | None = None
    share_type: str | None = None
    share_conditions: str | None = None
    share_method: str | None = None
    share_scope: str | None = None
    open_attribute: str | None = None
    open_conditions: str | None = None
    restriction_basis: str | None = None
    update_frequency: str | None = None
    security_level: str | None = None
    published_on: date | None = None
    related_codes: str | None = None
    usage_requirements: str | None = None
    data_items: list[DataItemInput] = field(default_factory=list)


ENTRY_FIELDS = tuple(f.name for f in fields(EntryInput) if f.name != "data_items")
TEXT_LIMITS = {"resource_code": 40, "name": 120, "summary": 1000, "share_conditions": 1000, "share_scope": 200,
               "open_conditions": 1000, "restriction_basis": 1000, "related_codes": 400, "usage_requirements": 1000}


@dataclass
class EntryView:
    """One entry as a page or another feature reads it: the published state (or the draft, for an entry never
    published), the workflow status, and the change under review when the reader may see it."""

    id: int
    resource_code: str
    name: str
    summary: str | None
    classification: str
    base_library: str | None
    provider_unit_id: int
    provider: str
    provider_uscc: str
    provider_region_id: int
    source_unit_id: int | None
    source_unit: str | None
    source_uscc: str | None
    resource_format: str | None
    share_type: str | None
    share_conditions: str | None
    share_method: str | None
    share_scope: str | None
    open_attribute: str | None
    open_conditions: str | None
    restriction_basis: str | None
    update_frequency: str | None
    security_level: str | None
    published_on: date | None
    related_codes: str | None
    usage_requirements: str | None
    status: str
    is_published: bool
    published_version: int
    change_kind: str | None
    return_reason: str | None
    completeness: float
    missing_fields: list[str]
    filed_at: datetime | None
    filing_note: str | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    last_maintained_at: datetime | None
    version: int
    data_items: list[dict]
    pending: dict | None = None  # {"fields": {...}, "data_items": [...], "completeness": float, "reason": str}


@dataclass
class FieldChange:
    field: str  # a key of FIELD_LABELS, or "data_items"
    before: Any
    after: Any


# --- helpers ----------------------------------------------------------------------------------------
def normalise_name(text: str | None) -> str:
    """Fold width and case and drop spaces and punctuation, so 身份证号 / 身份证号 / '身份证 号' compare equal."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _clean_input(data: EntryInput) -> EntryInput:
    for name in ENTRY_FIELDS:
        setattr(data, name, _clean(getattr(data, name)))
    data.resource_code = (data.resource_code or "").strip()
    data.name = (data.name or "").strip()
    if data.classification != Classification.BASE:
        data.base_library = None
    items = []
    for item in data.data_items:
        item.name = (item.name or "").strip()
        item.data_type = (item.data_type or "").strip().lower()
        item.is_sensitive = bool(item.is_sensitive)
        item.is_source = bool(item.is_source)
        if item.length in ("", 0):
            item.length = None
        items.append(item)
    data.data_items = items
    return data


def _input_to_json(data: EntryInput) -> dict:
    out = {k: getattr(data, k) for k in ENTRY_FIELDS}
    out["published_on"] = data.published_on.isoformat() if data.published_on else None
    out["data_items"] = [asdict(i) for i in data.data_items]
    return out


def _input_from_json(payload: dict) -> EntryInput:
    values = {k: payload.get(k) for k in ENTRY_FIELDS}
    if values.get("published_on"):
        values["published_on"] = date.fromisoformat(values["published_on"])
    items = [DataItemInput(**i) for i in payload.get("data_items", [])]
    return EntryInput(**values, data_items=items)


def _columns_input(session: Session, entry: CatalogEntry) -> EntryInput:
    items = session.exec(select(DataItem).where(DataItem.entry_id == entry.id).order_by(DataItem.position)).all()
    return EntryInput(**{k: getattr(entry, k) for k in ENTRY_FIELDS},
                      data_items=[DataItemInput(i.name, i.data_type, i.length, i.is_sensitive, i.is_source)
                                  for i in items])


def _pending(entry: CatalogEntry) -> dict | None:
    return json.loads(entry.pending) if entry.pending else None


def working_copy(session: Session, entry: CatalogEntry) -> EntryInput:
    """What the unit is editing: the pending change if there is one, otherwise the columns."""
    pending = _pending(entry)
    if pending and "fields" in pending:
        return _input_from_json(pending["fields"])
    return _columns_input(session, entry)


def completeness(data: EntryInput) -> tuple[float, list[str]]:
    """Filled required core fields / required fields; conditional fields count only where they apply."""
    required = ["resource_code", "name", "summary", "classification", "provider_unit_id", "resource_format",
                "share_type", "share_method", "share_scope", "open_attribute", "update_frequency", "security_level",
                "source_unit_id"]
    if data.classification == Classification.BASE:
        required.append("base_library")
    if data.share_type == ShareType.CONDITIONAL:
        required.append("share_conditions")
    if data.open_attribute == OpenAttribute.CONDITIONAL:
        required.append("open_conditions")
    if data.share_type in RESTRICTED_SHARE or data.open_attribute in RESTRICTED_OPEN:
        required.append("restriction_basis")
    missing = [f for f in required if getattr(data, f) in (None, "")]
    total = len(required) + 1
    if not data.data_items:
        missing.append("data_items")
    return round((total - len(missing)) / total, 4), missing


def _search_text(data: EntryInput) -> str:
    parts = [normalise_name(data.name), data.resource_code.lower()]
    parts += [normalise_name(i.name) for i in data.data_items]
    return " ".join(p for p in parts if p)


def _label(key: str) -> str:
    return _(FIELD_LABELS[key])


def _enum_error(value: str | None, allowed) -> bool:
    return value is not None and value not in {str(v) for v in allowed}


def validate_format(session: Session, data: EntryInput, entry_id: int | None) -> dict[str, str]:
    """Problems any saved draft must be free of (codes, lengths, enumerations, references, items)."""
    code_owner = session.exec(select(CatalogEntry.id).where(CatalogEntry.resource_code == data.resource_code)).first() \
        if data.resource_code else None
    provider = session.get(Unit, data.provider_unit_id) if data.provider_unit_id else None
    source_ok = data.source_unit_id is None or session.get(Unit, data.source_unit_id) is not None
    return format_errors(data, provider=provider, source_exists=source_ok, code_owner_id=code_owner,
                         entry_id=entry_id)


def format_errors(data: EntryInput, *, provider: Unit | None, source_exists: bool, code_owner_id: int | None,
                  entry_id: int | None) -> dict[str, str]:
    """The format rules without database access (the spreadsheet import checks thousands of rows at once)."""
    errors: dict[str, str] = {}
    if not data.resource_code:
        errors["resource_code"] = _("The resource code is required.")
    elif not RESOURCE_CODE_RE.match(data.resource_code):
        errors["resource_code"] = _("A resource code has 3 to 40 letters, digits, '-', '_', '.' or '/'.")
    elif code_owner_id is not None and code_owner_id != entry_id:
        errors["resource_code"] = _("Another entry already uses the resource code {code}.", code=data.resource_code)
    if not data.name:
        errors["name"] = _("The resource name is required.")
    for key, limit in TEXT_LIMITS.items():
        value = getattr(data, key)
        if value and len(value) > limit and key not in errors:
            errors[key] = _("At most {n} characters.", n=limit)
    for key, allowed in (("classification", Classification), ("base_library", BaseLibrary),
                         ("resource_format", ResourceFormat), ("share_type", ShareType),
                         ("share_method", ShareMethod), ("open_attribute", OpenAttribute),
                         ("update_frequency", UpdateFrequency), ("security_level", SecurityLevel)):
        if _enum_error(getattr(data, key), allowed):
            errors[key] = _("Choose one of the listed values.")
    if data.classification is None:
        errors["classification"] = _("Choose a classification.")
    if provider is None:
        errors["provider_unit_id"] = _("Choose the providing unit.")
    elif uscc_error(provider.uscc):
        errors["provider_unit_id"] = _("The providing unit's unified social credit code is not valid: {problem}",
                                       problem=uscc_error(provider.uscc))
    if not source_exists:
        errors["source_unit_id"] = _("Choose the source unit.")
    if data.related_codes:
        codes = [c.strip() for c in re.split(r"[,，;；\s]+", data.related_codes) if c.strip()]
        bad = [c for c in codes if not RESOURCE_CODE_RE.match(c)]
        if bad:
            errors["related_codes"] = _("Not a resource code: {codes}", codes=", ".join(bad))
        else:
            data.related_codes = ",".join(codes)
    item_problems = _item_problems(data.data_items)
    if item_problems:
        errors["data_items"] = _("; ").join(item_problems)
    return errors


def _item_problems(items: list[DataItemInput]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        if not item.name:
            problems.append(_("row {n}: the data item name is required", n=n))
            continue
        if len(item.name) > 80:
            problems.append(_("row {n}: the data item name has more than {k} characters", n=n, k=80))
        key = normalise_name(item.name)
        if key in seen:
            problems.append(_("row {n}: {name} is already listed in row {m}", n=n, name=item.name, m=seen[key]))
        seen.setdefault(key, n)
        if item.data_type not in DATA_TYPES:
            problems.append(_("row {n}: unknown data type {value}", n=n, value=item.data_type or "—"))
        if item.length is not None:
            try:
                item.length = int(item.length)
            except (TypeError, ValueError):
                problems.append(_("row {n}: the length must be a whole number", n=n))
                continue
            if not 0 < item.length <= MAX_ITEM_LENGTH:
                problems.append(_("row {n}: the length must be between 1 and {k}", n=n, k=MAX_ITEM_LENGTH))
    return problems


def validate_submission(session: Session | None, data: EntryInput,
                        rulings: dict[str, int] | None = None) -> dict[str, str]:
    """The rules an entry must meet before the bureau reviews it (RULES.md §2; Yunyang §30; Shanxi §12)."""
    errors: dict[str, str] = {}
    for key in ("summary", "resource_format", "share_type", "share_method", "open_attribute", "update_frequency"):
        if getattr(data, key) is None:
            errors[key] = _("Required before the entry can be submitted.")
    if data.classification == Classification.BASE:
        if data.base_library is None:
            errors["base_library"] = _("A base resource names its base library.")
        if data.share_type is not None and data.share_type != ShareType.UNCONDITIONAL:
            errors["share_type"] = _("Base-library resources are shared unconditionally (Yunyang §30).")
    if data.share_type in RESTRICTED_SHARE and not data.restriction_basis:
        errors["restriction_basis"] = _("A conditional or not-shared entry cites the law or regulation it rests on.")
    if data.share_type == ShareType.CONDITIONAL and not data.share_conditions:
        errors["share_conditions"] = _("A conditionally shared entry states its share conditions.")
    if data.open_attribute in RESTRICTED_OPEN and not data.restriction_basis:
        errors["restriction_basis"] = _("A conditionally open or not-open entry cites the basis of the restriction.")
    if data.open_attribute == OpenAttribute.CONDITIONAL and not data.open_conditions:
        errors["open_conditions"] = _("A conditionally open entry states its open conditions.")
    if not data.data_items:
        errors["data_items"] = _("List at least one data item.")
    else:
        ruled = rulings if rulings is not None else _one_source_rulings(
            session, [normalise_name(i.name) for i in data.data_items if i.is_source])  # type: ignore[arg-type]
        wrong = [i.name for i in data.data_items
                 if i.is_source and ruled.get(normalise_name(i.name), data.provider_unit_id) != data.provider_unit_id]
        if wrong:
            errors["data_items"] = _("The bureau ruled that another unit is the source of: {names}. Clear the "
                                     "source flag of these items.", names=", ".join(wrong))
    return errors


def _one_source_rulings(session: Session, norm_names: list[str]) -> dict[str, int]:
    if not norm_names:
        return {}
    rows = session.exec(select(OneSourceDecision.norm_name, OneSourceDecision.source_unit_id)
                        .where(OneSourceDecision.norm_name.in_(norm_names))).all()  # type: ignore[attr-defined]
    return dict(rows)


# --- the state machine ------------------------------------------------------------------------------
S = EntryStatus
# (state, action, change kind of the pending submission or "*") -> next state
TRANSITIONS: dict[tuple[str, str, str], str] = {
    (S.DRAFT, "edit", "*"): S.DRAFT,
    (S.RETURNED, "edit", "*"): S.RETURNED,
    (S.PUBLISHED, "edit", "*"): S.DRAFT,  # a change of a published entry is drafted in `pending`
    (S.WITHDRAWN, "edit", "*"): S.DRAFT,  # re-listing a withdrawn entry starts a new submission
    (S.DRAFT, "submit", "*"): S.SUBMITTED,
    (S.RETURNED, "submit", "*"): S.SUBMITTED,
    (S.PUBLISHED, "withdraw", "*"): S.SUBMITTED,
    (S.SUBMITTED, "approve", ChangeKind.NEW): S.PUBLISHED,
    (S.SUBMITTED, "approve", ChangeKind.CHANGE): S.PUBLISHED,
    (S.SUBMITTED, "approve", ChangeKind.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, "return", "*"): S.RETURNED,
    (S.SUBMITTED, "recall", ChangeKind.NEW): S.DRAFT,
    (S.SUBMITTED, "recall", ChangeKind.CHANGE): S.DRAFT,
    (S.SUBMITTED, "recall", ChangeKind.WITHDRAW): S.PUBLISHED,
    (S.DRAFT, "discard", "*"): S.PUBLISHED,  # only meaningful with a live published version
    (S.RETURNED, "discard", "*"): S.PUBLISHED,
    (S.PUBLISHED, "fix_share_type", "*"): S.PUBLISHED,
    (S.PUBLISHED, "file", "*"): S.PUBLISHED,
}

ACTION_NAMES = {"edit": N_("edit"), "submit": N_("submit"), "withdraw": N_("withdraw"), "approve": N_("approve"),
                "return": N_("return"), "recall": N_("recall"), "discard": N_("discard the change"),
                "fix_share_type": N_("fix the share type"), "file": N_("record the filing")}
STATUS_NAMES = {S.DRAFT: N_("Draft"), S.SUBMITTED: N_("Under review"), S.RETURNED: N_("Returned"),
                S.PUBLISHED: N_("Published"), S.WITHDRAWN: N_("Withdrawn")}


def next_state(entry: CatalogEntry, action: str) -> str:
    target = TRANSITIONS.get((entry.status, action, entry.change_kind or "*")) or \
        TRANSITIONS.get((entry.status, action, "*"))
    if target is None:
        raise ValidationError(_("This is not possible while the entry is {status}: {action}.",
                                status=_(STATUS_NAMES.get(entry.status, entry.status)),
                                action=_(ACTION_NAMES.get(action, action))))
    return target


# --- mutations --------------------------------------------------------------------------------------
def _write_items(session: Session, entry_id: int, items: list[DataItemInput]) -> None:
    session.execute(delete(DataItem).where(DataItem.entry_id == entry_id))  # type: ignore[arg-type]
    if items:
        session.execute(insert(DataItem), [
            dict(entry_id=entry_id, position=n, name=i.name, norm_name=normalise_name(i.name)[:80],
                 data_type=i.data_type, length=i.length, is_sensitive=i.is_sensitive, is_source=i.is_source)
            for n, i in enumerate(items)])


def _apply_columns(entry: CatalogEntry, data: EntryInput) -> None:
    for key in ENTRY_FIELDS:
        setattr(entry, key, getattr(data, key))


def _entry_for_update(uow, entry_id: int, action: str) -> CatalogEntry:
    entry = uow.get(CatalogEntry, entry_id, for_update=True)
    provider = uow.session.get(Unit, entry.provider_unit_id)
    uow.require(action, unit_id=entry.provider_unit_id, region_id=provider.region_id if provider else None,
                object_type="catalog_entry", object_id=entry_id)
    return entry


def _store_draft(session: Session, entry: CatalogEntry, data: EntryInput) -> None:
    """Draft of an entry with a live published version goes to `pending`; otherwise to the columns."""
    score, _missing = completeness(data)
    if entry.is_published:
        pending = _pending(entry) or {}
        pending.update(fields=_input_to_json(data), completeness=score)
        entry.pending = json.dumps(pending, ensure_ascii=False)
    else:
        _apply_columns(entry, data)
        entry.completeness = score
        entry.pending = None
        _write_items(session, entry.id, data.data_items)  # type: ignore[arg-type]


def create_entry(actor: Actor, data: EntryInput, *, now: datetime | None = None) -> int:
    """A new draft entry of the actor's unit (the bureau's own stewards and importers use the same path)."""
    now = now_utc(now)
    data = _clean_input(data)
    with unit_of_work(actor, now) as uow:
        provider = uow.session.get(Unit, data.provider_unit_id) if data.provider_unit_id else None
        uow.require("catalog.edit", unit_id=data.provider_unit_id, region_id=provider.region_id if provider else None,
                    object_type="catalog_entry")
        errors = validate_format(uow.session, data, None)
        if errors:
            raise ValidationError(errors)
        entry = CatalogEntry(resource_code=data.resource_code, name=data.name, classification=data.classification,
                             provider_unit_id=data.provider_unit_id, status=EntryStatus.DRAFT,
                             change_kind=ChangeKind.NEW, created_by=actor.user_id, created_at=now, updated_at=now)
        uow.session.add(entry)
        uow.session.flush()
        _store_draft(uow.session, entry, data)
        uow.session.add(entry)
        uow.audit("catalog.create", object_type="catalog_entry", object_id=entry.id,
                  detail={"after": _input_to_json(data)})
        uow.commit()
        return entry.id  # type: ignore[return-value]


def update_entry(actor: Actor, entry_id: int, data: EntryInput, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Save the unit's working copy. A published entry keeps its published state until the change is approved."""
    now = now_utc(now)
    data = _clean_input(data)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.edit")
        target = next_state(entry, "edit")
        if data.provider_unit_id != entry.provider_unit_id:
            raise ValidationError({"provider_unit_id": _("The providing unit of an entry cannot be changed; "
                                                         "withdraw it and catalog it under the other unit.")})
        errors = validate_format(uow.session, data, entry_id)
        if errors:
            raise ValidationError(errors)
        uow.check_version(entry, expected_version)
        before = _input_to_json(working_copy(uow.session, entry))
        if entry.status == EntryStatus.WITHDRAWN:
            entry.is_published = False
            entry.change_kind = ChangeKind.NEW
        elif entry.status == EntryStatus.PUBLISHED:
            entry.change_kind = ChangeKind.CHANGE
        _store_draft(uow.session, entry, data)
        entry.status = target
        entry.updated_at = now
        uow.session.add(entry)
        uow.audit("catalog.update", object_type="catalog_entry", object_id=entry_id,
                  detail=audit_diff(before, _input_to_json(data)))
        uow.commit()


def submit_entry(actor: Actor, entry_id: int, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Send the draft (new entry or change) to the bureau; starts the bureau's review clock and stops the
    unit's update clocks of the triggers that concern this entry."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.submit")
        target = next_state(entry, "submit")
        data = working_copy(uow.session, entry)
        errors = validate_format(uow.session, data, entry_id)
        errors.update(validate_submission(uow.session, data))
        if errors:
            raise ValidationError(errors)
        uow.check_version(entry, expected_version)
        entry.change_kind = ChangeKind.CHANGE if entry.is_published else ChangeKind.NEW
        entry.status = target
        entry.submitted_at = now
        entry.return_reason = None
        entry.updated_at = now
        uow.session.add(entry)
        reviewer_unit = _review_unit(uow.session, entry.provider_unit_id)
        clocks.start(uow.session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry_id, step=ClockStep.CATALOG_REVIEW,
                     unit_id=reviewer_unit.id if reviewer_unit else None,
                     region_id=reviewer_unit.region_id if reviewer_unit else None, now=now)
        resolved = _resolve_triggers(uow.session, entry_id, now)
        uow.audit("catalog.submit", object_type="catalog_entry", object_id=entry_id,
                  detail={"change_kind": entry.change_kind, "triggers_resolved": resolved})
        uow.commit()


def request_withdrawal(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
                       now: datetime | None = None) -> None:
    """下架: the withdrawal of a published entry goes through the same review as a change."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.submit")
        target = next_state(entry, "withdraw")
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
        uow.check_version(entry, expected_version)
        entry.status = target
        entry.change_kind = ChangeKind.WITHDRAW
        entry.pending = json.dumps({"reason": reason[:1000]}, ensure_ascii=False)
        entry.submitted_at = now
        entry.updated_at = now
        uow.session.add(entry)
        reviewer_unit = _review_unit(uow.session, entry.provider_unit_id)
        clocks.start(uow.session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry_id, step=ClockStep.CATALOG_REVIEW,
                     unit_id=reviewer_unit.id if reviewer_unit else None,
                     region_id=reviewer_unit.region_id if reviewer_unit else None, now=now)
        uow.audit("catalog.withdraw_request", object_type="catalog_entry", object_id=entry_id,
                  detail={"reason": reason})
        uow.commit()


def recall_submission(actor: Actor, entry_id: int, *, expected_version: int | None = None,
                      now: datetime | None = None) -> None:
    """The unit takes a submission back before the bureau decides (e.g. to correct a mistake)."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.submit")
        target = next_state(entry, "recall")
        uow.check_version(entry, expected_version)
        if entry.change_kind == ChangeKind.WITHDRAW:
            entry.pending = None
            entry.change_kind = None
        entry.status = target
        entry.updated_at = now
        uow.session.add(entry)
        clocks.close(uow.session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry_id, step=ClockStep.CATALOG_REVIEW,
                     outcome=ClockOutcome.CANCELLED, now=now)
        uow.audit("catalog.recall", object_type="catalog_entry", object_id=entry_id)
        uow.commit()


def discard_draft(actor: Actor, entry_id: int, *, expected_version: int | None = None,
                  now: datetime | None = None) -> bool:
    """Drop the working copy: a change of a published entry is discarded (the published version stays); a
    draft that was never published is deleted. Returns True when the entry itself was deleted."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.edit")
        if entry.status not in (EntryStatus.DRAFT, EntryStatus.RETURNED):
            next_state(entry, "discard")  # raises the standard message
        uow.check_version(entry, expected_version)
        if entry.is_published:
            entry.pending = None
            entry.change_kind = None
            entry.return_reason = None
            entry.status = EntryStatus.PUBLISHED
            entry.updated_at = now
            uow.session.add(entry)
            uow.audit("catalog.discard_change", object_type="catalog_entry", object_id=entry_id)
            uow.commit()
            return False
        has_versions = uow.session.exec(select(CatalogVersion.id).where(CatalogVersion.entry_id == entry_id)).first()
        if has_versions is not None:
            raise ValidationError(_("This entry has published versions and is kept for the record."))
        snapshot = _input_to_json(_columns_input(uow.session, entry))
        uow.session.execute(update(CatalogTrigger).where(CatalogTrigger.entry_id == entry_id).values(entry_id=None))  # type: ignore[arg-type]
        uow.session.execute(update(ResponsibilityItem).where(ResponsibilityItem.entry_id == entry_id)  # type: ignore[arg-type]
                            .values(entry_id=None))
        uow.session.execute(delete(DataItem).where(DataItem.entry_id == entry_id))  # type: ignore[arg-type]
        uow.session.delete(entry)
        uow.audit("catalog.delete_draft", object_type="catalog_entry", object_id=entry_id,
                  detail={"before": snapshot})
        uow.commit()
        return True


def _snapshot(data: EntryInput, extra: dict | None = None) -> str:
    payload = _input_to_json(data)
    payload.update(extra or {})
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def _publish_version(session: Session, entry: CatalogEntry, data: EntryInput, kind: str, actor: Actor,
                     now: datetime) -> int:
    entry.published_version += 1
    session.add(CatalogVersion(entry_id=entry.id, version_no=entry.published_version, change_kind=kind,
                               snapshot=_snapshot(data, {"status": entry.status}), published_at=now,
                               published_by=actor.user_id))
    return entry.published_version


def _make_live(session: Session, entry: CatalogEntry, data: EntryInput, now: datetime) -> None:
    if data.published_on is None:
        data.published_on = local_date(now)
    _apply_columns(entry, data)
    _write_items(session, entry.id, data.data_items)  # type: ignore[arg-type]
    entry.completeness = completeness(data)[0]
    entry.item_count = len(data.data_items)
    entry.search_text = _search_text(data)
    entry.is_published = True
    entry.last_maintained_at = now
    _link_responsibility(session, entry)


def approve_entry(actor: Actor, entry_id: int, *, share_type: str | None = None, note: str | None = None,
                  expected_version: int | None = None, now: datetime | None = None) -> int:
    """Publish the submission (or carry out the withdrawal) as a new version. The reviewer may fix the share
    type of a restricted entry on the way (Shanxi §12). Returns the new version number."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.review")
        target = next_state(entry, "approve")
        uow.check_version(entry, expected_version)
        kind = entry.change_kind or ChangeKind.NEW
        before = _input_to_json(_columns_input(uow.session, entry)) if entry.is_published else None
        if kind == ChangeKind.WITHDRAW:
            data = _columns_input(uow.session, entry)
            reason = (_pending(entry) or {}).get("reason")
            entry.status = target
            entry.is_published = False
            entry.pending = None
            version_no = _publish_version(uow.session, entry, data, kind, actor, now)
            detail: dict[str, Any] = {"change_kind": kind, "version": version_no, "reason": reason}
        else:
            data = working_copy(uow.session, entry)
            if share_type is not None and share_type != data.share_type:
                _check_share_type_fix(data, share_type)
                detail_fix = {"share_type": {"before": data.share_type, "after": share_type}}
                data.share_type = share_type
            else:
                detail_fix = {}
            errors = validate_submission(uow.session, data)
            if errors:
                raise ValidationError(errors)
            entry.status = target
            _make_live(uow.session, entry, data, now)
            entry.pending = None
            version_no = _publish_version(uow.session, entry, data, kind, actor, now)
            changes = audit_diff(before or {}, _input_to_json(data)) if before else {"after": _input_to_json(data)}
            detail = {"change_kind": kind, "version": version_no, "changes": changes, **detail_fix}
        entry.change_kind = None
        entry.return_reason = None
        entry.reviewed_at = now
        entry.reviewed_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        clocks.close(uow.session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry_id, step=ClockStep.CATALOG_REVIEW,
                     now=now)
        if note:
            detail["note"] = note.strip()[:500]
        uow.audit("catalog.approve", object_type="catalog_entry", object_id=entry_id, detail=detail)
        uow.commit()
        return version_no


def return_entry(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Send the submission back to the unit with the reasons; the published version (if any) stays live."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.review")
        target = next_state(entry, "return")
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Give the reasons so the unit knows what to revise.")})
        uow.check_version(entry, expected_version)
        if entry.change_kind == ChangeKind.WITHDRAW:
            # A refused withdrawal leaves the entry published as it was.
            entry.status = EntryStatus.PUBLISHED
            entry.pending = None
            entry.change_kind = None
        else:
            entry.status = target
        entry.return_reason = reason[:1000]
        entry.reviewed_at = now
        entry.reviewed_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        clocks.close(uow.session, case_kind=CaseKind.CATALOG_ENTRY, case_id=entry_id, step=ClockStep.CATALOG_REVIEW,
                     now=now)
        uow.audit("catalog.return", object_type="catalog_entry", object_id=entry_id, detail={"reason": reason})
        uow.commit()


def _check_share_type_fix(data: EntryInput, share_type: str) -> None:
    if share_type not in {str(s) for s in ShareType}:
        raise ValidationError({"share_type": _("Choose one of the listed values.")})
    if data.share_type not in RESTRICTED_SHARE:
        raise ValidationError({"share_type": _("Only the share type of a conditional or not-shared entry is "
                                               "fixed by the bureau.")})


def fix_share_type(actor: Actor, entry_id: int, share_type: str, reason: str, *,
                   expected_version: int | None = None, now: datetime | None = None) -> int:
    """Shanxi §12: the bureau reviews a published restricted entry and fixes its share type (new version)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.review")
        next_state(entry, "fix_share_type")
        reason = (reason or "").strip()
        data = _columns_input(uow.session, entry)
        _check_share_type_fix(data, share_type)
        if not reason:
            raise ValidationError({"reason": _("Give the reasons for the decision.")})
        if share_type == data.share_type:
            raise ValidationError({"share_type": _("Choose a share type different from the current one.")})
        uow.check_version(entry, expected_version)
        before = data.share_type
        data.share_type = share_type
        if share_type == ShareType.UNCONDITIONAL:
            data.share_conditions = None
        errors = validate_submission(uow.session, data)
        if errors:
            raise ValidationError(errors)
        _make_live(uow.session, entry, data, now)
        if share_type != ShareType.NOT_SHARED:
            entry.filed_at = None
            entry.filed_by = None
            entry.filing_note = None
        version_no = _publish_version(uow.session, entry, data, ChangeKind.CHANGE, actor, now)
        entry.reviewed_at = now
        entry.reviewed_by = actor.user_id
        entry.updated_at = now
        uow.session.add(entry)
        uow.audit("catalog.fix_share_type", object_type="catalog_entry", object_id=entry_id,
                  detail={"share_type": {"before": before, "after": share_type}, "reason": reason,
                          "version": version_no})
        uow.commit()
        return version_no


def file_entry(actor: Actor, entry_id: int, note: str | None = None, *, expected_version: int | None = None,
               now: datetime | None = None) -> None:
    """备案: the bureau records the filing of a published not-shared entry (Longyan §11, Qingyuan §14)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entry = _entry_for_update(uow, entry_id, "catalog.file")
        next_state(entry, "file")
        if entry.share_type != ShareType.NOT_SHARED:
            raise ValidationError(_("Only not-shared entries are filed with the bureau."))
        if entry.filed_at is not None:
            raise ValidationError(_("The filing of this entry is already recorded."))
        uow.check_version(entry, expected_version)
        entry.filed_at = now
        entry.filed_by = actor.user_id
        entry.filing_note = (note or "").strip()[:500] or None
        uow.session.add(entry)
        uow.audit("catalog.file", object_type="catalog_entry", object_id=entry_id, detail={"note": entry.filing_note})
        uow.commit()


def record_trigger(actor: Actor, unit_id: int, kind: str, occurred_on: date, *, entry_id: int | None = None,
                   note: str | None = None, now: datetime | None = None) -> int:
    """A change of law, duty or data: the unit's catalog update clock starts on the day of the change
    (Shanghai 2 wd, Qingyuan 15 wd, Yunyang 10 wd in the active profile)."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        unit = uow.session.get(Unit, unit_id)
        uow.require("catalog.trigger", unit_id=unit_id, region_id=unit.region_id if unit else None,
                    object_type="catalog_trigger")
        errors: dict[str, str] = {}
        if unit is None:
            errors["unit_id"] = _("Choose a unit.")
        if kind not in TRIGGER_KINDS:
            errors["kind"] = _("Choose what changed.")
        if occurred_on is None:
            errors["occurred_on"] = _("Give the date of the change.")
        elif occurred_on > local_date(now):
            errors["occurred_on"] = _("The date of the change cannot be in the future.")
        if entry_id is not None:
            entry = uow.session.get(CatalogEntry, entry_id)
            if entry is None or entry.provider_unit_id != unit_id:
                errors["entry_id"] = _("Choose an entry of your own unit.")
        if errors:
            raise ValidationError(errors)
        trigger = CatalogTrigger(unit_id=unit_id, entry_id=entry_id, kind=kind, occurred_on=occurred_on,
                                 note=(note or "").strip()[:500] or None, created_by=actor.user_id, created_at=now)
        uow.session.add(trigger)
        uow.session.flush()
        clocks.start(uow.session, case_kind=CASE_TRIGGER, case_id=trigger.id, step=ClockStep.CATALOG_UPDATE,
                     unit_id=unit_id, region_id=unit.region_id, started_on=occurred_on, now=now)  # type: ignore[union-attr]
        uow.audit("catalog.trigger", object_type="catalog_trigger", object_id=trigger.id,
                  detail={"kind": kind, "occurred_on": occurred_on, "entry_id": entry_id, "note": trigger.note})
        uow.commit()
        return trigger.id  # type: ignore[return-value]


def resolve_trigger(actor: Actor, trigger_id: int, note: str, *, now: datetime | None = None) -> None:
    """Close a trigger by hand: the unit states which submission answered it, or why no change is needed."""
    from services import clocks

    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        trigger = uow.get(CatalogTrigger, trigger_id, for_update=True)
        uow.require("catalog.trigger", unit_id=trigger.unit_id, object_type="catalog_trigger", object_id=trigger_id)
        if trigger.resolved_at is not None:
            raise ValidationError(_("This change was already dealt with."))
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": _("Say how the change was dealt with.")})
        trigger.resolved_at = now
        trigger.note = ((trigger.note + " / ") if trigger.note else "") + note
        trigger.note = trigger.note[:500]
        uow.session.add(trigger)
        clocks.close(uow.session, case_kind=CASE_TRIGGER, case_id=trigger_id, step=ClockStep.CATALOG_UPDATE, now=now)
        uow.audit("catalog.trigger_resolve", object_type="catalog_trigger", object_id=trigger_id, detail={"note": note})
        uow.commit()


def _resolve_triggers(session: Session, entry_id: int, now: datetime) -> list[int]:
    from services import clocks

    open_ids = session.exec(select(CatalogTrigger.id).where(CatalogTrigger.entry_id == entry_id,
                                                            CatalogTrigger.resolved_at.is_(None))).all()  # type: ignore[union-attr]
    for trigger_id in open_ids:
        session.execute(update(CatalogTrigger).where(CatalogTrigger.id == trigger_id).values(resolved_at=now))  # type: ignore[arg-type]
        clocks.close(session, case_kind=CASE_TRIGGER, case_id=trigger_id, step=ClockStep.CATALOG_UPDATE, now=now)
    return list(open_ids)


def _review_unit(session: Session, provider_unit_id: int) -> Unit | None:
    """The competent bureau that reviews a unit's catalog: the nearest bureau up the region tree."""
    unit = session.get(Unit, provider_unit_id)
    region_id = unit.region_id if unit else None
    while region_id is not None:
        bureau = session.exec(select(Unit).where(Unit.region_id == region_id, Unit.kind == UnitKind.BUREAU)
                              .order_by(Unit.id)).first()
        if bureau is not None:
            return bureau
        region_id = session.exec(select(Region.parent_id).where(Region.id == region_id)).first()
    return session.exec(select(Unit).where(Unit.kind == UnitKind.BUREAU).order_by(Unit.id)).first()


def _link_responsibility(session: Session, entry: CatalogEntry) -> None:
    """A responsibility-list item of the unit with the same (normalised) name is fulfilled by this entry."""
    key = normalise_name(entry.name)
    rows = session.exec(select(ResponsibilityItem).where(ResponsibilityItem.unit_id == entry.provider_unit_id,
                                                         ResponsibilityItem.entry_id.is_(None))).all()  # type: ignore[union-attr]
    for item in rows:
        if normalise_name(item.resource_name) == key:
            item.entry_id = entry.id
            session.add(item)


def create_draft_from_request(actor: Actor, *, provider_unit_id: int, name: str, summary: str | None = None,
                              item_names: list[str] | None = None, now: datetime | None = None) -> int:
    """For the sharing flow of uncatalogued data: the provider creates a draft pre-filled from the request;
    the resource code is proposed from the unit and the date and can be edited before submission."""
    now = now_utc(now)
    with read_scope(actor, "catalog.edit", unit_id=provider_unit_id) as (session, _scope):
        code = suggest_resource_code(session, provider_unit_id, now)
    data = EntryInput(resource_code=code, name=name, provider_unit_id=provider_unit_id, summary=summary,
                      source_unit_id=provider_unit_id,
                      data_items=[DataItemInput(n) for n in (item_names or []) if n and n.strip()])
    return create_entry(actor, data, now=now)


def suggest_resource_code(session: Session, provider_unit_id: int, now: datetime | None = None) -> str:
    """A free resource code: the unit's organisation code, the year and a running number."""
    unit = session.get(Unit, provider_unit_id)
    if unit is None:
        raise NotFound()
    prefix = f"{unit.uscc[8:17]}-{local_date(now).year}-"
    taken = session.exec(select(func.count()).select_from(CatalogEntry)
                         .where(CatalogEntry.resource_code.like(prefix + "%"))).one()  # type: ignore[attr-defined]
    n = (taken or 0) + 1
    while session.exec(select(CatalogEntry.id).where(CatalogEntry.resource_code == f"{prefix}{n:04d}")).first():
        n += 1
    return f"{prefix}{n:04d}"


# --- reads ------------------------------------------------------------------------------------------
def _units_by_id(session: Session, ids) -> dict[int, Unit]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(ids))).all()}  # type: ignore[union-attr]


def _may_see_working_copy(actor: Actor, entry: CatalogEntry, region_id: int | None) -> bool:
    return can(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id, region_id=region_id)


def get_entry(actor: Actor, entry_id: int) -> EntryView:
    """An entry with its data items. Published entries are readable by every working role; a draft or a
    change under review only by its own unit and the bureau."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        units = _units_by_id(session, [entry.provider_unit_id, entry.source_unit_id])
        provider = units[entry.provider_unit_id]
        sees_working = _may_see_working_copy(actor, entry, provider.region_id)
        if not entry.is_published and not sees_working:
            from services.permissions import require

            require(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id, region_id=provider.region_id)
        items = session.exec(select(DataItem).where(DataItem.entry_id == entry_id).order_by(DataItem.position)).all()
        data = _columns_input(session, entry)
        score, missing = completeness(data)
        source = units.get(entry.source_unit_id) if entry.source_unit_id else None
        return EntryView(
            id=entry.id, **{k: getattr(entry, k) for k in ENTRY_FIELDS if k not in ("provider_unit_id",
                                                                                     "source_unit_id")},
            provider_unit_id=entry.provider_unit_id, provider=provider.name, provider_uscc=provider.uscc,
            provider_region_id=provider.region_id, source_unit_id=entry.source_unit_id,
            source_unit=source.name if source else None, source_uscc=source.uscc if source else None,
            status=entry.status, is_published=entry.is_published, published_version=entry.published_version,
            change_kind=entry.change_kind if sees_working else None,
            return_reason=entry.return_reason if sees_working else None,
            completeness=score, missing_fields=missing, filed_at=entry.filed_at, filing_note=entry.filing_note,
            submitted_at=entry.submitted_at, reviewed_at=entry.reviewed_at,
            last_maintained_at=entry.last_maintained_at, version=entry.version,
            data_items=[{"id": i.id, "name": i.name, "data_type": i.data_type, "length": i.length,
                         "is_sensitive": i.is_sensitive, "is_source": i.is_source} for i in items],
            pending=_pending(entry) if sees_working else None,
        )


def get_working_copy(actor: Actor, entry_id: int) -> tuple[EntryInput, int, str]:
    """The unit's editable copy of an entry: (input, version, status) — for the entry form."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        provider = session.get(Unit, entry.provider_unit_id)
        from services.permissions import require

        require(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id,
                region_id=provider.region_id if provider else None)
        return working_copy(session, entry), entry.version, entry.status


PUBLISHED_COLUMNS = ["id", "resource_code", "name", "provider_unit_id", "provider", "classification", "base_library",
                     "share_type", "open_attribute", "update_frequency", "resource_format", "share_method",
                     "published_on", "published_version", "items"]


def search_published(actor: Actor, *, text: str | None = None, unit_id: int | None = None,
                     classification: str | None = None, share_type: str | None = None,
                     base_library: str | None = None, page: int = 1,
                     page_size: int | None = None) -> tuple[pd.DataFrame, int]:
    """The published catalog, searchable by name, resource code or data item name (normalised), filterable
    by unit, class, base library and share type; paginated on the server. Returns (page rows, total)."""
    page_size = page_size or get_settings().page_size
    page = max(1, page)
    with read_scope(actor, "catalog.view") as (session, _scope):
        conditions = [CatalogEntry.is_published.is_(True)]  # type: ignore[attr-defined]
        if text and text.strip():
            terms = [normalise_name(t) for t in text.split()]
            for term in filter(None, terms):
                conditions.append(CatalogEntry.search_text.like(f"%{term}%"))  # type: ignore[union-attr]
        if unit_id:
            conditions.append(CatalogEntry.provider_unit_id == unit_id)
        if classification:
            conditions.append(CatalogEntry.classification == classification)
        if share_type:
            conditions.append(CatalogEntry.share_type == share_type)
        if base_library:
            conditions.append(CatalogEntry.base_library == base_library)
        total = session.exec(select(func.count()).select_from(CatalogEntry).where(*conditions)).one() or 0
        stmt = (select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name, CatalogEntry.provider_unit_id,
                       Unit.name, CatalogEntry.classification, CatalogEntry.base_library, CatalogEntry.share_type,
                       CatalogEntry.open_attribute, CatalogEntry.update_frequency, CatalogEntry.resource_format,
                       CatalogEntry.share_method, CatalogEntry.published_on, CatalogEntry.published_version,
                       CatalogEntry.item_count)
                .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(*conditions)
                .order_by(CatalogEntry.is_published, CatalogEntry.resource_code)
                .offset((page - 1) * page_size).limit(page_size))
        rows = session.exec(stmt).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=PUBLISHED_COLUMNS), int(total)


MINE_COLUMNS = ["id", "resource_code", "name", "classification", "share_type", "status", "is_published",
                "change_kind", "completeness", "items", "updated_at", "return_reason", "version", "provider"]


def list_entries(actor: Actor, *, unit_id: int | None = None, status: str | None = None, text: str | None = None,
                 incomplete_only: bool = False, page: int = 1,
                 page_size: int | None = None) -> tuple[pd.DataFrame, int]:
    """"My catalog": a unit's entries in every state, with the completeness of the working copy. Stewards see
    their own unit; the bureau may pick any unit (or all)."""
    page_size = page_size or get_settings().page_size
    with read_scope(actor, "catalog.view_unpublished") as (session, scope):
        if scope is Scope.UNIT:
            unit_id = actor.unit_id
        conditions = []
        if unit_id:
            conditions.append(CatalogEntry.provider_unit_id == unit_id)
        if status:
            conditions.append(CatalogEntry.status == status)
        if text and text.strip():
            like = f"%{text.strip()}%"
            conditions.append(or_(CatalogEntry.name.like(like), CatalogEntry.resource_code.like(like)))  # type: ignore[attr-defined]
        if incomplete_only:
            conditions.append(CatalogEntry.completeness < 1)
        total = session.exec(select(func.count()).select_from(CatalogEntry).where(*conditions)).one() or 0
        items = (select(DataItem.entry_id, func.count().label("n")).group_by(DataItem.entry_id).subquery())
        stmt = (select(CatalogEntry, Unit.name, items.c.n)
                .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .outerjoin(items, items.c.entry_id == CatalogEntry.id)
                .where(*conditions)
                .order_by(CatalogEntry.updated_at.desc().nulls_last(), CatalogEntry.id.desc())  # type: ignore[union-attr]
                .offset((max(1, page) - 1) * page_size).limit(page_size))
        rows = []
        for entry, provider_name, n_items in session.exec(stmt).all():
            pending = _pending(entry)
            fields_json = (pending or {}).get("fields")
            name, code = entry.name, entry.resource_code
            share, score, n = entry.share_type, entry.completeness, int(n_items or 0)
            if fields_json:
                name, code, share = fields_json["name"], fields_json["resource_code"], fields_json.get("share_type")
                score, n = pending.get("completeness", score), len(fields_json.get("data_items", []))
            rows.append([entry.id, code, name, entry.classification, share, entry.status, entry.is_published,
                         entry.change_kind, score, n, entry.updated_at or entry.created_at, entry.return_reason,
                         entry.version, provider_name])
        return pd.DataFrame(rows, columns=MINE_COLUMNS), int(total)


def status_counts(actor: Actor, *, unit_id: int | None = None) -> dict[str, int]:
    """Entries per status for the unit (or, for the bureau, everywhere unless a unit is given)."""
    with read_scope(actor, "catalog.view_unpublished") as (session, scope):
        if scope is Scope.UNIT:
            unit_id = actor.unit_id
        stmt = select(CatalogEntry.status, func.count()).group_by(CatalogEntry.status)
        if unit_id:
            stmt = stmt.where(CatalogEntry.provider_unit_id == unit_id)
        return {status: int(n) for status, n in session.exec(stmt).all()}


REVIEW_COLUMNS = ["id", "resource_code", "name", "provider", "provider_unit_id", "change_kind", "share_type",
                  "submitted_at", "due_on", "version"]


def review_queue(actor: Actor, *, unit_id: int | None = None) -> pd.DataFrame:
    """Submissions waiting for the bureau, oldest deadline first."""
    from models import SlaClock

    with read_scope(actor, "catalog.review") as (session, _scope):
        clock = (select(SlaClock.case_id, func.min(SlaClock.due_on).label("due_on"))
                 .where(SlaClock.case_kind == CaseKind.CATALOG_ENTRY, SlaClock.step == ClockStep.CATALOG_REVIEW,
                        SlaClock.closed_at.is_(None))  # type: ignore[union-attr]
                 .group_by(SlaClock.case_id).subquery())
        stmt = (select(CatalogEntry, Unit.name, clock.c.due_on)
                .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .outerjoin(clock, clock.c.case_id == CatalogEntry.id)
                .where(CatalogEntry.status == EntryStatus.SUBMITTED)
                .order_by(clock.c.due_on.is_(None), clock.c.due_on, CatalogEntry.submitted_at))
        if unit_id:
            stmt = stmt.where(CatalogEntry.provider_unit_id == unit_id)
        rows = []
        for entry, provider_name, due_on in session.exec(stmt).all():
            fields_json = (_pending(entry) or {}).get("fields") or {}
            rows.append([entry.id, fields_json.get("resource_code", entry.resource_code),
                         fields_json.get("name", entry.name), provider_name, entry.provider_unit_id,
                         entry.change_kind, fields_json.get("share_type", entry.share_type), entry.submitted_at,
                         due_on, entry.version])
        return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def entry_diff(actor: Actor, entry_id: int) -> list[FieldChange]:
    """Field by field, what the submission changes against the published version (everything, for a new entry)."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        provider = session.get(Unit, entry.provider_unit_id)
        from services.permissions import require

        require(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id,
                region_id=provider.region_id if provider else None)
        after = working_copy(session, entry)
        before = _columns_input(session, entry) if entry.is_published else None
        if entry.change_kind == ChangeKind.WITHDRAW:
            return [FieldChange("status", EntryStatus.PUBLISHED, EntryStatus.WITHDRAWN)]
        return diff_inputs(before, after)


def diff_inputs(before: EntryInput | None, after: EntryInput) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for key in ENTRY_FIELDS:
        old = getattr(before, key) if before else None
        new = getattr(after, key)
        if old != new:
            changes.append(FieldChange(key, old, new))
    old_items = {normalise_name(i.name): i for i in (before.data_items if before else [])}
    new_items = {normalise_name(i.name): i for i in after.data_items}
    for key, item in new_items.items():
        if key not in old_items:
            changes.append(FieldChange("data_items", None, asdict(item)))
        elif asdict(old_items[key]) != asdict(item):
            changes.append(FieldChange("data_items", asdict(old_items[key]), asdict(item)))
    for key, item in old_items.items():
        if key not in new_items:
            changes.append(FieldChange("data_items", asdict(item), None))
    return changes


def entry_history(actor: Actor, entry_id: int) -> pd.DataFrame:
    """Published versions of an entry, newest first, with what changed in each."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        rows = session.exec(select(CatalogVersion).where(CatalogVersion.entry_id == entry_id)
                            .order_by(CatalogVersion.version_no)).all()
        out = []
        previous: EntryInput | None = None
        for row in rows:
            snap = json.loads(row.snapshot)
            current = _input_from_json(snap)
            changed = [c.field for c in diff_inputs(previous, current)] if previous else []
            out.append({"version_no": row.version_no, "change_kind": row.change_kind, "published_at": row.published_at,
                        "share_type": current.share_type, "items": len(current.data_items),
                        "changed_fields": sorted(set(changed)), "snapshot": snap})
            previous = current
        return pd.DataFrame(list(reversed(out)), columns=["version_no", "change_kind", "published_at", "share_type",
                                                          "items", "changed_fields", "snapshot"])


RESTRICTED_COLUMNS = ["id", "resource_code", "name", "provider", "share_type", "open_attribute",
                      "restriction_basis", "filed_at", "reviewed_at", "version"]


def restricted_entries(actor: Actor, *, share_type: str | None = None, unfiled_only: bool = False) -> pd.DataFrame:
    """Published conditional and not-shared entries for the bureau's review (Shanxi §12) and filings (备案)."""
    with read_scope(actor, "catalog.review") as (session, _scope):
        stmt = (select(CatalogEntry, Unit.name).join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                       CatalogEntry.share_type.in_([str(s) for s in RESTRICTED_SHARE]))  # type: ignore[union-attr]
                .order_by(CatalogEntry.share_type.desc(), Unit.name, CatalogEntry.resource_code))  # type: ignore[union-attr]
        if share_type:
            stmt = stmt.where(CatalogEntry.share_type == share_type)
        if unfiled_only:
            stmt = stmt.where(CatalogEntry.share_type == ShareType.NOT_SHARED, CatalogEntry.filed_at.is_(None))  # type: ignore[union-attr]
        rows = [[e.id, e.resource_code, e.name, uname, e.share_type, e.open_attribute, e.restriction_basis,
                 e.filed_at, e.reviewed_at, e.version] for e, uname in session.exec(stmt).all()]
        return pd.DataFrame(rows, columns=RESTRICTED_COLUMNS)


MAINTENANCE_COLUMNS = ["id", "resource_code", "name", "provider", "provider_unit_id", "last_maintained_at"]


def maintenance_due(actor: Actor, *, unit_id: int | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Shanghai §10: published entries not maintained (reviewed and confirmed) in the last twelve months."""
    cutoff = now_utc(now) - MAINTENANCE_INTERVAL
    with read_scope(actor, "catalog.view_unpublished") as (session, scope):
        if scope is Scope.UNIT:
            unit_id = actor.unit_id
        stmt = (select(CatalogEntry, Unit.name).join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                       or_(CatalogEntry.last_maintained_at.is_(None), CatalogEntry.last_maintained_at < cutoff))  # type: ignore[union-attr,operator]
                .order_by(CatalogEntry.last_maintained_at.nulls_first(), CatalogEntry.resource_code))  # type: ignore[union-attr]
        if unit_id:
            stmt = stmt.where(CatalogEntry.provider_unit_id == unit_id)
        rows = [[e.id, e.resource_code, e.name, uname, e.provider_unit_id, e.last_maintained_at]
                for e, uname in session.exec(stmt).all()]
        return pd.DataFrame(rows, columns=MAINTENANCE_COLUMNS)


def confirm_maintained(actor: Actor, entry_ids: list[int], *, now: datetime | None = None) -> int:
    """Annual maintenance: the unit confirms that published entries are still accurate (no change needed)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        entries = uow.session.exec(select(CatalogEntry).where(CatalogEntry.id.in_(entry_ids))).all()  # type: ignore[union-attr]
        if len(entries) != len(set(entry_ids)):
            raise NotFound()
        for entry in entries:
            uow.require("catalog.edit", unit_id=entry.provider_unit_id, object_type="catalog_entry",
                        object_id=entry.id)
            if not entry.is_published:
                raise ValidationError(_("Only published entries are confirmed in the annual maintenance."))
            entry.last_maintained_at = now
            uow.session.add(entry)
        uow.audit("catalog.confirm_maintained", object_type="catalog_entry",
                  detail={"entries": sorted(entry_ids)})
        uow.commit()
        return len(entries)


TRIGGER_COLUMNS = ["id", "unit_id", "unit", "entry_id", "entry", "kind", "occurred_on", "note", "resolved_at",
                   "due_on"]


def list_triggers(actor: Actor, *, unit_id: int | None = None, open_only: bool = False) -> pd.DataFrame:
    """Recorded changes of law, duty or data with the due date of the unit's catalog update."""
    from models import SlaClock

    with read_scope(actor, "catalog.view_unpublished") as (session, scope):
        if scope is Scope.UNIT:
            unit_id = actor.unit_id
        stmt = (select(CatalogTrigger, Unit.name, CatalogEntry.name, SlaClock.due_on)
                .join(Unit, Unit.id == CatalogTrigger.unit_id)
                .outerjoin(CatalogEntry, CatalogEntry.id == CatalogTrigger.entry_id)
                .outerjoin(SlaClock, (SlaClock.case_kind == CASE_TRIGGER) & (SlaClock.case_id == CatalogTrigger.id))
                .order_by(CatalogTrigger.occurred_on.desc(), CatalogTrigger.id.desc()))  # type: ignore[attr-defined]
        if unit_id:
            stmt = stmt.where(CatalogTrigger.unit_id == unit_id)
        if open_only:
            stmt = stmt.where(CatalogTrigger.resolved_at.is_(None))  # type: ignore[union-attr]
        rows = [[t.id, t.unit_id, uname, t.entry_id, ename, t.kind, t.occurred_on, t.note, t.resolved_at, due]
                for t, uname, ename, due in session.exec(stmt).all()]
        return pd.DataFrame(rows, columns=TRIGGER_COLUMNS)


def unit_options(actor: Actor) -> pd.DataFrame:
    """Units the actor may catalog for (own unit for a steward; every unit for the bureau), for pickers."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        stmt = select(Unit.id, Unit.name, Unit.uscc).where(Unit.is_active).order_by(Unit.region_id, Unit.name)
        rows = session.exec(stmt).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["id", "name", "uscc"])


def new_entry_template(actor: Actor, *, now: datetime | None = None) -> EntryInput:
    """A blank entry of the actor's unit with a free resource code proposed (the unit may change it)."""
    with read_scope(actor, "catalog.edit", unit_id=actor.unit_id) as (session, _scope):
        code = suggest_resource_code(session, actor.unit_id, now)  # type: ignore[arg-type]
    return EntryInput(resource_code=code, name="", provider_unit_id=actor.unit_id,  # type: ignore[arg-type]
                      source_unit_id=actor.unit_id)
