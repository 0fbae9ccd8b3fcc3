"""Home-page panels per role: each feature registers what is waiting for the roles it serves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.core.actor import Actor


@dataclass(frozen=True)
class HomePanel:
    roles: frozenset[str]
    render: Callable[[Actor], None]
    order: int = 100


HOME_PANELS: list[HomePanel] = []


def register(roles, order: int = 100):
    def deco(fn: Callable[[Actor], None]) -> Callable[[Actor], None]:
        HOME_PANELS.append(HomePanel(frozenset(roles), fn, order))
        return fn
    return deco


def panels_for(actor: Actor) -> list[HomePanel]:
    return sorted((p for p in HOME_PANELS if actor.roles & p.roles), key=lambda p: p.order)
