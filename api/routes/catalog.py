"""Catalog: search the published catalog, read one entry, and compile the unit's entries (drafts or submitted
changes) with the spreadsheet's checks and all-or-nothing write (services.catalog.spreadsheet.import_records)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from api.problems import problem
from api.schemas import MAX_ID, EntriesIn, ImportOut, SearchOut, Text
from api.security import Caller, requires
from models.api import ApiScope
from services import catalog
from services.catalog import spreadsheet
from services.core.i18n import gettext as _

router = APIRouter(prefix="/catalog", tags=["catalog"])


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


@router.get("/entries", response_model=SearchOut, summary="Search the published catalog")
def search_entries(
    q: Text(200) | None = Query(None, description="words of the name, resource code or a data item's name"),
    unit_id: int | None = Query(None, ge=1, le=MAX_ID, description="providing unit"),
    classification: Text(40) | None = Query(None),
    share_type: Text(40) | None = Query(None),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=200),
    caller: Caller = Depends(requires(ApiScope.CATALOG_READ)),
) -> SearchOut:
    frame, total = catalog.search_published(caller.actor, text=q, unit_id=unit_id, classification=classification,
                                            share_type=share_type, page=page, page_size=page_size)
    rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    return SearchOut(total=total, page=page, page_size=page_size, entries=rows)  # type: ignore[arg-type]


@router.get("/entries/{entry_id}", summary="One entry with its data items")
def read_entry(entry_id: int = Path(ge=1, le=MAX_ID),
               caller: Caller = Depends(requires(ApiScope.CATALOG_READ))) -> dict[str, Any]:
    view = catalog.get_entry(caller.actor, entry_id)
    return asdict(view)


@router.post("/entries", response_model=ImportOut, summary="Create or change the unit's entries",
             responses={422: {"description": "problem document; `errors` name the entry and the field"}})
def write_entries(body: EntriesIn, request: Request,
                  caller: Caller = Depends(requires(ApiScope.CATALOG_WRITE))) -> ImportOut | JSONResponse:
    """New resource codes become drafts of the unit; an existing code changes its draft (or opens a change of the
    published entry). With `submit`, every entry is also submitted for review. All or nothing."""
    records = [r.model_dump() for r in body.entries]
    report, problems = spreadsheet.import_records(caller.actor, records, dry_run=body.dry_run, submit=body.submit)
    if problems:
        errors = [{"pointer": f"/entries/{p.entry}/{p.field}".rstrip("/"), "entry": p.entry,
                   "resource_code": records[p.entry].get("resource_code") if p.entry < len(records) else None,
                   "detail": p.message} for p in problems]
        return problem(request, 422, _("{n} problems; nothing was written.", n=len(errors)), errors=errors)
    return ImportOut(written=report.written, dry_run=report.dry_run, created=report.created, updated=report.updated,
                     submitted=report.submitted, warnings=[asdict(w) for w in report.warnings])
