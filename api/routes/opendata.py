"""Open data, without a key: the open catalog as DCAT JSON-LD for other portals to harvest, and a public
request's status by its tracking code (status, dates and reply only; no personal data is read). Both are
rate-limited per client address."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from api.schemas import Text, TrackingOut
from api.security import public_limit
from services.core.errors import NotFound
from services.opendata import open_catalog, queries

# No key, so each client address is rate-limited instead (tracking codes must not be guessable by brute force).
router = APIRouter(prefix="/open", tags=["open data"], dependencies=[Depends(public_limit)],
                   responses={429: {"description": "Too many calls from this address; see Retry-After"}})


@router.get("/catalog", summary="The open catalog (DCAT, JSON-LD)",
            responses={200: {"content": {"application/ld+json": {}}}})
def dcat_catalog() -> JSONResponse:
    return JSONResponse(open_catalog.dcat_document(), media_type="application/ld+json")


@router.get("/requests/{code}", response_model=TrackingOut, summary="A public request's status by tracking code")
def track(code: Text(40) = Path(min_length=1)) -> TrackingOut:
    found = queries.track(code)
    if found is None:
        raise NotFound()
    data = asdict(found)
    return TrackingOut(**{k: data[k] for k in TrackingOut.model_fields})
