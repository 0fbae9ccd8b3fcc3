"""Catalog rules without I/O: the entry input, field validation, completeness and the workflow transition
table with the actions it allows a user."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from models import (
    Unit,
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
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.permissions import can
from services.core.timeutil import add_months, tz
from services.core.validators import text_error, uscc_error

DATA_TYPES = ("string", "integer", "decimal", "date", "datetime", "boolean", "binary")


TRIGGER_KINDS = ("law", "duty", "data")


RESTRICTED_SHARE = (ShareType.CONDITIONAL, ShareType.NOT_SHARED)


RESTRICTED_OPEN = (OpenAttribute.CONDITIONAL, OpenAttribute.NOT_OPEN)


RESOURCE_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_./-]{2,39}$")


MAX_ITEM_LENGTH = 65_535


# Shanghai §10: every unit maintains its whole catalog at least once a year (twelve calendar months).
MAINTENANCE_MONTHS = 12


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


def maintained_since(as_of: date) -> datetime:
    """The one definition of "maintained within the last twelve months" as of a day: an entry counts when it
    was last maintained at or after local midnight of the day after `as_of` twelve calendar months earlier.
    The maintenance list and the maintenance KPI both use it."""
    start = add_months(as_of, -MAINTENANCE_MONTHS) + timedelta(days=1)
    return datetime.combine(start, time.min, tzinfo=tz())


def normalise_name(text: str | None) -> str:
    """Fold width and case and drop spaces and punctuation, so 身份证号 / 身份证号 / '身份证 号' compare equal."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def clean_input(data: EntryInput) -> EntryInput:
    for name in ENTRY_FIELDS:
        setattr(data, name, _clean_value(getattr(data, name)))
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


def input_to_json(data: EntryInput) -> dict:
    out = {k: getattr(data, k) for k in ENTRY_FIELDS}
    out["published_on"] = data.published_on.isoformat() if data.published_on else None
    out["data_items"] = [asdict(i) for i in data.data_items]
    return out


def input_from_json(payload: dict) -> EntryInput:
    values = {k: payload.get(k) for k in ENTRY_FIELDS}
    if values.get("published_on"):
        values["published_on"] = date.fromisoformat(values["published_on"])
    items = [DataItemInput(**i) for i in payload.get("data_items", [])]
    return EntryInput(**values, data_items=items)


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


def search_text(data: EntryInput) -> str:
    parts = [normalise_name(data.name), data.resource_code.lower()]
    parts += [normalise_name(i.name) for i in data.data_items]
    return " ".join(p for p in parts if p)


def _label(key: str) -> str:
    return _(FIELD_LABELS[key])


def _enum_error(value: str | None, allowed) -> bool:
    return value is not None and value not in {str(v) for v in allowed}


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
        if text_error(value, limit) and key not in errors:
            errors[key] = text_error(value, limit)  # type: ignore[assignment]
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


def submission_errors(data: EntryInput, rulings: dict[str, int],
                      sources: dict[str, str] | None = None) -> dict[str, str]:
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
    opened = data.open_attribute in (OpenAttribute.OPEN, OpenAttribute.CONDITIONAL)
    if opened and data.source_unit_id is not None and data.source_unit_id != data.provider_unit_id:
        # Qingyuan ch.5: data a unit obtained by sharing does not enter its own open catalog; the source opens it.
        errors["open_attribute"] = _("This unit holds the data from its source unit (obtained by sharing): only the "
                                     "source unit may open it. Set the open attribute to not open.")
    elif data.open_attribute == OpenAttribute.OPEN and any(i.is_sensitive for i in data.data_items):
        # Longyan §17, Qingyuan ch.5: personal and commercial-secret data is opened only desensitised or with consent.
        errors["open_attribute"] = _("Sensitive data items are opened only desensitised or with the subjects' "
                                     "consent: make the entry conditionally open, or clear the sensitive mark of "
                                     "items once they are desensitised.")
    if not data.data_items:
        errors["data_items"] = _("List at least one data item.")
    else:
        ruled = rulings
        wrong = [i.name for i in data.data_items
                 if i.is_source and ruled.get(normalise_name(i.name), data.provider_unit_id) != data.provider_unit_id]
        if wrong:
            errors["data_items"] = _("The bureau ruled that another unit is the source of: {names}. Clear the "
                                     "source flag of these items.", names=", ".join(wrong))
        else:
            # One source per data item (Shanghai §11, Yunyang §20): a second unit claiming to be the source is
            # held until the bureau rules, which it does on the catalog-quality page's one-source conflicts.
            held = [f"{i.name}（{sources[normalise_name(i.name)]}）" for i in data.data_items
                    if i.is_source and normalise_name(i.name) in (sources or {})
                    and normalise_name(i.name) not in ruled]
            if held:
                errors["data_items"] = _("Another unit is already registered as the source of: {names}. Clear the "
                                         "source flag, or save the entry as a draft: the bureau then sees the claim "
                                         "among the one-source conflicts (catalog quality) and rules; submit after "
                                         "its ruling.", names="、".join(held))
    return errors


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


