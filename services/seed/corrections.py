"""Seed step: corrections of published data by consumer units and by the public over two years, ending at ctx.now.

The story: units that use an entry's data (holders of a grant where there is one) report wrong values; members of
the public report their own records through the public page, on weekends too. The source unit verifies within the
active profile's days (a fallback pace where the profile sets no number: Longyan's "at once"); most answers are in
time, some late, recent ones still open. Where the profile allows an extension (Yunyang §23) some units extend once,
within the cap, with the head's name and date. Answers: corrected (with what changed), confirmed correct, rejected.

Deadlines come from the active profile and the working-day calendar as in the sharing seed; the public reporter's
name, contact and resident ID are encrypted with the helper the public filing uses, and the tracking code is kept
as its hash only, so the table holds no personal data in plain text."""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from sqlalchemy import bindparam, select, update

from models import CatalogEntry, DataItem, SlaClock
from models.clock import CaseKind, ClockOutcome, ClockStep
from models.correction import Correction, CorrectionOrigin, CorrectionStatus
from models.sharing import ShareGrant
from services.core import bulk, personal_data
from services.core.timeutil import local_date, tz
from services.core.validators import RESIDENT_ID_CHECK, RESIDENT_ID_WEIGHTS
from services.corrections.commands import CODE_ALPHABET, correction_code, tracking_hash
from services.deadlines import calendar, policy
from services.seed import SeedContext, register

HISTORY_DAYS = 730
PUBLIC_SHARE = 0.4
LATE_SHARE = 0.12
EXTENDED_SHARE = 0.15  # of the corrections, where the profile allows an extension
STALLED_DAYS, STALLED_SHARE = 45, 0.5  # recent corrections left unanswered so far
FALLBACK_WORKDAYS = 2  # pace where the profile sets no number ("at once")
OUTCOMES = ((CorrectionStatus.CORRECTED, 0.45), (CorrectionStatus.CONFIRMED, 0.35), (CorrectionStatus.REJECTED, 0.2))
PROBLEMS = ("登记的{item}与实际情况不一致", "{item}为空，应有数据", "{item}仍为变更前的旧值", "{item}格式错误，无法比对",
            "同一对象出现两条记录，{item}互相矛盾")
PUBLIC_PROBLEMS = ("本人{item}登记有误，已于去年办理变更，请予更正", "查询到的本人{item}与证件不符",
                   "本人信息中{item}缺失，影响业务办理")
REPLIES = {
    CorrectionStatus.CORRECTED: ("经核实，数据确有错误，已更正并同步至共享平台", "已按源系统记录更正"),
    CorrectionStatus.CONFIRMED: ("经核实，该数据与源系统登记一致，无需更正", "经比对原始档案，数据准确"),
    CorrectionStatus.REJECTED: ("所指数据不属于本单位产生，请向相关单位反映", "未提供有效证明材料，且未查到相关记录"),
}
EXTENSION_REASONS = ("需调阅历史纸质档案核实", "需会同县级单位联合核查", "涉及系统数据迁移，需技术人员核对")
HEADS = ("张建华", "李明", "王芳", "陈国强", "刘洋", "赵丽", "黄伟")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建国", "海燕")


def _weighted(rng, weighted) -> str:
    r = rng.random()
    for value, weight in weighted:
        if r < weight:
            return value
        r -= weight
    return weighted[-1][0]


def _resident_id(rng, region_code: str) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    body = f"{region_code}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    total = sum(int(c) * w for c, w in zip(body, RESIDENT_ID_WEIGHTS, strict=True))
    return body + RESIDENT_ID_CHECK[total % 11]


def _tracking_code(rng) -> str:
    raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


