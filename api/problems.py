"""Errors as RFC 9457 problem documents (application/problem+json) in the client's language.

Service errors keep their meaning: ValidationError → 422 with the located `errors`, PermissionDenied → 403,
NotFound → 404, Conflict (a stale version) → 409, AuthError → 401, RateLimited → 429 with Retry-After. A request
the framework cannot read is 400 (malformed JSON) or 422 (a field of the wrong shape). Anything else is a generic
500 carrying an incident id that is logged with the stack trace; the trace never leaves the server."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.core import i18n
from services.core.errors import AuthError, Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _

log = logging.getLogger("govdata.api")
PROBLEM_TYPE = "https://govdata.example/problems/"  # documented in docs/api.md; not dereferenced
MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: N_("The request cannot be read."),
    401: N_("A valid interface key is required."),
    403: N_("This key may not do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    409: N_("The record was changed by someone else."),
    422: N_("The input is not valid."),
    429: N_("Too many calls."),
    500: N_("Internal error."),
}
SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
         409: "conflict", 422: "validation", 429: "rate-limited", 500: "internal"}
# Messages for the framework's own input errors (pydantic's are English only).
FIELD_MESSAGES = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not part of the interface."),
}
JSON_INVALID = N_("The body is not valid JSON.")
FIELD_GENERIC = N_("This value does not have the required type or form.")


def language_of(request: Request) -> str:
    return language_of_header(request.headers.get("accept-language") or "")


def language_of_header(header: str) -> str:
    """zh_CN unless the client's Accept-Language names English (en, en-US …) before any Chinese."""
    for part in header.lower().split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh_CN"
    return "zh_CN"


def problem(request: Request, status: int, detail: str | None = None, *, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    i18n.set_language(language_of(request))
    body = {"type": PROBLEM_TYPE + SLUGS.get(status, "error"), "title": _(TITLES.get(status, TITLES[500])),
            "status": status, "instance": request.url.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _pointer(loc: tuple | list) -> str:
    """A JSON pointer for a framework error location: ("body", "events", 3, "record_count") → /events/3/record_count."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, parts = parts[0], parts[1:]
        return ("/" if where == "body" else f"{where}:") + "/".join(parts)
    return "/".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        i18n.set_language(language_of(request))
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(request, 400, _(JSON_INVALID))
        located = [{"pointer": _pointer(e.get("loc", ())), "code": e.get("type", "invalid"),
                    "detail": _(FIELD_MESSAGES.get(e.get("type", ""), FIELD_GENERIC))} for e in errors]
        return problem(request, 422, _("Some fields are not valid."), errors=located)

    @app.exception_handler(ValidationError)
    async def _validation(request: Request, exc: ValidationError) -> JSONResponse:
        located = [{"pointer": "/" + key if key else "", "detail": message} for key, message in exc.errors.items()]
        return problem(request, 422, exc.message, errors=located)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> JSONResponse:
        return problem(request, 403, exc.message)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem(request, 404, exc.message)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return problem(request, 409, exc.message)

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        return problem(request, 401, exc.message, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> JSONResponse:
        return problem(request, 429, exc.message, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(request, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:12]
        log.error("incident %s: %s %s", incident, request.method, request.url.path, exc_info=exc)
        return problem(request, 500, _("Quote the incident {incident} to the platform's operators.",
                                       incident=incident), incident=incident)
