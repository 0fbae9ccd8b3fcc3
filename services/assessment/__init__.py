"""Supervision assessment (监督考核, RULES §8): yearly schemes, scoring (automatic from the KPI registry, manual,
deductions), the units' appeal window, publication with ranks and grades, charts' data and score exports.

Pages and other domains call the names below; `services.assessment.queries` and `.exports` by name for more."""

from services.assessment.commands import (
    EVIDENCE_MAX,
    PUBLISHED_TEXT_MAX,
    TITLE_MAX,
    create_assessment,
    decide_appeal,
    default_scheme,
    enter_score,
    open_review,
    publish,
    recompute,
    respond,
    start_scoring,
    update_scheme,
)
from services.assessment.queries import (
    get_assessment,
    list_assessments,
    my_cards,
    published_result,
    results,
)
from services.assessment.rules import compute_cards, parse_scheme
from services.corrections.evidence import Upload  # evidence files of a score, kept like a correction's

__all__ = [
    "EVIDENCE_MAX", "PUBLISHED_TEXT_MAX", "TITLE_MAX",
    "compute_cards", "create_assessment", "decide_appeal", "default_scheme", "enter_score", "get_assessment",
    "list_assessments", "my_cards", "open_review", "parse_scheme", "publish", "published_result", "recompute",
    "respond", "results", "start_scoring", "update_scheme", "Upload",
]
