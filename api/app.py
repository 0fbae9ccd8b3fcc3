"""The FastAPI application: `uvicorn api.app:app` (`make api`). OpenAPI document at /api/v1/openapi.json,
interactive docs at /api/v1/docs."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api import problems
from api.routes import aggregation, catalog, kpi, opendata, sharing
from services.core import i18n

PREFIX = "/api/v1"
DESCRIPTION = """The system interface of GovData Hub (系统对接): unit systems compile their catalog, exchange
platforms push the update log, other portals harvest the open catalog, big screens read the KPIs.

Authenticate with `Authorization: Bearer <key>`; a key belongs to one client system of one unit and carries scopes.
Errors are RFC 9457 problem documents in the language of `Accept-Language` (zh-CN by default, or en)."""


class LanguageMiddleware:
    """Sets the request's language before anything runs, so service messages and problem titles follow it
    (the context is copied into the worker threads that run the endpoints)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), "")
            i18n.set_language(problems.language_of_header(header))
        await self.app(scope, receive, send)


def create_app() -> FastAPI:
    app = FastAPI(title="GovData Hub API", version="1", description=DESCRIPTION,
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=f"{PREFIX}/docs", redoc_url=None)
    problems.install(app)
    for module in (catalog, aggregation, sharing, opendata, kpi):
        app.include_router(module.router, prefix=PREFIX)
    app.add_middleware(LanguageMiddleware)
    return app


app = create_app()
