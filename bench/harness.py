"""Benchmark harness behind `manage.py bench`: builds (or reuses) one database per backend and scale, runs
every registered benchmark (warm-up + median of N runs) and reports medians, targets and ratios."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import platform
import sqlite3
import statistics
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bench import REGISTRY, Benchmark
from services.core import db

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SQLITE_DIR = Path(os.environ.get("GOVDATA_BENCH_DIR", "/tmp"))
MIN_RUNS = 5


@dataclass
class BenchContext:
    backend: str
    scale: str
    url: str
    memo: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # problems a benchmark met but ran through (shown in the report)
    _actors: dict[str, Any] = field(default_factory=dict)

    def actor(self, username: str):
        """A seeded account as an Actor (loaded once)."""
        if username not in self._actors:
            from models import User
            from services.core.actor_store import load_actor

            with db.read_session() as session:
                user = session.exec(select(User).where(User.username == username)).first()
                if user is None:
                    raise LookupError(f"no seeded account {username!r}")
                self._actors[username] = load_actor(session, user)
        return self._actors[username]

    @contextmanager
    def session(self) -> Iterator[Session]:
        with db.read_session() as session:
            yield session


@dataclass
class Result:
    backend: str
    name: str
    status: str  # ok | over target | missing | error | skipped
    median_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    runs: int = 0
    target_ms: float | None = None
    ratios: dict[str, float] = field(default_factory=dict)
    note: str = ""


# --- databases -------------------------------------------------------------------------------------------
def sqlite_url(scale: str, seed: int) -> str:
    return f"sqlite:///{SQLITE_DIR / f'govdata_bench_{scale}_{seed}.db'}"


def pg_url(base_url: str, scale: str, seed: int) -> str:
    return make_url(base_url).set(database=f"govdata_bench_{scale}_{seed}").render_as_string(hide_password=False)


def ensure_pg_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def seeded_with(scale: str, seed: int) -> bool:
    """True when the bound database holds a finished seed of this scale and seed on the current schema."""
    from models import AuditEvent
    from services.core import schema

    if schema.is_empty():
        return False
    differences = schema.drift()
    if differences and _only_indexes(differences):
        _apply_index_changes(differences)  # an index added to the models does not need a new seed
        differences = schema.drift()
    if differences:
        return False
    with db.read_session() as session:
        detail = session.exec(select(AuditEvent.detail).where(AuditEvent.action == "seed.demo")
                              .order_by(AuditEvent.seq.desc()).limit(1)).first()  # type: ignore[union-attr]
    if not detail:
        return False
    info = json.loads(detail)
    return info.get("scale") == scale and info.get("seed") == seed


def _only_indexes(differences: list) -> bool:
    return all(isinstance(d, tuple) and d[0] in ("add_index", "remove_index") for d in differences)


def _apply_index_changes(differences: list) -> None:
    with db.get_engine().begin() as conn:
        for kind, index in differences:
            if kind == "add_index":
                index.create(bind=conn, checkfirst=True)
            else:
                index.drop(bind=conn, checkfirst=True)
        if db.is_sqlite():
            conn.exec_driver_sql("ANALYZE")


def build(url: str, scale: str, seed: int, *, rebuild: bool, log: Callable[[str], None]) -> float | None:
    """Bind the engine to `url`, seeding it unless it already holds this preset; returns seconds spent seeding."""
    from services import seed as seeding
    from services.administration import bootstrap
    from services.core import schema

    if url.startswith("postgresql"):
        ensure_pg_database(url)
    db.configure(url)
    if not rebuild and seeded_with(scale, seed):
        log(f"reusing {safe(url)} ({scale}, seed {seed})")
        return None
    if not schema.is_empty() and schema.drift():
        log("schema changed since the last build: recreating the database")
        _drop_everything(url)
        db.configure(url)
    schema.upgrade()
    bootstrap.reference_data()
    log(f"seeding {scale} (seed {seed}) into {safe(url)} …")
    started = time.perf_counter()
    seeding.seed(scale, seed_value=seed, reset=True, progress=lambda step: log(f"  step {step} "
                                                                                   f"({time.perf_counter() - started:.0f} s)"))
    elapsed = time.perf_counter() - started
    log(f"seeded in {elapsed:.1f} s")
    return elapsed


def _drop_everything(url: str) -> None:
    db.get_engine().dispose()
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        with db.get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- running ---------------------------------------------------------------------------------------------
def resolve(bench: Benchmark) -> Callable | None:
    module_name, _, func_name = bench.target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, func_name, None)


def _call(fn: Callable, ctx: BenchContext) -> dict[str, float]:
    """One run: {label: seconds}; "" is the benchmark itself."""
    takes_ctx = len(inspect.signature(fn).parameters) > 0
    started = time.perf_counter()
    value = fn(ctx) if takes_ctx else fn()
    elapsed = time.perf_counter() - started
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"": float(value)}
    return {"": elapsed}


def run_one(bench: Benchmark, ctx: BenchContext, runs: int) -> list[Result]:
    if ctx.scale not in bench.scales:
        return [Result(ctx.backend, bench.name, "skipped", target_ms=bench.target_ms,
                       note=f"not meaningful at {ctx.scale} scale")]
    try:
        fn = resolve(bench)
    except Exception as exc:  # a module that fails to import is reported, the others still run
        return [Result(ctx.backend, bench.name, "error", target_ms=bench.target_ms, note=_short(exc))]
    if fn is None:
        return [Result(ctx.backend, bench.name, "missing", target_ms=bench.target_ms,
                       note=f"{bench.target} is not written yet")]
    samples: dict[str, list[float]] = {}
    ctx.notes.clear()
    try:
        _call(fn, ctx)  # warm-up: caches, imports, the planner's first look
        for _ in range(runs):
            for label, seconds in _call(fn, ctx).items():
                samples.setdefault(label, []).append(seconds * 1000)
    except Exception as exc:
        traceback.print_exc()
        return [Result(ctx.backend, bench.name, "error", target_ms=bench.target_ms, note=_short(exc))]
    results = []
    for label, values in samples.items():
        median = statistics.median(values)
        name = bench.name if not label else f"{bench.name}.{label}"
        target = bench.target_ms  # a benchmark reporting several labels holds each to the target
        status = "ok" if target is None or median <= target else "over target"
        results.append(Result(ctx.backend, name, status, round(median, 2), round(min(values), 2),
                              round(max(values), 2), len(values), target))
    if ctx.notes:
        note = "; ".join(ctx.notes)
        if results:
            results[0].note = note
        else:
            results.append(Result(ctx.backend, bench.name, "error", target_ms=bench.target_ms, note=note))
    return results


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def add_ratios(results: list[Result]) -> None:
    by_key = {(r.backend, r.name): r for r in results}
    for bench in REGISTRY.values():
        for other in bench.compare_to:
            for r in results:
                if r.median_ms is None or not (r.name == bench.name or r.name.startswith(bench.name + ".")):
                    continue
                # a labelled measurement compares with the same label of the other benchmark
                o = by_key.get((r.backend, other + r.name[len(bench.name):]))
                if o and o.median_ms:
                    r.ratios[other] = round(r.median_ms / o.median_ms, 2)


def run(*, scale: str, seed: int, backends: list[str], runs: int, only: list[str] | None, rebuild: bool,
        pg_base_url: str, log: Callable[[str], None]) -> dict:
    runs = max(runs, MIN_RUNS)
    results: list[Result] = []
    seeding: dict[str, float | None] = {}
    versions: dict[str, str] = {}
    selected = [b for b in REGISTRY.values() if not only or any(b.name.startswith(p) for p in only)]
    for backend in backends:
        url = sqlite_url(scale, seed) if backend == "sqlite" else pg_url(pg_base_url, scale, seed)
        try:
            seeding[backend] = build(url, scale, seed, rebuild=rebuild, log=log)
        except Exception as exc:
            log(f"{backend}: cannot prepare the database ({_short(exc)}); skipped")
            results.extend(Result(backend, b.name, "error", target_ms=b.target_ms, note="no database")
                           for b in selected)
            continue
        versions[backend] = backend_version()
        ctx = BenchContext(backend=backend, scale=scale, url=url)
        for bench in selected:
            log(f"{backend}: {bench.name} …")
            results.extend(run_one(bench, ctx, runs))
        db.get_engine().dispose()
    add_ratios(results)
    return {"machine": machine(versions), "scale": scale, "seed": seed, "runs": runs,
            "seed_seconds": {k: (round(v, 1) if v is not None else None) for k, v in seeding.items()},
            "results": [asdict(r) for r in results]}


# --- reporting -------------------------------------------------------------------------------------------
def backend_version() -> str:
    with db.get_engine().connect() as conn:
        if db.is_sqlite():
            return "SQLite " + conn.execute(text("select sqlite_version()")).scalar()
        return conn.execute(text("select version()")).scalar().split(" on ")[0]


def machine(versions: dict[str, str]) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu": cpu, "cores": os.cpu_count(),
            "ram_gb": ram_gb, "python": platform.python_version(), "sqlite_library": sqlite3.sqlite_version,
            "databases": versions, "platform": platform.platform()}


def format_table(report: dict) -> str:
    m = report["machine"]
    lines = [f"scale {report['scale']} (seed {report['seed']}), median of {report['runs']} runs after a warm-up",
             f"{m['cpu']} × {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}; "
             + "; ".join(m["databases"].values()) + f"; {m['date']}"]
    for backend, seconds in report["seed_seconds"].items():
        lines.append(f"{backend}: " + ("database reused" if seconds is None else f"seeded in {seconds:.1f} s"))
    header = f"{'backend':<10} {'benchmark':<34} {'median ms':>11} {'min':>9} {'max':>9} {'target':>8}  status / ratios"
    lines += ["", header, "-" * len(header)]
    for r in report["results"]:
        def num(v):
            return f"{v:,.1f}" if isinstance(v, int | float) else "—"
        extra = r["status"]
        if r["ratios"]:
            extra += "  " + ", ".join(f"×{v} of {k}" for k, v in r["ratios"].items())
        if r["note"]:
            extra += f"  ({r['note']})"
        lines.append(f"{r['backend']:<10} {r['name']:<34} {num(r['median_ms']):>11} {num(r['min_ms']):>9} "
                     f"{num(r['max_ms']):>9} {num(r['target_ms']):>8}  {extra}")
    return "\n".join(lines)


def save(report: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = directory / f"{report['scale']}_{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
