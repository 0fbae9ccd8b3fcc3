"""Portable logical backup and restore of every table, on SQLite and PostgreSQL alike.

A backup is a zip holding one JSON-lines file per table (`tables/<name>.jsonl`, one object per row, columns by
name) and `manifest.json` with the schema revision, each table's columns, row count and SHA-256. A restore checks
every file against the manifest before touching the database, loads everything in one transaction into an empty
(or deliberately emptied) database at the same schema, re-verifies the audit hash chain, and only then commits.
Both operations are audited: the backup event lands in the live chain, the restore event continues the restored
chain.

`manifest.sig` is an HMAC-SHA256 of the manifest's exact bytes with the backup key (GOVDATA_BACKUP_KEY or
data/.backup_key — never inside the backup), so a table changed together with its checksum is refused. A restore
of an unsigned or wrongly signed backup needs `allow_unsigned` and is audited as such; its audit chain is still
verified with this installation's audit key (a backup from another installation restores only where that
installation's audit key is configured; a backup written before the chain was keyed is checked for its links)."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Table, bindparam, func, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models import AuditHead
from models.base import UTCDateTime
from services.core import audit
from services.core.actor import Actor
from services.core.db import get_engine, read_session, write_session
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.core.timeutil import now_utc
from services.core.uow import unit_of_work

FORMAT = "govdata-backup"
FORMAT_VERSION = 1
BATCH = 5_000
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


@dataclass
class TableInfo:
    rows: int
    sha256: str
    columns: list[str]


@dataclass
class BackupManifest:
    created_at: str
    backend: str
    schema_revision: str | None
    tables: dict[str, TableInfo] = field(default_factory=dict)
    # The first keyed audit event of the backed-up chain (from its checkpoint); None in backups written before the
    # chain was keyed, whose events are then checked for their links only.
    audit_keyed_from: int | None = 1
    signed: bool = False  # set when read: the signature matched the backup key

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": self.created_at,
                           "backend": self.backend, "schema_revision": self.schema_revision,
                           "audit_keyed_from": self.audit_keyed_from,
                           "tables": {k: v.__dict__ for k, v in self.tables.items()}},
                          ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, raw: str) -> BackupManifest:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise ValidationError({"file": _("This file is not a GovData Hub backup of a supported version.")})
        return cls(created_at=str(data["created_at"]), backend=str(data["backend"]),
                   schema_revision=data["schema_revision"], audit_keyed_from=_int_or_none(data.get("audit_keyed_from")),
                   tables={str(k): TableInfo(rows=int(v["rows"]), sha256=str(v["sha256"]),
                                             columns=[str(c) for c in v["columns"]])
                           for k, v in data["tables"].items()})

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass
class RestoreResult:
    manifest: BackupManifest
    audit_events_checked: int


def _tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)  # parents before children


def _schema_revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decoder(table: Table):
    """Turns JSON values back into what each column's type binds (dates and timestamps travel as ISO text)."""
    kinds = {}
    for col in table.columns:
        if isinstance(col.type, UTCDateTime | DateTime):
            kinds[col.name] = datetime.fromisoformat
        elif isinstance(col.type, Date):
            kinds[col.name] = date.fromisoformat

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (kinds[k](v) if v is not None and k in kinds else v) for k, v in row.items()}
    return decode


def sign_manifest(raw: bytes) -> str:
    return hmac.new(get_settings().backup_signing_key(), raw, hashlib.sha256).hexdigest()


def _check_permission(actor: Actor, action: str) -> None:
    """Checked before any file is read or written; a refusal is audited by the unit of work."""
    with unit_of_work(actor) as uow:
        uow.require(action, object_type="database")


def create_backup(actor: Actor, path: str | Path, *, now: datetime | None = None) -> BackupManifest:
    """Write a consistent snapshot of every table to `path` (a zip); returns its manifest."""
    now = now_utc(now)
    _check_permission(actor, "backup.create")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = get_engine()
    tmp = path.with_name(path.name + ".part")
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    try:
        manifest = _write_archive(engine, tmp, now, options)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    with unit_of_work(actor, now) as uow:
        uow.require("backup.create", object_type="database")
        uow.audit("backup.create", object_type="database",
                  detail={"file": path.name, "rows": manifest.total_rows, "tables": len(manifest.tables),
                          "sha256": file_sha256(path)})
        uow.commit()
    return manifest


