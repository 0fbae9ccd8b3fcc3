"""Catalog quality and coverage: completeness rollups per unit, the responsibility list (采集责任清单), the demand
list (需求清单) and one source per data item (一数一源: Shanghai §11, Qingyuan §15–16, Yunyang §20, §26)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, case, distinct, func, or_
from sqlmodel import select

from models import CatalogEntry, DataItem, DemandItem, OneSourceDecision, ResponsibilityItem, Unit
from models.catalog import BaseLibrary, Classification, EntryStatus
from services.catalog.rules import normalise_name
from services.core.actor import Actor
from services.core.errors import NotFound, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.timeutil import now_utc
from services.core.uow import read_scope, unit_of_work
from services.core.validators import text_error

NOTE_MAX = 500  # a responsibility item's note, the basis of a one-source ruling (the columns' length)
DEMAND_STATUS_NAMES = {"open": N_("Awaiting a match"), "linked": N_("Matched"), "closed": N_("Closed")}
# (state, action) -> next state of a demand-list item
DEMAND_TRANSITIONS = {("open", "link"): "linked", ("linked", "link"): "linked", ("open", "close"): "closed",
                      ("linked", "close"): "closed"}


# --- completeness and coverage per unit -------------------------------------------------------------
ROLLUP_COLUMNS = ["unit_id", "unit", "entries", "published", "draft", "submitted", "returned", "completeness",
                  "incomplete", "expected", "covered", "coverage"]


def unit_rollup(actor: Actor, *, unit_id: int | None = None) -> pd.DataFrame:
    """Per unit: entries by status, mean completeness of published entries, entries below 100 %, and
    responsibility-list coverage (expected entries whose linked entry is published)."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        status_count = lambda s: func.sum(case((CatalogEntry.status == s, 1), else_=0))  # noqa: E731
        per_unit = (select(CatalogEntry.provider_unit_id.label("unit_id"), func.count().label("entries"),
                           func.sum(case((CatalogEntry.is_published.is_(True), 1), else_=0)).label("published"),  # type: ignore[attr-defined]
                           status_count(EntryStatus.DRAFT).label("draft"),
                           status_count(EntryStatus.SUBMITTED).label("submitted"),
                           status_count(EntryStatus.RETURNED).label("returned"),
                           func.avg(case((CatalogEntry.is_published.is_(True), CatalogEntry.completeness))).label("completeness"),  # type: ignore[attr-defined]
                           func.sum(case((CatalogEntry.completeness < 1, 1), else_=0)).label("incomplete"))
                    .group_by(CatalogEntry.provider_unit_id).subquery())
        live = select(CatalogEntry.id).where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
        resp = (select(ResponsibilityItem.unit_id.label("unit_id"), func.count().label("expected"),
                       func.sum(case((ResponsibilityItem.entry_id.in_(live), 1), else_=0)).label("covered"))  # type: ignore[union-attr]
                .group_by(ResponsibilityItem.unit_id).subquery())
        stmt = (select(Unit.id, Unit.name, per_unit.c.entries, per_unit.c.published, per_unit.c.draft,
                       per_unit.c.submitted, per_unit.c.returned, per_unit.c.completeness, per_unit.c.incomplete,
                       resp.c.expected, resp.c.covered)
                .outerjoin(per_unit, per_unit.c.unit_id == Unit.id)
                .outerjoin(resp, resp.c.unit_id == Unit.id)
                .where((per_unit.c.entries.is_not(None)) | (resp.c.expected.is_not(None)))
                .order_by(Unit.region_id, Unit.name))
        if unit_id:
            stmt = stmt.where(Unit.id == unit_id)
        rows = []
        for r in session.exec(stmt).all():
            expected, covered = int(r[9] or 0), int(r[10] or 0)
            rows.append([r[0], r[1], int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0), int(r[6] or 0),
                         float(r[7]) if r[7] is not None else None, int(r[8] or 0), expected, covered,
                         covered / expected if expected else None])
        return pd.DataFrame(rows, columns=ROLLUP_COLUMNS)


# --- responsibility list ----------------------------------------------------------------------------
RESPONSIBILITY_COLUMNS = ["id", "unit_id", "unit", "resource_name", "base_library", "entry_id", "entry_code",
                          "entry_status", "covered", "note"]


