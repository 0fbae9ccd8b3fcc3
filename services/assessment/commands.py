"""Every change of an assessment: create from the shipped scheme, edit the scheme while in draft, start scoring
(values frozen at the snapshot date), recompute (explicit, says what moved), enter manual scores and
deductions, send the scorecards to the units (appeal window clock), the units' answer (accept or appeal), the
assessors' decision on each appeal, and publication (通报). One transaction and one audit event each."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, select

from models import Attachment, Role, Unit, User, UserRole
from models.assessment import (
    AppealStatus,
    Assessment,
    AssessmentAppeal,
    AssessmentCard,
    AssessmentScore,
    CardStatus,
)
from models.clock import CaseKind, ClockOutcome, ClockStep
from services.assessment import rules, sources
from services.assessment.rules import Method, Scheme, ScoreInput
from services.core import bulk
from services.core.actor import Actor
from services.core.errors import NotFound, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.settings import DATA_DIR
from services.core.timeutil import local_date, now_utc
from services.core.uow import UnitOfWork, unit_of_work
from services.core.validators import length_errors, text_error
from services.corrections import evidence as evidence_files
from services.deadlines import clocks
from services.deadlines.reminders import notify

DEFAULT_SCHEME = DATA_DIR / "assessment" / "default_scheme.json"
EVIDENCE_MAX = 2000
TITLE_MAX = 200  # the column's length
PUBLISHED_TEXT_MAX = 5000  # good practice and problems found, each (the form states both limits in its help)
EVIDENCE_KIND = "assessment_score"  # Attachment.owner_kind of the files kept with a score row

MSG_REVIEW = N_("The provisional scorecard of {title} is ready: review it and appeal by {due} if a score is wrong.")
MSG_APPEAL = N_("{unit} appealed its scorecard of {title}: answer the appeal.")
MSG_DECIDED = N_("Your appeal on {title} was answered: {outcome}.")
MSG_PUBLISHED = N_("{title} is published: your unit scored {total}, rank {rank} of {size}.")


def default_scheme(path: Path = DEFAULT_SCHEME) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return data


def load_scheme(assessment: Assessment) -> Scheme:
    return rules.parse_scheme(json.loads(assessment.scheme))


def _open(uow: UnitOfWork, assessment_id: int, action: str, permission: str = "assessment.manage",
          expected_version: int | None = None) -> tuple[Assessment, str]:
    uow.require(permission, object_type="assessment", object_id=assessment_id)
    assessment = uow.session.get(Assessment, assessment_id, with_for_update=True)
    if assessment is None:
        raise NotFound(_("The assessment does not exist."))
    target = rules.next_state(assessment.status, action)
    uow.check_version(assessment, expected_version)
    return assessment, target


def _assessed_units(session: Session) -> dict[int, str]:
    rows = session.exec(select(Unit.id, Unit.kind, Unit.level).where(Unit.is_active)).all()  # type: ignore[arg-type]
    groups = {}
    for unit_id, kind, level in rows:
        group = rules.group_of(kind, level)
        if group is not None:
            groups[int(unit_id)] = str(group)  # type: ignore[arg-type]
    return groups


def _snapshot(year: int, snapshot_on: date | None, now: datetime | None) -> date:
    today = local_date(now)
    day = snapshot_on or min(today, date(year, 12, 31))
    if day.year != year or day > today:
        raise ValidationError({"snapshot_on": _("The snapshot date lies in the assessed year and not after today.")})
    return day


def _users_with_role(session: Session, role: str, unit_ids: list[int] | None = None) -> list[int]:
    stmt = (select(User.id).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.is_active))  # type: ignore[arg-type]
    if unit_ids is not None:
        stmt = stmt.where(User.unit_id.in_(unit_ids or [-1]))  # type: ignore[union-attr]
    return [int(u) for u in session.exec(stmt.distinct()).all()]


def create_assessment(actor: Actor, year: int, *, title: str | None = None, now: datetime | None = None) -> int:
    """A new assessment in draft with last year's scheme, or the shipped default for the first one."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("assessment.manage", object_type="assessment")
        if not 2015 <= int(year) <= local_date(now).year:
            raise ValidationError({"year": _("Choose a year up to this one.")})
        if uow.session.exec(select(Assessment.id).where(Assessment.year == int(year))).first() is not None:
            raise ValidationError({"year": _("The assessment of {year} exists already.", year=year)})
        if (problem := text_error((title or "").strip(), TITLE_MAX)) is not None:
            raise ValidationError({"title": problem})
        previous = uow.session.exec(select(Assessment).where(Assessment.year < int(year))
                                    .order_by(Assessment.year.desc())).first()  # type: ignore[attr-defined]
        scheme = json.loads(previous.scheme) if previous is not None else default_scheme()
        parsed = rules.parse_scheme(scheme, known_counters=sources.COUNTERS)
        name = (title or "").strip() or (parsed.title_en if actor.language.startswith("en") and parsed.title_en
                                           else parsed.title).replace("{year}", str(year))
        assessment = Assessment(year=int(year), title=name[:TITLE_MAX], scheme=json.dumps(scheme, ensure_ascii=False),
                                organiser_unit_id=actor.unit_id, created_by=actor.user_id, created_at=now)
        uow.session.add(assessment)
        uow.session.flush()
        uow.audit("assessment.create", object_type="assessment", object_id=assessment.id,
                  detail={"year": int(year), "scheme_from": previous.year if previous else "default"})
        uow.commit()
        return int(assessment.id)  # type: ignore[arg-type]


