"""Reads of the assessment: the list of assessments, one assessment, the ranking per group, a unit's scorecard
(its own only, for a unit, until publication), appeals, year-over-year figures and the published result another
domain (annual reports) quotes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlmodel import Session, select

from models import Attachment, Region, Unit
from models.assessment import (
    AppealStatus,
    Assessment,
    AssessmentAppeal,
    AssessmentCard,
    AssessmentScore,
    AssessmentStatus,
)
from models.clock import CaseKind
from services.assessment import rules
from services.assessment.commands import EVIDENCE_KIND, compute, load_scheme
from services.assessment.rules import CardResult, Method, Scheme
from services.core.actor import Actor
from services.core.db import read_session
from services.core.errors import NotFound, PermissionDenied
from services.core.i18n import current_language
from services.core.i18n import gettext as _
from services.core.permissions import Scope
from services.core.uow import read_scope
from services.corrections import evidence as evidence_files
from services.deadlines import clocks

VISIBLE_TO_UNITS = (AssessmentStatus.REVIEW, AssessmentStatus.PUBLISHED)


@dataclass
class AssessmentView:
    id: int
    year: int
    title: str
    status: str
    version: int
    scheme: Scheme
    scheme_json: dict
    snapshot_on: date | None
    appeal_due_on: date | None
    published_at: datetime | None
    good_practice: str | None
    problems: str | None
    units: int = 0
    open_appeals: int = 0
    answered: int = 0  # units that accepted or appealed


@dataclass
class Results:
    """Everything a ranking, a chart or an export needs, computed once."""

    assessment: AssessmentView
    cards: dict[int, CardResult]
    names: dict[int, tuple[str, str]]  # unit id -> (name, region)
    card_ids: dict[int, int]
    card_status: dict[int, str]
    previous: dict[int, float] = field(default_factory=dict)  # last year's published totals

    def change(self, unit_id: int) -> float | None:
        before = self.previous.get(unit_id)
        return None if before is None else round(self.cards[unit_id].total - before, rules.ROUND)


def _view(session: Session, a: Assessment) -> AssessmentView:
    cards = session.exec(select(AssessmentCard.status).where(AssessmentCard.assessment_id == a.id)).all()
    open_appeals = len(session.exec(select(AssessmentAppeal.id).where(
        AssessmentAppeal.assessment_id == a.id, AssessmentAppeal.status == str(AppealStatus.OPEN))).all())
    raw = json.loads(a.scheme)
    return AssessmentView(a.id, a.year, a.title, a.status, a.version, rules.parse_scheme(raw), raw,  # type: ignore[arg-type]
                          a.snapshot_on, a.appeal_due_on, a.published_at, a.good_practice, a.problems,
                          units=len(cards), open_appeals=open_appeals,
                          answered=sum(1 for s in cards if s in ("accepted", "appealed")))


def _visible(a: Assessment, scope: Scope) -> bool:
    return scope is not Scope.UNIT or a.status in VISIBLE_TO_UNITS


def list_assessments(actor: Actor) -> pd.DataFrame:
    with read_scope(actor, "assessment.view") as (session, scope):
        rows = session.exec(select(Assessment).order_by(Assessment.year.desc())).all()  # type: ignore[attr-defined]
        records = [{"id": a.id, "year": a.year, "title": a.title, "status": a.status, "published_at": a.published_at}
                   for a in rows if _visible(a, scope)]
    return pd.DataFrame(records, columns=["id", "year", "title", "status", "published_at"])


def _get(session: Session, assessment_id: int | None, year: int | None) -> Assessment:
    if assessment_id is not None:
        a = session.get(Assessment, assessment_id)
    else:
        a = session.exec(select(Assessment).where(Assessment.year == year)).first()
    if a is None:
        raise NotFound(_("The assessment does not exist."))
    return a


def get_assessment(actor: Actor, assessment_id: int | None = None, *, year: int | None = None) -> AssessmentView:
    with read_scope(actor, "assessment.view") as (session, scope):
        a = _get(session, assessment_id, year)
        if not _visible(a, scope):
            raise NotFound(_("The assessment does not exist."))
        return _view(session, a)


def _names(session: Session, unit_ids: list[int]) -> dict[int, tuple[str, str]]:
    if not unit_ids:
        return {}
    rows = session.exec(select(Unit.id, Unit.name, Unit.short_name, Region.name)
                        .join(Region, Region.id == Unit.region_id).where(Unit.id.in_(unit_ids))).all()  # type: ignore[union-attr]
    return {int(u): (name, region) for u, name, _short, region in rows}


def _previous_totals(session: Session, year: int) -> dict[int, float]:
    before = session.exec(select(Assessment.id).where(Assessment.year == year - 1,
                                                      Assessment.status == str(AssessmentStatus.PUBLISHED))).first()
    if before is None:
        return {}
    return {int(u): float(t) for u, t in session.exec(select(AssessmentCard.unit_id, AssessmentCard.total)
                                                     .where(AssessmentCard.assessment_id == before)).all()
            if t is not None}


def _results(session: Session, a: Assessment, only_unit: int | None = None) -> Results:
    _scheme, cards = compute(session, a)
    card_rows = session.exec(select(AssessmentCard.unit_id, AssessmentCard.id, AssessmentCard.status)
                             .where(AssessmentCard.assessment_id == a.id)).all()
    if only_unit is not None:
        cards = {k: v for k, v in cards.items() if k == only_unit}
    return Results(_view(session, a), cards, _names(session, list(cards)), {int(u): int(i) for u, i, _s in card_rows},
                   {int(u): s for u, _i, s in card_rows}, _previous_totals(session, a.year))


def results(actor: Actor, assessment_id: int | None = None, *, year: int | None = None) -> Results:
    """Every scorecard of the assessment. A unit reads only its own until publication, and nothing before the
    scorecards are sent to it."""
    with read_scope(actor, "assessment.view") as (session, scope):
        a = _get(session, assessment_id, year)
        if not _visible(a, scope):
            raise NotFound(_("The assessment does not exist."))
        only = actor.unit_id if scope is Scope.UNIT and a.status != AssessmentStatus.PUBLISHED else None
        return _results(session, a, only)


def ranking(res: Results, language: str | None = None) -> pd.DataFrame:
    """The 通报 ranking: one row per unit, ordered by group then rank, dimension columns by code."""
    language = language or current_language()
    scheme = res.assessment.scheme
    dims = [d for d in scheme.dimensions if d.points > 0]
    records = []
    for unit_id, card in res.cards.items():
        name, region = res.names.get(unit_id, (str(unit_id), ""))
        row = {"unit_id": unit_id, "card_id": res.card_ids.get(unit_id), "unit": name, "region": region,
               "group": card.group, "total": card.total, "rank": card.rank, "group_size": card.group_size,
               "grade": str(card.grade) if card.grade else None, "deducted": card.deducted,
               "change": res.change(unit_id), "status": res.card_status.get(unit_id)}
        for d in dims:
            row[f"dim:{d.code}"] = card.dimensions.get(d.code, 0.0)
        records.append(row)
    order = {g: i for i, g in enumerate(rules.UnitGroup)}
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame
    frame["_g"] = frame["group"].map(lambda g: order.get(g, 9))
    return frame.sort_values(["_g", "rank", "unit"]).drop(columns="_g").reset_index(drop=True)


def scorecard(res: Results, unit_id: int, language: str | None = None) -> pd.DataFrame:
    """A unit's indicators: dimension, indicator, method, value, points earned (or taken off) of the maximum."""
    language = language or current_language()
    card = res.cards.get(unit_id)
    if card is None:
        raise NotFound(_("This unit is not assessed."))
    scheme = res.assessment.scheme
    records = []
    for d in scheme.dimensions:
        for ind in d.indicators:
            r = card.indicators[ind.code]
            records.append({
                "dimension": d.title(language), "code": ind.code, "indicator": ind.title(language),
                "method": str(ind.method), "kpi": ind.kpi_key, "value": r.value,
                "occurrences": r.occurrences if ind.method is Method.DEDUCTION else None,
                "points": round(-r.points if ind.method is Method.DEDUCTION else r.points, rules.ROUND),
                "max": round(r.max_points, rules.ROUND), "status": str(r.status), "overridden": r.overridden,
                "content": ind.content, "standard": ind.standard})
    return pd.DataFrame(records)