def list_responsibility(actor: Actor, *, unit_id: int | None = None) -> pd.DataFrame:
    with read_scope(actor, "catalog.view") as (session, _scope):
        stmt = (select(ResponsibilityItem, Unit.name, CatalogEntry.resource_code, CatalogEntry.status,
                       CatalogEntry.is_published)
                .join(Unit, Unit.id == ResponsibilityItem.unit_id)
                .outerjoin(CatalogEntry, CatalogEntry.id == ResponsibilityItem.entry_id)
                .order_by(Unit.region_id, Unit.name, ResponsibilityItem.id))
        if unit_id:
            stmt = stmt.where(ResponsibilityItem.unit_id == unit_id)
        rows = [[r.id, r.unit_id, uname, r.resource_name, r.base_library, r.entry_id, code, status, bool(live),
                 r.note] for r, uname, code, status, live in session.exec(stmt).all()]
        return pd.DataFrame(rows, columns=RESPONSIBILITY_COLUMNS)


def add_responsibility(actor: Actor, unit_id: int, resource_name: str, *, base_library: str | None = None,
                       note: str | None = None, now: datetime | None = None) -> int:
    """The bureau lists an entry a unit is expected to catalog (Chongqing §12–13, Yunyang §16–17)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.responsibility", object_type="responsibility_item")
        errors: dict[str, str] = {}
        resource_name = (resource_name or "").strip()
        if uow.session.get(Unit, unit_id) is None:
            errors["unit_id"] = _("Choose a unit.")
        if not resource_name:
            errors["resource_name"] = _("The resource name is required.")
        elif len(resource_name) > 120:
            errors["resource_name"] = _("At most {n} characters.", n=120)
        if text_error((note or "").strip(), NOTE_MAX):
            errors["note"] = text_error((note or "").strip(), NOTE_MAX)  # type: ignore[assignment]
        if base_library and base_library not in {str(b) for b in BaseLibrary}:
            errors["base_library"] = _("Choose one of the listed values.")
        if not errors:
            key = normalise_name(resource_name)
            existing = uow.session.exec(select(ResponsibilityItem.resource_name)
                                        .where(ResponsibilityItem.unit_id == unit_id)).all()
            if any(normalise_name(n) == key for n in existing):
                errors["resource_name"] = _("This unit's responsibility list already has {name}.", name=resource_name)
        if errors:
            raise ValidationError(errors)
        item = ResponsibilityItem(unit_id=unit_id, resource_name=resource_name, base_library=base_library or None,
                                  note=(note or "").strip() or None, created_by=actor.user_id, created_at=now)
        # An entry the unit already publishes under that name fulfils the item at once.
        for entry_id, name in uow.session.exec(select(CatalogEntry.id, CatalogEntry.name).where(
                CatalogEntry.provider_unit_id == unit_id, CatalogEntry.is_published.is_(True))).all():  # type: ignore[attr-defined]
            if normalise_name(name) == normalise_name(resource_name):
                item.entry_id = entry_id
                break
        uow.session.add(item)
        uow.session.flush()
        uow.audit("catalog.responsibility_add", object_type="responsibility_item", object_id=item.id,
                  detail={"unit_id": unit_id, "resource_name": resource_name, "base_library": base_library})
        uow.commit()
        return item.id  # type: ignore[return-value]


def link_responsibility(actor: Actor, item_id: int, entry_id: int | None, *, now: datetime | None = None) -> None:
    """The bureau links a responsibility item to the unit's entry that fulfils it (or clears the link)."""
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.responsibility", object_type="responsibility_item", object_id=item_id)
        item = uow.get(ResponsibilityItem, item_id, for_update=True)
        if entry_id is not None:
            entry = uow.session.get(CatalogEntry, entry_id)
            if entry is None or entry.provider_unit_id != item.unit_id:
                raise ValidationError({"entry_id": _("Choose an entry of the responsible unit.")})
        before = item.entry_id
        item.entry_id = entry_id
        uow.session.add(item)
        uow.audit("catalog.responsibility_link", object_type="responsibility_item", object_id=item_id,
                  detail={"before": before, "after": entry_id})
        uow.commit()