def _check_live_schema(conn: Connection) -> None:
    """The database must have exactly this version's tables and columns (else: run init-db first)."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    for table in _tables():
        columns = {c["name"] for c in inspector.get_columns(table.name)} if table.name in existing else set()
        if columns != {c.name for c in table.columns}:
            raise ValidationError({"file": _(
                "The database schema differs from this version (first difference: {table}): run init-db first.",
                table=table.name)})


def _write_archive(engine, tmp: Path, now: datetime, options: dict) -> BackupManifest:
    with engine.connect().execution_options(**options) as conn, conn.begin(), \
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _check_live_schema(conn)
        checkpoint = audit.load_checkpoint(engine)
        manifest = BackupManifest(created_at=now.isoformat(), backend=engine.dialect.name,
                                  schema_revision=_schema_revision(conn),
                                  audit_keyed_from=checkpoint.keyed_from if checkpoint else 1)
        for table in _tables():
            columns = [c.name for c in table.columns]
            pk = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            rows = 0
            with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
                result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*pk))
                for row in result.mappings():
                    line = (json.dumps({c: _encode(row[c]) for c in columns}, ensure_ascii=False,
                                       separators=(",", ":")) + "\n").encode("utf-8")
                    digest.update(line)
                    member.write(line)
                    rows += 1
            manifest.tables[table.name] = TableInfo(rows=rows, sha256=digest.hexdigest(), columns=columns)
        raw = manifest.to_json().encode("utf-8")
        archive.writestr(MANIFEST, raw)
        archive.writestr(SIGNATURE, sign_manifest(raw))
    return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: str | Path) -> BackupManifest:
    """Open a backup and check every table file against the manifest (nothing is written)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError({"file": _("The file {name} does not exist.", name=str(path))})
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(MANIFEST)
            manifest = BackupManifest.from_json(raw.decode("utf-8"))
            names = set(archive.namelist())
            signature = archive.read(SIGNATURE).decode("ascii", "replace").strip() if SIGNATURE in names else ""
            manifest.signed = bool(signature) and hmac.compare_digest(signature, sign_manifest(raw))
            for name, info in manifest.tables.items():
                digest = hashlib.sha256()
                rows = 0
                with archive.open(f"tables/{name}.jsonl") as member:
                    for line in member:
                        digest.update(line)
                        rows += 1
                if digest.hexdigest() != info.sha256 or rows != info.rows:
                    raise ValidationError({"file": _(
                        "The backup is damaged: table {table} does not match its checksum.", table=name)})
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, TypeError, AttributeError,
            NotImplementedError, RuntimeError, struct.error) as exc:
        # RuntimeError: a damaged flag byte marks a member as encrypted; struct.error: a damaged header field.
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError({"file": _("This file is not a GovData Hub backup of a supported version.")}) from exc
    return manifest


def _check_schema(conn: Connection, manifest: BackupManifest) -> None:
    revision = _schema_revision(conn)
    if manifest.schema_revision and revision and manifest.schema_revision != revision:
        raise ValidationError({"file": _(
            "The backup is at schema revision {backup}, the database at {database}: restore into a database "
            "at the same revision.", backup=manifest.schema_revision, database=revision)})
    _check_live_schema(conn)
    for table in _tables():
        info = manifest.tables.get(table.name)
        if info is None or set(info.columns) != {c.name for c in table.columns}:
            raise ValidationError({"file": _(
                "The backup does not match this version's tables (first difference: {table}).", table=table.name)})


def _is_empty(conn: Connection) -> bool:
    return all(not conn.execute(select(func.count()).select_from(table)).scalar() for table in _tables())


