"""Seed step: last year's assessment scored, appealed and published, and this year's sent to the units with its
appeal window open and one appeal waiting — so ranking, scorecards, charts and exports show real figures.

The lifecycle goes through the assessment's own commands (as the seeded assessor and stewards, at believable
moments), so clocks, notifications and audit events are the ones the product writes; only the manual scores and
evidence, a few thousand rows at province scale, are written in bulk."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import select

from models import Role, User, UserRole
from models.assessment import AssessmentScore
from services import assessment
from services.assessment import queries
from services.core.actor import Actor
from services.core.actor_store import load_actor
from services.core.db import write_session
from services.core.timeutil import local_date, tz
from services.deadlines import calendar
from services.seed import SeedContext, register

EVIDENCE = ("单位自查报告及附件", "现场检查记录", "制度文件（已印发）", "平台登记截图", "整改报告")
GOOD_PRACTICE = ("市公安局、市人社局目录维护及时，共享申请均在规定时限内答复；部分县建立数据专管员周例会制度。")
PROBLEMS = ("个别单位目录更新滞后，存在一数多源；部分开放申请超期答复；县直部门数据挂接率偏低。")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz())


def _actor(role: str, *, exclude_units: set[int] | None = None, rng=None) -> Actor | None:
    with write_session() as session:
        users = session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == role, User.is_active).order_by(User.id)).all()  # type: ignore[arg-type]
        users = [u for u in users if not exclude_units or u.unit_id not in exclude_units]
        if not users:
            return None
        user = rng.choice(users) if rng is not None else users[0]
        return load_actor(session, user)


def _manual_scores(ctx: SeedContext, assessment_id: int, skill: dict[int, float]) -> None:
    """Manual points for every unit (its 'skill' decides how good), and a few deductions with evidence."""
    assessor = _actor(Role.ASSESSOR)
    res = assessment.results(assessor, assessment_id)
    scheme = res.assessment.scheme
    updates = []
    with write_session() as session:
        rows = session.exec(select(AssessmentScore.id, AssessmentScore.unit_id, AssessmentScore.indicator)
                            .where(AssessmentScore.assessment_id == assessment_id)).all()
        for row_id, unit_id, code in rows:
            ind = scheme.indicator(code)
            if ind is None:
                continue
            level = skill.get(unit_id, 0.7)
            if ind.method == "manual":
                points = round(min(ind.points, max(0.0, ind.points * (level + ctx.rng.uniform(-0.15, 0.1)))) * 2) / 2
                updates.append({"id": row_id, "manual_points": points, "evidence": ctx.rng.choice(EVIDENCE),
                                "entered_by": assessor.user_id if assessor else None})
            elif ind.method == "deduction" and ind.source == "manual" and ctx.rng.random() < 0.12:
                updates.append({"id": row_id, "manual_occurrences": ctx.rng.randint(1, 2),
                                "evidence": "抽查发现的问题及核查记录", "entered_by": assessor.user_id if assessor else None})
        for chunk in range(0, len(updates), 5000):
            part = updates[chunk:chunk + 5000]
            for keys in ({"id", "manual_points", "evidence", "entered_by"},
                         {"id", "manual_occurrences", "evidence", "entered_by"}):
                rows_of_kind = [u for u in part if set(u) == keys]
                if rows_of_kind:
                    session.execute(update(AssessmentScore), rows_of_kind)
        session.commit()


def _lifecycle(ctx: SeedContext, year: int, opened: date, *, publish: bool) -> int:
    assessor = _actor(Role.ASSESSOR)
    if assessor is None:
        return 0
    start = opened - timedelta(days=3)
    aid = assessment.create_assessment(assessor, year, now=_at(start))
    snapshot = min(date(year, 12, 31), start)
    units = assessment.start_scoring(assessor, aid, snapshot_on=snapshot, now=_at(start, 11))
    res = assessment.results(assessor, aid)
    skill = {u: ctx.rng.uniform(0.55, 1.0) for u in res.cards}
    _manual_scores(ctx, aid, skill)
    due = assessment.open_review(assessor, aid, now=_at(opened))
    cards = queries.results(assessor, aid).card_ids
    stewards = []
    with write_session() as session:
        for unit_id, user_id in session.exec(
                select(User.unit_id, User.id).join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.UNIT_STEWARD, User.is_active, User.unit_id.in_(list(cards)))  # type: ignore[arg-type,union-attr]
                .order_by(User.id)).all():
            if unit_id not in {s.unit_id for s in stewards}:
                stewards.append(load_actor(session, session.get(User, user_id)))
    ctx.rng.shuffle(stewards)
    answer_day = calendar.deadline(opened, 1)
    appealed = []
    for index, steward in enumerate(stewards[: max(3, len(stewards) // 2)]):
        card_id = cards[steward.unit_id]
        if index < (2 if publish else 1):
            code = ("org.rules", "quality.rectify")[index % 2]
            appealed.append(assessment.respond(steward, card_id, accept=False, indicator=code,
                                               reason="相关制度和整改报告已于年内印发，检查时未能提供，现补充材料。",
                                               now=_at(answer_day, 9 + index % 6)))
        else:
            assessment.respond(steward, card_id, accept=True, now=_at(answer_day, 9 + index % 6))
    if publish:
        decided = calendar.deadline(answer_day, 1)
        for index, appeal_id in enumerate(appealed):
            assessment.decide_appeal(assessor, appeal_id, adjust=index == 0, points=4.0 if index == 0 else None,
                                     reason="经核实材料属实，予以调整。" if index == 0 else "材料形成于考核期后，维持原分。",
                                     now=_at(decided))
        published = calendar.deadline(due or decided, 1)
        assessment.publish(assessor, aid, good_practice=GOOD_PRACTICE, problems=PROBLEMS, now=_at(published))
    return units


@register("assessment")
def seed_assessments(ctx: SeedContext) -> None:
    today = local_date(ctx.now)
    last = today.year - 1
    # Last year's: scored in January, published about two weeks later.
    ctx.counts["assessment_units"] = _lifecycle(ctx, last, date(today.year, 1, 12), publish=True)
    # This year's: sent to the units two working days ago, appeal window still open, one appeal waiting.
    opened = today
    for _step in range(2):
        opened -= timedelta(days=1)
        while not calendar.is_workday(opened):
            opened -= timedelta(days=1)
    _lifecycle(ctx, today.year, max(opened, date(today.year, 1, 10)), publish=False)
