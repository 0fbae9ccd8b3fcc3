"""Seed step: the demo catalog — believable entries per unit from data/demo_catalog.json in every state, data
items, published versions, review and update clocks, responsibility and demand lists, one-source conflicts.

Everything is drawn from ctx.rng and written with services/core/bulk.py, so the province preset (100k entries,
2M data items) stays a bulk load. ctx.ids["entries"] lists (entry_id, provider_unit_id, share_type, item ids)
of the published entries for the sharing seed."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from models import (
    CatalogEntry,
    CatalogTrigger,
    CatalogVersion,
    DataItem,
    DemandItem,
    ResponsibilityItem,
    SlaClock,
    Unit,
)
from models.catalog import ChangeKind, EntryStatus
from models.clock import CaseKind, ClockStep
from services.catalog import CASE_TRIGGER, DataItemInput, EntryInput, completeness, normalise_name
from services.core import bulk
from services.core.settings import DATA_DIR
from services.core.timeutil import local_date
from services.seed import SeedContext, register

VARIANTS = ["", "（历史数据）", "（统计汇总）", "（变更记录）", "（年度报送）", "（专题）", "（归档）", "（明细）"]
# Shares of entries by state; the rest are plainly published.
STATE_WEIGHTS = [(EntryStatus.DRAFT, 0.08), (EntryStatus.RETURNED, 0.04), (EntryStatus.SUBMITTED, 0.06),
                 ("published_change", 0.05), (EntryStatus.WITHDRAWN, 0.03), (EntryStatus.PUBLISHED, 0.74)]
METHOD_BY_FORMAT = {"database": "interface", "interface": "interface", "file": "file_download",
                    "document": "online_browse", "other": "offline"}


def _spec() -> dict:
    return json.loads((DATA_DIR / "demo_catalog.json").read_text(encoding="utf-8"))


def _parse_item(text: str) -> DataItemInput:
    name, dtype, length, flags = (text.split("|") + ["", "", ""])[:4]
    return DataItemInput(name, dtype or "string", int(length) if length else None, "s" in flags, "o" in flags)


def _pick_state(rng) -> str:
    r = rng.random()
    for state, weight in STATE_WEIGHTS:
        if r < weight:
            return state
        r -= weight
    return EntryStatus.PUBLISHED


@register("catalog")
def seed_catalog(ctx: SeedContext) -> None:
    spec = _spec()
    rng = ctx.rng
    fillers = [_parse_item(t) for t in spec["filler_items"]]
    unit_ids: dict[str, int] = ctx.ids["units"]
    kinds = ctx.ids["unit_kind"]
    users = ctx.ids["users"]
    reviewer_id = users.get("reviewer")
    units = [(slug, uid) for slug, uid in unit_ids.items() if kinds[uid] != "bureau"]
    if not units:
        return
    per_entry = max(3, ctx.scale.data_items // max(ctx.scale.entries, 1))
    today = local_date(ctx.now)

    with bulk.bulk_session() as session:
        usccs = dict(session.execute(select(Unit.id, Unit.uscc)).all())
        bureau_id = next((uid for uid in unit_ids.values() if kinds[uid] == "bureau"), None)
        region_of = ctx.ids["unit_region"]

        entry_ids = list(bulk.reserve_ids(session, CatalogEntry, ctx.scale.entries))
        entries, items, versions, clocks, triggers = [], [], [], [], []
        published_refs: list[tuple[int, int, str, list[int]]] = []
        used_names: dict[int, set[str]] = {}
        unit_entries: dict[int, list[tuple[int, str, bool]]] = {}
        pending_items: list[tuple[int, list[DataItemInput]]] = []
        for n, entry_id in enumerate(entry_ids):
            slug, unit_id = units[n % len(units)]
            short = slug.split("_")[-1] if "_" in slug else slug
            templates = spec["units"].get(short) or spec["units"]["_default"]
            template = templates[(n // len(units)) % len(templates)]
            names = used_names.setdefault(unit_id, set())
            name = template["name"]
            k = 0
            while name in names:
                k += 1
                name = template["name"] + (VARIANTS[k] if k < len(VARIANTS) else f"（第{k}批）")
            names.add(name)
            copy = "_" in slug  # county units and other cities: the main city's unit is the legal source
            data_items = [_parse_item(t) for t in template["items"]]
            if copy or k:
                for item in data_items:  # the city unit of the original resource is the legal source
                    item.is_source = False
            want = max(len(data_items), min(len(data_items) + len(fillers), int(rng.gauss(per_entry, per_entry / 4))))
            extra = rng.sample(fillers, k=min(len(fillers), want - len(data_items)))
            data_items += [DataItemInput(f.name, f.data_type, f.length, f.is_sensitive, False) for f in extra]
            share = template["share"]
            restricted = share != "unconditional" or template["open"] != "open"
            state = _pick_state(rng)
            published_on = today - timedelta(days=rng.randint(10, 3 * 365))
            data = EntryInput(
                resource_code=f"{usccs[unit_id][8:17]}-{n + 1:06d}", name=name, provider_unit_id=unit_id,
                classification=template["class"], summary=f"{name}，由本单位在履行职责过程中采集、产生和维护。",
                base_library=template.get("base"), source_unit_id=unit_id, resource_format=template["format"],
                share_type=share, share_method=METHOD_BY_FORMAT[template["format"]],
                share_scope=rng.choice(spec["scopes"]),
                share_conditions="用于依法履职，须签订数据使用协议并按最小够用原则申请" if share == "conditional" else None,
                open_attribute=template["open"],
                open_conditions="经授权后向符合条件的申请人开放" if template["open"] == "conditional" else None,
                restriction_basis=rng.choice(spec["laws"]) if restricted else None,
                update_frequency=template["freq"], security_level="sensitive" if share == "not_shared" else
                rng.choice(["internal", "internal", "public"]),
                published_on=published_on if state not in (EntryStatus.DRAFT,) else None, data_items=data_items)
            # Some entries are incomplete: drafts half-filled, a few legacy published ones without optional fields.
            if state in (EntryStatus.DRAFT, EntryStatus.RETURNED) and rng.random() < 0.5:
                data.summary, data.share_scope, data.security_level = None, None, None
            elif rng.random() < 0.08:
                data.share_scope, data.source_unit_id = None, None
                if restricted and rng.random() < 0.4:
                    data.restriction_basis = None
            score = completeness(data)[0]
            live = state in (EntryStatus.PUBLISHED, EntryStatus.WITHDRAWN, "published_change") or (
                state == EntryStatus.SUBMITTED and rng.random() < 0.3)
            steward = users.get(f"steward_{slug}")
            maintained = datetime.combine(published_on, datetime.min.time(), tzinfo=ctx.now.tzinfo) + timedelta(hours=3)
            if rng.random() < 0.6:  # most units confirmed or updated their entries since
                maintained = ctx.now - timedelta(days=rng.randint(5, 330))
            status = {"published_change": rng.choice([EntryStatus.DRAFT, EntryStatus.SUBMITTED])}.get(state, state)
            change_kind = None
            pending = None
            if state == "published_change" or (status == EntryStatus.SUBMITTED and live):
                change_kind = ChangeKind.CHANGE
                changed = EntryInput(**{**data.__dict__, "data_items": list(data.data_items)})
                changed.summary = (data.summary or name) + "（按新修订规定调整共享范围）"
                changed.share_scope = "全市政务部门及所辖县（区）"
                pending = json.dumps({"fields": _json(changed), "completeness": completeness(changed)[0]},
                                     ensure_ascii=False)
            elif status in (EntryStatus.SUBMITTED, EntryStatus.DRAFT, EntryStatus.RETURNED):
                change_kind = ChangeKind.NEW
            submitted_at = ctx.now - timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 8)) \
                if status in (EntryStatus.SUBMITTED, EntryStatus.RETURNED) else None
            entries.append({
                **{k: getattr(data, k) for k in ("resource_code", "name", "summary", "classification", "base_library",
                                                 "provider_unit_id", "source_unit_id", "resource_format", "share_type",
                                                 "share_conditions", "share_method", "share_scope", "open_attribute",
                                                 "open_conditions", "restriction_basis", "update_frequency",
                                                 "security_level", "published_on", "related_codes",
                                                 "usage_requirements")},
                "id": entry_id, "status": str(status), "is_published": live and state != EntryStatus.WITHDRAWN,
                "published_version": 0, "change_kind": change_kind, "pending": pending,
                "return_reason": rng.choice(["信息项不完整，请补充数据类型和长度", "共享条件表述不清，请明确使用范围",
                                             "限制依据未注明具体条款", "资源摘要过于简略"])
                if status == EntryStatus.RETURNED else None,
                "completeness": score, "item_count": len(data.data_items) if live else 0,
                "search_text": " ".join([normalise_name(name), data.resource_code.lower()]
                                        + [normalise_name(i.name) for i in data.data_items]) if live else None,
                "filed_at": maintained if share == "not_shared" and live and rng.random() < 0.6 else None,
                "filed_by": reviewer_id if share == "not_shared" else None,
                "submitted_at": submitted_at, "reviewed_at": maintained if live else None,
                "reviewed_by": reviewer_id if live else None, "last_maintained_at": maintained if live else None,
                # data_updated_at / fresh_until / aggregation_active: the "aggregation" step sets them from its log
                "created_by": steward,
                "created_at": maintained - timedelta(days=rng.randint(1, 30)) if live else
                ctx.now - timedelta(days=rng.randint(1, 60)),
                "updated_at": submitted_at or maintained, "version": 1, "filing_note": None,
            })
            pending_items.append((entry_id, data.data_items))
            if live:
                version_count = 1 + (1 if rng.random() < 0.25 else 0) + (1 if state == EntryStatus.WITHDRAWN else 0)
                entries[-1]["published_version"] = version_count
                for v in range(1, version_count + 1):
                    kind = ChangeKind.NEW if v == 1 else (ChangeKind.WITHDRAW if state == EntryStatus.WITHDRAWN
                                                          and v == version_count else ChangeKind.CHANGE)
                    versions.append({"entry_id": entry_id, "version_no": v, "change_kind": str(kind),
                                     "snapshot": json.dumps(_json(data), ensure_ascii=False, sort_keys=True),
                                     "published_at": maintained - timedelta(days=30 * (version_count - v)),
                                     "published_by": reviewer_id})
            if status == EntryStatus.SUBMITTED:
                started = local_date(submitted_at)
                clocks.append((entry_id, started, bureau_id))
            unit_entries.setdefault(unit_id, []).append((entry_id, name, live and state != EntryStatus.WITHDRAWN))

        item_ids = iter(bulk.reserve_ids(session, DataItem, sum(len(i) for _e, i in pending_items)))
        by_entry: dict[int, list[int]] = {}
        for entry_id, data_items in pending_items:
            for pos, item in enumerate(data_items):
                item_id = next(item_ids)
                by_entry.setdefault(entry_id, []).append(item_id)
                items.append({"id": item_id, "entry_id": entry_id, "position": pos, "name": item.name,
                              "norm_name": normalise_name(item.name)[:80], "data_type": item.data_type,
                              "length": item.length, "is_sensitive": item.is_sensitive, "is_source": item.is_source})
        bulk.insert_rows(session, CatalogEntry, entries)
        with bulk.indexes_deferred(session, DataItem):  # 2M items at province: one sorted index build each
            bulk.insert_rows(session, DataItem, items)
        bulk.insert_rows(session, CatalogVersion, versions)
        for row in entries:
            if row["is_published"]:
                published_refs.append((row["id"], row["provider_unit_id"], row["share_type"], by_entry[row["id"]]))

        # Review clocks of the submissions, due dates from the active profile and the calendar.
        from services.deadlines import clocks as clock_service
        from services.deadlines import policy

        review_days = policy.active_profile().step_days(ClockStep.CATALOG_REVIEW)
        update_days = policy.active_profile().step_days(ClockStep.CATALOG_UPDATE)
        due = clock_service.bulk_due_dates([c[1] for c in clocks], [review_days] * len(clocks))
        clock_rows = [{"case_kind": CaseKind.CATALOG_ENTRY.value, "case_id": entry_id,
                       "step": ClockStep.CATALOG_REVIEW.value, "responsible_unit_id": bureau,
                       "responsible_region_id": region_of.get(bureau), "started_on": started, "workdays": review_days,
                       "due_on": due_on, "created_at": ctx.now}
                      for (entry_id, started, bureau), due_on in zip(clocks, due, strict=True)]

        # Triggers: a change of law, duty or data recorded by some units, most answered, a few still open.
        trigger_units = rng.sample([u for _s, u in units], k=max(1, len(units) // 4))
        trigger_ids = iter(bulk.reserve_ids(session, CatalogTrigger, len(trigger_units)))
        open_triggers = []
        for unit_id in trigger_units:
            trigger_id = next(trigger_ids)
            occurred = today - timedelta(days=rng.randint(1, 40))
            resolved = rng.random() < 0.6
            entry = rng.choice(unit_entries.get(unit_id) or [(None, "", False)])
            triggers.append({"id": trigger_id, "unit_id": unit_id, "entry_id": entry[0],
                             "kind": rng.choice(["law", "duty", "data"]), "occurred_on": occurred,
                             "note": rng.choice(["新修订的地方性法规施行", "机构职能调整", "业务系统升级，新增采集字段"]),
                             "resolved_at": ctx.now - timedelta(days=1) if resolved else None,
                             "created_by": None, "created_at": ctx.now - timedelta(days=rng.randint(0, 3))})
            if not resolved:
                open_triggers.append((trigger_id, occurred, unit_id))
        due = clock_service.bulk_due_dates([t[1] for t in open_triggers], [update_days] * len(open_triggers))
        clock_rows += [{"case_kind": CASE_TRIGGER, "case_id": trigger_id, "step": ClockStep.CATALOG_UPDATE.value,
                        "responsible_unit_id": unit_id, "responsible_region_id": region_of.get(unit_id),
                        "started_on": occurred, "workdays": update_days, "due_on": due_on, "created_at": ctx.now}
                       for (trigger_id, occurred, unit_id), due_on in zip(open_triggers, due, strict=True)]
        bulk.insert_rows(session, CatalogTrigger, triggers)
        bulk.insert_rows(session, SlaClock, clock_rows)

        # Responsibility list: what each unit is expected to catalog (its templates), fulfilled by published entries.
        resp_rows, demand_rows = [], []
        for slug, unit_id in units:
            short = slug.split("_")[-1]
            templates = spec["units"].get(short) or spec["units"]["_default"]
            published = {normalise_name(name): eid for eid, name, live in unit_entries.get(unit_id, []) if live}
            for template in templates:
                resp_rows.append({"unit_id": unit_id, "resource_name": template["name"],
                                  "base_library": template.get("base"),
                                  "entry_id": published.get(normalise_name(template["name"])),
                                  "created_by": reviewer_id, "created_at": ctx.now - timedelta(days=200)})
            if rng.random() < 0.3:
                wanted = rng.choice(["户籍人口信息", "企业登记信息", "不动产登记信息", "社会保险参保信息"])
                demand_rows.append({"unit_id": unit_id, "title": f"需要{wanted}用于业务核验",
                                    "description": "办理业务时核验申请人身份和登记状况，减少群众提交证明材料",
                                    "wanted_items": "姓名、公民身份号码、登记状态", "status": "open",
                                    "created_by": users.get(f"steward_{slug}"),
                                    "created_at": ctx.now - timedelta(days=rng.randint(1, 90)), "version": 1})
        bulk.insert_rows(session, ResponsibilityItem, resp_rows)
        bulk.insert_rows(session, DemandItem, demand_rows)
        session.commit()

    ctx.ids["entries"] = published_refs
    ctx.counts.update(catalog_entries=len(entries), data_items=len(items), catalog_versions=len(versions),
                      catalog_clocks=len(clock_rows), responsibility_items=len(resp_rows))


def _json(data: EntryInput) -> dict:
    out = {k: getattr(data, k) for k in data.__dataclass_fields__ if k != "data_items"}
    out["published_on"] = data.published_on.isoformat() if isinstance(data.published_on, date) else None
    out["data_items"] = [i.__dict__ for i in data.data_items]
    return out
