"""Probes for the project actions: each calls the real service as a wrong-role or out-of-scope user."""

from __future__ import annotations

from datetime import date

from services import projects
from tests.services.probes import probe
from tests.services.sharing_fixtures import at

DAY = at(date(2025, 6, 3))


def _project(w, unit: str = "police") -> int:
    return projects.register_project(w[unit], projects.ProjectInput("平台建设"), now=DAY)


@probe("project.view")
def _(w):
    projects.get_project(w["civil"], _project(w))


@probe("project.register")
def _(w):
    projects.submit_project(w["civil"], _project(w), now=DAY)


@probe("project.approve")
def _(w):
    pid = _project(w)
    projects.submit_project(w["police"], pid, now=DAY)
    projects.approve_project(w["police"], pid, now=DAY)


@probe("project.accept")
def _(w):
    projects.accept_project(w["county_police"], _project(w), now=DAY)