@register("corrections")
def seed_corrections(ctx: SeedContext) -> None:
    rng = ctx.rng
    cal = calendar.current()
    profile = policy.active_profile()
    verify_days = profile.step_days(ClockStep.CORRECTION_VERIFY)
    cap = profile.extension_cap(ClockStep.CORRECTION_VERIFY)
    zone = tz()
    today = local_date(ctx.now)
    users = ctx.ids.get("users", {})
    unit_ids = ctx.ids.get("units", {})
    steward = {uid: users[f"steward_{slug}"] for slug, uid in unit_ids.items() if f"steward_{slug}" in users}
    region_of: dict[int, int] = ctx.ids.get("unit_region", {})
    region_code = "990100"
    wanted = ctx.scale.corrections

    with bulk.bulk_session() as session:
        entries = session.execute(select(CatalogEntry.id, CatalogEntry.provider_unit_id)
                                  .where(CatalogEntry.is_published).order_by(CatalogEntry.id)).all()
        if not entries or wanted <= 0:
            ctx.counts["corrections"] = 0
            return
        chosen = [rng.choice(entries) for _ in range(wanted)]
        wanted_ids = sorted({e for e, _u in chosen})
        items: dict[int, list[str]] = defaultdict(list)
        consumers: dict[int, list[int]] = defaultdict(list)
        for start in range(0, len(wanted_ids), 20_000):
            part = wanted_ids[start:start + 20_000]
            for entry_id, name in session.execute(select(DataItem.entry_id, DataItem.name)
                                                  .where(DataItem.entry_id.in_(part))
                                                  .order_by(DataItem.entry_id, DataItem.position)):
                items[entry_id].append(name)
            for entry_id, unit in session.execute(select(ShareGrant.entry_id, ShareGrant.consumer_unit_id)
                                                  .where(ShareGrant.entry_id.in_(part))
                                                  .order_by(ShareGrant.entry_id, ShareGrant.id)):
                consumers[entry_id].append(unit)
        reporters = sorted(steward)

        # Filing days: working days carry the load, the public also files on days off; use grows over time.
        days = [today - timedelta(days=HISTORY_DAYS - i) for i in range(HISTORY_DAYS)]
        cum = {origin: list(accumulate((1.0 if cal.is_workday(d) else off) * (0.5 + i / HISTORY_DAYS)
                                       for i, d in enumerate(days)))
               for origin, off in ((CorrectionOrigin.UNIT, 0.03), (CorrectionOrigin.PUBLIC, 0.5))}

        def moment(day: date) -> datetime:
            hour = rng.uniform(8.5, 17.5)
            return (datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=int(hour * 3600))).astimezone(UTC)

        ids = iter(bulk.reserve_ids(session, Correction, wanted))
        clock_ids = iter(bulk.reserve_ids(session, SlaClock, wanted))
        rows, clocks = [], []
        open_per_entry: dict[int, int] = defaultdict(int)
        for entry_id, provider in chosen:
            origin = CorrectionOrigin.PUBLIC if rng.random() < PUBLIC_SHARE else CorrectionOrigin.UNIT
            reporter = None
            if origin == CorrectionOrigin.UNIT:
                pool = [u for u in consumers.get(entry_id, ()) if u != provider and u in steward] or \
                    [u for u in reporters if u != provider]
                if not pool:
                    origin = CorrectionOrigin.PUBLIC
                else:
                    reporter = rng.choice(pool)
            weights = cum[origin]
            filed = days[bisect.bisect(weights, rng.random() * weights[-1])]
            cid = next(ids)
            names = items.get(entry_id) or ["数据"]
            concerned = rng.sample(names, min(len(names), rng.randint(1, 3)))
            text = rng.choice(PUBLIC_PROBLEMS if origin == CorrectionOrigin.PUBLIC else PROBLEMS)
            filed_at = moment(filed)
            row = dict(id=cid, code=correction_code(filed, cid), origin=origin, entry_id=entry_id,
                       provider_unit_id=provider, provider_region_id=region_of.get(provider),
                       reporter_unit_id=reporter, items=json.dumps(concerned, ensure_ascii=False),
                       description=text.format(item="、".join(concerned)), status=CorrectionStatus.OPEN,
                       filed_on=filed, created_by=steward.get(reporter) if reporter else None, created_at=filed_at,
                       extension_days=0, version=1)
            if origin == CorrectionOrigin.PUBLIC:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                contact = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
                resident = _resident_id(rng, region_code) if rng.random() < 0.6 else None
                row.update(reporter_name_enc=personal_data.encrypt(name),
                           reporter_contact_enc=personal_data.encrypt(contact),
                           reporter_id_enc=personal_data.encrypt(resident),
                           tracking_hash=tracking_hash(_tracking_code(rng)))

            # The verification clock: profile days (plus an extension where allowed), due date from the calendar.
            allowance = verify_days or FALLBACK_WORKDAYS
            workdays = verify_days
            earliest = 1  # an extended correction is answered after the head approved the extension
            if verify_days is not None and cap > 0 and rng.random() < EXTENDED_SHARE:
                extra = rng.randint(1, cap)
                earliest = rng.randint(1, verify_days)  # approved before the first due date
                approved = cal.deadline(filed, earliest)
                if approved < today:
                    workdays = verify_days + extra
                    allowance += extra
                    row.update(extension_days=extra, extension_approver=rng.choice(HEADS),
                               extension_approved_on=approved, extension_reason=rng.choice(EXTENSION_REASONS))
                else:
                    earliest = 1
            late = rng.random() < LATE_SHARE
            taken = allowance + rng.randint(1, max(2, allowance // 2)) if late else rng.randint(earliest, allowance)
            answered = cal.deadline(filed, taken)
            if (today - filed).days < STALLED_DAYS and rng.random() < STALLED_SHARE:
                answered = today  # still on the source unit's desk (overdue once its due date passed)
            done = answered < today
            answered_at = moment(answered) if done else None
            if done:
                outcome = _weighted(rng, OUTCOMES)
                row.update(status=outcome, reply=rng.choice(REPLIES[outcome]), answered_at=answered_at,  # type: ignore[index]
                           answered_by=steward.get(provider),
                           change_note=f"更正{concerned[0]}，与源系统登记一致" if outcome == CorrectionStatus.CORRECTED
                           else None)
            else:
                open_per_entry[entry_id] += 1
            clocks.append(dict(id=next(clock_ids), case_kind=CaseKind.CORRECTION, case_id=cid,
                               step=ClockStep.CORRECTION_VERIFY, responsible_unit_id=provider,
                               responsible_region_id=region_of.get(provider), started_on=filed, workdays=workdays,
                               due_on=cal.deadline(filed, workdays) if workdays is not None else None,
                               extended_days=row["extension_days"], paused_workdays=0, closed_at=answered_at,
                               closed_on=answered if done else None, outcome=ClockOutcome.DONE if done else None,
                               created_at=filed_at))
            rows.append(row)

        bulk.insert_rows(session, Correction, rows)
        bulk.insert_rows(session, SlaClock, clocks)
        if open_per_entry:  # the entry shows its open corrections (kept by the commands)
            table = CatalogEntry.__table__  # type: ignore[attr-defined]
            session.execute(update(table).where(table.c.id == bindparam("eid"))
                            .values(open_corrections=bindparam("n")),
                            [{"eid": e, "n": n} for e, n in sorted(open_per_entry.items())])
        session.commit()

    late_count = sum(1 for c in clocks if c["due_on"] and (c["closed_on"] or today) > c["due_on"])
    ctx.counts.update(corrections=len(rows), corrections_public=sum(r["origin"] == "public" for r in rows),
                      corrections_open=sum(open_per_entry.values()),
                      corrections_extended=sum(1 for r in rows if r["extension_days"]), corrections_late=late_count)
