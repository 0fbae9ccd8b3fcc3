"""Assessment benchmark: scoring a whole assessment at the benchmark's scale — the automatic values of every
unit for a year (one grouped query per KPI family, one per platform counter), the scorecards of units ×
indicators with ranks per group, and reading the seeded published assessment as the results page does.
Read-only: nothing is written."""

from __future__ import annotations

import time
from datetime import date

from services.assessment import commands, queries, rules, sources
from services.assessment.rules import ScoreInput
from services.core import db
from services.core.timeutil import local_date


def score_assessment(ctx=None) -> dict[str, float]:
    scheme = rules.parse_scheme(commands.default_scheme(), known_counters=sources.COUNTERS)
    year = local_date().year - 1
    with db.read_session() as session:
        groups = commands._assessed_units(session)
        started = time.perf_counter()
        values = sources.compute_values(session, scheme.indicators(), year, date(year, 12, 31), groups)
        computed = time.perf_counter() - started
    scores = {key: ScoreInput(value=v, measured=m) for key, (v, m) in values.items()}
    for unit_id in groups:
        for ind in scheme.indicators():
            if ind.method == "manual":
                scores[(unit_id, ind.code)] = ScoreInput(manual_points=ind.points * 0.8)
    started = time.perf_counter()
    rules.compute_cards(scheme, groups, scores, higher=sources.kpi_directions())
    cards = time.perf_counter() - started
    result = {"values": computed, "cards": cards}
    if ctx is not None:
        assessor = ctx.actor("assessor")
        started = time.perf_counter()
        queries.results(assessor, year=year)
        result["results_page"] = time.perf_counter() - started
    return result