def update_scheme(actor: Actor, assessment_id: int, scheme: dict, *, expected_version: int | None = None,
                  now: datetime | None = None) -> None:
    """Replace the scheme of a draft assessment (validated whole: codes, methods, rules, 100 points)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        assessment, target = _open(uow, assessment_id, "edit_scheme", expected_version=expected_version)
        before = {i.code: i.points for i in load_scheme(assessment).indicators()}
        parsed = rules.parse_scheme(scheme, known_counters=sources.COUNTERS)
        assessment.scheme = json.dumps(scheme, ensure_ascii=False)
        assessment.status = target
        uow.session.add(assessment)
        changed = {i.code: [before.get(i.code), i.points] for i in parsed.indicators() if before.get(i.code) != i.points}
        uow.audit("assessment.edit_scheme", object_type="assessment", object_id=assessment_id,
                  detail={"changed_points": changed, "indicators": len(parsed.indicators())})
        uow.commit()


def start_scoring(actor: Actor, assessment_id: int, *, snapshot_on: date | None = None,
                  expected_version: int | None = None, now: datetime | None = None) -> int:
    """Freeze the scheme, create a scorecard per assessed unit and compute the automatic values and counted
    deductions once, as of the snapshot date. Returns the number of units assessed."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        assessment, target = _open(uow, assessment_id, "start", expected_version=expected_version)
        scheme = load_scheme(assessment)
        day = _snapshot(assessment.year, snapshot_on, now)
        groups = _assessed_units(uow.session)
        if not groups:
            raise ValidationError({"units": _("There is no unit to assess.")})
        values = sources.compute_values(uow.session, scheme.indicators(), assessment.year, day, groups)
        bulk.insert_rows(uow.session, AssessmentCard, (
            {"assessment_id": assessment_id, "unit_id": u, "unit_group": g, "status": str(CardStatus.PROVISIONAL)}
            for u, g in groups.items()))
        bulk.insert_rows(uow.session, AssessmentScore, (
            {"assessment_id": assessment_id, "unit_id": u, "indicator": ind.code,
             "value": values.get((u, ind.code), (None, True))[0], "measured": values.get((u, ind.code), (None, True))[1],
             "manual_occurrences": 0, "updated_at": now}
            for u in groups for ind in scheme.indicators()))
        assessment.status = target
        assessment.snapshot_on = day
        uow.session.add(assessment)
        not_measured = sorted({code for (_u, code), (_v, ok) in values.items() if not ok})
        uow.audit("assessment.start", object_type="assessment", object_id=assessment_id,
                  detail={"snapshot_on": day.isoformat(), "units": len(groups), "indicators": len(scheme.indicators()),
                          "not_measured": not_measured})
        uow.commit()
        return len(groups)


