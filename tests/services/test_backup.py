"""Backup and restore: a verified round trip on every backend, all-or-nothing, audited."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from models import AuditEvent, Region
from services.administration import backup, orgs
from services.core import audit
from services.core.actor import Actor
from services.core.db import read_session, write_session
from services.core.errors import PermissionDenied, ValidationError
from services.seed import reset_data

SYSTEM = Actor.system("test")
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _snapshot() -> dict[str, list[dict]]:
    with read_session() as session:
        conn = session.connection()
        return {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in SQLModel.metadata.sorted_tables}


def _busy_world(world):
    # A region whose parent has a higher id than itself: restore must not depend on insertion order.
    late_parent = orgs.save_region(world["sysadmin"], orgs.RegionInput(code="990200", name="北部市", level="city"))
    with write_session() as s:
        county = s.get(Region, world.regions["county2"])
        county.parent_id = late_parent
        s.add(county)
        s.commit()
    unit = orgs.get_unit(world.units["police"])
    orgs.save_unit(world["sysadmin"], orgs.UnitInput(uscc=unit.uscc, name="示范市公安局（改）", kind=unit.kind,
                                                     level=unit.level, region_id=unit.region_id), unit.id)


def test_round_trip_restores_every_row_and_the_chain_continues(world, tmp_path):
    _busy_world(world)
    file = tmp_path / "b.zip"
    manifest = backup.create_backup(SYSTEM, file, now=T0)
    before = _snapshot()  # includes the backup.create event appended after the snapshot
    assert manifest.tables["unit"].rows == len(before["unit"])
    assert manifest.tables["audit_event"].rows == len(before["audit_event"]) - 1

    reset_data()
    result = backup.restore_backup(SYSTEM, file, now=T0)
    after = _snapshot()
    for name, rows in before.items():
        if name in {"audit_event", "audit_head"}:
            continue
        assert after[name] == rows, name
    events = after["audit_event"]
    assert [e["action"] for e in events][-1] == "backup.restore"
    assert events[:-1] == before["audit_event"][:-1]
    assert result.audit_events_checked == manifest.tables["audit_event"].rows
    with read_session() as s:
        assert audit.verify(s).ok


def test_new_rows_after_a_restore_get_fresh_ids(world, tmp_path):
    file = tmp_path / "b.zip"
    backup.create_backup(SYSTEM, file)
    highest = max(r["id"] for r in _snapshot()["region"])
    reset_data()
    backup.restore_backup(SYSTEM, file)
    new_id = orgs.save_region(world["sysadmin"], orgs.RegionInput(code="990300", name="南部市", level="city"))
    assert new_id > highest


def test_restore_refuses_a_database_with_data_unless_forced(world, tmp_path):
    file = tmp_path / "b.zip"
    backup.create_backup(SYSTEM, file)
    orgs.save_region(world["sysadmin"], orgs.RegionInput(code="990400", name="新增市", level="city"))
    with pytest.raises(ValidationError) as refused:
        backup.restore_backup(SYSTEM, file)
    assert "--force" in refused.value.message
    assert any(r["code"] == "990400" for r in _snapshot()["region"])

    backup.restore_backup(SYSTEM, file, force=True)
    assert not any(r["code"] == "990400" for r in _snapshot()["region"])


def test_damaged_backup_is_refused_before_anything_changes(world, tmp_path):
    file = tmp_path / "b.zip"
    backup.create_backup(SYSTEM, file)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(file) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "tables/unit.jsonl":
                data = data.replace("示范市民政局".encode(), "示范市民政厅".encode())
            dst.writestr(item, data)
    before = _snapshot()
    with pytest.raises(ValidationError) as refused:
        backup.restore_backup(SYSTEM, damaged, force=True)
    assert "unit" in refused.value.message
    assert _snapshot() == before


def test_a_backup_whose_damaged_flag_byte_marks_it_encrypted_is_refused(world, tmp_path):
    """One flipped bit in the central directory (the 'encrypted' flag) made zipfile raise RuntimeError."""
    file = tmp_path / "b.zip"
    backup.create_backup(SYSTEM, file)
    data = bytearray(file.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x01  # general purpose flag, bit 0: encrypted
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    before = _snapshot()
    with pytest.raises(ValidationError):
        backup.restore_backup(SYSTEM, damaged, force=True)
    assert {k: v for k, v in _snapshot().items() if not k.startswith("audit")} == \
        {k: v for k, v in before.items() if not k.startswith("audit")}


def test_a_file_that_is_not_a_backup_is_refused(world, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ValidationError):
        backup.restore_backup(SYSTEM, junk, force=True)
    with pytest.raises(ValidationError):
        backup.restore_backup(SYSTEM, tmp_path / "missing.zip", force=True)


def test_a_backup_with_a_tampered_audit_log_is_not_restored(world, tmp_path):
    _busy_world(world)
    file = tmp_path / "b.zip"
    backup.create_backup(SYSTEM, file)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(file) as src, zipfile.ZipFile(forged, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for item in src.infolist():
            if item.filename == "manifest.json":
                continue
            data = src.read(item.filename)
            if item.filename == "tables/audit_event.jsonl":
                data = data.replace(b'"username":"sysadmin"', b'"username":"nobody"', 1)
                import hashlib

                manifest["tables"]["audit_event"]["sha256"] = hashlib.sha256(data).hexdigest()
            dst.writestr(item, data)
        dst.writestr("manifest.json", json.dumps(manifest))
    reset_data()
    with pytest.raises(ValidationError) as unsigned:
        backup.restore_backup(SYSTEM, forged)
    assert "签名" in unsigned.value.message
    # Even an operator who lets an unsigned backup in does not get a forged audit log past the keyed chain.
    reset_data()  # (the refusal above was audited)
    with pytest.raises(ValidationError) as refused:
        backup.restore_backup(SYSTEM, forged, allow_unsigned=True)
    assert "审计" in refused.value.message
    assert _snapshot()["unit"] == []


def test_a_table_changed_with_a_recomputed_manifest_is_refused_and_the_flag_is_audited(world, tmp_path):
    """A sys_admin role given to a steward inside the backup, its checksum recomputed: the signature catches it."""
    import hashlib

    _busy_world(world)
    file = tmp_path / "b.zip"
    backup.create_backup(SYSTEM, file)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(file) as src, zipfile.ZipFile(forged, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "tables/user_role.jsonl":
                data = data.replace(b'"role":"unit_steward"', b'"role":"sys_admin"', 1)
                manifest["tables"]["user_role"]["sha256"] = hashlib.sha256(data).hexdigest()
            if item.filename != "manifest.json":
                dst.writestr(item, data)
        dst.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    assert backup.read_manifest(file).signed and not backup.read_manifest(forged).signed
    reset_data()
    with pytest.raises(ValidationError):
        backup.restore_backup(SYSTEM, forged)
    with read_session() as s:
        refusal = s.exec(select(AuditEvent).where(AuditEvent.action == "backup.restore")).scalars().all()
    assert [e.result for e in refusal] == ["failure"]
    reset_data()
    result = backup.restore_backup(SYSTEM, forged, allow_unsigned=True)  # knowingly: restored and audited
    assert result.audit_events_checked > 0
    with read_session() as s:
        last = s.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalars().one()
    assert last.action == "backup.restore" and '"signed": false' in last.detail
    with read_session() as s:
        assert audit.verify(s).ok


def test_backup_and_restore_are_audited(world, tmp_path):
    file = tmp_path / "b.zip"
    backup.create_backup(world["sysadmin"], file)
    with read_session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "backup.create")).scalars().one()
    detail = json.loads(event.detail)
    assert event.username == "sysadmin" and detail["file"] == "b.zip" and detail["rows"] > 0
    assert detail["sha256"] == backup.file_sha256(file)


def test_only_the_system_administrator_may_back_up(world, tmp_path):
    with pytest.raises(PermissionDenied):
        backup.create_backup(world["auditadmin"], tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()
