"""Bulk loading for seed steps at city and province scale: COPY on PostgreSQL, executemany on SQLite.

Seed steps build plain dicts and hand them to `insert_rows`; ids are assigned up front with `reserve_ids`
so a step can reference rows it has not written yet (a request's clocks, an entry's data items) without a
round trip per row. Values go through each column's own bind processing (UTC timestamps, dates), so a row
written here reads back exactly like one written by the ORM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from itertools import islice
from typing import Any

from sqlalchemy import Column, Index, Table, func, select, text
from sqlmodel import Session

from services.core.db import get_engine

DEFAULT_BATCH = 20_000
# SQLite settings for a one-off load into a file nobody else is writing: larger page cache, temporary
# b-trees in memory, and no fsync per commit (a crash mid-seed means re-running the seed anyway).
SQLITE_BULK_PRAGMAS = ("PRAGMA cache_size=-262144", "PRAGMA temp_store=MEMORY", "PRAGMA synchronous=OFF")
SQLITE_NORMAL_PRAGMAS = ("PRAGMA cache_size=-2000", "PRAGMA temp_store=DEFAULT", "PRAGMA synchronous=NORMAL")
_NEXT_ID = "govdata_bulk_next_id"


def table_of(table_or_model: Any) -> Table:
    """The Table behind a SQLModel class (or the Table itself)."""
    table = getattr(table_or_model, "__table__", table_or_model)
    if not isinstance(table, Table):
        raise TypeError(f"{table_or_model!r} is neither a table nor a table model")
    return table


def _int_pk(table: Table) -> Column:
    pks = list(table.primary_key.columns)
    if len(pks) != 1:
        raise ValueError(f"{table.name} has no single-column primary key")
    return pks[0]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _driver_connection(session: Session):
    """The DBAPI connection of the session's current transaction (begun if needed)."""
    return session.connection().connection.driver_connection


def reserve_ids(session: Session, table_or_model: Any, n: int) -> range:
    """Reserve `n` consecutive primary-key values for rows the caller will insert with explicit ids.

    One query per call, not per row. Reservations made in the same session never overlap. On PostgreSQL the
    table's sequence is moved past the reservation at once, so ORM inserts made meanwhile (an audit event,
    a service call) never collide with reserved ids. On SQLite, insert what you reserved before anything
    else inserts into that table without an explicit id (SQLite hands out max(id) + 1)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    table = table_of(table_or_model)
    pk = _int_pk(table)
    key = (_NEXT_ID, table.name)
    start = (session.execute(select(func.max(pk))).scalar() or 0) + 1
    start = max(start, session.info.get(key, 1))
    if _dialect(session) == "postgresql":
        seq = _sequence_name(session, table, pk)
        if seq:
            current = session.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
            next_from_seq = current.last_value + 1 if current.is_called else current.last_value
            start = max(start, next_from_seq)
            if n:
                session.execute(text("SELECT setval(:seq, :last, true)"), {"seq": seq, "last": start + n - 1})
    session.info[key] = start + n
    return range(start, start + n)


def _sequence_name(session: Session, table: Table, pk: Column) -> str | None:
    return session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk.name}).scalar()


def fix_sequence(session: Session, table_or_model: Any) -> None:
    """PostgreSQL: move the id sequence past the largest id (rows were written with explicit ids).
    Never moves it backwards, so outstanding reservations stay valid. No-op on SQLite."""
    if _dialect(session) != "postgresql":
        return
    table = table_of(table_or_model)
    pk = _int_pk(table)
    seq = _sequence_name(session, table, pk)
    if not seq:
        return
    session.execute(text(
        f"SELECT setval(:seq, GREATEST((SELECT COALESCE(MAX({pk.name}), 0) FROM {table.name}), "
        f"(SELECT last_value FROM {seq}), 1), true)"), {"seq": seq})


def _column_plan(session: Session, table: Table, first: dict) -> tuple[list[Column], list[Any], list[Any]]:
    """Columns to write (every column, except an autoincrement key the rows do not carry), the value used
    when a row omits the column (the model default, evaluated once), and each column's bind processor."""
    dialect = session.get_bind().dialect
    pk = list(table.primary_key.columns)
    columns: list[Column] = []
    fallbacks: list[Any] = []
    processors: list[Any] = []
    for column in table.columns:
        if column.name not in first and column in pk and column.autoincrement in (True, "auto") \
                and len(pk) == 1 and column.type.python_type is int:
            continue
        default = column.default
        if default is None:
            fallback = None
        elif getattr(default, "is_callable", False):
            fallback = default.arg(None)
        elif getattr(default, "is_scalar", False):
            fallback = default.arg
        else:
            fallback = None
        if isinstance(fallback, Enum):
            fallback = fallback.value
        columns.append(column)
        fallbacks.append(fallback)
        processors.append(column.type._cached_bind_processor(dialect))
    return columns, fallbacks, processors


