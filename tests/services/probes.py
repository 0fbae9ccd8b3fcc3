"""Registry of permission probes: `@probe("action")` on a function that calls the service as a user who must
be refused. Feature tests put theirs in tests/services/permission_probes_<feature>.py."""

from __future__ import annotations

from collections.abc import Callable

from tests.factories import World

PROBES: dict[str, Callable[[World], object]] = {}


def probe(action: str):
    def deco(fn):
        PROBES[action] = fn
        return fn
    return deco
