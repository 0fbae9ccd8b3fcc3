"""KPI family `assessment` (RULES.md §8): how far the year's supervision assessment has come — the units'
answers to their provisional scorecards and the appeals still waiting for the assessors."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select

from models.assessment import Assessment, AssessmentAppeal, AssessmentCard
from services.core.i18n import N_
from services.kpi.registry import (
    UNIT_COLUMN,
    Direction,
    Grain,
    KpiDefinition,
    KpiFamily,
    KpiUnit,
    KpiWindow,
    count_where,
    register_family,
)


def cards_query(window: KpiWindow, grain: Grain) -> Select:
    """Scorecards sent to the units in the period (the review opened in it) and those the unit answered."""
    answered = AssessmentCard.status.in_(["accepted", "appealed"]) | AssessmentCard.responded_at.is_not(None)  # type: ignore[attr-defined,union-attr]
    stmt = (select(func.count().label("cards_sent"), count_where(answered).label("cards_answered"))
            .select_from(AssessmentCard).join(Assessment, Assessment.id == AssessmentCard.assessment_id)
            .where(Assessment.review_opened_on >= window.start, Assessment.review_opened_on <= window.as_of,  # type: ignore[operator]
                   window.units(AssessmentCard.unit_id)))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(AssessmentCard.unit_id.label(UNIT_COLUMN)).group_by(AssessmentCard.unit_id)
    return stmt


def appeals_query(window: KpiWindow, grain: Grain) -> Select:
    """Appeals filed by the end of the period and not answered by then (by the appealing unit)."""
    waiting = and_(AssessmentAppeal.filed_at < window.as_of_end,  # type: ignore[operator]
                   (AssessmentAppeal.decided_at.is_(None)) | (AssessmentAppeal.decided_at >= window.as_of_end))  # type: ignore[union-attr,operator]
    stmt = select(count_where(waiting).label("appeals_waiting")).where(window.units(AssessmentAppeal.unit_id))
    if grain is Grain.UNIT:
        stmt = stmt.add_columns(AssessmentAppeal.unit_id.label(UNIT_COLUMN)).group_by(AssessmentAppeal.unit_id)
    return stmt


FAMILY = register_family(KpiFamily(
    key="assessment",
    title=N_("Assessment"),
    order=95,
    unit_role=N_("Assessed unit"),
    queries=(cards_query, appeals_query),
    kpis=(
        KpiDefinition("assessment.answered", N_("Scorecards answered by the units"), KpiUnit.PERCENT,
                      Direction.HIGHER, None, "cards_answered", "cards_sent",
                      description=N_("Provisional scorecards sent to the units in the period that the unit accepted "
                                     "or appealed, divided by all scorecards sent in the period."),
                      drill="units"),
        KpiDefinition("assessment.appeals_waiting", N_("Assessment appeals waiting"), KpiUnit.COUNT,
                      Direction.LOWER, 0, "appeals_waiting",
                      description=N_("Appeals against a provisional scorecard filed by the end of the period and not "
                                     "answered by the assessors by then."),
                      drill="units"),
    ),
))
