"""Who is calling: the bearer key → the client system, its scope checked, the call counted (services do all of it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.administration import api_clients
from services.administration.api_clients import ApiCaller
from services.core import i18n
from services.core.actor import Actor

bearer = HTTPBearer(auto_error=False, scheme_name="interface key",
                    description="The key issued when the system administrator registered the client system.")


@dataclass(frozen=True)
class Caller:
    client: ApiCaller
    actor: Actor  # the unit's actor holding only the role of the endpoint's scope


def requires(scope: str) -> Callable[..., Caller]:
    """A dependency: the call's key must be valid, within its rate limit, and hold `scope`."""

    def dependency(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:
        client = api_clients.authenticate(credentials.credentials if credentials else None)
        actor = api_clients.require_scope(client, scope, i18n.current_language(), path=request.url.path)
        return Caller(client, actor)

    return dependency


def public_limit(request: Request) -> None:
    """A dependency of the endpoints without a key: the calls of the client address are counted (in the
    database) and refused with 429 and Retry-After beyond the limit. The address is the peer's, or the one a
    trusted proxy forwards when uvicorn runs with --proxy-headers (see docs/operations.md)."""
    api_clients.count_anonymous(request.client.host if request.client else None)
