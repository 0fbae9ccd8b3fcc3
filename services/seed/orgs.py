"""Seed step: regions, units with valid USCCs, and one demo account per role per relevant unit."""

from __future__ import annotations

import json

from sqlalchemy import insert
from sqlmodel import select

from models import Region, RegionLevel, Role, Unit, UnitKind, UnitLevel, User, UserRole
from services.administration.auth import hash_password
from services.core.db import write_session
from services.core.settings import DATA_DIR
from services.core.validators import make_uscc
from services.seed import SeedContext, register

DEMO_PASSWORD = "Demo@2026!"
EXTRA_DEPARTMENTS = ["档案局", "审计局", "林业局", "体育局", "退役军人事务局", "气象局", "地震局", "粮食和物资储备局",
                     "人民防空办公室", "机关事务管理局", "国有资产监督管理委员会", "乡村振兴局", "数据资源中心"]


def demo_orgs() -> dict:
    return json.loads((DATA_DIR / "demo_orgs.json").read_text(encoding="utf-8"))


def _org_body(n: int) -> str:
    return f"{n:08d}"


@register("orgs")
def seed_orgs(ctx: SeedContext) -> None:
    spec = demo_orgs()
    scale = ctx.scale
    regions: list[dict] = []
    if scale.cities == 1:
        regions = [dict(r) for r in spec["regions"]]
        extra = scale.counties_per_city - (len(regions) - 1)
        for i in range(extra):
            regions.append({"code": f"9901{31 + i:02d}", "name": f"示范{i + 4}县", "level": "county", "parent": "990100"})
    else:
        regions.append({"code": "990000", "name": "示范省", "level": "province", "parent": None})
        for c in range(scale.cities):
            city_code = f"99{c + 1:02d}00"
            regions.append({"code": city_code, "name": "示范市" if c == 0 else f"示范{c + 1}市", "level": "city",
                            "parent": "990000"})
            for k in range(scale.counties_per_city):
                regions.append({"code": f"99{c + 1:02d}{21 + k:02d}", "name": f"示范{c + 1}市{k + 1}县",
                                "level": "county", "parent": city_code})

    org_seq = 100
    with write_session() as session:
        region_ids: dict[str, int] = {}
        for r in regions:
            region = Region(code=r["code"], name=r["name"], level=r["level"],
                            parent_id=region_ids.get(r["parent"]) if r["parent"] else None)
            session.add(region)
            session.flush()
            region_ids[r["code"]] = region.id  # type: ignore[assignment]

        county_names = {r["code"]: r["name"] for r in regions if r["level"] == RegionLevel.COUNTY}
        unit_rows: list[dict] = []
        people = spec["people"]

        def add_unit(slug: str, name: str, short: str, kind: str, level: str, region_code: str) -> None:
            nonlocal org_seq
            org_seq += 1
            authority_kind = "12" if kind == UnitKind.PUBLIC_SERVICE else "11"
            person = people[org_seq % len(people)]
            unit_rows.append(dict(
                slug=slug, uscc=make_uscc(authority_kind[0], authority_kind[1], region_code, _org_body(org_seq)),
                name=name, short_name=short, kind=kind, level=level, region_id=region_ids[region_code],
                chief_data_officer=person, data_admin_name=people[(org_seq * 7) % len(people)],
                data_admin_phone=f"0599-{8_000_000 + org_seq}",
            ))

        for r in regions:
            if r["level"] == RegionLevel.CITY:
                prefix = "" if r["code"] == "990100" else f"c{r['code'][2:4]}_"
                city = r["name"]
                for u in spec["city_units"]:
                    add_unit(prefix + u["slug"], u["name"].replace("示范市", city), u["short"], u["kind"],
                             UnitLevel.CITY, r["code"])
                for i in range(scale.extra_city_units):
                    dept = EXTRA_DEPARTMENTS[i % len(EXTRA_DEPARTMENTS)]
                    add_unit(f"{prefix}x{i}", f"{city}{dept}", f"市{dept}", UnitKind.DEPARTMENT, UnitLevel.CITY, r["code"])
            elif r["level"] == RegionLevel.COUNTY:
                county_slug = spec["county_slugs"].get(r["code"], f"k{r['code'][2:]}")
                county = county_names[r["code"]]
                for u in spec["county_units"]:
                    add_unit(f"{county_slug}_{u['slug']}", u["name"].format(county=county),
                             u["short"].format(county=county), u["kind"], UnitLevel.COUNTY, r["code"])
                for i in range(scale.extra_county_units):
                    dept = EXTRA_DEPARTMENTS[i % len(EXTRA_DEPARTMENTS)]
                    add_unit(f"{county_slug}_x{i}", f"{county}{dept}", f"{county}{dept}", UnitKind.DEPARTMENT,
                             UnitLevel.COUNTY, r["code"])

        slugs = [row.pop("slug") for row in unit_rows]
        session.execute(insert(Unit), unit_rows)
        session.flush()
        by_uscc = {u.uscc: u for u in session.exec(select(Unit)).all()}
        units = {slug: by_uscc[row["uscc"]] for slug, row in zip(slugs, unit_rows, strict=True)}

        password_hash = hash_password(DEMO_PASSWORD)
        accounts: list[tuple[str, str, int, list[str]]] = []
        bureau = units["dsj"]
        for username, display, role in (
            ("leader", "局领导 王建国", Role.LEADER), ("reviewer", "审核员 李秀英", Role.BUREAU_REVIEWER),
            ("assessor", "考核员 张伟", Role.ASSESSOR), ("sysadmin", "系统管理员 刘洋", Role.SYS_ADMIN),
            ("secadmin", "安全管理员 陈静", Role.SECURITY_ADMIN), ("auditadmin", "审计管理员 杨帆", Role.AUDIT_ADMIN),
        ):
            accounts.append((username, display, bureau.id, [role]))  # type: ignore[list-item]
        for slug, unit in units.items():
            if unit.kind == UnitKind.COUNTY_EGOV:
                accounts.append((f"approver_{slug.split('_')[0]}", f"{unit.short_name}审批员", unit.id, [Role.COUNTY_APPROVER]))  # type: ignore[list-item]
            if unit.kind != UnitKind.BUREAU:
                accounts.append((f"steward_{slug}", f"{unit.short_name}数据管理员", unit.id, [Role.UNIT_STEWARD]))  # type: ignore[list-item]
        user_rows = [dict(username=u, display_name=d, unit_id=unit_id, language="zh_CN", password_hash=password_hash,
                          password_changed_at=ctx.now, must_change_password=False, created_at=ctx.now, version=1,
                          failed_attempts=0, is_active=True)
                     for u, d, unit_id, _roles in accounts]
        session.execute(insert(User), user_rows)
        session.flush()
        user_ids = dict(session.exec(select(User.username, User.id)).all())
        session.execute(insert(UserRole), [dict(user_id=user_ids[u], role=str(role), granted_at=ctx.now)
                                           for u, _d, _unit, roles in accounts for role in roles])
        session.commit()

    ctx.ids["regions"] = region_ids
    ctx.ids["units"] = {slug: unit.id for slug, unit in units.items()}
    ctx.ids["unit_region"] = {unit.id: unit.region_id for unit in units.values()}
    ctx.ids["unit_kind"] = {unit.id: unit.kind for unit in units.values()}
    ctx.ids["users"] = user_ids
    ctx.counts.update(regions=len(regions), units=len(units), users=len(user_ids))
