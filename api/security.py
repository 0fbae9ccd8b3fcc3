"""Who is calling: the bearer key → the client system, its scope checked, the call counted (services do all of it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.administration import api_clients
from services.administration.api_clients import ApiCaller
from services.core import i18n
from services.core.actor import Actor
from services.core.errors import PermissionDenied
from services.core.i18n import gettext as _

bearer = HTTPBearer(auto_error=False, scheme_name="interface key",
                    description="The key issued when the system administrator registered the client system.")


@dataclass(frozen=True)
class Caller:
    client: ApiCaller
    actor: Actor  # the unit's actor holding only the role of the endpoint's scope


def requires(scope: str) -> Callable[..., Caller]:
    """A dependency: the call's key must be valid, within its rate limit, and hold `scope`."""

    def dependency(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:
        client = api_clients.authenticate(credentials.credentials if credentials else None)
        if scope not in client.scopes:
            raise PermissionDenied(_("This key does not hold the scope {scope}.", scope=scope))
        return Caller(client, client.actor(scope, i18n.current_language()))

    return dependency
