"""How a catalog entry is kept: the published columns, the working copy in `pending`, data items, versions, and
the lookups the commands and queries share (working copy, nearest competent bureau, free resource codes)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from models import (
    CatalogEntry,
    CatalogVersion,
    DataItem,
    OneSourceDecision,
    ResponsibilityItem,
    Unit,
)
from services.catalog.rules import (
    ENTRY_FIELDS,
    DataItemInput,
    EntryInput,
    completeness,
    format_errors,
    input_from_json,
    input_to_json,
    normalise_name,
    search_text,
    submission_errors,
)
from services.core.actor import Actor
from services.core.errors import NotFound
from services.core.jurisdiction import competent_bureau
from services.core.permissions import can
from services.core.timeutil import local_date


def columns_input(session: Session, entry: CatalogEntry) -> EntryInput:
    items = session.exec(select(DataItem).where(DataItem.entry_id == entry.id).order_by(DataItem.position)).all()
    return EntryInput(**{k: getattr(entry, k) for k in ENTRY_FIELDS},
                      data_items=[DataItemInput(i.name, i.data_type, i.length, i.is_sensitive, i.is_source)
                                  for i in items])


def pending_of(entry: CatalogEntry) -> dict | None:
    return json.loads(entry.pending) if entry.pending else None


def working_copy(session: Session, entry: CatalogEntry) -> EntryInput:
    """What the unit is editing: the pending change if there is one, otherwise the columns."""
    pending = pending_of(entry)
    if pending and "fields" in pending:
        return input_from_json(pending["fields"])
    return columns_input(session, entry)


def validate_format(session: Session, data: EntryInput, entry_id: int | None) -> dict[str, str]:
    """Problems any saved draft must be free of (codes, lengths, enumerations, references, items)."""
    code_owner = session.exec(select(CatalogEntry.id).where(CatalogEntry.resource_code == data.resource_code)).first() \
        if data.resource_code else None
    provider = session.get(Unit, data.provider_unit_id) if data.provider_unit_id else None
    source_ok = data.source_unit_id is None or session.get(Unit, data.source_unit_id) is not None
    return format_errors(data, provider=provider, source_exists=source_ok, code_owner_id=code_owner,
                         entry_id=entry_id)


def validate_submission(session: Session | None, data: EntryInput, rulings: dict[str, int] | None = None,
                        sources: dict[str, str] | None = None) -> dict[str, str]:
    """The submission rules (rules.submission_errors) with the bureau's one-source rulings read when not given."""
    names = [normalise_name(i.name) for i in data.data_items if i.is_source]
    if rulings is None:
        rulings = one_source_rulings(session, names)  # type: ignore[arg-type]
    sources = other_sources(session, names, data.provider_unit_id) if session is not None else sources
    return submission_errors(data, rulings, sources)


def other_sources(session: Session, norm_names: list[str], provider_unit_id: int | None) -> dict[str, str]:
    """Normalised item names that a unit other than `provider_unit_id` already declares as its own source in a
    published entry, with that unit's name."""
    if not norm_names:
        return {}
    rows = session.exec(select(DataItem.norm_name, Unit.name)
                        .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
                        .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                        .where(DataItem.norm_name.in_(norm_names), DataItem.is_source.is_(True),  # type: ignore[attr-defined]
                               CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                               CatalogEntry.provider_unit_id != provider_unit_id)
                        .order_by(CatalogEntry.id)).all()
    found: dict[str, str] = {}
    for name, unit in rows:
        found.setdefault(name, unit)
    return found


def one_source_rulings(session: Session, norm_names: list[str]) -> dict[str, int]:
    if not norm_names:
        return {}
    rows = session.exec(select(OneSourceDecision.norm_name, OneSourceDecision.source_unit_id)
                        .where(OneSourceDecision.norm_name.in_(norm_names))).all()  # type: ignore[attr-defined]
    return dict(rows)


def write_items(session: Session, entry_id: int, items: list[DataItemInput]) -> None:
    session.execute(delete(DataItem).where(DataItem.entry_id == entry_id))  # type: ignore[arg-type]
    if items:
        session.execute(insert(DataItem), [
            dict(entry_id=entry_id, position=n, name=i.name, norm_name=normalise_name(i.name)[:80],
                 data_type=i.data_type, length=i.length, is_sensitive=i.is_sensitive, is_source=i.is_source)
            for n, i in enumerate(items)])


def apply_columns(entry: CatalogEntry, data: EntryInput) -> None:
    for key in ENTRY_FIELDS:
        setattr(entry, key, getattr(data, key))


def store_draft(session: Session, entry: CatalogEntry, data: EntryInput) -> None:
    """Draft of an entry with a live published version goes to `pending`; otherwise to the columns."""
    score, _missing = completeness(data)
    if entry.is_published:
        pending = pending_of(entry) or {}
        pending.update(fields=input_to_json(data), completeness=score)
        entry.pending = json.dumps(pending, ensure_ascii=False)
    else:
        apply_columns(entry, data)
        entry.completeness = score
        entry.pending = None
        write_items(session, entry.id, data.data_items)  # type: ignore[arg-type]


def snapshot(data: EntryInput, extra: dict | None = None) -> str:
    payload = input_to_json(data)
    payload.update(extra or {})
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def publish_version(session: Session, entry: CatalogEntry, data: EntryInput, kind: str, actor: Actor,
                     now: datetime) -> int:
    entry.published_version += 1
    session.add(CatalogVersion(entry_id=entry.id, version_no=entry.published_version, change_kind=kind,
                               snapshot=snapshot(data, {"status": entry.status}), published_at=now,
                               published_by=actor.user_id))
    return entry.published_version


def make_live(session: Session, entry: CatalogEntry, data: EntryInput, now: datetime) -> None:
    if data.published_on is None:
        data.published_on = local_date(now)
    apply_columns(entry, data)
    write_items(session, entry.id, data.data_items)  # type: ignore[arg-type]
    entry.completeness = completeness(data)[0]
    entry.item_count = len(data.data_items)
    entry.search_text = search_text(data)
    entry.is_published = True
    entry.last_maintained_at = now
    link_responsibility(session, entry)


def review_unit(session: Session, provider_unit_id: int) -> Unit | None:
    """The competent bureau that reviews a unit's catalog (services.core.jurisdiction.competent_bureau)."""
    unit = session.get(Unit, provider_unit_id)
    return competent_bureau(session, unit.region_id if unit else None)


def link_responsibility(session: Session, entry: CatalogEntry) -> None:
    """A responsibility-list item of the unit with the same (normalised) name is fulfilled by this entry."""
    key = normalise_name(entry.name)
    rows = session.exec(select(ResponsibilityItem).where(ResponsibilityItem.unit_id == entry.provider_unit_id,
                                                         ResponsibilityItem.entry_id.is_(None))).all()  # type: ignore[union-attr]
    for item in rows:
        if normalise_name(item.resource_name) == key:
            item.entry_id = entry.id
            session.add(item)


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


def units_by_id(session: Session, ids) -> dict[int, Unit]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(ids))).all()}  # type: ignore[union-attr]


def may_see_working_copy(actor: Actor, entry: CatalogEntry, region_id: int | None) -> bool:
    return can(actor, "catalog.view_unpublished", unit_id=entry.provider_unit_id, region_id=region_id)
