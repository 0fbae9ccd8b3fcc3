"""Catalog test helpers: complete entry inputs and a shortcut to a published entry."""

from __future__ import annotations

from itertools import count

from models import CatalogEntry
from services import catalog
from services.catalog import DataItemInput, EntryInput, store
from services.core.db import write_session
from services.core.timeutil import now_utc

_codes = count(1)


def entry_input(world, unit_key: str = "police", *, name: str = "户籍人口信息", code: str | None = None,
                share_type: str = "unconditional", items: list[str] | None = None, **overrides) -> EntryInput:
    """An entry that passes every submission rule unless `overrides` break it."""
    values = dict(
        resource_code=code or f"TST-{next(_codes):05d}", name=name, provider_unit_id=world.units[unit_key],
        classification="department", summary=f"{name}的目录摘要", resource_format="database",
        share_type=share_type, share_method="interface", share_scope="全市政务部门", open_attribute="not_open",
        restriction_basis="《中华人民共和国个人信息保护法》第三十四条", update_frequency="daily",
        security_level="internal", source_unit_id=world.units[unit_key],
        data_items=[DataItemInput(n, "string", 50) for n in (items or ["公民身份号码", "姓名", "住址"])],
    )
    if share_type == "conditional":
        values["share_conditions"] = "用于履行法定职责，须签订数据使用协议"
    values.update(overrides)
    return EntryInput(**values)


def published_entry(world, unit_key: str = "police", **kwargs) -> int:
    """Create a draft through the service and make it live without the review workflow (search tests)."""
    data = entry_input(world, unit_key, **kwargs)
    entry_id = catalog.create_entry(world[unit_key], data)
    now = now_utc()
    with write_session() as session:
        entry = session.get(CatalogEntry, entry_id)
        entry.status = "published"
        store.make_live(session, entry, catalog.working_copy(session, entry), now)
        store.publish_version(session, entry, catalog.working_copy(session, entry), "new", world[unit_key], now)
        session.add(entry)
        session.commit()
    return entry_id