def remove_responsibility(actor: Actor, item_id: int, *, now: datetime | None = None) -> None:
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.responsibility", object_type="responsibility_item", object_id=item_id)
        item = uow.get(ResponsibilityItem, item_id, for_update=True)
        snapshot = {"unit_id": item.unit_id, "resource_name": item.resource_name, "entry_id": item.entry_id}
        uow.session.delete(item)
        uow.audit("catalog.responsibility_remove", object_type="responsibility_item", object_id=item_id,
                  detail={"before": snapshot})
        uow.commit()


# --- demand list ------------------------------------------------------------------------------------
DEMAND_COLUMNS = ["id", "unit_id", "unit", "title", "description", "wanted_items", "status", "linked_entry_id",
                  "linked_entry", "responsible_unit_id", "responsible_unit", "created_at", "version"]


def list_demands(actor: Actor, *, unit_id: int | None = None, status: str | None = None) -> pd.DataFrame:
    """Stewards see their own unit's needs and those routed to their unit; the bureau sees all."""
    from sqlalchemy.orm import aliased

    with read_scope(actor, "catalog.view") as (session, _scope):
        responsible = aliased(Unit)
        stmt = (select(DemandItem, Unit.name, CatalogEntry.name, responsible.name)
                .join(Unit, Unit.id == DemandItem.unit_id)
                .outerjoin(CatalogEntry, CatalogEntry.id == DemandItem.linked_entry_id)
                .outerjoin(responsible, responsible.id == DemandItem.responsible_unit_id)
                .order_by(DemandItem.created_at.desc()))  # type: ignore[attr-defined]
        if unit_id:
            stmt = stmt.where((DemandItem.unit_id == unit_id) | (DemandItem.responsible_unit_id == unit_id))
        if status:
            stmt = stmt.where(DemandItem.status == status)
        rows = [[d.id, d.unit_id, uname, d.title, d.description, d.wanted_items, d.status, d.linked_entry_id, ename,
                 d.responsible_unit_id, rname, d.created_at, d.version]
                for d, uname, ename, rname in session.exec(stmt).all()]
        return pd.DataFrame(rows, columns=DEMAND_COLUMNS)


