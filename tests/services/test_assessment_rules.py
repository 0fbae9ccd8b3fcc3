"""Scoring rules of the assessment worked out by hand: each automatic rule, deductions and their cap, re-weighting
of what the deployment cannot measure, ties (并列) and grades; the shipped scheme parses and adds up to 100."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.assessment import commands, rules
from services.assessment.rules import Grade, ScoreInput, ScoreStatus
from services.core.errors import ValidationError


def test_linear_rule_floor_target_and_between():
    assert rules.linear_points(50, 10, 60, 95) == 0
    assert rules.linear_points(60, 10, 60, 95) == 0
    assert rules.linear_points(77.5, 10, 60, 95) == pytest.approx(5.0)
    assert rules.linear_points(95, 10, 60, 95) == 10
    assert rules.linear_points(100, 10, 60, 95) == 10
    # lower is better (working days): floor 10 days, target 3 days
    assert rules.linear_points(3, 6, 10, 3) == 6
    assert rules.linear_points(6.5, 6, 10, 3) == pytest.approx(3.0)
    assert rules.linear_points(12, 6, 10, 3) == 0


def test_target_rank_and_ratio_rules():
    assert rules.target_points(100, 5, 100) == 5
    assert rules.target_points(99.9, 5, 100) == 0
    assert rules.target_points(2, 5, 3, higher=False) == 5
    ranks = rules.rank_points({1: 90.0, 2: 80.0, 3: 80.0, 4: 10.0}, 6)
    # ranks 1, 2, 2, 4 of four units: 6 × (4 − rank) / 3
    assert ranks == {1: 6.0, 2: 4.0, 3: 4.0, 4: 0.0}
    assert rules.rank_points({7: 3.0}, 5) == {7: 5}
    assert rules.ratio_points({1: 80.0, 2: 40.0, 3: 0.0}, 8) == {1: 8.0, 2: 4.0, 3: 0.0}
    assert rules.ratio_points({1: 0.0, 2: 0.0}, 8) == {1: 0.0, 2: 0.0}
    assert rules.ratio_points({1: 2.0, 2: 4.0}, 8, higher=False) == {1: 8.0, 2: 4.0}


def test_deduction_per_occurrence_up_to_the_cap():
    assert rules.deduction_points(3, 0.5, 5) == 1.5
    assert rules.deduction_points(30, 0.5, 5) == 5
    assert rules.deduction_points(0, 1, 3) == 0


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert rules.competition_ranks({"a": 90.004, "b": 90.0, "c": 85.0}) == {"a": 1, "b": 1, "c": 3}


def test_grades_from_thresholds():
    grades = ((Grade.EXCELLENT, 90.0), (Grade.GOOD, 80.0), (Grade.PASS, 60.0), (Grade.FAIL, 0.0))
    assert rules.grade_of(90, grades) is Grade.EXCELLENT
    assert rules.grade_of(89.99, grades) is Grade.GOOD
    assert rules.grade_of(60, grades) is Grade.PASS
    assert rules.grade_of(12, grades) is Grade.FAIL


@given(value=st.floats(-1000, 1000), floor=st.floats(0, 100), gap=st.floats(0.5, 100), points=st.floats(0.5, 50))
def test_linear_points_stay_between_zero_and_full_and_grow_with_the_value(value, floor, gap, points):
    target = floor + gap
    earned = rules.linear_points(value, points, floor, target)
    assert 0 <= earned <= points + 1e-9
    assert rules.linear_points(value + 1, points, floor, target) >= earned - 1e-9
    assert rules.linear_points(target, points, floor, target) == pytest.approx(points)


@given(values=st.dictionaries(st.integers(1, 50), st.floats(0, 1e6), min_size=1, max_size=20), points=st.floats(1, 20))
def test_ratio_points_give_the_best_unit_full_marks_and_nobody_more(values, points):
    earned = rules.ratio_points(values, points)
    assert all(0 <= v <= points + 1e-9 for v in earned.values())
    best = max(values, key=values.get)
    if values[best] > 0:
        assert earned[best] == pytest.approx(points)


SCHEME = {
    "title": "t", "grades": [{"grade": "excellent", "min": 90}, {"grade": "pass", "min": 60},
                             {"grade": "fail", "min": 0}],
    "dimensions": [
        {"code": "a", "name": "A", "indicators": [
            {"code": "a.auto", "name": "auto", "points": 40, "method": "automatic", "kpi": "k.rate", "rule": "linear",
             "floor": 50, "target": 100},
            {"code": "a.gone", "name": "gone", "points": 20, "method": "automatic", "kpi": "k.missing",
             "rule": "target", "target": 1}]},
        {"code": "b", "name": "B", "indicators": [
            {"code": "b.manual", "name": "manual", "points": 40, "method": "manual"}]},
        {"code": "d", "name": "D", "indicators": [
            {"code": "d.late", "name": "late", "method": "deduction", "source": "platform:x", "per": 2, "cap": 5}]},
    ],
}


def test_a_scorecard_reweights_what_is_not_measured_and_subtracts_capped_deductions():
    scheme = rules.parse_scheme(SCHEME)
    groups = {1: "city_department", 2: "city_department", 3: "county_department"}
    scores = {
        (1, "a.auto"): ScoreInput(value=75.0), (1, "a.gone"): ScoreInput(measured=False),
        (1, "b.manual"): ScoreInput(manual_points=30.0), (1, "d.late"): ScoreInput(value=1.0, manual_occurrences=1),
        (2, "a.auto"): ScoreInput(value=None), (2, "a.gone"): ScoreInput(measured=False),
        (2, "b.manual"): ScoreInput(manual_points=40.0), (2, "d.late"): ScoreInput(value=9.0),
        (3, "a.auto"): ScoreInput(value=100.0), (3, "a.gone"): ScoreInput(measured=False),
        (3, "d.late"): ScoreInput(value=0.0),
    }
    cards = rules.compute_cards(scheme, groups, scores)
    one = cards[1]
    # 80 measurable points scaled to 100: ×1.25. auto 20 of 40 → 25; manual 30 → 37.5; late 2 occurrences × 2 = 4
    assert one.weight == pytest.approx(1.25)
    assert one.dimensions == {"a": 25.0, "b": 37.5}
    assert one.deducted == 4.0
    assert one.total == 58.5 and one.grade is Grade.FAIL
    assert one.indicators["a.gone"].status is ScoreStatus.NOT_MEASURED
    # nothing to measure = full marks; 9 occurrences hit the cap of 5
    two = cards[2]
    assert two.indicators["a.auto"].status is ScoreStatus.NO_VALUE
    assert two.total == 100 - 5 and two.rank == 1 and one.rank == 2 and one.group_size == 2
    # a manual score not entered is flagged, never silently zero
    assert cards[3].missing == ["b.manual"] and cards[3].rank == 1 and cards[3].group_size == 1


def test_not_measured_points_entered_by_hand_when_the_scheme_says_so():
    scheme = rules.parse_scheme({**SCHEME, "unmeasured": "manual"})
    scores = {(1, "a.auto"): ScoreInput(value=100.0), (1, "a.gone"): ScoreInput(measured=False),
              (1, "b.manual"): ScoreInput(manual_points=40.0)}
    card = rules.compute_cards(scheme, {1: "city_department"}, scores)[1]
    assert card.missing == ["a.gone"] and card.total == 80
    scores[(1, "a.gone")] = ScoreInput(measured=False, manual_points=15.0)
    assert rules.compute_cards(scheme, {1: "city_department"}, scores)[1].total == 95


def test_an_appeal_override_replaces_the_computed_points():
    scheme = rules.parse_scheme(SCHEME)
    scores = {(1, "a.auto"): ScoreInput(value=50.0, override_points=30.0), (1, "a.gone"): ScoreInput(value=1.0),
              (1, "b.manual"): ScoreInput(manual_points=40.0), (1, "d.late"): ScoreInput(value=2, override_points=1)}
    card = rules.compute_cards(scheme, {1: "city_department"}, scores)[1]
    assert card.total == 30 + 20 + 40 - 1 and card.indicators["a.auto"].overridden


def test_the_shipped_scheme_parses_and_adds_up_to_100_points():
    scheme = rules.parse_scheme(commands.default_scheme(), known_counters=("missed_deadlines", "one_source_conflicts",
                                                                              "refused_corrections"))
    assert scheme.positive_points == 100
    assert {d.code for d in scheme.dimensions} >= {"org", "catalog", "aggregation", "sharing", "quality", "open"}
    assert scheme.indicator("ded.projects").kpi_key == "projects.acceptance_failed"


def test_a_broken_scheme_names_each_problem():
    broken = {"grades": [], "dimensions": [{"code": "x", "indicators": [
        {"code": "x.1", "points": 50, "method": "automatic", "rule": "linear"},
        {"code": "x.2", "points": 10, "method": "deduction", "source": "platform:nope"}]}]}
    with pytest.raises(ValidationError) as exc:
        rules.parse_scheme(broken, known_counters=("missed_deadlines",))
    assert {"x.1.kpi", "x.1.floor", "x.1.target", "x.2.per", "x.2.source", "grades"} <= set(exc.value.errors)


def test_groups_of_units():
    assert rules.group_of("bureau", "city") is None
    assert rules.group_of("department", "city") is rules.UnitGroup.CITY
    assert rules.group_of("county_egov", "county") is rules.UnitGroup.COUNTY_GOV
    assert rules.group_of("public_service", "county") is rules.UnitGroup.COUNTY
