"""Project widgets: stage and role labels, a gate's outcome with every reason, and the case-page link."""

from __future__ import annotations

import streamlit as st

from services import projects
from services.core.i18n import N_
from services.core.i18n import gettext as _
from ui.case_links import register_case_page
from ui.markdown import md_escape

PAGE = "pages/projects/projects.py"
STATE_KEY = "project_id"
LIST_COLUMNS = {"name": N_("Project"), "unit": N_("Unit"), "budget": N_("Budget (10k yuan)"), "stage": N_("Stage"),
                "entries": N_("Linked entries"), "funds": N_("Operating funds")}
ACTION_LABELS = {"submit": N_("Submit for approval"), "start_construction": N_("Report construction started"),
                 "request_acceptance": N_("Ask for acceptance"), "approve": N_("Approve (check the gate)"),
                 "return": N_("Return to the unit"), "accept": N_("Accept (check the gate)")}


def register_case_pages() -> None:
    register_case_page("project", PAGE, STATE_KEY)


def stage_text(stage: str) -> str:
    msgid = projects.STAGE_NAMES.get(stage)  # type: ignore[call-overload]
    return _(msgid) if msgid else stage


def gate_result(result: projects.GateResult, *, preview: bool = False) -> None:
    """The outcome of a gate: passed, or every entry that fails and why."""
    gate = _(projects.GATE_NAMES.get(result.gate, result.gate))  # type: ignore[call-overload]
    if result.passed:
        text = _("{gate} gate: nothing missing.", gate=gate) if preview else _("{gate} gate passed.", gate=gate)
        st.success(md_escape(text), icon=":material/check_circle:")
        return
    lines = "\n".join(f"- {md_escape(r.text())}" for r in result.reasons)
    head = _("{gate} gate would refuse:", gate=gate) if preview else _("{gate} gate refused:", gate=gate)
    st.error(f"{md_escape(head)}\n\n{lines}", icon=":material/block:")


register_case_pages()