def evidence(actor: Actor, assessment_id: int, unit_id: int) -> pd.DataFrame:
    """The entered scores, evidence (notes and attached files as [(attachment id, file name)]) and appeal
    adjustments of one unit (the unit's own, or the assessors')."""
    with read_scope(actor, "assessment.view", unit_id=unit_id) as (session, scope):
        a = _get(session, assessment_id, None)
        if not _visible(a, scope):
            raise NotFound(_("The assessment does not exist."))
        rows = session.exec(select(AssessmentScore).where(AssessmentScore.assessment_id == assessment_id,
                                                          AssessmentScore.unit_id == unit_id)).all()
        files: dict[int, list[tuple[int, str]]] = {}
        for att_id, owner, name in session.exec(
                select(Attachment.id, Attachment.owner_id, Attachment.filename)
                .where(Attachment.owner_kind == EVIDENCE_KIND,
                       Attachment.owner_id.in_([r.id for r in rows] or [-1]))  # type: ignore[attr-defined]
                .order_by(Attachment.id)).all():  # type: ignore[arg-type]
            files.setdefault(int(owner), []).append((int(att_id), name))  # type: ignore[arg-type]
        return pd.DataFrame([{"code": r.indicator, "manual_points": r.manual_points,
                              "manual_occurrences": r.manual_occurrences, "evidence": r.evidence,
                              "files": files.get(r.id, []),  # type: ignore[arg-type]
                              "override_points": r.override_points, "override_reason": r.override_reason}
                             for r in rows if r.evidence or r.override_reason or r.manual_points is not None
                             or files.get(r.id)],  # type: ignore[arg-type]
                            columns=["code", "manual_points", "manual_occurrences", "evidence", "files",
                                     "override_points", "override_reason"])


