"""Catalog reads: one entry, a unit's catalog, the review queue, diffs and history, restricted entries, the
annual maintenance list, triggers, and the published-catalog search every unit uses to find data."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
from sqlalchemy import func, or_
from sqlmodel import select

from models import (
    CatalogEntry,
    CatalogTrigger,
    CatalogVersion,
    DataItem,
    Unit,
)
from models.catalog import (
    ChangeKind,
    EntryStatus,
)
from models.clock import CaseKind, ClockStep
from services.catalog import rules
from services.catalog.rules import (
    CASE_TRIGGER,
    ENTRY_FIELDS,
    RESTRICTED_SHARE,
    EntryInput,
    EntryView,
    FieldChange,
    completeness,
    diff_inputs,
    input_from_json,
    maintained_since,
    normalise_name,
)
from services.catalog.store import (
    columns_input,
    may_see_working_copy,
    pending_of,
    suggest_resource_code,
    units_by_id,
    working_copy,
)
from services.core.actor import Actor
from services.core.errors import NotFound
from services.core.permissions import Scope
from services.core.search import clean, contains
from services.core.settings import get_settings
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.deadlines import policy


def get_entry(actor: Actor, entry_id: int) -> EntryView:
    """An entry with its data items. Published entries are readable by every working role; a draft or a
    change under review only by its own unit and the bureau."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        units = units_by_id(session, [entry.provider_unit_id, entry.source_unit_id])
        provider = units[entry.provider_unit_id]
        sees_working = may_see_working_copy(actor, entry, provider.region_id)
        if not entry.is_published and not sees_working:
            from services.core.permissions import require

            require(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id, region_id=provider.region_id)
        items = session.exec(select(DataItem).where(DataItem.entry_id == entry_id).order_by(DataItem.position)).all()
        data = columns_input(session, entry)
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
            pending=pending_of(entry) if sees_working else None,
        )


def get_working_copy(actor: Actor, entry_id: int) -> tuple[EntryInput, int, str]:
    """The unit's editable copy of an entry: (input, version, status) — for the entry form."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        provider = session.get(Unit, entry.provider_unit_id)
        from services.core.permissions import require

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
        if clean(text):
            terms = [normalise_name(t) for t in clean(text).split()]
            for term in filter(None, terms):
                conditions.append(contains(CatalogEntry.search_text, term, case_insensitive=False))
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
        if clean(text):
            conditions.append(or_(contains(CatalogEntry.name, text), contains(CatalogEntry.resource_code, text)))
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
            pending = pending_of(entry)
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


def review_queue(actor: Actor, *, unit_id: int | None = None, search: str | None = None,
                 change_kind: str | None = None, share_type: str | None = None) -> pd.DataFrame:
    """Submissions waiting for the bureau, oldest deadline first; `search` matches the submitted name or
    resource code or the providing unit's name, the other filters the submitted values."""
    from models import SlaClock

    with read_scope(actor, "catalog.review") as (session, scope):
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
        if scope is Scope.REGION:
            stmt = stmt.where(Unit.region_id.in_(actor.region_ids))  # type: ignore[attr-defined]
        rows = []
        for entry, provider_name, due_on in session.exec(stmt).all():
            fields_json = (pending_of(entry) or {}).get("fields") or {}
            rows.append([entry.id, fields_json.get("resource_code", entry.resource_code),
                         fields_json.get("name", entry.name), provider_name, entry.provider_unit_id,
                         entry.change_kind, fields_json.get("share_type", entry.share_type), entry.submitted_at,
                         due_on, entry.version])
        frame = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    return filter_review_queue(frame, search=search, change_kind=change_kind, share_type=share_type)


