"""Every manage.py command ends in a message and an exit code (1 rejected input, 2 misuse), never a traceback,
whatever the operator types: bad dates, missing or unreadable files, corrupted backups, unknown names, bad codes.
Also: a failed catalog import is audited, and corrupted backups (truncated zip, broken compressed member, wrong
types in the JSON lines) are refused with a message."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from models import AuditEvent
from services.core.db import read_session
from services.core.settings import get_settings
from tests.test_cli import BUREAU_USCC, cli, empty_database  # noqa: F401 (fixtures)

STEWARD_PASSWORD = "Steward#Pass2026"


def _no_traceback(result, codes=(1, 2)) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}\n{result.output}")
    assert result.exit_code in codes, (result.exit_code, result.output)
    assert result.output.strip(), "a refusal says why"


@pytest.fixture
def deployed(cli, empty_database, tmp_path, monkeypatch):  # noqa: F811
    """An initialised database with a city, its bureau and one steward; a signed backup of it."""
    # this database's audit checkpoint starts afresh (the PostgreSQL test database is reused between tests)
    monkeypatch.setenv("GOVDATA_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    get_settings.cache_clear()
    for args, stdin in (
        (("init-db",), None),
        (("create-region", "350100", "福州市", "--level", "city"), None),
        (("create-unit", BUREAU_USCC, "福州市大数据管理局", "--kind", "bureau", "--level", "city", "--region",
          "350100"), None),
        (("create-user", "steward1", "--role", "unit_steward"), STEWARD_PASSWORD + "\n"),
    ):
        result = cli(*args, stdin=stdin)
        assert result.exit_code == 0, result.output
    good = tmp_path / "good.zip"
    assert cli("backup", str(good)).exit_code == 0
    return tmp_path


def _rezip(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        manifest = json.loads(zin.read("manifest.json"))
        for item in zin.infolist():
            if item.filename == "manifest.json":
                continue
            data = change(item.filename, zin.read(item.filename))
            table = item.filename.removeprefix("tables/").removesuffix(".jsonl")
            if table in manifest.get("tables", {}):
                manifest["tables"][table]["sha256"] = hashlib.sha256(data).hexdigest()
            zout.writestr(item.filename, data)
        zout.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
    return dst


def _bad_inputs(tmp: Path) -> list[tuple[str, ...]]:
    (tmp / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (tmp / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp / "junk.json").write_text("{not json", encoding="utf-8")
    good = tmp / "good.zip"
    raw = good.read_bytes()
    (tmp / "truncated.zip").write_bytes(raw[: len(raw) // 2])
    (tmp / "empty.zip").write_bytes(b"")
    # a compressed member whose bytes are damaged (zlib error on reading), the central directory intact
    broken = bytearray(raw)
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("tables/unit.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 24)):
        broken[i] ^= 0xFF
    (tmp / "bad_member.zip").write_bytes(bytes(broken))
    # wrong types in the JSON lines, checksums recomputed (restored knowingly with --allow-unsigned)
    _rezip(good, tmp / "wrong_types.zip", lambda name, data: data.replace(b'"is_active":true', b'"is_active":"yes"')
           .replace(b'"id":', b'"id":"x', 0) if name == "tables/unit.jsonl" else data)
    _rezip(good, tmp / "wrong_ids.zip", lambda name, data: b'{"id": "one", "code": 5}\n'
           if name == "tables/region.jsonl" else data)
    _rezip(good, tmp / "not_objects.zip", lambda name, data: b'[1, 2, 3]\nnull\n' if name == "tables/region.jsonl"
           else data)
    _rezip(good, tmp / "bad_json.zip", lambda name, data: b'{"id": 1,\n' if name == "tables/region.jsonl" else data)
    _rezip(good, tmp / "bad_manifest.zip", lambda name, data: data)
    with zipfile.ZipFile(tmp / "bad_manifest.zip", "a") as z:
        z.writestr("manifest.json", "[]")  # a second, malformed manifest
    missing = str(tmp / "no" / "such.file")
    return [
        ("seed-demo", "--scale", "huge"),
        ("create-user", "bad name!", "--role", "leader"),
        ("create-user", "someone", "--role", "no_such_role"),
        ("create-user", "someone", "--role", "leader", "--org", "91350100MA31234567"),
        ("create-region", "35010", "x", "--level", "city"),
        ("create-region", "３５０１０２", "x", "--level", "county", "--parent", "350100"),
        ("create-region", "350102", "x", "--level", "planet"),
        ("create-unit", "91350100MA3123456X", "x", "--kind", "department", "--level", "city", "--region", "350100"),
        ("create-unit", "９１３５０１００ＭＡ３１２３４５６７", "x", "--kind", "department", "--level", "city",
         "--region", "350100"),
        ("create-unit", BUREAU_USCC, "x", "--kind", "department", "--level", "city", "--region", "999999"),
        ("audit", "verify", "--checkpoint", missing),
        ("audit", "verify", "--checkpoint", str(tmp / "junk.json")),
        ("audit", "checkpoint", "--out", str(tmp)),
        ("audit", "purge", "--before", "2026-02-30"),
        ("audit", "purge", "--before", "9999-12-31"),
        ("kpi", "--from", "2026-13-01"),
        ("kpi", "--from", "2026-03-01", "--to", "2026-01-01"),
        ("kpi", "--from", "0001-01-01", "--to", "0001-01-31"),
        ("kpi", "--from", "0001-01-01"),
        ("kpi", "--to", "9999-12-31"),
        ("kpi", "--region", "000000"),
        ("backup", str(tmp)),
        ("restore", missing),
        ("restore", str(tmp)),
        ("restore", str(tmp / "junk.csv")),
        ("restore", str(tmp / "empty.zip"), "--force"),
        ("restore", str(tmp / "truncated.zip"), "--force"),
        ("restore", str(tmp / "bad_member.zip"), "--force"),
        ("restore", str(tmp / "bad_manifest.zip"), "--force"),
        ("restore", str(tmp / "wrong_types.zip"), "--force", "--allow-unsigned"),
        ("restore", str(tmp / "wrong_ids.zip"), "--force", "--allow-unsigned"),
        ("restore", str(tmp / "not_objects.zip"), "--force", "--allow-unsigned"),
        ("restore", str(tmp / "bad_json.zip"), "--force", "--allow-unsigned"),
        ("calendar", "deadline", "--start", "2026-02-30", "--workdays", "3"),
        ("calendar", "deadline", "--start", "0001-01-01", "--workdays", "3"),
        ("calendar", "deadline", "--start", "2026-01-05", "--workdays", "-1"),
        ("calendar", "deadline", "--start", "2026-01-05", "--workdays", "999999999"),
        ("calendar", "deadline", "--start", "2026-01-05", "--workdays", "many"),
        ("calendar", "import", missing),
        ("calendar", "import", str(tmp / "junk.csv")),
        ("calendar", "import", str(tmp / "junk.xlsx")),
        ("policy", "show", "atlantis"),
        ("policy", "use", "atlantis"),
        ("catalog", "import", missing, "--as", "steward1"),
        ("catalog", "import", str(tmp / "junk.xlsx"), "--as", "nobody"),
        ("catalog", "import", str(tmp / "junk.xlsx"), "--as", "steward1"),
        ("catalog", "import", str(tmp / "junk.csv"), "--as", "steward1"),
        ("catalog", "export", str(tmp / "out.xlsx"), "--org", "NOT-A-CODE"),
        ("catalog", "export", str(tmp)),
        ("bench", "--scale", "huge"),
        ("bench", "--backend", "oracle"),
        ("no-such-command",),
    ]


def test_every_command_refuses_bad_input_with_a_message_and_an_exit_code(cli, deployed):  # noqa: F811
    failures = []
    for args in _bad_inputs(deployed):
        result = cli(*args)
        try:
            _no_traceback(result)
        except AssertionError as exc:
            failures.append(f"{' '.join(args)}: {exc}")
    assert not failures, "\n".join(failures)


def test_a_failed_catalog_import_is_audited(cli, deployed):  # noqa: F811
    (deployed / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = cli("catalog", "import", str(deployed / "junk.xlsx"), "--as", "steward1")
    _no_traceback(result, codes=(1,))
    with read_session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "catalog.import")).all()
    assert [(e.username, e.result) for e in events] == [("steward1", "failure")]


def test_a_corrupted_backup_leaves_the_database_as_it_was(cli, deployed):  # noqa: F811
    _bad_inputs(deployed)
    for name in ("truncated.zip", "bad_member.zip"):
        _no_traceback(cli("restore", str(deployed / name), "--force"), codes=(1,))
    for name in ("wrong_types.zip", "wrong_ids.zip", "not_objects.zip", "bad_json.zip"):
        _no_traceback(cli("restore", str(deployed / name), "--force", "--allow-unsigned"), codes=(1,))
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert cli("create-user", "after", "--role", "leader", stdin="Leader#Pass2026x\n").exit_code == 0


def test_an_unforeseen_error_ends_in_an_incident_id_not_a_traceback(tmp_path):
    """The last line of defence (manage.main), run as an operator runs it."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    log = tmp_path / "errors.log"
    env = {**os.environ, "GOVDATA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
           "GOVDATA_CLI_ERROR_LOG": str(log)}
    done = subprocess.run([sys.executable, str(root / "manage.py"), "policy", "list"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "incident" in done.stderr
    incident = done.stderr.split("incident ")[1][:8]
    assert incident in log.read_text(encoding="utf-8") and "Traceback" in log.read_text(encoding="utf-8")
