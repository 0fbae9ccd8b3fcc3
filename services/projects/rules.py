"""Pure rules of informatization projects: the stage table, the input checks and both gates (no I/O).

The gates take plain rows the commands read (`GateEntry`) and return the reasons for refusal, one per entry and
problem, so a refusal says exactly which entries fail and why (Longyan §6, §28; Anhui §10–11; Qingyuan ch.8;
Yunyang §47)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models.project import EntryRole, Gate, ProjectStage
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.validators import length_errors

S = ProjectStage

# (stage, action) → next stage; a gate that refuses sends the project to the stage in GATE_REFUSED.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PROPOSAL, "submit"): S.REVIEW,
    (S.REVIEW, "approve"): S.APPROVED,
    (S.REVIEW, "return"): S.PROPOSAL,
    (S.APPROVED, "start_construction"): S.CONSTRUCTION,
    (S.CONSTRUCTION, "request_acceptance"): S.ACCEPTANCE,
    (S.ACCEPTANCE, "accept"): S.OPERATION,
}
GATE_REFUSED = {Gate.APPROVAL: S.PROPOSAL, Gate.ACCEPTANCE: S.CONSTRUCTION}
# Who acts: the unit (project.register) or the bureau (project.approve / project.accept).
ACTION_PERMISSION = {"submit": "project.register", "start_construction": "project.register",
                     "request_acceptance": "project.register", "approve": "project.approve",
                     "return": "project.approve", "accept": "project.accept"}
EDITABLE_STAGES = (S.PROPOSAL,)  # name, budget and description
LINKABLE_STAGES = (S.PROPOSAL, S.APPROVED, S.CONSTRUCTION)  # entries created or used may still be added

STAGE_NAMES = {S.PROPOSAL: N_("Proposal"), S.REVIEW: N_("Waiting for approval"), S.APPROVED: N_("Approved for construction"),
               S.CONSTRUCTION: N_("Under construction"), S.ACCEPTANCE: N_("Waiting for acceptance"),
               S.OPERATION: N_("In operation")}
ROLE_NAMES = {EntryRole.CREATES: N_("Created by the project"), EntryRole.USES: N_("Used by the project")}
GATE_NAMES = {Gate.APPROVAL: N_("Approval"), Gate.ACCEPTANCE: N_("Acceptance")}

# Reasons a gate refuses (code → msgid with {entry} and {detail} placeholders).
NO_CATALOG = "no_catalog"
NO_ITEMS = "no_items"
OBTAINABLE = "obtainable_by_sharing"
ONE_SOURCE = "one_source"
NOT_PUBLISHED = "not_published"
NOT_MOUNTED = "not_mounted"
STALE = "stale"
REASON_TEXT = {
    NO_CATALOG: N_("The project has no pre-compiled data catalog: link the draft entries it will create."),
    NO_ITEMS: N_("Entry {entry} lists no data items."),
    OBTAINABLE: N_("Entry {entry} collects {detail}, which can be obtained by sharing from {source}."),
    ONE_SOURCE: N_("Entry {entry} declares itself the source of {detail}, whose source is {source}."),
    NOT_PUBLISHED: N_("Entry {entry} is not published in the catalog."),
    NOT_MOUNTED: N_("Entry {entry} is not aggregated to the platform (no active registration)."),
    STALE: N_("Entry {entry} is not fresh: its data was due by {detail}."),
}


@dataclass
class ProjectInput:
    name: str
    budget: float = 0.0  # ten thousand yuan (万元)
    description: str | None = None


@dataclass(frozen=True)
class GateEntry:
    """One linked entry as a gate sees it."""

    entry_id: int
    code: str
    name: str
    role: str
    is_published: bool = False
    aggregation_active: bool = False
    fresh_until: date | None = None
    items: tuple[tuple[str, bool], ...] = ()  # (item name, the unit declares itself its source)


@dataclass(frozen=True)
class SourceHint:
    """Another unit provides an item as its source: base library (obtain it by sharing) or one-source claim."""

    item_name: str
    source: str  # the providing unit's name and entry
    base_library: bool


@dataclass(frozen=True)
class Reason:
    code: str
    entry_id: int | None = None
    entry: str = ""
    detail: str = ""
    source: str = ""

    def text(self) -> str:
        return _(REASON_TEXT[self.code], entry=self.entry, detail=self.detail, source=self.source)

    def as_dict(self) -> dict:
        return {"code": self.code, "entry_id": self.entry_id, "entry": self.entry, "detail": self.detail,
                "source": self.source}


@dataclass
class GateResult:
    gate: str
    passed: bool
    reasons: list[Reason] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [r.text() for r in self.reasons]


def reason_from_dict(data: dict) -> Reason:
    return Reason(data.get("code", ""), data.get("entry_id"), data.get("entry", ""), data.get("detail", ""),
                  data.get("source", ""))


# The longest texts of a project (the columns' lengths); the forms state them in their help, the services refuse
# a longer text with its length (a widget's max_chars would drop a longer paste without a word).
TEXT_LIMITS = {"name": 120, "description": 1000}
REASON_MAX = 2000


def input_errors(data: ProjectInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (data.name or "").strip():
        errors["name"] = _("Give the project a name.")
    if data.budget is None or data.budget < 0:
        errors["budget"] = _("The budget cannot be negative.")
    length_errors(errors, TEXT_LIMITS, {"name": data.name, "description": data.description})
    return errors


def next_stage(stage: str, action: str) -> str | None:
    return TRANSITIONS.get((str(stage), action))


def label(entry: GateEntry) -> str:
    return f"{entry.code} {entry.name}"


def approval_reasons(entries: list[GateEntry], hints: dict[str, SourceHint], *, sharing_check: bool) -> list[Reason]:
    """The approval gate: a pre-compiled catalog (entries the project creates, each with data items) and, where the
    profile asks it, no item the unit declares to collect itself that another unit already provides as source.
    `hints` maps a normalised item name to the unit that provides it (from the catalog's hints)."""
    created = [e for e in entries if e.role == EntryRole.CREATES]
    if not created:
        return [Reason(NO_CATALOG)]
    reasons: list[Reason] = []
    for entry in created:
        if not entry.items:
            reasons.append(Reason(NO_ITEMS, entry.entry_id, label(entry)))
            continue
        if not sharing_check:
            continue
        for item, own_source in entry.items:
            hint = hints.get(item)
            if hint is None or not own_source:
                continue
            code = OBTAINABLE if hint.base_library else ONE_SOURCE
            reasons.append(Reason(code, entry.entry_id, label(entry), hint.item_name, hint.source))
    return reasons


def acceptance_reasons(entries: list[GateEntry], today: date) -> list[Reason]:
    """The acceptance gate: every linked entry published, aggregated (active registration) and fresh today."""
    if not entries:
        return [Reason(NO_CATALOG)]
    reasons: list[Reason] = []
    for entry in entries:
        if not entry.is_published:
            reasons.append(Reason(NOT_PUBLISHED, entry.entry_id, label(entry)))
            continue
        if not entry.aggregation_active:
            reasons.append(Reason(NOT_MOUNTED, entry.entry_id, label(entry)))
            continue
        if entry.fresh_until is not None and entry.fresh_until < today:
            reasons.append(Reason(STALE, entry.entry_id, label(entry), entry.fresh_until.isoformat()))
    return reasons


def available_actions(stage: str, *, is_unit: bool, is_bureau: bool) -> list[str]:
    """The actions a page offers on a project in `stage` for a user of the project's unit or its bureau."""
    out = []
    for (from_stage, action), _to in TRANSITIONS.items():
        if from_stage != stage:
            continue
        permission = ACTION_PERMISSION[action]
        if (permission == "project.register" and is_unit) or (permission != "project.register" and is_bureau):
            out.append(action)
    return out
