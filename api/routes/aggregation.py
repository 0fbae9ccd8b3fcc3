"""Aggregation: the unit's registrations (register or change how an entry's data reaches the platform) and the
update log pushed as events, one or a batch, idempotent by the client's event id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from api.problems import problem
from api.schemas import MAX_ID, EventIn, EventsIn, PushOut, RegistrationIn, RegistrationOut
from api.security import Caller, requires
from models.api import ApiScope
from services import aggregation
from services.aggregation import queries, update_log
from services.core.i18n import gettext as _

router = APIRouter(prefix="/aggregation", tags=["aggregation"])


@router.get("/registrations", summary="The unit's published entries with their registration")
def list_registrations(caller: Caller = Depends(requires(ApiScope.AGGREGATION_WRITE))) -> list[dict[str, Any]]:
    frame = queries.registrations(caller.actor, unit_id=caller.actor.unit_id)
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict("records")


@router.put("/registrations/{entry_id}", response_model=RegistrationOut, summary="Register or change a registration")
def put_registration(body: RegistrationIn, entry_id: int = Path(ge=1, le=MAX_ID),
                     caller: Caller = Depends(requires(ApiScope.AGGREGATION_WRITE))) -> RegistrationOut:
    data = aggregation.RegistrationInput(entry_id=entry_id, mode=body.mode, source_system=body.source_system,
                                         expected_records=body.expected_records)
    reg_id = aggregation.register(caller.actor, data, expected_version=body.version)
    return RegistrationOut(registration_id=reg_id, entry_id=entry_id)


def _push(request: Request, caller: Caller, events: list[EventIn], pointer: str) -> PushOut | JSONResponse:
    report = update_log.push_events(caller.actor, caller.client.client_id, [e.model_dump() for e in events])
    if report.problems:
        errors = [{"pointer": pointer.format(n=p.row) + p.column, "event": p.row,
                   "event_id": events[p.row].event_id if p.row < len(events) else None, "detail": p.message}
                  for p in report.problems]
        return problem(request, 422, _("{n} problems; nothing was written.", n=len(errors)), errors=errors)
    return PushOut(received=report.received, written=report.written, duplicates=report.duplicates,
                   entries=report.entries)


@router.post("/events", response_model=PushOut, summary="Push one update-log event")
def push_event(body: EventIn, request: Request,
               caller: Caller = Depends(requires(ApiScope.AGGREGATION_WRITE))) -> PushOut | JSONResponse:
    return _push(request, caller, [body], "/")


@router.post("/events/batch", response_model=PushOut, summary="Push a batch of update-log events (all or nothing)")
def push_events(body: EventsIn, request: Request,
                caller: Caller = Depends(requires(ApiScope.AGGREGATION_WRITE))) -> PushOut | JSONResponse:
    return _push(request, caller, body.events, "/events/{n}/")