class EntryState(Protocol):
    """What the workflow needs to know of an entry: a CatalogEntry row and an EntryView both qualify."""

    status: str
    change_kind: str | None


def _target(entry: EntryState, action: str) -> str | None:
    return TRANSITIONS.get((entry.status, action, entry.change_kind or "*")) or \
        TRANSITIONS.get((entry.status, action, "*"))


def next_state(entry: EntryState, action: str) -> str:
    target = _target(entry, action)
    if target is None:
        raise ValidationError(_("This is not possible while the entry is {status}: {action}.",
                                status=_(STATUS_NAMES.get(entry.status, entry.status)),
                                action=_(ACTION_NAMES.get(action, action))))
    return target


# The permission each workflow action needs (services.core.permissions), checked on the providing unit.
ACTION_PERMISSIONS = {"edit": "catalog.edit", "discard": "catalog.edit", "submit": "catalog.submit",
                      "withdraw": "catalog.submit", "recall": "catalog.submit", "approve": "catalog.review",
                      "return": "catalog.review", "fix_share_type": "catalog.review", "file": "catalog.file"}


def available_actions(actor: Actor, entry: EntryView | None, *,
                      filing_types: tuple[str, ...] = (ShareType.NOT_SHARED,)) -> frozenset[str]:
    """The workflow actions `actor` may take on `entry` now (None: a new entry of the actor's unit), from the
    transition table, the permission table and the entry's own conditions (`filing_types`: the share types the
    active profile files). Pages draw exactly these buttons; the commands check the same rules again."""
    if entry is None:
        allowed = can(actor, "catalog.edit", unit_id=actor.unit_id)
        return frozenset({"edit", "submit"}) if allowed else frozenset()
    actions = set()
    for action, permission in ACTION_PERMISSIONS.items():
        if _target(entry, action) is None:
            continue
        if not can(actor, permission, unit_id=entry.provider_unit_id, region_id=entry.provider_region_id):
            continue
        if action == "discard" and not entry.is_published and entry.published_version:
            continue  # a withdrawn entry with published versions is kept for the record
        if action == "fix_share_type" and entry.share_type not in RESTRICTED_SHARE:
            continue
        if action == "file" and not needs_filing(entry.share_type, entry.filed_at, filing_types):
            continue
        actions.add(action)
    if "edit" in actions and can(actor, "catalog.submit", unit_id=entry.provider_unit_id,
                                 region_id=entry.provider_region_id):
        actions.add("submit")  # save and submit: the edit leaves a draft, which the submit transition sends on
    return frozenset(actions)


def needs_filing(share_type: str | None, filed_at: datetime | None, filing_types: tuple[str, ...]) -> bool:
    """备案: a published entry of a share type the profile files is filed with the bureau once (Longyan §11:
    conditional and not shared; Qingyuan §14: not shared)."""
    return share_type in filing_types and filed_at is None


def fixable_on_approval(change_kind: str | None, share_type: str | None) -> bool:
    """The reviewer may fix the share type of a restricted entry while approving it (Shanxi §12), not while
    approving a withdrawal."""
    return change_kind != ChangeKind.WITHDRAW and share_type in RESTRICTED_SHARE


def check_share_type_fix(data: EntryInput, share_type: str) -> None:
    if share_type not in {str(s) for s in ShareType}:
        raise ValidationError({"share_type": _("Choose one of the listed values.")})
    if data.share_type not in RESTRICTED_SHARE:
        raise ValidationError({"share_type": _("Only the share type of a conditional or not-shared entry is "
                                               "fixed by the bureau.")})


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