def evidence_file(actor: Actor, assessment_id: int, unit_id: int, attachment_id: int) -> tuple[str, str, bytes]:
    """One attached evidence file of a unit's score row: (file name, content type, content), decrypted and
    checked against its SHA-256. Visible to whoever may read that unit's evidence."""
    with read_scope(actor, "assessment.view", unit_id=unit_id) as (session, scope):
        a = _get(session, assessment_id, None)
        if not _visible(a, scope):
            raise NotFound(_("The assessment does not exist."))
        row = session.get(Attachment, attachment_id)
        owner = session.get(AssessmentScore, row.owner_id) if row is not None and row.owner_kind == EVIDENCE_KIND else None
        if row is None or owner is None or owner.assessment_id != assessment_id or owner.unit_id != unit_id:
            raise NotFound(_("The attached file does not exist."))
        return row.filename, row.content_type, evidence_files.read(row)


def appeals(actor: Actor, assessment_id: int) -> pd.DataFrame:
    """Appeals of the assessment (a unit sees its own)."""
    with read_scope(actor, "assessment.view") as (session, scope):
        stmt = (select(AssessmentAppeal, Unit.name).join(Unit, Unit.id == AssessmentAppeal.unit_id)
                .where(AssessmentAppeal.assessment_id == assessment_id).order_by(AssessmentAppeal.id))
        if scope is Scope.UNIT:
            stmt = stmt.where(AssessmentAppeal.unit_id == actor.unit_id)
        rows = session.exec(stmt).all()
        return pd.DataFrame([{"id": a.id, "unit_id": a.unit_id, "unit": name, "indicator": a.indicator,
                              "reason": a.reason, "status": a.status, "points_before": a.points_before,
                              "points_after": a.points_after, "answer": a.answer, "filed_at": a.filed_at,
                              "version": a.version} for a, name in rows],
                            columns=["id", "unit_id", "unit", "indicator", "reason", "status", "points_before",
                                     "points_after", "answer", "filed_at", "version"])


@dataclass
class MyCard:
    assessment_id: int
    card_id: int
    year: int
    title: str
    assessment_status: str
    card_status: str
    version: int
    appeal_due_on: date | None
    window_open: bool
    workdays_left: int | None