def _tuples(rows: Iterable[dict], names: Sequence[str], fallbacks: Sequence[Any],
            processors: Sequence[Any], table: str) -> Iterator[tuple]:
    # Hot loop (millions of rows at province scale): one comprehension per row, processors only where a column
    # type needs one. StrEnum values need no conversion: both drivers bind them as the str they are.
    pairs = list(zip(names, fallbacks, strict=True))
    processed = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    known = set(names)
    for row in rows:
        if not known.issuperset(row):
            raise KeyError(f"{table} has no column(s) {', '.join(sorted(set(row) - known))}")
        out = [row.get(name, fallback) for name, fallback in pairs]
        for i, proc in processed:
            value = out[i]
            if value is not None:
                out[i] = proc(value)
        yield tuple(out)


def _batches(items: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while True:
        chunk = list(islice(items, size))
        if not chunk:
            return
        yield chunk


@contextmanager
def bulk_session() -> Iterator[Session]:
    """A write session set up for a large load; use it instead of `write_session()` in seed steps.

    SQLite: the connection is switched to bulk settings *before* the transaction begins (the safety level
    cannot change inside one) and back afterwards. PostgreSQL: commits do not wait for the WAL flush."""
    engine = get_engine()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if sqlite:
            for pragma in SQLITE_BULK_PRAGMAS:
                raw.execute(pragma)
        else:
            conn.exec_driver_sql("SET synchronous_commit = off")
            conn.commit()
        conn.execution_options(govdata_write=True)
        try:
            with Session(bind=conn, expire_on_commit=False) as session:
                yield session
        finally:
            if conn.in_transaction():
                conn.rollback()
            if sqlite:
                for pragma in SQLITE_NORMAL_PRAGMAS:
                    raw.execute(pragma)
            else:
                conn.exec_driver_sql("RESET synchronous_commit")
                conn.commit()


def insert_rows(session: Session, table_or_model: Any, rows: Iterable[dict], *, batch: int = DEFAULT_BATCH) -> int:
    """Insert dict rows in bulk inside the session's transaction (the caller commits); returns the count.

    Keys are column names; a missing column takes the model default (a callable default such as
    `created_at=utcnow` is evaluated once per call — seed steps should pass their own timestamps). Rows may be
    a generator: they are consumed `batch` at a time. The first row fixes which optional key column is
    written: give every row an `id` (from `reserve_ids`) or none."""
    table = table_of(table_or_model)
    iterator = iter(rows)
    try:
        first = next(iterator)
    except StopIteration:
        return 0
    columns, fallbacks, processors = _column_plan(session, table, first)
    names = [c.name for c in columns]
    tuples = _tuples(_chain_first(first, iterator), names, fallbacks, processors, table.name)
    return _write(session, table, columns, tuples, batch)


def insert_tuples(session: Session, table_or_model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                  *, batch: int = DEFAULT_BATCH) -> int:
    """Like `insert_rows` for the hottest loops: rows are tuples in the order of `columns` (every value given,
    no defaults), which saves building a dict per row. Column types still convert the values."""
    table = table_of(table_or_model)
    cols = [table.columns[name] for name in columns]
    dialect = session.get_bind().dialect
    processed = [(i, proc) for i, c in enumerate(cols) if (proc := c.type._cached_bind_processor(dialect))]
    if processed:
        def convert(items: Iterable[Sequence[Any]]) -> Iterator[tuple]:
            for row in items:
                out = list(row)
                for i, proc in processed:
                    if out[i] is not None:
                        out[i] = proc(out[i])
                yield tuple(out)
        rows = convert(rows)
    return _write(session, table, cols, rows, batch)


def _write(session: Session, table: Table, columns: list[Column], tuples: Iterable[Sequence[Any]], batch: int) -> int:
    names = [c.name for c in columns]
    quoted = ", ".join(f'"{n}"' for n in names)
    raw = _driver_connection(session)
    count = 0
    if _dialect(session) == "postgresql":
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in tuples:
                copy.write_row(row)
                count += 1
        if any(c.primary_key for c in columns):
            fix_sequence(session, table)
        return count
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in names)})'
    cur = raw.cursor()
    try:
        for chunk in _batches(iter(tuples), batch):
            cur.executemany(sql, chunk)
            count += len(chunk)
    finally:
        cur.close()
    return count


def _chain_first(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


@contextmanager
def indexes_deferred(session: Session, table_or_model: Any) -> Iterator[None]:
    """Drop the table's secondary indexes for a large load and build them once afterwards (a sorted build
    is several times faster than maintaining every index row by row). Unique constraints stay."""
    table = table_of(table_or_model)
    conn = session.connection()
    indexes: list[Index] = [ix for ix in table.indexes if not ix.unique]
    for ix in indexes:
        ix.drop(bind=conn, checkfirst=True)
    try:
        yield
    finally:
        for ix in indexes:
            ix.create(bind=conn, checkfirst=True)


def analyze(session: Session) -> None:
    """Refresh planner statistics after a load (both backends choose plans from them)."""
    session.execute(text("ANALYZE"))

