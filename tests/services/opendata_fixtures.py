"""Open-data test helpers: valid identity numbers, open entries and a public request input."""

from __future__ import annotations

from services.catalog import DataItemInput
from services.core.validators import RESIDENT_ID_CHECK, RESIDENT_ID_WEIGHTS, make_uscc
from services.opendata import PublicRequestInput
from tests.services.catalog_fixtures import published_entry


def resident_id(first17: str = "11010119900307123") -> str:
    total = sum(int(d) * w for d, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return first17 + RESIDENT_ID_CHECK[total % 11]


ENTERPRISE_USCC = make_uscc("9", "1", "990100", "MA123456")
PERSON_ID = resident_id()


def open_entry(world, unit_key: str = "police", open_attribute: str = "conditional", **overrides) -> int:
    items = [DataItemInput("公民身份号码", "string", 18, is_sensitive=True), DataItemInput("企业名称", "string", 100),
             DataItemInput("登记日期", "date")]
    values = dict(open_attribute=open_attribute, data_items=items, share_type="unconditional")
    if open_attribute == "conditional":
        values["open_conditions"] = "签订公共数据利用协议，仅用于科研"
    values.update(overrides)
    return published_entry(world, unit_key, **values)


def application(entry_id: int, **overrides) -> PublicRequestInput:
    values = dict(kind="application", applicant_kind="enterprise", name="示范科技有限公司", id_number=ENTERPRISE_USCC,
                  contact="13800000000", purpose="开发企业信用查询服务", entry_id=entry_id, domestic_controlled=True)
    values.update(overrides)
    return PublicRequestInput(**values)


def demand(**overrides) -> PublicRequestInput:
    values = dict(kind="demand", applicant_kind="natural_person", name="张三", id_number=PERSON_ID,
                  contact="zhangsan@example.com", purpose="研究城市公交线路", title="公交线路及站点数据",
                  description="希望开放全市公交线路和站点位置")
    values.update(overrides)
    return PublicRequestInput(**values)
