"""Demo and scale data: a believable fictional city (示范市), built by domain steps in order.

Each feature adds its rows by registering a step in STEPS (see `register`). Steps share one SeedContext:
the random generator (deterministic per --seed), the scale preset, the reference "now" and the ids
created by earlier steps."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel, func, select

import models
from services.core import audit
from services.core.actor import Actor
from services.core.db import get_engine, write_session
from services.core.timeutil import now_utc


@dataclass(frozen=True)
class ScalePreset:
    name: str
    cities: int
    counties_per_city: int
    extra_city_units: int  # synthetic departments beyond the named demo list, per city
    extra_county_units: int  # synthetic departments beyond the named list, per county
    entries: int
    data_items: int
    share_requests: int
    open_requests: int
    corrections: int
    audit_events: int
    update_logs: int  # rows of the aggregation update log over the two years


SCALES: dict[str, ScalePreset] = {
    "demo": ScalePreset("demo", 1, 3, 0, 0, 600, 10_000, 2_000, 300, 200, 20_000, 10_000),
    "city": ScalePreset("city", 1, 9, 0, 5, 6_000, 120_000, 30_000, 3_000, 2_000, 300_000,
                        300_000),
    "province": ScalePreset("province", 12, 10, 3, 8, 100_000, 2_000_000, 1_000_000, 100_000, 50_000,
                            5_000_000, 10_000_000),
}


@dataclass
class SeedContext:
    scale: ScalePreset
    rng: random.Random
    now: datetime
    actor: Actor
    ids: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


SeedStep = Callable[[SeedContext], None]
STEPS: list[tuple[str, SeedStep]] = []


def register(name: str) -> Callable[[SeedStep], SeedStep]:
    def deco(fn: SeedStep) -> SeedStep:
        STEPS.append((name, fn))
        return fn
    return deco


# The seeding order: each step may use what the steps before it created (an import list would be re-sorted
# alphabetically by the linter, so the order is spelled out here). Add your module to register its steps.
STEP_MODULES = (
    "calendar",  # working-day calendar and default profile: needs nothing, needed by every clock
    "orgs",
    "catalog",  # entries, data items, versions, review/update clocks: needs units and the calendar
    "sharing",  # share requests over the published catalog: must run after "catalog" (ctx.ids["entries"])
    "aggregation",  # registrations, update logs and freshness of the published catalog
    "corrections",  # corrections by units and the public: after "sharing" (reporters are the data's consumers)
    "opendata",  # public open-data requests and this year's open plans: needs units, entries and the calendar
    "projects",  # informatization projects and their gate decisions: after "aggregation" (entries' freshness)
    "assessment",  # last year's assessment published, this year's in the appeal window: reads every KPI above
    "reports",  # annual reports where the profile sets the duty: after every step whose figures they freeze
    "history",  # audit history of everything above; always runs last (see seed())
)


def _load_steps() -> None:
    for module in STEP_MODULES:
        importlib.import_module(f"services.seed.{module}")


def has_data() -> bool:
    with write_session() as session:
        return (session.exec(select(func.count()).select_from(models.Unit)).one() or 0) > 0


def is_demo_database() -> bool:
    """True when `seed-demo` built this database (its audit event is there): demo mode fits only such a database."""
    with write_session() as session:
        return session.exec(select(models.AuditEvent.id).where(models.AuditEvent.action == "seed.demo")).first() \
            is not None


def reset_data() -> None:
    """Empty every table (schema stays); used by --reset and by tests."""
    engine = get_engine()
    tables = [t for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    audit.forget_checkpoint(engine)  # the emptied audit log starts a new chain


def seed(scale: str = "demo", *, seed_value: int = 42, reset: bool = False, now: datetime | None = None,
         progress: Callable[[str], None] | None = None, profile: str | None = None) -> dict[str, int]:
    _load_steps()
    preset = SCALES[scale]
    if reset:
        reset_data()
    ctx = SeedContext(scale=preset, rng=random.Random(seed_value), now=now_utc(now), actor=Actor.system("seed-demo"))
    if profile:
        ctx.ids["profile"] = profile  # the calendar step makes it the active profile before any clock starts
    # Steps run in STEP_MODULES order whatever the import order (a module imported early — by a test or by
    # another step — registers early); the audit history, which describes what every other step created, last.
    def order(item: tuple[str, SeedStep]) -> tuple[bool, int]:
        module = item[1].__module__.rsplit(".", 1)[-1]
        return item[0] == "history", STEP_MODULES.index(module) if module in STEP_MODULES else len(STEP_MODULES)

    for name, step in sorted(STEPS, key=order):
        if progress:
            progress(name)
        step(ctx)
    with write_session() as session:
        audit.record(session, ctx.actor, "seed.demo", object_type="database",
                     detail={"scale": scale, "seed": seed_value, "counts": ctx.counts}, now=ctx.now)
        session.commit()
    from services.core import bulk

    with write_session() as session:
        bulk.analyze(session)  # planners need the real row counts before the first screen is drawn
        session.commit()
    return ctx.counts
