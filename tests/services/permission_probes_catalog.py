"""Permission probes of the catalog actions: each calls the real service as a wrong-role or out-of-scope user."""

from __future__ import annotations

from datetime import date

from services import catalog
from tests.services.catalog_fixtures import entry_input, published_entry
from tests.services.probes import probe


@probe("catalog.view")
def _view(w):
    catalog.search_published(w["auditadmin"])


@probe("catalog.view_unpublished")
def _view_unpublished(w):
    entry_id = catalog.create_entry(w["police"], entry_input(w))
    catalog.get_working_copy(w["civil"], entry_id)


@probe("catalog.edit")
def _edit(w):
    catalog.create_entry(w["civil"], entry_input(w, "police"))


@probe("catalog.submit")
def _submit(w):
    entry_id = catalog.create_entry(w["police"], entry_input(w))
    catalog.submit_entry(w["county_police"], entry_id)


@probe("catalog.trigger")
def _trigger(w):
    catalog.record_trigger(w["civil"], w.units["police"], "law", date(2025, 3, 3))


@probe("catalog.review")
def _review(w):
    entry_id = published_entry(w, share_type="conditional")
    catalog.fix_share_type(w["police"], entry_id, "unconditional", "自审")


@probe("catalog.file")
def _file(w):
    entry_id = published_entry(w, share_type="not_shared")
    catalog.file_entry(w["leader"], entry_id, "备案")


@probe("catalog.import")
def _import(w):
    import io

    from services.catalog import spreadsheet as catalog_io

    catalog_io.import_catalog(w["assessor"], io.BytesIO(catalog_io.template_bytes()))


@probe("catalog.export")
def _export(w):
    import io

    from services.catalog import spreadsheet as catalog_io

    catalog_io.export_catalog(w["police"], io.BytesIO(), unit_id=w.units["civil"])


@probe("catalog.responsibility")
def _responsibility(w):
    from services.catalog import quality as catalog_quality

    catalog_quality.add_responsibility(w["police"], w.units["police"], "户籍人口信息")


@probe("catalog.demand")
def _demand(w):
    from services.catalog import quality as catalog_quality

    demand_id = catalog_quality.add_demand(w["civil"], "需要户籍数据")
    catalog_quality.close_demand(w["police"], demand_id)


@probe("catalog.demand_link")
def _demand_link(w):
    from services.catalog import quality as catalog_quality

    demand_id = catalog_quality.add_demand(w["civil"], "需要户籍数据")
    catalog_quality.link_demand(w["civil"], demand_id, responsible_unit_id=w.units["police"])


@probe("catalog.one_source")
def _one_source(w):
    from services.catalog import quality as catalog_quality

    catalog_quality.settle_conflict(w["police"], "公民身份号码", w.units["police"])
