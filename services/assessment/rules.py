"""Pure rules of the yearly assessment (监督考核): the scheme's shape and validation, the unit groups, the scoring
rules of automatic indicators, deductions with caps, totals with re-weighting, ranks with ties and grades.
No database code: the commands and queries hand plain values in and store what comes out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from models.assessment import AssessmentStatus
from services.core.errors import ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _

TOTAL_POINTS = 100.0
ROUND = 2  # totals and ranks are compared at two decimals: equal to two decimals is a tie (并列)


class Method(StrEnum):
    AUTOMATIC = "automatic"  # a KPI of the registry, computed for the unit over the year
    MANUAL = "manual"  # 0 … points, entered by the assessor with evidence
    DEDUCTION = "deduction"  # per occurrence, up to a cap


class Rule(StrEnum):
    LINEAR = "linear"  # 0 at the floor, full marks at the target, proportional between
    TARGET = "target"  # full marks at or beyond the target, else 0
    RANK = "rank"  # first of the group full marks, last 0, evenly between
    RATIO = "ratio"  # points × value / the group's best value


class Unmeasured(StrEnum):
    REWEIGHT = "reweight"  # the points of indicators the deployment cannot measure are spread over the others
    MANUAL = "manual"  # the assessor enters them by hand


class UnitGroup(StrEnum):
    CITY = "city_department"  # city (or province) departments and public-service organisations
    COUNTY_GOV = "county_government"  # county governments, represented by their e-government department
    COUNTY = "county_department"  # county departments


class Grade(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"


class ScoreStatus(StrEnum):
    SCORED = "scored"
    NO_VALUE = "no_value"  # the KPI had nothing to measure for this unit (no case fell due): full marks
    NOT_MEASURED = "not_measured"  # the deployment has no such KPI
    MISSING = "missing"  # a manual score not entered yet


GROUP_LABELS = {UnitGroup.CITY: N_("City departments"), UnitGroup.COUNTY_GOV: N_("County governments"),
                UnitGroup.COUNTY: N_("County departments")}
GRADE_LABELS = {Grade.EXCELLENT: N_("Excellent"), Grade.GOOD: N_("Good"), Grade.PASS: N_("Pass"),
                Grade.FAIL: N_("Fail")}
STATUS_LABELS = {AssessmentStatus.DRAFT: N_("Draft"), AssessmentStatus.SCORING: N_("Scoring"),
                 AssessmentStatus.REVIEW: N_("Units reviewing (appeal window)"),
                 AssessmentStatus.PUBLISHED: N_("Published")}
APPEAL_LABELS = {"open": N_("Waiting for the assessors"), "upheld": N_("Score upheld"),
                 "adjusted": N_("Score adjusted")}
CARD_LABELS = {"provisional": N_("Provisional"), "accepted": N_("Accepted by the unit"),
               "appealed": N_("Appealed"), "final": N_("Final")}
METHOD_LABELS = {Method.AUTOMATIC: N_("Automatic"), Method.MANUAL: N_("Manual"), Method.DEDUCTION: N_("Deduction")}
RULE_LABELS = {Rule.LINEAR: N_("Linear from floor to target"), Rule.TARGET: N_("Full marks at the target"),
               Rule.RANK: N_("By rank in the group"), Rule.RATIO: N_("Ratio to the best unit")}
SCORE_STATUS_LABELS = {ScoreStatus.SCORED: N_("Scored"), ScoreStatus.NO_VALUE: N_("Nothing to measure: full marks"),
                       ScoreStatus.NOT_MEASURED: N_("Not measured"), ScoreStatus.MISSING: N_("Not entered")}

# (state, action) -> next state
TRANSITIONS: dict[tuple[str, str], str] = {
    (AssessmentStatus.DRAFT, "edit_scheme"): AssessmentStatus.DRAFT,
    (AssessmentStatus.DRAFT, "start"): AssessmentStatus.SCORING,
    (AssessmentStatus.SCORING, "score"): AssessmentStatus.SCORING,
    (AssessmentStatus.SCORING, "recompute"): AssessmentStatus.SCORING,
    (AssessmentStatus.REVIEW, "recompute"): AssessmentStatus.REVIEW,
    (AssessmentStatus.SCORING, "open_review"): AssessmentStatus.REVIEW,
    (AssessmentStatus.REVIEW, "respond"): AssessmentStatus.REVIEW,
    (AssessmentStatus.REVIEW, "decide_appeal"): AssessmentStatus.REVIEW,
    (AssessmentStatus.REVIEW, "publish"): AssessmentStatus.PUBLISHED,
}

ACTION_REFUSALS = {
    "edit_scheme": N_("The scheme is frozen once scoring has started."),
    "start": N_("Scoring has already started."),
    "score": N_("Scores are entered while the assessment is being scored."),
    "recompute": N_("A published assessment is frozen: nothing is recomputed."),
    "open_review": N_("The scorecards can be sent to the units only from scoring."),
    "respond": N_("The units review their scorecards only while the appeal window is open."),
    "decide_appeal": N_("Appeals are decided before publication."),
    "publish": N_("Only an assessment whose scorecards the units have reviewed can be published."),
}


def next_state(state: str, action: str) -> str:
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise ValidationError({"status": _(ACTION_REFUSALS.get(action, N_("This step is not possible now.")))})
    return target


def group_of(kind: str, level: str) -> UnitGroup | None:
    """The ranking group of a unit; bureaus assess and are not assessed."""
    if kind == "bureau":
        return None
    if kind == "county_egov":
        return UnitGroup.COUNTY_GOV
    return UnitGroup.COUNTY if level == "county" else UnitGroup.CITY


# --- the scheme ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    name_en: str
    method: Method
    dimension: str
    points: float = 0.0  # maximum for automatic and manual indicators; 0 for deductions
    content: str = ""  # 考核内容
    standard: str = ""  # 评分标准
    evidence: str = ""  # what evidence a manual score or deduction requires
    kpi: str | None = None
    rule: Rule | None = None
    floor: float | None = None
    target: float | None = None
    source: str | None = None  # deductions: "platform:<counter>", "kpi:<key>" or "manual"
    per: float = 0.0
    cap: float = 0.0

    def title(self, language: str = "zh_CN") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name

    @property
    def kpi_key(self) -> str | None:
        """The KPI the indicator reads: automatic indicators and deductions counted by a KPI."""
        if self.method is Method.AUTOMATIC:
            return self.kpi
        if self.method is Method.DEDUCTION and self.source and self.source.startswith("kpi:"):
            return self.source[4:]
        return None

    @property
    def counter(self) -> str | None:
        if self.method is Method.DEDUCTION and self.source and self.source.startswith("platform:"):
            return self.source[9:]
        return None


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    name_en: str
    indicators: tuple[Indicator, ...]

    def title(self, language: str = "zh_CN") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name

    @property
    def points(self) -> float:
        return sum(i.points for i in self.indicators if i.method is not Method.DEDUCTION)


@dataclass(frozen=True)
class Scheme:
    title: str
    title_en: str
    dimensions: tuple[Dimension, ...]
    grades: tuple[tuple[Grade, float], ...]  # highest threshold first
    unmeasured: Unmeasured = Unmeasured.REWEIGHT
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def indicators(self) -> list[Indicator]:
        return [i for d in self.dimensions for i in d.indicators]

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators() if i.code == code), None)

    @property
    def positive_points(self) -> float:
        return sum(d.points for d in self.dimensions)


def _number(raw: Mapping, key: str, where: str, errors: dict[str, str], *, required: bool = False) -> float | None:
    value = raw.get(key)
    if value is None:
        if required:
            errors[f"{where}.{key}"] = _("{where}: {key} is missing.", where=where, key=key)
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors[f"{where}.{key}"] = _("{where}: {key} must be a number.", where=where, key=key)
        return None


def parse_scheme(data: Mapping[str, Any], *, known_counters: Iterable[str] = ()) -> Scheme:
    """A scheme from its JSON form; every problem is named (indicator code and field) in one ValidationError."""
    errors: dict[str, str] = {}
    counters = set(known_counters)
    dimensions: list[Dimension] = []
    seen: set[str] = set()
    for d_raw in data.get("dimensions") or []:
        d_code = str(d_raw.get("code") or "").strip()
        if not d_code:
            errors["dimensions"] = _("Every dimension needs a code.")
            continue
        indicators = []
        for raw in d_raw.get("indicators") or []:
            code = str(raw.get("code") or "").strip()
            if not code or code in seen:
                errors[f"{d_code}.code"] = _("Indicator codes must be present and unique ({code}).", code=code or "?")
                continue
            seen.add(code)
            try:
                method = Method(raw.get("method"))
            except ValueError:
                errors[f"{code}.method"] = _("{code}: the method must be automatic, manual or deduction.", code=code)
                continue
            points = _number(raw, "points", code, errors) or 0.0
            if method is not Method.DEDUCTION and points <= 0:
                errors[f"{code}.points"] = _("{code}: an indicator needs positive points.", code=code)
            rule = None
            if method is Method.AUTOMATIC:
                if not raw.get("kpi"):
                    errors[f"{code}.kpi"] = _("{code}: an automatic indicator names a KPI.", code=code)
                try:
                    rule = Rule(raw.get("rule"))
                except ValueError:
                    errors[f"{code}.rule"] = _("{code}: the rule must be linear, target, rank or ratio.", code=code)
            floor = _number(raw, "floor", code, errors, required=rule is Rule.LINEAR)
            target = _number(raw, "target", code, errors, required=rule in (Rule.LINEAR, Rule.TARGET))
            if rule is Rule.LINEAR and floor is not None and target is not None and floor == target:
                errors[f"{code}.floor"] = _("{code}: the floor and the target must differ.", code=code)
            source = raw.get("source")
            per = cap = 0.0
            if method is Method.DEDUCTION:
                per = _number(raw, "per", code, errors, required=True) or 0.0
                cap = _number(raw, "cap", code, errors, required=True) or 0.0
                if per <= 0 or cap <= 0:
                    errors[f"{code}.per"] = _("{code}: a deduction needs positive points per occurrence and cap.",
                                              code=code)
                source = str(source or "manual")
                if not (source == "manual" or source.startswith("kpi:")
                        or (source.startswith("platform:") and (not counters or source[9:] in counters))):
                    errors[f"{code}.source"] = _("{code}: unknown source of occurrences {source}.", code=code,
                                                 source=source)
            indicators.append(Indicator(
                code=code, name=str(raw.get("name") or code), name_en=str(raw.get("name_en") or ""), method=method,
                dimension=d_code, points=points, content=str(raw.get("content") or ""),
                standard=str(raw.get("standard") or ""), evidence=str(raw.get("evidence") or ""),
                kpi=raw.get("kpi"), rule=rule, floor=floor, target=target, source=source, per=per, cap=cap))
        dimensions.append(Dimension(d_code, str(d_raw.get("name") or d_code), str(d_raw.get("name_en") or ""),
                                    tuple(indicators)))
    if not dimensions:
        errors["dimensions"] = _("The scheme has no dimension.")
    grades: list[tuple[Grade, float]] = []
    for g in data.get("grades") or []:
        try:
            grades.append((Grade(g["grade"]), float(g["min"])))
        except (KeyError, TypeError, ValueError):
            errors["grades"] = _("Each grade needs a known name and a minimum score.")
    if not grades:
        errors["grades"] = _("The scheme sets no grade thresholds.")
    try:
        unmeasured = Unmeasured(data.get("unmeasured") or Unmeasured.REWEIGHT)
    except ValueError:
        errors["unmeasured"] = _("Points not measured are either re-weighted or entered by hand.")
        unmeasured = Unmeasured.REWEIGHT
    scheme = Scheme(str(data.get("title") or ""), str(data.get("title_en") or ""), tuple(dimensions),
                    tuple(sorted(grades, key=lambda g: -g[1])), unmeasured, raw=data)
    if not errors and abs(scheme.positive_points - TOTAL_POINTS) > 1e-6:
        errors["points"] = _("The indicators add up to {points} points, not 100.", points=round(scheme.positive_points, 2))
    if errors:
        raise ValidationError(errors)
    return scheme


def with_points(data: Mapping[str, Any], points: Mapping[str, float]) -> dict:
    """A copy of the scheme's JSON with the indicators' points changed (the scheme editor's table)."""
    copy = {**data, "dimensions": [
        {**d, "indicators": [{**i, "points": points.get(i["code"], i.get("points"))} if "points" in i
                             or i["code"] in points else dict(i) for i in d.get("indicators", [])]}
        for d in data.get("dimensions", [])]}
    return copy


# --- the scoring rules --------------------------------------------------------------------------------------
def _clamp(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def linear_points(value: float, points: float, floor: float, target: float) -> float:
    """0 at or beyond the floor, full marks at or beyond the target, proportional between. A floor above the
    target reads a lower-is-better KPI (working days): the same formula, walked the other way."""
    if floor == target:
        return points if value == target else 0.0
    return points * _clamp((value - floor) / (target - floor), 0.0, 1.0)


def target_points(value: float, points: float, target: float, *, higher: bool = True) -> float:
    met = value >= target - 1e-9 if higher else value <= target + 1e-9
    return points if met else 0.0


def competition_ranks(values: Mapping[Any, float], *, higher: bool = True) -> dict[Any, int]:
    """1, 1, 3 …: equal values (to ROUND decimals) share a rank and the next rank skips (并列)."""
    ordered = sorted(values, key=lambda k: -round(values[k], ROUND) if higher else round(values[k], ROUND))
    ranks: dict[Any, int] = {}
    previous: float | None = None
    rank = 0
    for position, key in enumerate(ordered, start=1):
        current = round(values[key], ROUND)
        if previous is None or current != previous:
            rank = position
            previous = current
        ranks[key] = rank
    return ranks


def rank_points(values: Mapping[Any, float], points: float, *, higher: bool = True) -> dict[Any, float]:
    """First of the group full marks, last none, evenly between by rank; tied units share their rank's points."""
    ranks = competition_ranks(values, higher=higher)
    n = len(values)
    if n <= 1:
        return {k: points for k in values}
    return {k: points * (n - r) / (n - 1) for k, r in ranks.items()}


def ratio_points(values: Mapping[Any, float], points: float, *, higher: bool = True) -> dict[Any, float]:
    """points × value / best (higher is better) or × best / value (lower is better); nothing achieved = 0."""
    if not values:
        return {}
    if higher:
        best = max(values.values())
        if best <= 0:
            return {k: 0.0 for k in values}
        return {k: points * _clamp(max(v, 0.0) / best, 0.0, 1.0) for k, v in values.items()}
    best = min(values.values())
    return {k: points if v <= best else points * _clamp(max(best, 0.0) / v, 0.0, 1.0) for k, v in values.items()}


def deduction_points(occurrences: float, per: float, cap: float) -> float:
    """Points taken off (a positive number): per occurrence, never more than the cap."""
    return min(cap, per * max(0.0, occurrences))


def grade_of(total: float, grades: Iterable[tuple[Grade, float]]) -> Grade | None:
    for grade, minimum in sorted(grades, key=lambda g: -g[1]):
        if round(total, ROUND) >= minimum - 1e-9:
            return grade
    return None


# --- scorecards ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreInput:
    """What is stored for one unit and indicator (see models.assessment.AssessmentScore)."""

    value: float | None = None
    measured: bool = True
    manual_points: float | None = None
    manual_occurrences: int = 0
    override_points: float | None = None


@dataclass
class IndicatorResult:
    code: str
    dimension: str
    method: Method
    max_points: float  # after re-weighting
    points: float  # earned (deductions: points taken off, positive)
    status: ScoreStatus
    value: float | None = None
    occurrences: float = 0.0
    overridden: bool = False


@dataclass
class CardResult:
    unit_id: int
    group: str
    total: float = 0.0
    deducted: float = 0.0
    dimensions: dict[str, float] = field(default_factory=dict)
    indicators: dict[str, IndicatorResult] = field(default_factory=dict)
    weight: float = 1.0  # the re-weighting factor applied to the measured indicators
    rank: int | None = None
    group_size: int = 0
    grade: Grade | None = None

    @property
    def missing(self) -> list[str]:
        return [c for c, r in self.indicators.items() if r.status is ScoreStatus.MISSING]


def _earned(ind: Indicator, unit_id: int, inp: ScoreInput, group_points: dict[tuple[str, str], dict[int, float]],
            group: str, *, higher: bool) -> tuple[float, ScoreStatus]:
    if ind.method is Method.MANUAL or not inp.measured:
        if inp.manual_points is None:
            return 0.0, (ScoreStatus.NOT_MEASURED if not inp.measured else ScoreStatus.MISSING)
        return _clamp(inp.manual_points, 0.0, ind.points), ScoreStatus.SCORED
    if inp.value is None:
        return ind.points, ScoreStatus.NO_VALUE
    if ind.rule is Rule.LINEAR:
        return linear_points(inp.value, ind.points, ind.floor or 0.0, ind.target or 0.0), ScoreStatus.SCORED
    if ind.rule is Rule.TARGET:
        return target_points(inp.value, ind.points, ind.target or 0.0, higher=higher), ScoreStatus.SCORED
    return group_points[(ind.code, group)].get(unit_id, 0.0), ScoreStatus.SCORED


def compute_cards(scheme: Scheme, groups: Mapping[int, str], scores: Mapping[tuple[int, str], ScoreInput],
                  *, higher: Mapping[str, bool] | None = None) -> dict[int, CardResult]:
    """Every assessed unit's scorecard: indicator points, dimension points, deductions, total, rank in its group
    and grade. `groups` maps unit id → group; `scores` (unit id, indicator code) → stored values; `higher` says
    per KPI key whether higher is better (default yes).

    Automatic indicators that the deployment does not measure are re-weighted (the unit's measured indicators are
    scaled up so that the positive points still add up to 100) unless the scheme has them entered by hand; a
    value of None (nothing fell due for the unit) earns full marks, as published schemes do (无此项业务不扣分)."""
    higher = higher or {}
    empty = ScoreInput()
    group_points: dict[tuple[str, str], dict[int, float]] = {}
    for ind in scheme.indicators():
        if ind.method is Method.AUTOMATIC and ind.rule in (Rule.RANK, Rule.RATIO):
            up = higher.get(ind.kpi or "", True)
            by_group: dict[str, dict[int, float]] = {}
            for unit_id, group in groups.items():
                inp = scores.get((unit_id, ind.code), empty)
                if inp.measured and inp.value is not None:
                    by_group.setdefault(group, {})[unit_id] = inp.value
            for group, values in by_group.items():
                fn = rank_points if ind.rule is Rule.RANK else ratio_points
                group_points[(ind.code, group)] = fn(values, ind.points, higher=up)
    cards: dict[int, CardResult] = {}
    reweight = scheme.unmeasured is Unmeasured.REWEIGHT
    for unit_id, group in groups.items():
        card = CardResult(unit_id, group)
        measured_max = 0.0
        for ind in scheme.indicators():
            inp = scores.get((unit_id, ind.code), empty)
            if ind.method is Method.DEDUCTION:
                occurrences = ((inp.value or 0.0) if inp.measured else 0.0) + inp.manual_occurrences
                taken = deduction_points(occurrences, ind.per, ind.cap)
                overridden = inp.override_points is not None
                if overridden:
                    taken = _clamp(float(inp.override_points), 0.0, ind.cap)  # type: ignore[arg-type]
                status = ScoreStatus.SCORED if inp.measured else ScoreStatus.NOT_MEASURED
                card.indicators[ind.code] = IndicatorResult(ind.code, ind.dimension, ind.method, ind.cap, taken,
                                                            status, inp.value, occurrences, overridden)
                continue
            earned, status = _earned(ind, unit_id, inp, group_points, group, higher=higher.get(ind.kpi or "", True))
            if status is ScoreStatus.NOT_MEASURED and not reweight:
                status = ScoreStatus.MISSING  # the scheme has the assessor enter it by hand
            overridden = inp.override_points is not None
            if overridden:
                earned, status = _clamp(float(inp.override_points), 0.0, ind.points), ScoreStatus.SCORED  # type: ignore[arg-type]
            if not (status is ScoreStatus.NOT_MEASURED and reweight):
                measured_max += ind.points
            card.indicators[ind.code] = IndicatorResult(ind.code, ind.dimension, ind.method, ind.points, earned,
                                                        status, inp.value, 0.0, overridden)
        positive = scheme.positive_points
        card.weight = positive / measured_max if reweight and measured_max > 0 else 1.0
        for result in card.indicators.values():
            if result.method is Method.DEDUCTION:
                card.deducted += result.points
                continue
            if result.status is ScoreStatus.NOT_MEASURED and reweight:
                result.max_points = 0.0
                continue
            result.max_points *= card.weight
            result.points *= card.weight
            card.dimensions[result.dimension] = card.dimensions.get(result.dimension, 0.0) + result.points
        card.dimensions = {k: round(v, ROUND) for k, v in card.dimensions.items()}
        card.deducted = round(card.deducted, ROUND)
        card.total = round(max(0.0, sum(card.dimensions.values()) - card.deducted), ROUND)
        card.grade = grade_of(card.total, scheme.grades)
        cards[unit_id] = card
    by_group: dict[str, dict[int, float]] = {}
    for unit_id, card in cards.items():
        by_group.setdefault(card.group, {})[unit_id] = card.total
    for totals in by_group.values():
        for unit_id, rank in competition_ranks(totals).items():
            cards[unit_id].rank = rank
            cards[unit_id].group_size = len(totals)
    return cards
