"""Catalog quality: completeness and coverage per unit, responsibility and demand lists, one source per item."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import OneSourceDecision
from services import catalog
from services.catalog import quality as catalog_quality
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from tests.services.catalog_fixtures import entry_input, published_entry


def test_coverage_counts_published_entries_against_the_responsibility_list(world):
    police = world.units["police"]
    catalog_quality.add_responsibility(world["reviewer"], police, "户籍人口信息", base_library="population")
    catalog_quality.add_responsibility(world["reviewer"], police, "机动车登记信息")
    published_entry(world, name="户籍 人口信息")
    catalog.create_entry(world["police"], entry_input(world, name="机动车登记信息"))  # a draft does not count
    rollup = catalog_quality.unit_rollup(world["leader"], unit_id=police).iloc[0]
    assert (rollup["expected"], rollup["covered"], rollup["coverage"]) == (2, 1, 0.5)
    assert (rollup["published"], rollup["draft"]) == (1, 1)


def test_publishing_an_entry_fulfils_the_matching_responsibility_item(world):
    police = world.units["police"]
    item_id = catalog_quality.add_responsibility(world["reviewer"], police, "出入境证件信息")
    entry_id = catalog.create_entry(world["police"], entry_input(world, name="出入境证件信息"))
    catalog.submit_entry(world["police"], entry_id)
    catalog.approve_entry(world["reviewer"], entry_id)
    listed = catalog_quality.list_responsibility(world["police"], unit_id=police)
    row = listed[listed["id"] == item_id].iloc[0]
    assert (row["entry_id"], row["covered"]) == (entry_id, True)


def test_duplicate_responsibility_item_is_refused(world):
    catalog_quality.add_responsibility(world["reviewer"], world.units["police"], "户籍人口信息")
    with pytest.raises(ValidationError):
        catalog_quality.add_responsibility(world["reviewer"], world.units["police"], "户籍人口 信息")


def test_steward_cannot_edit_the_responsibility_list(world):
    with pytest.raises(PermissionDenied):
        catalog_quality.add_responsibility(world["police"], world.units["police"], "户籍人口信息")


def test_demand_is_linked_by_the_bureau_and_closed_by_the_unit(world):
    entry_id = published_entry(world, name="户籍人口信息")
    demand_id = catalog_quality.add_demand(world["civil"], "核验婚姻登记当事人户籍", wanted_items="姓名、公民身份号码")
    catalog_quality.link_demand(world["reviewer"], demand_id, entry_id=entry_id, expected_version=1)
    row = catalog_quality.list_demands(world["civil"], unit_id=world.units["civil"]).iloc[0]
    assert (row["status"], row["linked_entry_id"], row["responsible_unit_id"]) == ("linked", entry_id,
                                                                                  world.units["police"])
    # the responsible unit sees the need routed to it
    assert len(catalog_quality.list_demands(world["police"], unit_id=world.units["police"])) == 1
    catalog_quality.close_demand(world["civil"], demand_id)
    with pytest.raises(ValidationError):
        catalog_quality.link_demand(world["reviewer"], demand_id, responsible_unit_id=world.units["police"])


def test_other_unit_cannot_close_a_demand(world):
    demand_id = catalog_quality.add_demand(world["civil"], "需要户籍数据")
    with pytest.raises(PermissionDenied):
        catalog_quality.close_demand(world["police"], demand_id)


def test_item_claimed_as_source_by_two_units_is_a_conflict_until_ruled(world):
    source = [catalog.DataItemInput("公民身份号码", "string", 18, True, True)]
    published_entry(world, name="户籍人口信息", data_items=source)
    published_entry(world, "civil", name="低保对象信息",
                    data_items=[catalog.DataItemInput("公民身份号码 ", "string", 18, True, True)])
    conflicts = catalog_quality.one_source_conflicts(world["reviewer"])
    assert list(conflicts["norm_name"]) == ["公民身份号码"]
    assert sorted(conflicts.iloc[0]["units"]) == ["示范市公安局", "示范市民政局"]
    catalog_quality.settle_conflict(world["reviewer"], "公民身份号码", world.units["police"], "公安机关为法定数源")
    assert catalog_quality.one_source_conflicts(world["reviewer"], include_settled=False).empty
    # the civil affairs unit must clear its flag before its next change is accepted
    entry_id = catalog.create_entry(world["civil"], entry_input(world, "civil", name="救助对象", data_items=source))
    with pytest.raises(ValidationError) as err:
        catalog.submit_entry(world["civil"], entry_id)
    assert "公民身份号码" in err.value.errors["data_items"]


def test_unit_is_told_an_item_can_be_obtained_from_a_base_library(world):
    published_entry(world, name="人口基础信息", classification="base", base_library="population",
                    data_items=[catalog.DataItemInput("公民身份号码", "string", 18, True, True),
                                catalog.DataItemInput("姓名", "string", 50, False, True),
                                catalog.DataItemInput("备注", "string", 200, False, False)])
    hints = catalog_quality.obtainable_by_sharing(world["civil"], world.units["civil"], ["姓名", "婚姻状况", "备注"])
    assert [(h.item_name, h.provider) for h in hints] == [("姓名", "示范市公安局")]
    assert catalog_quality.obtainable_by_sharing(world["police"], world.units["police"], ["姓名"]) == []


def test_leadership_and_assessors_see_every_units_quality_and_a_steward_their_own(world):
    police = world.units["police"]
    catalog_quality.add_responsibility(world["reviewer"], police, "户籍人口信息")
    published_entry(world, name="户籍人口信息")
    for who in ("leader", "assessor", "reviewer"):
        narrowed = catalog_quality.quality_unit(world[who])
        assert narrowed is None, who
        assert police in set(catalog_quality.unit_rollup(world[who], unit_id=narrowed)["unit_id"]), who
        assert len(catalog_quality.list_responsibility(world[who], unit_id=narrowed)) == 1, who
    assert catalog_quality.quality_unit(world["leader"], police) == police
    assert catalog_quality.quality_unit(world["civil"]) == world.units["civil"]
    assert catalog_quality.quality_unit(world["civil"], police) == world.units["civil"]


def test_over_long_notes_of_the_quality_lists_are_refused_with_the_limit(world):
    n, police = catalog_quality.NOTE_MAX, world.units["police"]
    message = f"最多 {n} 个字符，当前内容有 {n + 1} 个字符。"
    with pytest.raises(ValidationError) as refused:
        catalog_quality.add_responsibility(world["reviewer"], police, "户籍人口信息", note="注" * (n + 1))
    assert refused.value.errors == {"note": message}
    assert catalog_quality.list_responsibility(world["reviewer"], unit_id=police).empty
    with pytest.raises(ValidationError) as refused:
        catalog_quality.settle_conflict(world["reviewer"], "公民身份号码", police, "注" * (n + 1))
    assert refused.value.errors == {"note": message}
    with read_session() as session:
        assert session.exec(select(OneSourceDecision)).first() is None
