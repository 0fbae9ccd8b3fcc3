"""Leadership KPIs: the registry of KPI families, the bundle every tile and `manage.py kpi` read, and the
breakdown by unit behind the charts. Adding a family = a module here that calls `register_family`, listed
in FAMILY_MODULES below (see docs/kpi.md)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import pandas as pd
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlmodel import Session, select

from models import AuditHead, KpiTarget, Region, Unit
from services.core.actor import Actor
from services.core.actor_store import region_descendants
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.kpi.period import Period, PeriodKind
from services.kpi.registry import (
    UNIT_COLUMN,
    Direction,
    Grain,
    KpiDefinition,
    KpiFamily,
    KpiUnit,
    KpiWindow,
    definition,
    definitions,
    families,
    register_family,
    units_in_regions,
)

# Import order is the order of the families on the dashboard's tabs (each module registers itself).
FAMILY_MODULES = ("services.kpi.catalog", "services.kpi.aggregation", "services.kpi.sharing", "services.kpi.corrections",
                  "services.kpi.opendata", "services.kpi.projects", "services.kpi.clocks", "services.kpi.assessment")
for _module in FAMILY_MODULES:
    importlib.import_module(_module)

__all__ = [
    "Direction", "Grain", "KpiDefinition", "KpiFamily", "KpiResult", "KpiUnit", "KpiWindow", "Period", "PeriodKind",
    "Selection", "Status", "by_unit", "compute", "definition", "definitions", "families", "generation",
    "register_family", "status_of",
]


class KpiSettings(BaseSettings):
    """How far from its target a KPI may be before it turns from amber to red (GOVDATA_KPI_* environment)."""

    model_config = SettingsConfigDict(env_prefix="GOVDATA_KPI_", extra="ignore")

    amber_points: float = 5.0  # percentage points below (or above) the target for % KPIs
    amber_ratio: float = 0.2  # share of the target for counts and day averages
    list_limit: int = 2000  # rows shown in a drill-down list (the total is always counted)


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # no value (nothing to measure) or no target
    NOT_APPLICABLE = "not_applicable"  # the rules in force impose no such duty (KpiDefinition.applies_if)


def status_of(kpi: KpiDefinition, value: float | None, target: float | None,
              settings: KpiSettings | None = None) -> Status:
    if value is None or target is None:
        return Status.NONE
    settings = settings or KpiSettings()
    band = settings.amber_points if kpi.unit is KpiUnit.PERCENT else abs(target) * settings.amber_ratio
    gap = (target - value) if kpi.direction is Direction.HIGHER else (value - target)
    if gap <= 1e-9:
        return Status.GREEN
    return Status.AMBER if gap <= band + 1e-9 else Status.RED


@dataclass(frozen=True)
class KpiResult:
    key: str
    family: str
    title: str  # msgid
    unit: KpiUnit
    direction: Direction
    value: float | None
    previous: float | None
    target: float | None
    status: Status
    description: str = ""
    drill: str | None = None
    drill_filter: dict[str, str] = field(default_factory=dict)

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def as_dict(self) -> dict:
        return {"value": _rounded(self.value), "target": self.target, "previous": _rounded(self.previous),
                "status": str(self.status), "unit": str(self.unit), "direction": str(self.direction),
                "title": _(self.title), "family": self.family}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True)
class Selection:
    """Which units the figures cover, after the actor's scope and the region/unit filters."""

    unit_ids: object  # None (everything) | tuple of ids | subquery of ids
    region_ids: tuple[int, ...] | None
    region_id: int | None
    unit_id: int | None

    def window(self, period: Period, today: date) -> KpiWindow:
        return KpiWindow(period.start, period.end, period.as_of(today), self.unit_ids, self.region_ids)  # type: ignore[arg-type]


def select_units(session: Session, actor: Actor, scope: Scope, *, region_id: int | None,
                 unit_id: int | None) -> Selection:
    """Applies the actor's scope first, then the dashboard filters (a region includes the regions below it)."""
    allowed_regions: frozenset[int] | None = None
    if scope is Scope.REGION:
        allowed_regions = actor.region_ids
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(_("The unit does not exist."))
        if (scope is Scope.UNIT and unit_id != actor.unit_id) or (
                allowed_regions is not None and unit.region_id not in allowed_regions):
            raise PermissionDenied(_("This record is outside the units you are responsible for."), action="kpi.view")
        return Selection((unit_id,), (), region_id, unit_id)
    if scope is Scope.UNIT:
        return Selection((actor.unit_id,), (), None, actor.unit_id)
    if region_id is not None:
        if session.get(Region, region_id) is None:
            raise NotFound(_("The region does not exist."))
        regions = region_descendants(session, region_id)
        if allowed_regions is not None:
            regions = regions & allowed_regions
        ids = tuple(sorted(regions))
        return Selection(units_in_regions(ids), ids, region_id, None)
    if allowed_regions is not None:
        ids = tuple(sorted(allowed_regions))
        return Selection(units_in_regions(ids), ids, None, None)
    return Selection(None, None, None, None)


