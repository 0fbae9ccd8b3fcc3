"""Informatization projects (信息化项目, Longyan §6, §28; Anhui §10–11; Qingyuan ch.8; Yunyang §47): the registry
and the two gates the catalog and aggregation hold a project to — approval needs the pre-compiled data catalog (and,
where the profile asks, nothing collected that sharing provides); acceptance needs every linked entry published,
aggregated and fresh, and a failure means no operating funds.

`rules` holds the stage table and the gates (no I/O), `commands` every change, `queries` every read."""

from services.projects.commands import (
    accept_project,
    approve_project,
    link_entry,
    register_project,
    request_acceptance,
    return_project,
    start_construction,
    submit_project,
    unlink_entry,
    update_project,
)
from services.projects.queries import entry_choices, get_project, home_counts, list_projects, preview_gate
from services.projects.rules import (
    GATE_NAMES,
    REASON_MAX,
    ROLE_NAMES,
    STAGE_NAMES,
    TEXT_LIMITS,
    GateResult,
    ProjectInput,
    Reason,
    available_actions,
)

__all__ = [
    "REASON_MAX",
    "TEXT_LIMITS",
    "GATE_NAMES", "ROLE_NAMES", "STAGE_NAMES", "GateResult", "ProjectInput", "Reason", "accept_project",
    "approve_project", "available_actions", "entry_choices", "get_project", "home_counts", "link_entry",
    "list_projects", "preview_gate", "register_project", "request_acceptance", "return_project",
    "start_construction", "submit_project", "unlink_entry", "update_project",
]
