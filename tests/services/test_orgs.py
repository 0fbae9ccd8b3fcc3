"""Regions and units: GB/T 2260 codes, unified social credit codes with check characters, county rules,
optimistic locking."""

from __future__ import annotations

import pytest

from services.administration import orgs
from services.core.errors import Conflict, ValidationError
from services.core.validators import make_uscc


def _unit(world, **changes):
    data = dict(uscc=make_uscc("1", "1", "990100", "55500001"), name="示范市统计局", kind="department",
                level="city", region_id=world.regions["city"], short_name="市统计局")
    data.update(changes)
    return orgs.UnitInput(**data)


def test_system_admin_creates_a_unit_with_a_valid_code(world):
    unit_id = orgs.save_unit(world["sysadmin"], _unit(world))
    units = orgs.list_units(search="统计")
    assert list(units["id"]) == [unit_id] and units.iloc[0]["region"] == "示范市"


@pytest.mark.parametrize("code, fragment", [
    ("12345", "18"),
    ("91350100M000100Y4O", "I、O"),
])
def test_malformed_credit_codes_are_refused(world, code, fragment):
    with pytest.raises(ValidationError) as refused:
        orgs.save_unit(world["sysadmin"], _unit(world, uscc=code))
    assert fragment in refused.value.errors["uscc"]


def test_a_wrong_check_character_is_refused(world):
    good = make_uscc("1", "1", "990100", "55500001")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as refused:
        orgs.save_unit(world["sysadmin"], _unit(world, uscc=wrong))
    assert "校验码" in refused.value.errors["uscc"]


def test_lower_case_code_is_normalised_and_duplicates_are_refused(world):
    code = make_uscc("1", "1", "990100", "55500001")
    orgs.save_unit(world["sysadmin"], _unit(world, uscc=code.lower()))
    with pytest.raises(ValidationError) as refused:
        orgs.save_unit(world["sysadmin"], _unit(world, uscc=code, name="另一个单位"))
    assert "已有其他单位" in refused.value.errors["uscc"]


def test_county_level_unit_must_sit_in_a_county(world):
    with pytest.raises(ValidationError) as refused:
        orgs.save_unit(world["sysadmin"], _unit(world, level="county"))
    assert "region_id" in refused.value.errors


def test_a_stale_unit_edit_is_a_conflict(world):
    unit = orgs.get_unit(world.units["civil"])
    data = _unit(world, uscc=unit.uscc, name="示范市民政局（新）")
    orgs.save_unit(world["sysadmin"], data, unit.id, expected_version=unit.version)
    with pytest.raises(Conflict):
        orgs.save_unit(world["sysadmin"], data, unit.id, expected_version=unit.version)


def test_region_codes_and_parents_are_checked(world):
    with pytest.raises(ValidationError) as refused:
        orgs.save_region(world["sysadmin"], orgs.RegionInput(code="99A1", name="", level="county"))
    assert set(refused.value.errors) == {"code", "name", "parent_id"}
    with pytest.raises(ValidationError) as dup:
        orgs.save_region(world["sysadmin"], orgs.RegionInput(code="990100", name="重复", level="city"))
    assert "code" in dup.value.errors
    region_id = orgs.save_region(world["sysadmin"], orgs.RegionInput(
        code="990123", name="南湖县", level="county", parent_id=world.regions["city"]))
    with pytest.raises(ValidationError):
        orgs.save_region(world["sysadmin"], orgs.RegionInput(
            code="990123", name="南湖县", level="county", parent_id=region_id), region_id)


def test_a_unit_phone_must_be_a_phone_number():
    from services.core.validators import phone_error

    for good in (None, "", "13800138000", "0591-87654321", "059187654321", "87654321", "0591-87654321-806",
                 "138 0013 8000"):
        assert phone_error(good) is None, good
    for bad in ("not a phone 😀", "12345", "1380013800", "+86 abc"):
        assert phone_error(bad), bad


@pytest.mark.parametrize("field, limit", sorted(orgs.UNIT_LIMITS.items()))
def test_an_over_long_unit_field_is_refused_with_its_length(world, field, limit):
    """A paste longer than the column is refused with the limit, never cut off or dropped; nothing is saved."""
    before = len(orgs.list_units())
    with pytest.raises(ValidationError) as refused:
        orgs.save_unit(world["sysadmin"], _unit(world, **{field: "1" * (limit + 1)}))
    assert refused.value.errors[field] == f"最多 {limit} 个字符，当前内容有 {limit + 1} 个字符。"
    assert len(orgs.list_units()) == before
    orgs.save_unit(world["sysadmin"], _unit(world, **{field: "1" * limit} if field != "data_admin_phone" else {}))


def test_an_over_long_region_name_is_refused_with_its_length(world):
    before = len(orgs.list_regions())
    with pytest.raises(ValidationError) as refused:
        orgs.save_region(world["sysadmin"], orgs.RegionInput(code="990124", name="县" * 5000, level="city"))
    assert refused.value.errors == {"name": "最多 60 个字符，当前内容有 5000 个字符。"}
    assert len(orgs.list_regions()) == before