def add_demand(actor: Actor, title: str, *, description: str | None = None, wanted_items: str | None = None,
               now: datetime | None = None) -> int:
    """A unit records data it needs from other units (需求清单)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.demand", unit_id=actor.unit_id, object_type="demand_item")
        title = (title or "").strip()
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = _("Say what data the unit needs.")
        elif len(title) > 120:
            errors["title"] = _("At most {n} characters.", n=120)
        if description and len(description) > 1000:
            errors["description"] = _("At most {n} characters.", n=1000)
        if wanted_items and len(wanted_items) > 1000:
            errors["wanted_items"] = _("At most {n} characters.", n=1000)
        if errors:
            raise ValidationError(errors)
        demand = DemandItem(unit_id=actor.unit_id, title=title, description=(description or "").strip() or None,  # type: ignore[arg-type]
                            wanted_items=(wanted_items or "").strip() or None, created_by=actor.user_id,
                            created_at=now)
        uow.session.add(demand)
        uow.session.flush()
        uow.audit("catalog.demand_add", object_type="demand_item", object_id=demand.id,
                  detail={"title": title, "wanted_items": demand.wanted_items})
        uow.commit()
        return demand.id  # type: ignore[return-value]


def link_demand(actor: Actor, demand_id: int, *, entry_id: int | None = None, responsible_unit_id: int | None = None,
                expected_version: int | None = None, now: datetime | None = None) -> None:
    """The bureau answers a need with a published entry, or names the unit responsible for cataloguing it."""
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.demand_link", object_type="demand_item", object_id=demand_id)
        demand = uow.get(DemandItem, demand_id, for_update=True)
        target = DEMAND_TRANSITIONS.get((demand.status, "link"))
        if target is None:
            raise ValidationError(_("A closed demand cannot be linked."))
        errors: dict[str, str] = {}
        if entry_id is None and responsible_unit_id is None:
            errors["entry_id"] = _("Choose an entry or a responsible unit.")
        if entry_id is not None:
            entry = uow.session.get(CatalogEntry, entry_id)
            if entry is None or not entry.is_published:
                errors["entry_id"] = _("Choose a published entry.")
            elif responsible_unit_id is None:
                responsible_unit_id = entry.provider_unit_id
        if responsible_unit_id is not None and uow.session.get(Unit, responsible_unit_id) is None:
            errors["responsible_unit_id"] = _("Choose a unit.")
        if errors:
            raise ValidationError(errors)
        uow.check_version(demand, expected_version)
        before = {"entry_id": demand.linked_entry_id, "responsible_unit_id": demand.responsible_unit_id}
        demand.linked_entry_id = entry_id
        demand.responsible_unit_id = responsible_unit_id
        demand.status = target
        uow.session.add(demand)
        uow.audit("catalog.demand_link", object_type="demand_item", object_id=demand_id,
                  detail={"before": before, "after": {"entry_id": entry_id,
                                                      "responsible_unit_id": responsible_unit_id}})
        uow.commit()


def close_demand(actor: Actor, demand_id: int, *, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """The unit that recorded a need closes it (met or no longer needed)."""
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.demand", object_type="demand_item", object_id=demand_id)  # the role first
        demand = uow.get(DemandItem, demand_id, for_update=True)
        uow.require("catalog.demand", unit_id=demand.unit_id, object_type="demand_item", object_id=demand_id)
        target = DEMAND_TRANSITIONS.get((demand.status, "close"))
        if target is None:
            raise ValidationError(_("This demand is already closed."))
        uow.check_version(demand, expected_version)
        demand.status = target
        uow.session.add(demand)
        uow.audit("catalog.demand_close", object_type="demand_item", object_id=demand_id)
        uow.commit()


# --- one source per data item -----------------------------------------------------------------------
CONFLICT_COLUMNS = ["norm_name", "item_name", "units", "unit_ids", "entries", "source_unit_id", "source_unit",
                    "settled"]


def one_source_conflicts(actor: Actor, *, include_settled: bool = True) -> pd.DataFrame:
    """Data items (by normalised name) that two or more units claim as source in their published entries or in
    drafts waiting to be submitted (a claim held by the one-source rule is saved as a draft and asks the bureau
    for a ruling here). A conflict stays listed as settled once the bureau has ruled, until the other units
    clear their flags."""
    with read_scope(actor, "catalog.view") as (session, _scope):
        claiming = or_(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                       CatalogEntry.status.in_([str(EntryStatus.DRAFT), str(EntryStatus.RETURNED)]))  # type: ignore[attr-defined]
        claimed = (select(DataItem.norm_name)
                   .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
                   .where(DataItem.is_source.is_(True), claiming)  # type: ignore[attr-defined]
                   .group_by(DataItem.norm_name)
                   .having(func.count(distinct(CatalogEntry.provider_unit_id)) > 1))
        names = list(session.exec(claimed).all())
        if not names:
            return pd.DataFrame(columns=CONFLICT_COLUMNS)
        detail = session.exec(
            select(DataItem.norm_name, DataItem.name, Unit.id, Unit.name, CatalogEntry.resource_code)
            .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
            .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
            .where(DataItem.norm_name.in_(names), DataItem.is_source.is_(True), claiming)  # type: ignore[attr-defined]
            .order_by(DataItem.norm_name, Unit.name)).all()
        rulings = {d.norm_name: d for d in session.exec(
            select(OneSourceDecision).where(OneSourceDecision.norm_name.in_(names))).all()}  # type: ignore[attr-defined]
        unit_names = dict(session.exec(select(Unit.id, Unit.name).where(
            Unit.id.in_([r.source_unit_id for r in rulings.values()]))).all()) if rulings else {}  # type: ignore[union-attr]
        grouped: dict[str, dict] = {}
        for norm, item_name, uid, uname, code in detail:
            g = grouped.setdefault(norm, {"item_name": item_name, "units": {}, "entries": []})
            g["units"][uid] = uname
            g["entries"].append(code)
        rows = []
        for norm, g in grouped.items():
            ruling = rulings.get(norm)
            if ruling is not None and not include_settled:
                continue
            rows.append([norm, g["item_name"], list(g["units"].values()), list(g["units"]), sorted(set(g["entries"])),
                         ruling.source_unit_id if ruling else None,
                         unit_names.get(ruling.source_unit_id) if ruling else None, ruling is not None])
        return pd.DataFrame(rows, columns=CONFLICT_COLUMNS)


def settle_conflict(actor: Actor, norm_name: str, source_unit_id: int, note: str | None = None, *,
                    now: datetime | None = None) -> None:
    """The bureau rules which unit is the legal source of a data item (Yunyang §26); the other units must
    clear their source flags at their next change (submission checks the ruling)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("catalog.one_source", object_type="one_source_decision", object_id=norm_name)
        norm_name = normalise_name(norm_name)
        if not norm_name:
            raise ValidationError({"norm_name": _("Choose a data item.")})
        if uow.session.get(Unit, source_unit_id) is None:
            raise ValidationError({"source_unit_id": _("Choose a unit.")})
        if text_error((note or "").strip(), NOTE_MAX):
            raise ValidationError({"note": text_error((note or "").strip(), NOTE_MAX)})  # type: ignore[dict-item]
        ruling = uow.session.exec(select(OneSourceDecision).where(OneSourceDecision.norm_name == norm_name)
                                  .with_for_update()).first()
        before = ruling.source_unit_id if ruling else None
        if ruling is None:
            ruling = OneSourceDecision(norm_name=norm_name, source_unit_id=source_unit_id)
        ruling.source_unit_id = source_unit_id
        ruling.note = (note or "").strip() or None
        ruling.decided_by = actor.user_id
        ruling.decided_at = now
        uow.session.add(ruling)
        uow.audit("catalog.one_source_settle", object_type="one_source_decision", object_id=norm_name,
                  detail={"before": before, "after": source_unit_id, "note": ruling.note})
        uow.commit()


