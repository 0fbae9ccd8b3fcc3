"""Seed step: a year of public open-data requests and this year's open plans, ending at ctx.now.

The story: the public asks for data all year (fewer requests over 春节 and 国庆); a little under half are demands
for data not yet open, which reach the bureau and are mostly handed to a department; the rest apply for a
conditionally open entry and go to its unit. Most are answered inside the profile's deadline, a few units are
slow, some requests wait for the applicant, and the newest are still open. Personal data is encrypted like the
service does it (a pool of applicants encrypted once, so the province preset stays fast)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from models import CatalogEntry, OpenPlan, OpenPlanItem, OpenRequest, Region, SlaClock, Unit
from models.catalog import OpenAttribute
from models.clock import CaseKind, ClockStep
from models.opendata import ApplicantKind, OpenRequestKind, OpenRequestStatus, PlanStatus
from models.org import UnitKind
from services.core import bulk
from services.core.timeutil import local_date, tz
from services.core.validators import RESIDENT_ID_CHECK, RESIDENT_ID_WEIGHTS, make_uscc
from services.deadlines import calendar, policy
from services.opendata import crypto
from services.opendata.commands import CODE_ALPHABET
from services.seed import SeedContext, register

S = OpenRequestStatus
HISTORY_DAYS = 365
DEMAND_SHARE = 0.45
LATE_UNIT_SHARE = 0.15
STALLED_DAYS = 90  # slow units leave some of their recent requests unanswered
FALLBACK_WORKDAYS = 15  # answer pace where the profile sets no number
DEMANDS = [("公交线路及站点数据", "用于开发出行服务小程序"), ("全市停车场位置和泊位数", "用于智慧停车研究"),
           ("空气质量小时监测数据", "用于环境科研"), ("医疗机构名录及执业科目", "用于就医导航服务"),
           ("中小学学区划分范围", "用于家长查询服务"), ("企业行政许可信息", "用于企业信用评估"),
           ("历年气象观测数据", "用于农业保险精算"), ("旅游景区客流统计", "用于旅游规划研究")]
PURPOSES = ["用于高校科研项目", "用于开发便民服务应用", "用于企业信用评估产品", "用于行业研究报告", "用于教学案例"]
REFUSALS = ["该数据涉及个人信息，无法有效脱敏，暂不予开放", "该数据正在进行安全评估，评估完成后再行开放",
            "申请用途与有条件开放的使用条件不符"]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "示范大学", "示范科技有限公司", "示范市规划研究院", "示范数据服务有限公司"]


def _resident_id(rng) -> str:
    first17 = f"350802{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + RESIDENT_ID_CHECK[sum(int(d) * w for d, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)) % 11]


def _applicants(rng, n: int = 60) -> list[tuple[str, bool, str, str, str]]:
    """(kind, domestic, name token, id token, contact token), encrypted once."""
    kinds = list(ApplicantKind)
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        person = kind == ApplicantKind.NATURAL_PERSON
        ident = _resident_id(rng) if person else make_uscc("9" if kind == ApplicantKind.ENTERPRISE else "1", "1",
                                                           "350800", f"MA{rng.randint(0, 999999):06d}")
        out.append((str(kind), kind == ApplicantKind.ENTERPRISE, crypto.encrypt(rng.choice(NAMES)),
                    crypto.encrypt(ident), crypto.encrypt(f"13{rng.randint(100000000, 999999999)}")))
    return out


def _at(day: date, rng) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 20), rng.randint(0, 59)), tzinfo=tz())


@register("opendata")
def seed_open_requests(ctx: SeedContext) -> None:
    rng, cal, profile = ctx.rng, calendar.current(), policy.active_profile()
    end = local_date(ctx.now)
    with bulk.bulk_session() as session:
        units = session.execute(select(Unit.id, Unit.kind, Unit.region_id, Region.parent_id)
                                .join(Region, Region.id == Unit.region_id).where(Unit.is_active).order_by(Unit.id)).all()
        bureaus = [(u, r) for u, k, r, parent in units if k == UnitKind.BUREAU and parent is None]
        if not bureaus:
            return
        bureau, bureau_region = bureaus[0]
        region_of = {u: r for u, _k, r, _p in units}
        departments = [u for u, k, _r, _p in units if k in (UnitKind.DEPARTMENT, UnitKind.PUBLIC_SERVICE)]
        entries = session.execute(select(CatalogEntry.id, CatalogEntry.provider_unit_id, CatalogEntry.open_attribute)
                                  .where(CatalogEntry.is_published.is_(True))  # type: ignore[attr-defined]
                                  .order_by(CatalogEntry.id)).all()
        conditional = [(e, p) for e, p, a in entries if a == OpenAttribute.CONDITIONAL]
        slow = set(rng.sample(departments, max(1, int(len(departments) * LATE_UNIT_SHARE)))) if departments else set()
        applicants = _applicants(rng)
        n = ctx.scale.open_requests
        ids = bulk.reserve_ids(session, OpenRequest, n)
        requests, clocks = [], []
        codes: set[str] = set()
        two_step = profile.open_grant_by_bureau  # Longyan §18: the bureau grants what the unit agreed to
        for request_id in ids:
            demand = not conditional or rng.random() < DEMAND_SHARE
            submitted = end - timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
            while not cal.is_workday(submitted) and rng.random() < 0.8:
                submitted -= timedelta(days=1)
            step = ClockStep.OPEN_DEMAND_ANSWER if demand else ClockStep.OPEN_APPLICATION_ANSWER
            workdays = profile.step_days(step)
            due = cal.deadline(submitted, workdays) if workdays else None
            if demand:
                entry_id, unit = None, bureau
                assigned = departments and rng.random() < 0.7
                if assigned:
                    unit = rng.choice(departments)
                title, description = rng.choice(DEMANDS)
            else:
                entry_id, unit = rng.choice(conditional)
                assigned, title, description = False, None, None
            pace = workdays or FALLBACK_WORKDAYS
            late = unit in slow and rng.random() < 0.6
            spent = rng.randint(pace + 1, pace + 12) if late else rng.randint(1, pace)
            answer_day = cal.deadline(submitted, spent)
            stalled = late and (end - submitted).days < STALLED_DAYS and rng.random() < 0.5
            status, answered_on, paused = S.SUBMITTED, None, False
            if stalled:
                pass  # a slow unit has not answered yet, past the deadline
            elif (end - submitted).days < STALLED_DAYS and rng.random() < 0.06:
                status, paused = S.NEEDS_INFO, True
            elif answer_day <= end:
                status = S.AGREED if rng.random() < 0.62 else S.REFUSED
                answered_on = answer_day
            granted_on = None  # two-step: the day the bureau granted (or refused) what the unit agreed to
            if two_step and not demand and status == S.AGREED:
                granted_on = cal.deadline(answer_day, rng.randint(1, 6))
                if granted_on > end or ((end - answer_day).days < 30 and rng.random() < 0.5):
                    status, granted_on = S.UNIT_AGREED, None  # waiting for the bureau's grant
                elif rng.random() < 0.1:
                    status = S.REFUSED
            kind, domestic, name, ident, contact = rng.choice(applicants)
            if not demand and kind == ApplicantKind.NATURAL_PERSON and "natural_person" not in \
                    profile.open_applicant_kinds:
                kind, domestic = ApplicantKind.ENTERPRISE, True
            code = ""
            while not code or code in codes:
                code = f"KF{submitted:%Y%m%d}-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
            codes.add(code)
            submitted_at = _at(submitted, rng)
            unit_agreed_at = None
            if two_step and not demand and (granted_on or status == S.UNIT_AGREED):
                unit_agreed_at = _at(answer_day, rng)
                answered_on = granted_on
            answered_at = _at(answered_on, rng) if answered_on else None
            reply = None
            if status == S.AGREED:
                reply = "同意开放，已列入本年度开放计划" if demand else "同意申请，已签订公共数据利用协议"
            elif status == S.REFUSED:
                reply = rng.choice(REFUSALS) if unit_agreed_at is None else "申请主体不符合授权开放条件，不予授权"
            requests.append({
                "id": request_id, "code": code, "kind": str(OpenRequestKind.DEMAND if demand else
                                                          OpenRequestKind.APPLICATION),
                "status": str(status), "applicant_kind": kind, "domestic_controlled": domestic,
                "applicant_name_enc": name, "applicant_id_enc": ident, "contact_enc": contact,
                "purpose": rng.choice(PURPOSES), "entry_id": entry_id, "title": title, "description": description,
                "unit_id": unit, "region_id": region_of.get(unit, bureau_region),
                "assigned_at": _at(submitted, rng) if assigned else None,
                "info_request": "请补充数据的具体用途和使用范围" if status == S.NEEDS_INFO else None,
                "reply": reply, "agreement_signed_on": answered_on if status == S.AGREED and not demand else None,
                "agreement_ends_on": answered_on + timedelta(days=365) if status == S.AGREED and not demand else None,
                "unit_agreed_at": unit_agreed_at, "unit_agreed_by": None, "unit_note": "同意，请数据局授权"
                if unit_agreed_at else None,
                "submitted_at": submitted_at, "answered_at": answered_at, "created_at": submitted_at, "version": 1})
            unit_done_at, unit_done_on = (unit_agreed_at, answer_day) if unit_agreed_at else (answered_at, answered_on)
            clocks.append({
                "case_kind": str(CaseKind.OPEN_REQUEST), "case_id": request_id, "step": str(step),
                "responsible_unit_id": unit, "responsible_region_id": region_of.get(unit, bureau_region),
                "started_on": submitted, "workdays": workdays, "due_on": due,
                "paused_at": _at(min(end, cal.deadline(submitted, 2)), rng) if paused else None,
                "closed_at": unit_done_at, "closed_on": unit_done_on, "outcome": "done" if unit_done_on else None,
                "created_at": submitted_at})
            if unit_agreed_at:  # the bureau's grant clock, from the unit's agreement
                grant_days = profile.step_days(ClockStep.OPEN_GRANT)
                clocks.append({
                    "case_kind": str(CaseKind.OPEN_REQUEST), "case_id": request_id, "step": str(ClockStep.OPEN_GRANT),
                    "responsible_unit_id": bureau, "responsible_region_id": bureau_region, "started_on": answer_day,
                    "workdays": grant_days, "due_on": cal.deadline(answer_day, grant_days) if grant_days else None,
                    "closed_at": answered_at, "closed_on": answered_on, "outcome": "done" if answered_on else None,
                    "created_at": unit_agreed_at})
        bulk.insert_rows(session, OpenRequest, requests)
        bulk.insert_rows(session, SlaClock, clocks)
        ctx.counts["open_requests"] = len(requests)
        _plans(ctx, session, entries, end)
        session.commit()


def _plans(ctx: SeedContext, session, entries, end: date) -> None:
    """This year's plans: about half the units with entries plan to open two to five of them."""
    rng = ctx.rng
    by_unit: dict[int, list[int]] = {}
    for entry_id, unit, _attr in entries:
        by_unit.setdefault(unit, []).append(entry_id)
    region_of = dict(session.execute(select(Unit.id, Unit.region_id)).all())
    statuses = [PlanStatus.ACCEPTED] * 6 + [PlanStatus.FILED] * 2 + [PlanStatus.DRAFT, PlanStatus.RETURNED]
    plans, items = [], []
    units = sorted(u for u, ids in by_unit.items() if len(ids) >= 2)
    chosen = rng.sample(units, len(units) // 2) if units else []
    ids = bulk.reserve_ids(session, OpenPlan, len(chosen))
    for plan_id, unit in zip(ids, chosen, strict=True):
        status = rng.choice(statuses)
        plans.append({"id": plan_id, "unit_id": unit, "region_id": region_of.get(unit), "year": end.year,
                      "status": str(status), "version": 1,
                      "return_reason": "请明确各目录的开放时间" if status == PlanStatus.RETURNED else None,
                      "filed_at": _at(date(end.year, 1, 20), rng) if status != PlanStatus.DRAFT else None})
        for entry_id in rng.sample(by_unit[unit], min(len(by_unit[unit]), rng.randint(2, 5))):
            items.append({"plan_id": plan_id, "entry_id": entry_id,
                          "target_date": date(end.year, rng.randint(3, 12), 28)})
    bulk.insert_rows(session, OpenPlan, plans)
    bulk.insert_rows(session, OpenPlanItem, items)
    ctx.counts["open_plans"] = len(plans)
