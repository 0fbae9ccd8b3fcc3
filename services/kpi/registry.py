"""The KPI registry: families of KPI definitions, each family with the SQL builders its values come from.

A family module (services/kpi/<family>.py) calls `register_family(KpiFamily(...))` once at import time. Its
query builders take a `KpiWindow` (the period being measured and the filters) and a `Grain` (one total row,
or one row per unit) and return a SQLAlchemy `Select` whose labelled columns are plain aggregates. Each
`KpiDefinition` names the column(s) it is read from, so one scan of a table serves every KPI of a family."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, case, false, func, select, true

from models import Unit
from services.core.timeutil import tz


class KpiUnit(StrEnum):
    PERCENT = "%"
    COUNT = "count"
    DAYS = "days"


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"


class Grain(StrEnum):
    TOTAL = "total"  # one row for the whole selection
    UNIT = "unit"  # one row per unit; the builder adds a `unit_id` column


UNIT_COLUMN = "unit_id"



def count_where(condition) -> ColumnElement:
    """Rows meeting `condition`, as one aggregate column (0 on an empty set): the families' building block."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

@dataclass(frozen=True)
class KpiWindow:
    """What one evaluation measures: events in [start, as_of], stock measured at the end of `as_of`.

    `as_of` is the period's last day, or today while the period is still running. `unit_ids` is either
    None (no unit filter), or a subquery / list of unit ids the selection is limited to."""

    start: date
    end: date
    as_of: date
    unit_ids: Select | tuple[int, ...] | None = None
    region_ids: tuple[int, ...] | None = None  # the same filter, for rows that carry only a region

    def units(self, column) -> ColumnElement[bool]:
        """Condition limiting `column` (a unit id column) to the selected units."""
        if self.unit_ids is None:
            return true()
        if isinstance(self.unit_ids, tuple):
            return column.in_(self.unit_ids) if self.unit_ids else false()
        return column.in_(self.unit_ids)

    @property
    def start_at(self) -> datetime:
        """Local midnight at the start of the window, as an aware datetime (compared with UTC columns)."""
        return datetime.combine(self.start, time.min, tzinfo=tz())

    @property
    def as_of_end(self) -> datetime:
        """Local midnight after `as_of`: timestamps strictly before it belong to the window."""
        return datetime.combine(self.as_of + timedelta(days=1), time.min, tzinfo=tz())


def units_in_regions(region_ids: tuple[int, ...]) -> Select:
    return select(Unit.id).where(Unit.region_id.in_(region_ids))  # type: ignore[union-attr]


QueryBuilder = Callable[[KpiWindow, Grain], Select]


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI: read as `numerator` (a count or a sum) or as `numerator / denominator` (×100 for percents)."""

    key: str
    title: str  # msgid
    unit: KpiUnit
    direction: Direction
    default_target: float | None
    numerator: str
    denominator: str | None = None
    description: str = ""  # msgid: the formula in words, shown as the tile's tooltip
    # Where a red number leads: "late" (missed deadlines of the period), "overdue" (open overdue clocks) or
    # "units" (the family's table by unit, worst first); `drill_filter` narrows the list.
    drill: str | None = None
    drill_filter: Mapping[str, str] = field(default_factory=dict)
    family: str = ""  # filled in by register_family
    # A duty only some regulations impose: the name of the Profile property (a flag) that imposes it. Under a
    # profile without the duty the KPI has no target and reads "not applicable" (Shanghai §10's yearly maintenance).
    applies_if: str | None = None

    def value(self, row: Mapping[str, float | int | None]) -> float | None:
        numerator = row.get(self.numerator)
        if self.denominator is None:
            return float(numerator or 0)
        denominator = row.get(self.denominator)
        if not denominator:
            return None  # nothing to measure (no deadline fell due, no entry published…)
        ratio = float(numerator or 0) / float(denominator)
        return ratio * 100 if self.unit is KpiUnit.PERCENT else ratio


@dataclass(frozen=True)
class KpiFamily:
    key: str
    title: str  # msgid
    queries: tuple[QueryBuilder, ...]
    kpis: tuple[KpiDefinition, ...]
    order: int = 100
    # Unit column the family is measured by ("provider unit", "responsible unit"), shown above its charts.
    unit_role: str = ""


FAMILIES: dict[str, KpiFamily] = {}


def register_family(family: KpiFamily) -> KpiFamily:
    keys = {d.key for f in FAMILIES.values() if f.key != family.key for d in f.kpis}
    kpis = []
    for definition in family.kpis:
        if definition.key in keys:
            raise ValueError(f"KPI key {definition.key!r} is registered twice")
        keys.add(definition.key)
        kpis.append(_with_family(definition, family.key))
    registered = KpiFamily(family.key, family.title, family.queries, tuple(kpis), family.order, family.unit_role)
    FAMILIES[family.key] = registered
    return registered


def _with_family(definition: KpiDefinition, family_key: str) -> KpiDefinition:
    from dataclasses import replace

    return replace(definition, family=family_key)


def families() -> list[KpiFamily]:
    return sorted(FAMILIES.values(), key=lambda f: (f.order, f.key))


def definitions() -> list[KpiDefinition]:
    return [d for f in families() for d in f.kpis]


def definition(key: str) -> KpiDefinition | None:
    return next((d for d in definitions() if d.key == key), None)
