"""Home-page panels and sidebar reminders per role: each feature registers what is waiting for the roles it serves.

The feature modules that register are named in FEATURE_MODULES and imported on first use, so this registry
depends on no feature and no feature depends on the sidebar that draws the reminders."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from services.core.actor import Actor

FEATURE_MODULES = ("ui.deadlines.panels", "ui.catalog.panels", "ui.sharing.panels", "ui.aggregation.panels",
                   "ui.corrections.panels", "ui.opendata.panels", "ui.administration.panels",
                   "ui.assessment.panels", "ui.projects.panels", "ui.reports.panels")


@dataclass(frozen=True)
class HomePanel:
    roles: frozenset[str]
    render: Callable[[Actor], None]
    order: int = 100


HOME_PANELS: list[HomePanel] = []
REMINDER_PROVIDERS: list[Callable[[Actor], None]] = []  # draw a user's reminders in the sidebar


def register(roles, order: int = 100):
    def deco(fn: Callable[[Actor], None]) -> Callable[[Actor], None]:
        HOME_PANELS.append(HomePanel(frozenset(roles), fn, order))
        return fn
    return deco


def register_reminders(fn: Callable[[Actor], None]) -> Callable[[Actor], None]:
    if fn not in REMINDER_PROVIDERS:
        REMINDER_PROVIDERS.append(fn)
    return fn


def load_features() -> None:
    """Import every feature's panel module once (Python caches the import), which registers its panels."""
    for name in FEATURE_MODULES:
        importlib.import_module(name)


def panels_for(actor: Actor) -> list[HomePanel]:
    load_features()
    return sorted((p for p in HOME_PANELS if actor.roles & p.roles), key=lambda p: p.order)


def reminder_providers() -> list[Callable[[Actor], None]]:
    load_features()
    return list(REMINDER_PROVIDERS)
