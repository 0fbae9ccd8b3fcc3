"""Probes for the assessment actions: each calls the real service as a wrong-role or out-of-scope user."""

from __future__ import annotations

from datetime import date

from services import assessment
from services.assessment import exports, queries
from tests.services.probes import probe
from tests.services.sharing_fixtures import at

NOW = at(date(2026, 1, 12))


def _in_review(w) -> tuple[int, dict[int, int]]:
    aid = assessment.create_assessment(w["assessor"], 2025, now=NOW)
    assessment.start_scoring(w["assessor"], aid, now=NOW)
    res = assessment.results(w["assessor"], aid)
    for ind in res.assessment.scheme.indicators():
        if ind.method == "manual":
            for unit_id in res.cards:
                assessment.enter_score(w["assessor"], aid, unit_id, ind.code, points=1, evidence="e", now=NOW)
    assessment.open_review(w["assessor"], aid, now=NOW)
    return aid, res.card_ids


@probe("assessment.view")
def _(w):
    aid, _cards = _in_review(w)
    queries.evidence(w["civil"], aid, w.units["police"])  # another unit's provisional scorecard


@probe("assessment.manage")
def _(w):
    assessment.create_assessment(w["reviewer"], 2025, now=NOW)


@probe("assessment.score")
def _(w):
    aid = assessment.create_assessment(w["assessor"], 2025, now=NOW)
    assessment.start_scoring(w["assessor"], aid, now=NOW)
    assessment.enter_score(w["leader"], aid, w.units["police"], "org.rules", points=1, evidence="e", now=NOW)


@probe("assessment.appeal")
def _(w):
    _aid, cards = _in_review(w)
    assessment.respond(w["civil"], cards[w.units["police"]], accept=False, reason="x", now=NOW)


@probe("assessment.decide_appeal")
def _(w):
    _aid, cards = _in_review(w)
    appeal = assessment.respond(w["police"], cards[w.units["police"]], accept=False, indicator="org.rules",
                                reason="x", now=NOW)
    assessment.decide_appeal(w["reviewer"], appeal, adjust=False, reason="x", now=NOW)


@probe("assessment.export")
def _(w):
    aid, _cards = _in_review(w)
    exports.scorecard_pdf(w["approver"], aid, w.units["police"], now=NOW)