def recompute(actor: Actor, assessment_id: int, *, snapshot_on: date | None = None,
              expected_version: int | None = None, now: datetime | None = None) -> list[dict]:
    """Recompute the automatic values and counted deductions at a (new) snapshot date before publication: an
    explicit action whose audit event lists what moved. Returns the changes (unit, indicator, before, after)."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        assessment, target = _open(uow, assessment_id, "recompute", expected_version=expected_version)
        scheme = load_scheme(assessment)
        day = _snapshot(assessment.year, snapshot_on or assessment.snapshot_on, now)
        rows = uow.session.exec(select(AssessmentScore).where(AssessmentScore.assessment_id == assessment_id)).all()
        values = sources.compute_values(uow.session, scheme.indicators(), assessment.year, day,
                                        sorted({r.unit_id for r in rows}))
        changes = []
        updates = []
        for row in rows:
            new = values.get((row.unit_id, row.indicator))
            if new is None:
                continue
            if new[0] != row.value or new[1] != row.measured:
                changes.append({"unit_id": row.unit_id, "indicator": row.indicator, "before": row.value,
                                "after": new[0]})
                updates.append({"id": row.id, "value": new[0], "measured": new[1], "updated_at": now})
        if updates:
            uow.session.execute(update(AssessmentScore), updates)
        assessment.snapshot_on = day
        assessment.status = target
        uow.session.add(assessment)
        uow.audit("assessment.recompute", object_type="assessment", object_id=assessment_id,
                  detail={"snapshot_on": day.isoformat(), "moved": len(changes), "changes": changes[:100]})
        uow.commit()
        return changes


def enter_score(actor: Actor, assessment_id: int, unit_id: int, indicator: str, *, points: float | None = None,
                occurrences: int | None = None, evidence: str = "",
                uploads: list[evidence_files.Upload] | None = None, now: datetime | None = None) -> None:
    """A manual score (0 … the indicator's points, or a not-measured automatic one) or the occurrences of a
    deduction the platform does not count, always with its evidence: notes, attached files (PDF or image, kept
    encrypted with the score row like a correction's evidence), or both. Files are added to those already
    attached; a file written before a failure is deleted again."""
    written: list[Path] = []
    try:
        _enter_score(actor, assessment_id, unit_id, indicator, points=points, occurrences=occurrences,
                     evidence=evidence, uploads=list(uploads or []), written=written, now=now)
    except BaseException:
        evidence_files.discard(written)
        raise


def _enter_score(actor: Actor, assessment_id: int, unit_id: int, indicator: str, *, points: float | None,
                 occurrences: int | None, evidence: str, uploads: list[evidence_files.Upload], written: list[Path],
                 now: datetime | None) -> None:
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        assessment, _target = _open(uow, assessment_id, "score", permission="assessment.score")
        ind = load_scheme(assessment).indicator(indicator)
        if ind is None:
            raise ValidationError({"indicator": _("The scheme has no indicator {code}.", code=indicator)})
        row = uow.session.exec(select(AssessmentScore).where(
            AssessmentScore.assessment_id == assessment_id, AssessmentScore.unit_id == unit_id,
            AssessmentScore.indicator == indicator).with_for_update()).first()
        if row is None:
            raise NotFound(_("This unit is not assessed."))
        evidence = (evidence or "").strip()
        checked = evidence_files.check(uploads)
        kept = uow.session.exec(select(Attachment.id).where(Attachment.owner_kind == EVIDENCE_KIND,
                                                            Attachment.owner_id == row.id)).all()
        if len(kept) + len(checked) > evidence_files.MAX_FILES:
            raise ValidationError({"evidence": _("Attach at most {n} files.", n=evidence_files.MAX_FILES)})
        has_evidence = bool(evidence or kept or checked)
        errors: dict[str, str] = {}
        if len(evidence) > EVIDENCE_MAX:
            errors["evidence"] = _("Keep the evidence under {n} characters.", n=EVIDENCE_MAX)
        detail: dict = {"unit_id": unit_id, "indicator": indicator}
        if ind.method is Method.DEDUCTION:
            if occurrences is None or int(occurrences) < 0:
                errors["occurrences"] = _("Enter the number of occurrences (0 or more).")
            elif int(occurrences) > 0 and not has_evidence:
                errors["evidence"] = _("A deduction needs its evidence.")
            if errors:
                raise ValidationError(errors)
            detail.update(before=row.manual_occurrences, occurrences=int(occurrences))  # type: ignore[arg-type]
            row.manual_occurrences = int(occurrences)  # type: ignore[arg-type]
        else:
            if ind.method is Method.AUTOMATIC and row.measured:
                raise ValidationError({"indicator": _("This indicator is computed from the platform.")})
            if points is None or not 0 <= float(points) <= ind.points:
                errors["points"] = _("Enter between 0 and {max} points.", max=ind.points)
            if not has_evidence:
                errors["evidence"] = _("A manual score needs its evidence.")
            if errors:
                raise ValidationError(errors)
            detail.update(before=row.manual_points, points=float(points))  # type: ignore[arg-type]
            row.manual_points = float(points)  # type: ignore[arg-type]
        row.evidence = evidence or None
        row.entered_by = actor.user_id
        row.updated_at = now
        uow.session.add(row)
        evidence_files.store(uow.session, checked, owner_id=row.id, uploaded_by=actor.user_id,  # type: ignore[arg-type]
                             written=written, owner_kind=EVIDENCE_KIND)
        if checked:
            detail["files"] = [{"name": u.filename[-200:], "size": len(u.content)} for u, _t, _e in checked]
        uow.audit("assessment.score", object_type="assessment", object_id=assessment_id, detail=detail)
        uow.commit()


def score_inputs(session: Session, assessment_id: int) -> dict[tuple[int, str], ScoreInput]:
    rows = session.exec(select(AssessmentScore.unit_id, AssessmentScore.indicator, AssessmentScore.value,
                               AssessmentScore.measured, AssessmentScore.manual_points,
                               AssessmentScore.manual_occurrences, AssessmentScore.override_points)
                        .where(AssessmentScore.assessment_id == assessment_id)).all()
    return {(u, c): ScoreInput(v, bool(m), mp, int(mo or 0), op) for u, c, v, m, mp, mo, op in rows}


def card_groups(session: Session, assessment_id: int) -> dict[int, str]:
    return {int(u): g for u, g in session.exec(select(AssessmentCard.unit_id, AssessmentCard.unit_group)
                                               .where(AssessmentCard.assessment_id == assessment_id)).all()}


def compute(session: Session, assessment: Assessment) -> tuple[Scheme, dict[int, rules.CardResult]]:
    scheme = load_scheme(assessment)
    cards = rules.compute_cards(scheme, card_groups(session, assessment.id), score_inputs(session, assessment.id),  # type: ignore[arg-type]
                                higher=sources.kpi_directions())
    return scheme, cards


def open_review(actor: Actor, assessment_id: int, *, expected_version: int | None = None,
                now: datetime | None = None) -> date | None:
    """Send the provisional scorecards to the units: one appeal-window clock per unit (working days of the
    profile's step `assessment_review`), a notice to each unit's data administrators. Refused while a manual
    score is missing. Returns the last day to appeal."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        assessment, target = _open(uow, assessment_id, "open_review", expected_version=expected_version)
        _scheme, cards = compute(uow.session, assessment)
        missing = sum(len(c.missing) for c in cards.values())
        if missing:
            raise ValidationError({"scores": _("{n} manual scores are not entered yet.", n=missing)})
        due = None
        card_rows = uow.session.exec(select(AssessmentCard).where(AssessmentCard.assessment_id == assessment_id)).all()
        for card in card_rows:
            clock = clocks.start(uow.session, case_kind=CaseKind.ASSESSMENT_CARD, case_id=card.id,  # type: ignore[arg-type]
                                 step=ClockStep.ASSESSMENT_REVIEW, unit_id=card.unit_id, region_id=None, now=now)
            due = clock.due_on
        assessment.status = target
        assessment.review_opened_on = local_date(now)
        assessment.appeal_due_on = due
        uow.session.add(assessment)
        notify(uow.session, user_ids=_users_with_role(uow.session, Role.UNIT_STEWARD, [c.unit_id for c in card_rows]),
               kind="info", message=MSG_REVIEW, params={"title": assessment.title, "due": due.isoformat() if due else "—"},
               case_kind=CaseKind.ASSESSMENT_CARD, now=now)
        uow.audit("assessment.open_review", object_type="assessment", object_id=assessment_id,
                  detail={"units": len(card_rows), "appeal_due_on": due.isoformat() if due else None})
        uow.commit()
        return due


def _window_open(assessment: Assessment, now: datetime) -> bool:
    return assessment.appeal_due_on is None or local_date(now) <= assessment.appeal_due_on


def respond(actor: Actor, card_id: int, *, accept: bool, indicator: str | None = None, reason: str = "",
            expected_version: int | None = None, now: datetime | None = None) -> int | None:
    """The unit's answer to its provisional scorecard within the window: accept it, or appeal (one indicator or
    the whole card) with reasons. Returns the appeal's id."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("assessment.appeal", object_type="assessment_card", object_id=card_id)  # the role, first
        card = uow.session.get(AssessmentCard, card_id, with_for_update=True)
        if card is None:
            raise NotFound(_("The scorecard does not exist."))
        uow.require("assessment.appeal", unit_id=card.unit_id, object_type="assessment_card", object_id=card_id)
        assessment = uow.session.get(Assessment, card.assessment_id, with_for_update=True)
        assert assessment is not None
        rules.next_state(assessment.status, "respond")
        if not _window_open(assessment, now):
            raise ValidationError({"reason": _("The appeal window closed on {due}.", due=assessment.appeal_due_on)})
        if card.status != CardStatus.PROVISIONAL:
            raise ValidationError({"reason": _("Your unit has already answered this scorecard.")})
        uow.check_version(card, expected_version)
        clocks.close(uow.session, case_kind=CaseKind.ASSESSMENT_CARD, case_id=card_id, now=now)
        card.responded_at = now
        appeal_id = None
        if accept:
            card.status = CardStatus.ACCEPTED
            uow.session.add(card)
            uow.audit("assessment.accept", object_type="assessment_card", object_id=card_id,
                      detail={"assessment_id": assessment.id})
            uow.commit()
            return None
        reason = (reason or "").strip()
        scheme, cards = compute(uow.session, assessment)
        if indicator and scheme.indicator(indicator) is None:
            raise ValidationError({"indicator": _("The scheme has no indicator {code}.", code=indicator)})
        if not reason or len(reason) > EVIDENCE_MAX:
            raise ValidationError({"reason": _("Give the reasons of the appeal (up to {n} characters).", n=EVIDENCE_MAX)})
        result = cards.get(card.unit_id)
        before = (result.indicators[indicator].points if indicator else result.total) if result else None
        appeal = AssessmentAppeal(assessment_id=assessment.id, card_id=card_id, unit_id=card.unit_id,  # type: ignore[arg-type]
                                  indicator=indicator or None, reason=reason, points_before=before,
                                  filed_by=actor.user_id, filed_at=now)
        uow.session.add(appeal)
        uow.session.flush()
        appeal_id = appeal.id
        card.status = CardStatus.APPEALED
        uow.session.add(card)
        clocks.start(uow.session, case_kind=CaseKind.ASSESSMENT_APPEAL, case_id=appeal_id,  # type: ignore[arg-type]
                     step=ClockStep.ASSESSMENT_APPEAL, unit_id=assessment.organiser_unit_id, region_id=None, now=now)
        unit = uow.session.get(Unit, card.unit_id)
        notify(uow.session, user_ids=_users_with_role(uow.session, Role.ASSESSOR), kind="info", message=MSG_APPEAL,
               params={"unit": unit.short_name or unit.name if unit else card.unit_id, "title": assessment.title},
               case_kind=CaseKind.ASSESSMENT_APPEAL, case_id=appeal_id, now=now)
        uow.audit("assessment.appeal", object_type="assessment_appeal", object_id=appeal_id,
                  detail={"assessment_id": assessment.id, "unit_id": card.unit_id, "indicator": indicator})
        uow.commit()
        return appeal_id


def decide_appeal(actor: Actor, appeal_id: int, *, adjust: bool, reason: str, points: float | None = None,
                  expected_version: int | None = None, now: datetime | None = None) -> None:
    """Uphold the score, or adjust the appealed indicator's points (earned points; for a deduction the points
    taken off), always with reasons told to the unit."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        uow.require("assessment.decide_appeal", object_type="assessment_appeal", object_id=appeal_id)
        appeal = uow.session.get(AssessmentAppeal, appeal_id, with_for_update=True)
        if appeal is None:
            raise NotFound(_("The appeal does not exist."))
        assessment = uow.session.get(Assessment, appeal.assessment_id, with_for_update=True)
        assert assessment is not None
        rules.next_state(assessment.status, "decide_appeal")
        if appeal.status != AppealStatus.OPEN:
            raise ValidationError({"reason": _("This appeal is already answered.")})
        uow.check_version(appeal, expected_version)
        reason = (reason or "").strip()
        if not reason or len(reason) > EVIDENCE_MAX:
            raise ValidationError({"reason": _("Give the reasons of the decision (up to {n} characters).",
                                               n=EVIDENCE_MAX)})
        scheme = load_scheme(assessment)
        if adjust:
            ind = scheme.indicator(appeal.indicator or "")
            if ind is None:
                raise ValidationError({"points": _("Only an appeal on one indicator can be adjusted.")})
            top = ind.cap if ind.method is Method.DEDUCTION else ind.points
            if points is None or not 0 <= float(points) <= top:
                raise ValidationError({"points": _("Enter between 0 and {max} points.", max=top)})
            row = uow.session.exec(select(AssessmentScore).where(
                AssessmentScore.assessment_id == assessment.id, AssessmentScore.unit_id == appeal.unit_id,
                AssessmentScore.indicator == ind.code).with_for_update()).one()
            row.override_points = float(points)
            row.override_reason = reason
            row.entered_by = actor.user_id
            row.updated_at = now
            uow.session.add(row)
            appeal.points_after = float(points)
        else:
            appeal.points_after = appeal.points_before
        appeal.status = AppealStatus.ADJUSTED if adjust else AppealStatus.UPHELD
        appeal.answer = reason
        appeal.decided_by = actor.user_id
        appeal.decided_at = now
        uow.session.add(appeal)
        clocks.close(uow.session, case_kind=CaseKind.ASSESSMENT_APPEAL, case_id=appeal_id, now=now)
        notify(uow.session, user_ids=_users_with_role(uow.session, Role.UNIT_STEWARD, [appeal.unit_id]), kind="decision",
               message=MSG_DECIDED, params={"title": assessment.title, "outcome": rules.APPEAL_LABELS[str(appeal.status)]},
               case_kind=CaseKind.ASSESSMENT_APPEAL, case_id=appeal_id, now=now)
        uow.audit("assessment.decide_appeal", object_type="assessment_appeal", object_id=appeal_id,
                  detail={"assessment_id": assessment.id, "unit_id": appeal.unit_id, "indicator": appeal.indicator,
                          "outcome": str(appeal.status), "before": appeal.points_before, "after": appeal.points_after})
        uow.commit()


def publish(actor: Actor, assessment_id: int, *, good_practice: str = "", problems: str = "",
            expected_version: int | None = None, now: datetime | None = None) -> int:
    """Publish the results (通报): every appeal answered and the window over (or every unit answered); totals,
    ranks and grades written on the scorecards and frozen. Returns the number of units ranked."""
    now = now_utc(now)
    with unit_of_work(actor, now) as uow:
        assessment, target = _open(uow, assessment_id, "publish", expected_version=expected_version)
        errors: dict[str, str] = {}
        length_errors(errors, {"good_practice": PUBLISHED_TEXT_MAX, "problems": PUBLISHED_TEXT_MAX},
                      {"good_practice": good_practice, "problems": problems})
        if errors:
            raise ValidationError(errors)
        open_appeals = uow.session.exec(select(AssessmentAppeal.id).where(
            AssessmentAppeal.assessment_id == assessment_id, AssessmentAppeal.status == str(AppealStatus.OPEN))).all()
        if open_appeals:
            raise ValidationError({"appeals": _("{n} appeals are not answered yet.", n=len(open_appeals))})
        card_rows = uow.session.exec(select(AssessmentCard).where(AssessmentCard.assessment_id == assessment_id)).all()
        waiting = [c for c in card_rows if c.status == CardStatus.PROVISIONAL]
        if waiting and _window_open(assessment, now):
            raise ValidationError({"appeals": _("The appeal window is open until {due} and {n} units have not "
                                                "answered.", due=assessment.appeal_due_on, n=len(waiting))})
        _scheme, cards = compute(uow.session, assessment)
        for card in card_rows:
            result = cards[card.unit_id]
            card.total, card.rank, card.group_size = result.total, result.rank, result.group_size
            card.grade = str(result.grade) if result.grade else None
            card.dimensions = json.dumps(result.dimensions | {"_deducted": result.deducted})
            card.status = CardStatus.FINAL
            uow.session.add(card)
        clocks_closed = 0
        for card in waiting:
            clocks_closed += len(clocks.close(uow.session, case_kind=CaseKind.ASSESSMENT_CARD, case_id=card.id,  # type: ignore[arg-type]
                                              outcome=ClockOutcome.CANCELLED, now=now))
        assessment.status = target
        assessment.published_at = now
        assessment.good_practice = (good_practice or "").strip() or None
        assessment.problems = (problems or "").strip() or None
        uow.session.add(assessment)
        stewards = session_stewards(uow.session, [c.unit_id for c in card_rows])
        for unit_id, users in stewards.items():
            result = cards[unit_id]
            notify(uow.session, user_ids=users, kind="info", message=MSG_PUBLISHED,
                   params={"title": assessment.title, "total": result.total, "rank": result.rank,
                           "size": result.group_size}, case_kind=CaseKind.ASSESSMENT_CARD, now=now)
        totals = [c.total for c in cards.values()]
        uow.audit("assessment.publish", object_type="assessment", object_id=assessment_id,
                  detail={"units": len(cards), "mean": round(sum(totals) / len(totals), 2) if totals else None,
                          "windows_closed": clocks_closed})
        uow.commit()
        return len(cards)


def session_stewards(session: Session, unit_ids: list[int]) -> dict[int, list[int]]:
    rows = session.exec(select(User.unit_id, User.id).join(UserRole, UserRole.user_id == User.id)
                        .where(UserRole.role == Role.UNIT_STEWARD, User.is_active,  # type: ignore[arg-type]
                               User.unit_id.in_(unit_ids or [-1]))).all()  # type: ignore[union-attr]
    by_unit: dict[int, list[int]] = {}
    for unit_id, user_id in rows:
        by_unit.setdefault(int(unit_id), []).append(int(user_id))
    return by_unit


__all__ = ["create_assessment", "decide_appeal", "default_scheme", "enter_score", "open_review",
           "publish", "recompute", "respond", "start_scoring", "update_scheme"]
