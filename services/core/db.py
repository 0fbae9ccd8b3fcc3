"""Engine factory and transaction scopes for SQLite (WAL, FKs, busy timeout) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from services.core.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 15_000

_engine: Engine | None = None


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            # Let SQLAlchemy, not pysqlite, emit BEGIN so write transactions can take the lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Write transactions take the write lock at BEGIN: two writers queue on busy_timeout instead of
            # failing with SQLITE_BUSY_SNAPSHOT half-way, and the audit hash chain is appended strictly in order.
            mode = "IMMEDIATE" if conn.get_execution_options().get("govdata_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def configure(url: str | None = None) -> Engine:
    """(Re)bind the process-wide engine; tests and the CLI call this with an explicit URL."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(url or get_settings().resolved_database_url())
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        configure()
    assert _engine is not None
    return _engine


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run services inside one outer transaction that is rolled back afterwards (their sessions join it):
    for benchmarks that must leave the database as they found it."""
    global _engine
    engine = get_engine()
    connection = engine.connect()
    outer = connection.begin()
    _engine = connection  # type: ignore[assignment]
    try:
        yield
    finally:
        outer.rollback()
        connection.close()
        _engine = engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or get_engine()).dialect.name == "sqlite"


@contextmanager
def write_session() -> Iterator[Session]:
    """A session whose transaction holds the write lock on SQLite (row locks do the job on PostgreSQL)."""
    engine = get_engine().execution_options(govdata_write=True)
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