def _empty_all(conn: Connection) -> None:
    tables = _tables()
    if conn.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            conn.execute(table.delete())


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _load_table(conn: Connection, archive: zipfile.ZipFile, table: Table) -> None:
    decode = _decoder(table)
    deferred = _self_references(table)  # e.g. region.parent_id: set after every row of the table exists
    pk = [c.name for c in table.primary_key.columns]
    links: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    with archive.open(f"tables/{table.name}.jsonl") as member:
        for line in member:
            row = decode(json.loads(line))
            if deferred and any(row.get(c) is not None for c in deferred):
                links.append({**{f"k_{c}": row[c] for c in pk}, **{f"v_{c}": row[c] for c in deferred}})
                row = {**row, **{c: None for c in deferred}}
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(table.insert(), batch)
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
    if links:
        stmt = update(table).where(*[table.c[c] == bindparam(f"k_{c}") for c in pk]).values(
            {c: bindparam(f"v_{c}") for c in deferred})
        conn.execute(stmt, links)


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL identity/serial counters must continue after the restored ids."""
    if conn.dialect.name != "postgresql":
        return
    for table in _tables():
        for col in table.primary_key.columns:
            if not col.autoincrement or col.type.python_type is not int:
                continue
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}).scalar()
            if seq:
                conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{col.name}") FROM "{table.name}"), 0) + 1, false)'),
                             {"s": seq})


def restore_backup(actor: Actor, path: str | Path, *, force: bool = False, allow_unsigned: bool = False,
                   now: datetime | None = None) -> RestoreResult:
    """Load a backup into this database. Refused unless the database is empty or `force` is given; all or nothing.

    Refused when the manifest is not signed with this deployment's backup key, unless `allow_unsigned` (an
    operator knowingly restoring a foreign backup; audited)."""
    now = now_utc(now)
    _check_permission(actor, "backup.restore")
    manifest = read_manifest(path)
    if not manifest.signed and not allow_unsigned:
        _record_refusal(actor, path, now)
        raise ValidationError({"file": _(
            "The backup is not signed with this installation's backup key: it may have been altered. Restore it "
            "only if you know where it comes from (--allow-unsigned).")})
    try:
        return _restore(actor, path, manifest, force=force, now=now)
    except (StatementError, zlib.error, ValueError, TypeError, KeyError, AttributeError, zipfile.BadZipFile,
            EOFError, RuntimeError, struct.error) as exc:
        # StatementError covers the driver's refusals (IntegrityError, DataError) and values of the wrong type
        # (a string where a boolean belongs) rejected before they reach the database.
        if isinstance(exc, ValidationError):
            raise
        _record_refusal(actor, path, now, reason=f"could not be loaded: {type(exc).__name__}")
        raise ValidationError({"file": _(
            "The backup could not be loaded ({problem}); nothing was restored.", problem=type(exc).__name__)}) from exc


def _record_refusal(actor: Actor, path: str | Path, now: datetime,
                    reason: str = "unsigned or wrongly signed manifest") -> None:
    with write_session() as session:
        audit.record(session, actor, "backup.restore", object_type="database", result="failure", now=now,
                     detail={"file": Path(path).name, "reason": reason})
        session.commit()


def _restore(actor: Actor, path: str | Path, manifest: BackupManifest, *, force: bool, now: datetime) -> RestoreResult:
    with write_session() as session:
        conn = session.connection()
        _check_schema(conn, manifest)
        if not _is_empty(conn):
            if not force:
                raise ValidationError({"file": _(
                    "The database already holds data: restore only into an empty database, or confirm "
                    "replacing everything (--force).")})
            _empty_all(conn)
        with zipfile.ZipFile(path) as archive:
            for table in _tables():
                _load_table(conn, archive, table)
        _reset_sequences(conn)
        head = session.get(AuditHead, 1) or AuditHead(id=1)
        # The restored chain is held against its own head (the backup's), not the checkpoint of what it replaces.
        keyed_from = manifest.audit_keyed_from or head.last_seq + 1
        own = audit.Checkpoint(database="", keyed_from=keyed_from, seq=head.last_seq, hash=head.last_hash,
                               anchor_seq=head.anchor_seq, anchor_hash=head.anchor_hash).signed()
        result = audit.verify(session, checkpoint=own)
        if not result.ok:
            session.rollback()
            raise ValidationError({"file": _(
                "The restored audit log does not verify ({reason}); nothing was restored.", reason=result.reason)})
        bind = session.get_bind()
        anchor = (head.anchor_seq, head.anchor_hash)
        event = audit.record(session, actor, "backup.restore", object_type="database", now=now,
                     detail={"file": Path(path).name, "rows": manifest.total_rows, "backup_created_at":
                             manifest.created_at, "backend": manifest.backend, "forced": force,
                             "signed": manifest.signed})
        session.commit()
    # The checkpoint now describes the restored chain, up to the restore event.
    audit.set_checkpoint(bind, keyed_from=keyed_from, seq=event.seq, digest=event.hash, anchor_seq=anchor[0],
                         anchor_hash=anchor[1])
    return RestoreResult(manifest=manifest, audit_events_checked=result.checked)


def table_counts() -> dict[str, int]:
    """Rows per table of the live database (compared with a manifest after a restore)."""
    with read_session() as session:
        conn = session.connection()
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() or 0 for t in _tables()}