@dataclass
class ShareableItem:
    item_name: str
    provider_unit_id: int
    provider: str
    entry_id: int
    resource_code: str
    entry_name: str


def obtainable_by_sharing(actor: Actor, unit_id: int, item_names: list[str]) -> list[ShareableItem]:
    """Data items another unit's published base-library entry provides as their legal source: the unit should
    obtain them by sharing rather than collect them again (Shanghai §11, Qingyuan §16)."""
    wanted = {normalise_name(n): n for n in item_names if n and normalise_name(n)}
    if not wanted:
        return []
    with read_scope(actor, "catalog.view") as (session, _scope):
        rows = session.exec(
            select(DataItem.norm_name, CatalogEntry.provider_unit_id, Unit.name, CatalogEntry.id,
                   CatalogEntry.resource_code, CatalogEntry.name)
            .join(CatalogEntry, CatalogEntry.id == DataItem.entry_id)
            .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
            .where(DataItem.norm_name.in_(list(wanted)), DataItem.is_source.is_(True),  # type: ignore[attr-defined]
                   and_(CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
                        CatalogEntry.classification == Classification.BASE,
                        CatalogEntry.provider_unit_id != unit_id))
            .order_by(DataItem.norm_name, CatalogEntry.resource_code)).all()
        seen: set[str] = set()
        out: list[ShareableItem] = []
        for norm, uid, uname, eid, code, ename in rows:
            if norm in seen:
                continue
            seen.add(norm)
            out.append(ShareableItem(wanted[norm], uid, uname, eid, code, ename))
        return out


def scope_unit(actor: Actor, action: str, unit_id: int | None) -> int | None:
    """The unit a list is filtered to: a steward's own unit whatever was asked, the bureau's choice otherwise."""
    from services.core.permissions import allowed_scope

    scope = allowed_scope(actor, action)
    if scope is None:
        raise NotFound()
    return actor.unit_id if scope is Scope.UNIT else unit_id


def quality_unit(actor: Actor, unit_id: int | None = None) -> int | None:
    """The unit the quality lists show. Those who supervise every unit's catalog — reviewers, leadership and
    assessors, who read the same figures on the dashboard (`kpi.view` for all units) — see every unit or the
    one they pick; anyone else sees their own unit. (Leadership and assessors sit in the bureau, which
    catalogs nothing: narrowing them to their own unit left the page empty.)"""
    from services.core.permissions import allowed_scope, require

    require(actor, "catalog.view")  # a reader of the catalog at all
    if allowed_scope(actor, "kpi.view") is Scope.ALL or allowed_scope(actor, "catalog.responsibility") is Scope.ALL:
        return unit_id
    return actor.unit_id
