"""The published catalog: search by name, code and data item, filters, pagination, visibility of drafts."""

from __future__ import annotations

from datetime import date

import pytest

from services import catalog
from services.core.errors import PermissionDenied
from tests.services.catalog_fixtures import entry_input, published_entry


def test_search_finds_entry_by_data_item_name(world):
    published_entry(world, name="户籍人口信息", items=["公民身份号码", "姓名"])
    published_entry(world, "civil", name="婚姻登记信息", items=["登记日期", "男方姓名"])
    rows, total = catalog.search_published(world["civil"], text="身份号码")
    assert total == 1
    assert rows.loc[0, "name"] == "户籍人口信息"
    assert rows.loc[0, "items"] == 2
    assert rows.loc[0, "provider"] == "示范市公安局"


def test_search_ignores_width_and_spaces_in_the_query(world):
    published_entry(world, name="企业登记信息", items=["统一社会信用代码"])
    _rows, total = catalog.search_published(world["leader"], text="企业　登记")
    assert total == 1


def test_drafts_do_not_appear_in_the_published_catalog(world):
    catalog.create_entry(world["police"], entry_input(world, name="草稿目录"))
    published_entry(world, name="已发布目录")
    rows, total = catalog.search_published(world["reviewer"])
    assert total == 1
    assert list(rows["name"]) == ["已发布目录"]


def test_search_filters_by_unit_class_and_share_type(world):
    published_entry(world, name="甲", share_type="conditional")
    published_entry(world, name="乙", share_type="unconditional")
    published_entry(world, "civil", name="丙", share_type="conditional")
    rows, total = catalog.search_published(world["police"], unit_id=world.units["police"], share_type="conditional")
    assert (total, list(rows["name"])) == (1, ["甲"])
    _rows, total = catalog.search_published(world["police"], classification="base")
    assert total == 0


def test_search_paginates_on_the_server(world):
    for n in range(7):
        published_entry(world, name=f"目录{n}", code=f"PAGE-{n:03d}")
    first, total = catalog.search_published(world["police"], page=1, page_size=3)
    last, _total = catalog.search_published(world["police"], page=3, page_size=3)
    assert total == 7
    assert list(first["resource_code"]) == ["PAGE-000", "PAGE-001", "PAGE-002"]
    assert list(last["resource_code"]) == ["PAGE-006"]


def test_get_entry_returns_published_fields_and_items(world):
    entry_id = published_entry(world, name="户籍人口信息", share_type="conditional", items=["公民身份号码", "姓名"])
    view = catalog.get_entry(world["civil"], entry_id)
    assert view.share_type == "conditional"
    assert view.provider == "示范市公安局"
    assert [i["name"] for i in view.data_items] == ["公民身份号码", "姓名"]
    assert all(i["id"] for i in view.data_items)
    assert view.pending is None
    assert view.published_version == 1


def test_other_unit_cannot_read_a_draft(world):
    entry_id = catalog.create_entry(world["police"], entry_input(world))
    with pytest.raises(PermissionDenied):
        catalog.get_entry(world["civil"], entry_id)
    assert catalog.get_entry(world["reviewer"], entry_id).status == "draft"


def test_admins_cannot_read_the_catalog(world):
    with pytest.raises(PermissionDenied):
        catalog.search_published(world["sysadmin"])


def test_wildcards_and_nul_bytes_in_search_boxes_are_plain_text(world):
    from services.administration import orgs, users

    published_entry(world)
    _rows, everything = catalog.search_published(world["police"])
    assert catalog.search_published(world["police"], text="a\x00b")[1] == 0
    for text in ("%", "c%e", "s_s", "\\", "a\x00b", "%\x00"):
        # The published search drops punctuation from the query (normalised names): a lone % is an empty query.
        assert catalog.search_published(world["police"], text=text)[1] in (0, everything), text
        assert catalog.list_entries(world["police"], text=text)[1] == 0, text
        assert users.list_users(world["sysadmin"], search=text).empty
        assert orgs.list_units(search=text).empty
    assert len(users.list_users(world["sysadmin"], search="COUNTY_POLICE")) == 1  # case-insensitive on both backends


def test_the_share_request_code_box_is_text_not_a_pattern(world):
    """The request-code filter of the request lists (all requests, incoming, mine): `%` and `_` match themselves,
    a NUL byte finds nothing instead of failing on PostgreSQL, and the code matches whatever its case."""
    from services import sharing
    from services.sharing import queries as sharing_queries
    from tests.services.sharing_fixtures import application, at, entry, item_ids

    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 30)))
    code = sharing_queries.get_request(world["reviewer"], request_id).code

    def found(text: str) -> int:
        return sharing_queries.list_requests(world["reviewer"], sharing_queries.RequestFilter(code=text))[1]

    assert found(code) == 1 and found(code.lower()) == 1 and found(code[-4:]) == 1
    for text in ("%", "_", "%_%", "\\", "a\x00b"):
        assert found(text) == 0, text
    assert found("\x00") == 1  # nothing left to look for: the unfiltered list, not a database error