def family_rows(session: Session, family: KpiFamily, window: KpiWindow, grain: Grain) -> dict[object, dict]:
    """Runs the family's queries and merges their columns: {None: row} for TOTAL, {unit_id: row} for UNIT."""
    merged: dict[object, dict] = {}
    for build in family.queries:
        for row in session.execute(build(window, grain)).mappings():
            values = dict(row)
            key = values.pop(UNIT_COLUMN, None) if grain is Grain.UNIT else None
            merged.setdefault(key, {}).update(values)
    return merged


def target_table(session: Session) -> dict[tuple[str, int | None], float]:
    return {(t.kpi_key, t.region_id): t.value for t in session.exec(select(KpiTarget)).all()}


def applies(kpi: KpiDefinition) -> bool:
    """False when the active profile does not impose the duty the KPI measures (no target then)."""
    if kpi.applies_if is None:
        return True
    from services.deadlines import policy

    return bool(getattr(policy.active_profile(), kpi.applies_if))


def resolve_target(kpi: KpiDefinition, targets: dict[tuple[str, int | None], float],
                   region_id: int | None) -> float | None:
    """The region's own target, else the jurisdiction's, else the KPI's default."""
    if region_id is not None and (kpi.key, region_id) in targets:
        return targets[(kpi.key, region_id)]
    if (kpi.key, None) in targets:
        return targets[(kpi.key, None)]
    return kpi.default_target


def _selected_families(keys: Iterable[str] | None) -> list[KpiFamily]:
    chosen = families()
    if keys is not None:
        wanted = set(keys)
        chosen = [f for f in chosen if f.key in wanted]
    return chosen


def compute(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
            family_keys: Iterable[str] | None = None, now: datetime | None = None) -> list[KpiResult]:
    """Every KPI for the period and the period before it, with its target and red/amber/green status."""
    today = local_date(now)
    period.check_started(today)
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        selection = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id)
        current, previous = selection.window(period, today), selection.window(period.previous(), today)
        targets = target_table(session)
        settings = KpiSettings()
        results = []
        for family in _selected_families(family_keys):
            now_row = family_rows(session, family, current, Grain.TOTAL).get(None, {})
            before_row = family_rows(session, family, previous, Grain.TOTAL).get(None, {})
            for kpi in family.kpis:
                value, target = kpi.value(now_row), resolve_target(kpi, targets, region_id)
                status = status_of(kpi, value, target, settings)
                if not applies(kpi):
                    target, status = None, Status.NOT_APPLICABLE
                results.append(KpiResult(
                    kpi.key, kpi.family, kpi.title, kpi.unit, kpi.direction, value, kpi.value(before_row), target,
                    status, kpi.description, kpi.drill, dict(kpi.drill_filter)))
        return results


def by_unit(actor: Actor, period: Period, family_key: str, *, region_id: int | None = None,
            unit_id: int | None = None, now: datetime | None = None) -> pd.DataFrame:
    """The family's KPIs per unit for the period: unit_id, unit, region, then one column per KPI key."""
    today = local_date(now)
    period.check_started(today)
    family = next((f for f in families() if f.key == family_key), None)
    if family is None:
        raise NotFound(_("There is no KPI family {key}.", key=family_key))
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        selection = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id)
        rows = family_rows(session, family, selection.window(period, today), Grain.UNIT)
        names = unit_names(session, [k for k in rows if k is not None])
    columns = ["unit_id", "unit", "region"] + [k.key for k in family.kpis]
    records = []
    for unit, row in rows.items():
        if unit is None:
            continue
        name, region = names.get(unit, (str(unit), ""))
        records.append({"unit_id": unit, "unit": name, "region": region, **{k.key: k.value(row) for k in family.kpis}})
    return pd.DataFrame(records, columns=columns)


def unit_names(session: Session, unit_ids: list) -> dict[int, tuple[str, str]]:
    if not unit_ids:
        return {}
    rows = session.execute(select(Unit.id, Unit.short_name, Unit.name, Region.name)
                           .join(Region, Region.id == Unit.region_id)
                           .where(Unit.id.in_(unit_ids))).all()  # type: ignore[union-attr]
    return {uid: (short or name, region) for uid, short, name, region in rows}


def generation(actor: Actor) -> int:
    """A number that changes whenever a business action is recorded: the dashboard's cache key."""
    with read_scope(actor, "kpi.view") as (session, _scope):
        head = session.get(AuditHead, 1)
        return int(head.last_seq) if head else 0
