"""The open catalog (开放目录, Longyan §16): published entries whose open attribute is unconditional or conditional,
read by anyone without an account. Searchable on the server (text, unit, class, open attribute), one entry's page
(sensitive data items are never listed), and downloads as CSV, XLSX and DCAT JSON-LD for harvesting portals."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlmodel import func, select

from models import CatalogEntry, DataItem, Unit
from models.catalog import OpenAttribute
from services.catalog import normalise_name
from services.core.db import read_session
from services.core.search import clean, contains
from services.core.settings import get_settings

OPEN_ATTRIBUTES = (OpenAttribute.OPEN, OpenAttribute.CONDITIONAL)
COLUMNS = ["id", "resource_code", "name", "unit_id", "unit", "classification", "open_attribute", "update_frequency",
           "resource_format", "published_on", "items"]
EXPORT_COLUMNS = ["resource_code", "name", "unit", "classification", "open_attribute", "open_conditions",
                  "update_frequency", "resource_format", "published_on", "data_updated_on", "summary", "data_items"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_PAGE_SIZE = 200

# dct:accrualPeriodicity values (Dublin Core Collection Description Frequency Vocabulary).
FREQUENCY_URIS = {"realtime": "http://purl.org/cld/freq/continuous", "daily": "http://purl.org/cld/freq/daily",
                  "weekly": "http://purl.org/cld/freq/weekly", "monthly": "http://purl.org/cld/freq/monthly",
                  "quarterly": "http://purl.org/cld/freq/quarterly", "yearly": "http://purl.org/cld/freq/annual",
                  "irregular": "http://purl.org/cld/freq/irregular"}
DCAT_CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def _listed():
    return [CatalogEntry.is_published.is_(True),  # type: ignore[attr-defined]
            CatalogEntry.open_attribute.in_([str(a) for a in OPEN_ATTRIBUTES])]  # type: ignore[union-attr]


def _conditions(text: str | None, unit_id: int | None, classification: str | None, open_attribute: str | None):
    conditions = _listed()
    for term in filter(None, (normalise_name(t) for t in clean(text).split())):
        conditions.append(contains(CatalogEntry.search_text, term, case_insensitive=False))
    if unit_id:
        conditions.append(CatalogEntry.provider_unit_id == unit_id)
    if classification:
        conditions.append(CatalogEntry.classification == classification)
    if open_attribute in OPEN_ATTRIBUTES:
        conditions.append(CatalogEntry.open_attribute == open_attribute)
    return conditions


def search(*, text: str | None = None, unit_id: int | None = None, classification: str | None = None,
           open_attribute: str | None = None, page: int = 1, page_size: int | None = None) -> tuple[pd.DataFrame, int]:
    """One page of the open catalog and the number of matching entries (no account needed)."""
    page_size = min(page_size or get_settings().page_size, MAX_PAGE_SIZE)
    page = max(1, page)
    conditions = _conditions(text, unit_id, classification, open_attribute)
    with read_session() as session:
        total = session.exec(select(func.count()).select_from(CatalogEntry).where(*conditions)).one() or 0
        rows = session.exec(
            select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name, CatalogEntry.provider_unit_id,
                   Unit.name, CatalogEntry.classification, CatalogEntry.open_attribute, CatalogEntry.update_frequency,
                   CatalogEntry.resource_format, CatalogEntry.published_on, CatalogEntry.item_count)
            .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
            .where(*conditions)
            .order_by(CatalogEntry.is_published, CatalogEntry.resource_code)
            .offset((page - 1) * page_size).limit(page_size)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS), int(total)


def units() -> dict[int, str]:
    """Units with at least one open entry (the unit filter of the public search)."""
    with read_session() as session:
        rows = session.exec(select(Unit.id, Unit.name).where(
            Unit.id.in_(select(CatalogEntry.provider_unit_id).where(*_listed()).distinct()))  # type: ignore[union-attr]
            .order_by(Unit.name)).all()
    return {r[0]: r[1] for r in rows}


@dataclass
class OpenEntry:
    id: int
    resource_code: str
    name: str
    summary: str | None
    unit: str
    classification: str
    open_attribute: str
    open_conditions: str | None
    update_frequency: str | None
    resource_format: str | None
    published_on: date | None
    data_updated_on: date | None
    usage_requirements: str | None
    items: list[dict[str, Any]] = field(default_factory=list)  # name, data type; sensitive items left out


def get_entry(entry_id: int) -> OpenEntry | None:
    """An entry of the open catalog, or None when it is not (or no longer) listed."""
    with read_session() as session:
        row = session.exec(select(CatalogEntry, Unit.name).join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                           .where(CatalogEntry.id == entry_id, *_listed())).first()
        if row is None:
            return None
        entry, unit_name = row
        items = session.exec(select(DataItem.name, DataItem.data_type)
                             .where(DataItem.entry_id == entry_id, DataItem.is_sensitive.is_(False))  # type: ignore[attr-defined]
                             .order_by(DataItem.position, DataItem.id)).all()
        return OpenEntry(
            id=entry.id, resource_code=entry.resource_code, name=entry.name, summary=entry.summary, unit=unit_name,
            classification=entry.classification, open_attribute=entry.open_attribute or "",
            open_conditions=entry.open_conditions, update_frequency=entry.update_frequency,
            resource_format=entry.resource_format, published_on=entry.published_on,
            data_updated_on=entry.data_updated_at.date() if entry.data_updated_at else None,
            usage_requirements=entry.usage_requirements,
            items=[{"name": n, "data_type": t} for n, t in items])


# --- downloads ------------------------------------------------------------------------------------------------
def _export_rows(batch: int = 2_000):
    """Every listed entry with its non-sensitive data item names, in resource-code order, a batch at a time."""
    with read_session() as session:
        last = ""
        while True:
            rows = session.exec(
                select(CatalogEntry.id, CatalogEntry.resource_code, CatalogEntry.name, Unit.name,
                       CatalogEntry.classification, CatalogEntry.open_attribute, CatalogEntry.open_conditions,
                       CatalogEntry.update_frequency, CatalogEntry.resource_format, CatalogEntry.published_on,
                       CatalogEntry.data_updated_at, CatalogEntry.summary)
                .join(Unit, Unit.id == CatalogEntry.provider_unit_id)
                .where(*_listed(), CatalogEntry.resource_code > last)
                .order_by(CatalogEntry.resource_code).limit(batch)).all()
            if not rows:
                return
            ids = [r[0] for r in rows]
            names: dict[int, list[str]] = {}
            for entry_id, name in session.exec(
                    select(DataItem.entry_id, DataItem.name)
                    .where(DataItem.entry_id.in_(ids), DataItem.is_sensitive.is_(False))  # type: ignore[attr-defined]
                    .order_by(DataItem.entry_id, DataItem.position, DataItem.id)).all():
                names.setdefault(entry_id, []).append(name)
            for r in rows:
                yield {"resource_code": r[1], "name": r[2], "unit": r[3], "classification": r[4],
                       "open_attribute": r[5], "open_conditions": r[6], "update_frequency": r[7],
                       "resource_format": r[8], "published_on": r[9],
                       "data_updated_on": r[10].date() if r[10] else None, "summary": r[11],
                       "data_items": names.get(r[0], [])}
            last = rows[-1][1]


def _safe(value: Any) -> Any:
    """A cell a spreadsheet program would run as a formula is written as text (quote-prefixed)."""
    if isinstance(value, list):
        value = "、".join(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def export_csv(headers: dict[str, str] | None = None) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese text), formula-safe."""
    headers = headers or {c: c for c in EXPORT_COLUMNS}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers.get(c, c) for c in EXPORT_COLUMNS])
    for row in _export_rows():
        writer.writerow([_safe(row[c]) for c in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(headers: dict[str, str] | None = None) -> bytes:
    headers = headers or {c: c for c in EXPORT_COLUMNS}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("open_catalog")
    ws.append([headers.get(c, c) for c in EXPORT_COLUMNS])
    for row in _export_rows():
        cells = []
        for c in EXPORT_COLUMNS:
            value = row[c]
            value = "、".join(value) if isinstance(value, list) else value
            if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.quotePrefix = True
                value = cell
            cells.append(value)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def dcat_document(*, base_uri: str = "urn:govdata:open-catalog", title: str = "开放数据目录",
                  theme_labels: dict[str, str] | None = None) -> dict[str, Any]:
    """The open catalog as a DCAT (W3C Data Catalog Vocabulary) JSON-LD document."""
    theme_labels = theme_labels or {}
    datasets = []
    for row in _export_rows():
        dataset: dict[str, Any] = {
            "@id": f"{base_uri}/dataset/{row['resource_code']}",
            "@type": "dcat:Dataset",
            "dct:identifier": row["resource_code"],
            "dct:title": {"@value": row["name"], "@language": "zh"},
            "dct:description": {"@value": row["summary"] or row["name"], "@language": "zh"},
            "dct:publisher": {"@type": "foaf:Agent", "foaf:name": row["unit"]},
            "dcat:keyword": row["data_items"],
            "dcat:theme": theme_labels.get(row["classification"], row["classification"]),
        }
        modified = row["data_updated_on"] or row["published_on"]
        if modified:
            dataset["dct:modified"] = {"@value": modified.isoformat(), "@type": "xsd:date"}
        if row["update_frequency"] in FREQUENCY_URIS:
            dataset["dct:accrualPeriodicity"] = {"@id": FREQUENCY_URIS[row["update_frequency"]]}
        if row["open_conditions"]:
            dataset["dct:accessRights"] = row["open_conditions"]
        datasets.append(dataset)
    return {"@context": DCAT_CONTEXT, "@id": base_uri, "@type": "dcat:Catalog",
            "dct:title": {"@value": title, "@language": "zh"}, "dcat:dataset": datasets}


def export_dcat(**kwargs: Any) -> bytes:
    return json.dumps(dcat_document(**kwargs), ensure_ascii=False, indent=1).encode("utf-8")