def my_cards(actor: Actor, *, today: date | None = None) -> list[MyCard]:
    """The scorecards of the actor's unit in assessments sent to the units, newest first."""
    from services.core.timeutil import local_date

    today = today or local_date()
    with read_scope(actor, "assessment.appeal", unit_id=actor.unit_id) as (session, _scope):
        rows = session.exec(select(AssessmentCard, Assessment).join(Assessment, Assessment.id == AssessmentCard.assessment_id)
                            .where(AssessmentCard.unit_id == actor.unit_id,
                                   Assessment.status.in_([str(s) for s in VISIBLE_TO_UNITS]))  # type: ignore[attr-defined]
                            .order_by(Assessment.year.desc())).all()  # type: ignore[attr-defined]
        out = []
        for card, a in rows:
            clock = clocks.current(session, CaseKind.ASSESSMENT_CARD, card.id)  # type: ignore[arg-type]
            open_ = (a.status == AssessmentStatus.REVIEW and card.status == "provisional"
                     and (a.appeal_due_on is None or today <= a.appeal_due_on))
            out.append(MyCard(a.id, card.id, a.year, a.title, a.status, card.status, card.version,  # type: ignore[arg-type]
                              a.appeal_due_on, open_, clocks.workdays_left(clock, today) if clock else None))
        return out


def history(actor: Actor, unit_id: int | None = None) -> pd.DataFrame:
    """Published totals per year: the unit's (when given) and the jurisdiction's mean."""
    with read_scope(actor, "assessment.view", unit_id=unit_id) as (session, _scope):
        rows = session.exec(select(Assessment.year, AssessmentCard.unit_id, AssessmentCard.total)
                            .join(AssessmentCard, AssessmentCard.assessment_id == Assessment.id)
                            .where(Assessment.status == str(AssessmentStatus.PUBLISHED))).all()
    frame = pd.DataFrame(rows, columns=["year", "unit_id", "total"])
    if frame.empty:
        return pd.DataFrame(columns=["year", "mean", "unit"])
    out = frame.groupby("year")["total"].mean().round(2).rename("mean").reset_index()
    if unit_id is not None:
        mine = frame[frame["unit_id"] == unit_id].set_index("year")["total"]
        out["unit"] = out["year"].map(mine)
    return out


def assessment_of_appeal(actor: Actor, appeal_id: int) -> int | None:
    with read_scope(actor, "assessment.view") as (session, scope):
        appeal = session.get(AssessmentAppeal, appeal_id)
        if appeal is None or (scope is Scope.UNIT and appeal.unit_id != actor.unit_id):
            return None
        return appeal.assessment_id


def latest_published_id(actor: Actor) -> int | None:
    with read_scope(actor, "assessment.view") as (session, _scope):
        return session.exec(select(Assessment.id).where(Assessment.status == str(AssessmentStatus.PUBLISHED))
                            .order_by(Assessment.year.desc())).first()  # type: ignore[attr-defined]


def work_counts(actor: Actor) -> dict[str, int]:
    """For the assessors' home panel: appeals waiting and assessments in progress."""
    with read_scope(actor, "assessment.view") as (session, scope):
        if scope is Scope.UNIT:
            return {}
        appeals_open = len(session.exec(select(AssessmentAppeal.id)
                                        .where(AssessmentAppeal.status == str(AppealStatus.OPEN))).all())
        running = len(session.exec(select(Assessment.id).where(Assessment.status.in_(  # type: ignore[attr-defined]
            [str(AssessmentStatus.SCORING), str(AssessmentStatus.REVIEW)]))).all())
        return {"appeals": appeals_open, "running": running}


def published_result(unit_id: int, year: int) -> dict | None:
    """The unit's published result for the year, for other domains (annual reports); None when no published
    assessment covers that unit and year. Reads published, frozen figures only, so it needs no actor."""
    with read_session() as session:
        row = session.exec(select(AssessmentCard, Assessment).join(Assessment, Assessment.id == AssessmentCard.assessment_id)
                           .where(Assessment.year == year, Assessment.status == str(AssessmentStatus.PUBLISHED),
                                  AssessmentCard.unit_id == unit_id)).first()
        if row is None:
            return None
        card, a = row
        scheme = load_scheme(a)
        return {"total": float(card.total or 0.0), "max": float(scheme.positive_points), "rank": int(card.rank or 0),
                "group": card.unit_group, "group_size": int(card.group_size or 0), "grade": card.grade,
                "assessment_id": int(a.id)}  # type: ignore[arg-type]


def require_card_access(actor: Actor, res: Results, unit_id: int) -> None:
    if unit_id not in res.cards:
        raise PermissionDenied(_("This record is outside the units you are responsible for."), action="assessment.view")
