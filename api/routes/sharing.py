"""Sharing: the grants the unit holds (what its systems may access, until when) and one request's status."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from api.schemas import MAX_ID, GrantOut, RequestStatusOut
from api.security import Caller, requires
from models.api import ApiScope
from services.sharing import queries

router = APIRouter(prefix="/sharing", tags=["sharing"])


@router.get("/grants", response_model=list[GrantOut], summary="Access the unit holds")
def list_grants(active_only: bool = Query(True), page: int = Query(1, ge=1, le=100_000),
                page_size: int = Query(100, ge=1, le=500),
                caller: Caller = Depends(requires(ApiScope.SHARING_READ))) -> list[GrantOut]:
    frame, _total = queries.list_grants(caller.actor, side="consumer", active_only=active_only, page=page,
                                        page_size=page_size)
    frame = frame.astype(object).where(frame.notna(), None)
    return [GrantOut(id=r["id"], request_code=r["code"], request_id=r["request_id"], entry=r["entry"],
                     provider=r["provider"], items=r["items"], method=r["method"], starts_on=r["starts_on"],
                     ends_on=r["ends_on"]) for r in frame.to_dict("records")]


@router.get("/requests/{request_id}", response_model=RequestStatusOut, summary="A request's status")
def request_status(request_id: int = Path(ge=1, le=MAX_ID),
                   caller: Caller = Depends(requires(ApiScope.SHARING_READ))) -> RequestStatusOut:
    view = queries.get_request(caller.actor, request_id)
    clock = view.open_clock
    return RequestStatusOut(
        id=view.id, code=view.code, kind=view.kind, status=view.status, requester=view.requester,
        provider=view.provider, entry_code=view.entry_code, entry=view.entry, submitted_at=view.submitted_at,
        answered_at=view.answered_at, implemented_at=view.implemented_at, approved_method=view.approved_method,
        approved_end_date=view.approved_end_date, waiting_step=clock.step if clock else None,
        due_on=clock.due_on if clock else None)