def filter_review_queue(frame: pd.DataFrame, *, search: str | None = None, change_kind: str | None = None,
                        share_type: str | None = None) -> pd.DataFrame:
    """The queue narrowed on the submitted values (the working copy lives in JSON, so this runs on the rows)."""
    keep = pd.Series(True, index=frame.index)
    needle = normalise_name(search or "")
    if needle:
        text = (frame["name"].fillna("").map(normalise_name) + "\n" + frame["resource_code"].fillna("").map(normalise_name)
                + "\n" + frame["provider"].fillna("").map(normalise_name))
        keep &= text.str.contains(needle, regex=False)
    if change_kind:
        keep &= frame["change_kind"] == change_kind
    if share_type:
        keep &= frame["share_type"] == share_type
    return frame[keep].reset_index(drop=True)


def entry_diff(actor: Actor, entry_id: int) -> list[FieldChange]:
    """Field by field, what the submission changes against the published version (everything, for a new entry)."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        entry = session.get(CatalogEntry, entry_id)
        if entry is None:
            raise NotFound()
        provider = session.get(Unit, entry.provider_unit_id)
        from services.core.permissions import require

        require(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id,
                region_id=provider.region_id if provider else None)
        after = working_copy(session, entry)
        before = columns_input(session, entry) if entry.is_published else None
        if entry.change_kind == ChangeKind.WITHDRAW:
            return [FieldChange("status", EntryStatus.PUBLISHED, EntryStatus.WITHDRAWN)]
        return [_unit_names(session, c) for c in diff_inputs(before, after)]


UNIT_FIELDS = ("provider_unit_id", "source_unit_id")


def _unit_names(session, change: FieldChange) -> FieldChange:
    """A unit is read by its name, never its id ("提供单位 3")."""
    if change.field not in UNIT_FIELDS:
        return change

    def name(unit_id):
        unit = session.get(Unit, unit_id) if unit_id is not None else None
        return unit.name if unit else unit_id

    return FieldChange(change.field, name(change.before), name(change.after))


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
            current = input_from_json(snap)
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
    with read_scope(actor, "catalog.review") as (session, scope):
        stmt = (select(CatalogEntry, Unit.name).join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                       CatalogEntry.share_type.in_([str(s) for s in RESTRICTED_SHARE]))  # type: ignore[union-attr]
                .order_by(CatalogEntry.share_type.desc(), Unit.name, CatalogEntry.resource_code))  # type: ignore[union-attr]
        if share_type:
            stmt = stmt.where(CatalogEntry.share_type == share_type)
        if scope is Scope.REGION:
            stmt = stmt.where(Unit.region_id.in_(actor.region_ids))  # type: ignore[attr-defined]
        if unfiled_only:
            filed_types = [str(s) for s in policy.active_profile().filing_share_types]
            stmt = stmt.where(CatalogEntry.share_type.in_(filed_types), CatalogEntry.filed_at.is_(None))  # type: ignore[union-attr]
        rows = [[e.id, e.resource_code, e.name, uname, e.share_type, e.open_attribute, e.restriction_basis,
                 e.filed_at, e.reviewed_at, e.version] for e, uname in session.exec(stmt).all()]
        return pd.DataFrame(rows, columns=RESTRICTED_COLUMNS)


MAINTENANCE_COLUMNS = ["id", "resource_code", "name", "provider", "provider_unit_id", "last_maintained_at"]


def maintenance_due(actor: Actor, *, unit_id: int | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Shanghai §10: published entries not maintained (reviewed and confirmed) in the last twelve months; empty
    under a profile without the yearly maintenance duty."""
    cutoff = maintained_since(local_date(now))
    if not policy.active_profile().annual_maintenance:
        # Only a profile with a yearly maintenance duty (Shanghai §10) makes entries due.
        with read_scope(actor, "catalog.view_unpublished"):
            return pd.DataFrame(columns=MAINTENANCE_COLUMNS)
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


def available_actions(actor: Actor, entry: EntryView | None) -> frozenset[str]:
    """`rules.available_actions` under the active policy profile (which share types are filed)."""
    return rules.available_actions(actor, entry, filing_types=policy.active_profile().filing_share_types)


def needs_filing(share_type: str | None, filed_at: datetime | None) -> bool:
    """Whether a published entry still waits for its filing (备案) under the active policy profile."""
    return rules.needs_filing(share_type, filed_at, policy.active_profile().filing_share_types)
