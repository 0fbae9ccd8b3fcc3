"""KPI values on small hand-built data; every expected number is worked out in a comment."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models import (
    AuditEvent,
    CalendarDay,
    CatalogEntry,
    KpiTarget,
    ResponsibilityItem,
    ShareRequest,
    SlaClock,
)
from services import kpi
from services.core.errors import PermissionDenied, ValidationError
from services.core.timeutil import tz
from services.kpi import KpiDefinition, KpiUnit, Period, PeriodKind, Status, status_of
from services.kpi.targets import list_targets, set_target

# Thursday 20 November 2025, 10:00 in Shanghai: the current period is November, the previous one October.
NOW = datetime(2025, 11, 20, 10, 0, tzinfo=tz()).astimezone(UTC)
NOVEMBER = Period.current(PeriodKind.MONTH, date(2025, 11, 20))
# 2025 official schedule around National Day: 1–8 Oct off, Sun 28 Sep and Sat 11 Oct worked.
HOLIDAYS = {date(2025, 10, d) for d in range(1, 9)}
MOVED_WORKDAYS = {date(2025, 9, 28), date(2025, 10, 11)}
_codes = itertools.count(1)


def is_workday(day: date) -> bool:
    if day in MOVED_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def add_calendar(session, start: date = date(2025, 6, 1), end: date = date(2026, 6, 30)) -> None:
    seq, day = 0, start
    while day <= end:
        seq += is_workday(day)
        session.add(CalendarDay(day=day, is_workday=is_workday(day), source="official", workday_seq=seq))
        day += timedelta(days=1)


def local(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=tz()).astimezone(UTC)


def add_entry(session, unit_id: int, *, published: bool = True, published_on: date | None = date(2025, 6, 1),
              share_type: str = "unconditional", basis: str | None = None, open_attribute: str = "not_open",
              completeness: float = 1.0, maintained: datetime | None = None, status: str | None = None,
              submitted: bool = True, created_at: datetime | None = None) -> int:
    n = next(_codes)
    entry = CatalogEntry(
        resource_code=f"T{n:05d}", name=f"资源{n}", classification="department", provider_unit_id=unit_id,
        share_type=share_type, restriction_basis=basis, open_attribute=open_attribute, completeness=completeness,
        status=status or ("published" if published else "draft"), is_published=published,
        published_on=published_on if published else None, last_maintained_at=maintained,
        submitted_at=local(2025, 5, 1) if submitted else None, created_at=created_at or local(2025, 5, 1))
    session.add(entry)
    session.flush()
    return entry.id  # type: ignore[return-value]


def add_request(session, provider: int, requester: int, *, status: str = "submitted",
                submitted_at: datetime | None = None) -> int:
    n = next(_codes)
    req = ShareRequest(code=f"GX{n:06d}", kind="apply", status=status, requester_unit_id=requester,
                       provider_unit_id=provider, submitted_at=submitted_at or local(2025, 11, 3))
    session.add(req)
    session.flush()
    return req.id  # type: ignore[return-value]


def add_clock(session, case_id: int, step: str, unit_id: int | None, started: date, due: date | None, *,
              closed: date | None = None, outcome: str | None = None, paused: bool = False, kind: str | None = None,
              region_id: int | None = None, paused_workdays: int = 0) -> int:
    kind = kind or ("catalog_entry" if step.startswith("catalog") else "share_request")
    clock = SlaClock(case_kind=kind, case_id=case_id, step=step, responsible_unit_id=unit_id,
                     responsible_region_id=region_id, started_on=started, due_on=due, workdays=2,
                     closed_on=closed, closed_at=local(closed.year, closed.month, closed.day) if closed else None,
                     outcome=outcome or ("done" if closed else None), paused_at=NOW if paused else None,
                     paused_workdays=paused_workdays)
    session.add(clock)
    if step == "share_answer" and closed is not None and outcome != "cancelled":
        session.get(ShareRequest, case_id).answered_at = clock.closed_at  # as the sharing workflow records it
    session.flush()
    return clock.id  # type: ignore[return-value]


def values(results) -> dict[str, float | None]:
    return {r.key: (None if r.value is None else round(r.value, 4)) for r in results}


def previous(results) -> dict[str, float | None]:
    return {r.key: (None if r.previous is None else round(r.previous, 4)) for r in results}


@pytest.fixture
def calendar(world):
    from services.core.db import write_session

    with write_session() as session:
        add_calendar(session)
        session.commit()
    return world


# --- catalog -----------------------------------------------------------------------------------------
def test_catalog_kpis_measure_the_published_catalog_at_the_end_of_the_period(calendar):
    from services.core.db import write_session

    w = calendar
    police, civil = w.units["police"], w.units["civil"]
    with write_session() as s:
        e1 = add_entry(s, police, completeness=1.0, maintained=local(2025, 3, 1))
        add_entry(s, police, completeness=0.5, share_type="conditional", basis="《反恐怖主义法》第十八条",
                  open_attribute="open", maintained=local(2024, 11, 21))
        add_entry(s, police, completeness=0.75, share_type="not_shared", basis="  ", open_attribute="conditional")
        # Published on 5 November: in November's figures, not in October's.
        e4 = add_entry(s, civil, completeness=1.0, published_on=date(2025, 11, 5), maintained=local(2025, 11, 5))
        add_entry(s, civil, published=False, completeness=0.2)  # a draft counts nowhere
        add_entry(s, civil, published=False, status="withdrawn", published_on=None)  # withdrawn: gone
        for name, entry_id in (("人口户籍", e1), ("婚姻登记", e4), ("社会组织", None)):
            s.add(ResponsibilityItem(unit_id=police if entry_id == e1 else civil, resource_name=name,
                                     entry_id=entry_id, created_at=local(2025, 4, 1)))
        s.commit()

    r = kpi.compute(w["leader"], NOVEMBER, now=NOW)
    v, p = values(r), previous(r)
    # November: 4 published entries (3 police + 1 civil).
    # coverage = 2 covered (e1, e4) / 3 responsibility items = 66.6667 %
    assert v["catalog.coverage"] == pytest.approx(66.6667)
    # completeness = (1.0 + 0.5 + 0.75 + 1.0) / 4 = 0.8125 → 81.25 %
    assert v["catalog.completeness"] == 81.25
    # restricted = 2 (conditional + not shared); with a basis = 1 (a blank basis does not count) → 50 %
    assert v["catalog.basis_rate"] == 50.0
    # unconditional = e1 and e4 → 2 / 4 = 50 %
    assert v["catalog.unconditional_share"] == 50.0
    # open entries: one open + one conditionally open = 2
    assert v["catalog.open_entries"] == 2
    # maintained since 21 Nov 2024: e1 (Mar 2025), e2 (21 Nov 2024, the first day of the window), e4 → 3 / 4 = 75 %
    assert v["catalog.maintenance"] == 75.0
    # October (as of 31 Oct): e4 not yet published → 3 entries; coverage 1/3; completeness 2.25/3 = 75 %;
    # maintained since 1 Nov 2024: e1 and e2 → 2/3.
    assert p["catalog.coverage"] == pytest.approx(33.3333)
    assert p["catalog.completeness"] == 75.0
    assert p["catalog.maintenance"] == pytest.approx(66.6667)
    assert p["catalog.open_entries"] == 2


def test_catalog_kpis_have_no_value_when_nothing_is_published(calendar):
    r = {x.key: x for x in kpi.compute(calendar["leader"], NOVEMBER, now=NOW)}
    assert r["catalog.completeness"].value is None
    assert r["catalog.completeness"].status is Status.NONE
    assert r["catalog.open_entries"].value == 0


def test_the_maintenance_kpi_has_a_target_only_where_the_rules_impose_the_yearly_duty(calendar):
    """Shanghai §10 requires the whole catalog maintained once a year; Longyan does not: there the tile reads
    "not applicable" instead of measuring against a 90 % target nobody is bound by."""
    from services.deadlines import configuration

    w = calendar
    longyan = {x.key: x for x in kpi.compute(w["leader"], NOVEMBER, now=NOW)}
    assert longyan["catalog.maintenance"].status is Status.NOT_APPLICABLE
    assert longyan["catalog.maintenance"].target is None
    assert longyan["catalog.completeness"].target is not None  # other KPIs keep theirs
    configuration.use_profile(w["secadmin"], "shanghai", now=NOW)
    shanghai = {x.key: x for x in kpi.compute(w["leader"], NOVEMBER, now=NOW)}
    assert shanghai["catalog.maintenance"].target == 90.0
    assert shanghai["catalog.maintenance"].status is not Status.NOT_APPLICABLE


# --- sharing -----------------------------------------------------------------------------------------
@pytest.fixture
def sharing(calendar):
    """Requests to the police (city) and the county police; clocks as the sharing workflow writes them."""
    from services.core.db import write_session

    w = calendar
    police, county = w.units["police"], w.units["county_police"]
    civil = w.units["civil"]
    ids: dict[str, int] = {}
    with write_session() as s:
        # Answered Mon 3 Nov → Wed 5 Nov (due Wed 5 Nov): on time, 2 wd; approved and implemented on time.
        a = add_request(s, police, civil, status="implemented")
        add_clock(s, a, "share_answer", police, date(2025, 11, 3), date(2025, 11, 5), closed=date(2025, 11, 5))
        add_clock(s, a, "share_implement", police, date(2025, 11, 5), date(2025, 11, 10), closed=date(2025, 11, 7))
        # Received Thu 6 Nov, due Mon 10 Nov, answered Wed 12 Nov: late, 4 wd; refused.
        b = add_request(s, police, civil, status="rejected")
        add_clock(s, b, "share_answer", police, date(2025, 11, 6), date(2025, 11, 10), closed=date(2025, 11, 12))
        # Received Fri 14 Nov, due Tue 18 Nov, still open on 20 Nov: missed and overdue now.
        c = add_request(s, police, civil, status="submitted")
        ids["overdue_answer"] = add_clock(s, c, "share_answer", police, date(2025, 11, 14), date(2025, 11, 18))
        # Received Fri 14 Nov at the county, answered Fri 14 Nov (0 wd, on time); approved, implementation
        # due Tue 18 Nov and not done: missed and overdue.
        d = add_request(s, county, civil, status="approved")
        add_clock(s, d, "share_answer", county, date(2025, 11, 14), date(2025, 11, 18), closed=date(2025, 11, 14))
        ids["overdue_implement"] = add_clock(s, d, "share_implement", county, date(2025, 11, 14), date(2025, 11, 18))
        # Withdrawn (cancelled) and paused clocks never count.
        e = add_request(s, police, civil, status="withdrawn")
        add_clock(s, e, "share_answer", police, date(2025, 11, 3), date(2025, 11, 5), closed=date(2025, 11, 12),
                  outcome="cancelled")
        f = add_request(s, police, civil, status="needs_info")
        add_clock(s, f, "share_answer", police, date(2025, 11, 3), date(2025, 11, 5), paused=True)
        # October: received Tue 30 Sep, due Sat 11 Oct (RULES §9: 3 wd across National Day), answered Sat
        # 11 Oct → on time, 3 wd, approved.
        g = add_request(s, police, civil, status="approved", submitted_at=local(2025, 9, 30))
        add_clock(s, g, "share_answer", police, date(2025, 9, 30), date(2025, 10, 11), closed=date(2025, 10, 11))
        # Due Fri 31 Oct, answered Mon 3 Nov: missed in October, overdue at the end of October, and it
        # counts as an answer in November (3 wd: 28 Oct → 3 Nov = 29, 30, 31 Oct, 3 Nov = 4 wd) approved.
        h = add_request(s, police, civil, status="approved", submitted_at=local(2025, 10, 28))
        add_clock(s, h, "share_answer", police, date(2025, 10, 28), date(2025, 10, 31), closed=date(2025, 11, 3))
        s.commit()
    return w, ids


def test_on_time_answer_rate_counts_deadlines_that_fell_due_in_the_period(sharing):
    w, _ids = sharing
    r = kpi.compute(w["leader"], NOVEMBER, now=NOW)
    v, p = values(r), previous(r)
    # November answer deadlines up to today: a (met), b (late), c (open, missed), d (met); e cancelled and f
    # paused are left out → 2 / 4 = 50 %.
    assert v["sharing.on_time_answer"] == 50.0
    # October: g (met), h (missed) → 1 / 2 = 50 %.
    assert p["sharing.on_time_answer"] == 50.0
    # Implementation: a (met), d (missed) → 50 %; none due in October → no value.
    assert v["sharing.on_time_implementation"] == 50.0
    assert p["sharing.on_time_implementation"] is None


def test_mean_working_days_to_answer_uses_the_working_day_calendar(sharing):
    w, _ids = sharing
    r = kpi.compute(w["leader"], NOVEMBER, now=NOW)
    # Answered in November: a 3→5 Nov = 2 wd; b 6→12 Nov = 4 wd (7, 10, 11, 12); d 14→14 Nov = 0;
    # h 28 Oct→3 Nov = 4 wd (29, 30, 31 Oct, 3 Nov) → (2 + 4 + 0 + 4) / 4 = 2.5
    assert values(r)["sharing.mean_answer_days"] == 2.5
    # October: g 30 Sep → 11 Oct = 3 wd (9, 10, 11 Oct; 1–8 Oct are holidays).
    assert previous(r)["sharing.mean_answer_days"] == 3.0


def test_paused_days_are_not_counted_as_time_to_answer(calendar):
    from services.core.db import write_session

    w = calendar
    with write_session() as s:
        req = add_request(s, w.units["police"], w.units["civil"], status="approved")
        # 3 → 12 Nov = 7 wd, of which 2 waiting for the applicant → 5
        add_clock(s, req, "share_answer", w.units["police"], date(2025, 11, 3), date(2025, 11, 7),
                  closed=date(2025, 11, 12), paused_workdays=2)
        s.commit()
    assert values(kpi.compute(w["leader"], NOVEMBER, now=NOW))["sharing.mean_answer_days"] == 5.0


def test_approval_rate_is_approved_over_approved_or_refused(sharing):
    w, _ids = sharing
    r = kpi.compute(w["leader"], NOVEMBER, now=NOW)
    # Answered in November: a implemented, b rejected, d approved, h approved → 3 / 4 = 75 %.
    assert values(r)["sharing.approval_rate"] == 75.0
    assert previous(r)["sharing.approval_rate"] == 100.0  # g approved


def test_overdue_now_counts_open_steps_past_due_and_what_was_overdue_at_the_previous_period_end(sharing):
    w, _ids = sharing
    r = kpi.compute(w["leader"], NOVEMBER, now=NOW)
    v, p = values(r), previous(r)
    # Today (20 Nov): c (answer due 18 Nov) and d (implementation due 18 Nov); f is paused → 2.
    assert v["sharing.overdue_now"] == 2
    assert v["clocks.overdue_total"] == 2
    assert v["clocks.overdue_share_request"] == 2
    assert v["clocks.overdue_catalog_entry"] == 0
    # End of October: h was due 31 Oct and answered 3 Nov → not overdue on 31 Oct itself (due that day);
    # nothing else was due before 31 Oct and open → 0.
    assert p["sharing.overdue_now"] == 0


def test_overdue_at_the_end_of_a_past_period_includes_clocks_closed_after_it(calendar):
    from services.core.db import write_session

    w = calendar
    with write_session() as s:
        req = add_request(s, w.units["police"], w.units["civil"], status="approved")
        # Due Wed 29 Oct, answered Mon 3 Nov: overdue on 31 Oct.
        add_clock(s, req, "share_answer", w.units["police"], date(2025, 10, 24), date(2025, 10, 29),
                  closed=date(2025, 11, 3))
        s.commit()
    r = kpi.compute(w["leader"], NOVEMBER, now=NOW)
    assert previous(r)["sharing.overdue_now"] == 1
    assert values(r)["sharing.overdue_now"] == 0


def test_region_and_unit_filters_narrow_every_kpi(sharing):
    w, _ids = sharing
    county = values(kpi.compute(w["leader"], NOVEMBER, region_id=w.regions["county"], now=NOW))
    # County police only: d answered on time (1/1), implementation missed (0/1), overdue 1.
    assert county["sharing.on_time_answer"] == 100.0
    assert county["sharing.on_time_implementation"] == 0.0
    assert county["sharing.overdue_now"] == 1
    other_county = values(kpi.compute(w["leader"], NOVEMBER, region_id=w.regions["county2"], now=NOW))
    assert other_county["sharing.on_time_answer"] is None
    city = values(kpi.compute(w["leader"], NOVEMBER, region_id=w.regions["city"], now=NOW))
    assert city["sharing.on_time_answer"] == 50.0  # the city includes its counties
    police = values(kpi.compute(w["leader"], NOVEMBER, unit_id=w.units["police"], now=NOW))
    # Police: a met, b late, c missed → 1/3.
    assert police["sharing.on_time_answer"] == pytest.approx(33.3333)


def test_by_unit_breaks_a_family_down_per_responsible_unit(sharing):
    w, _ids = sharing
    frame = kpi.by_unit(w["leader"], NOVEMBER, "sharing", now=NOW).set_index("unit_id")
    assert frame.loc[w.units["police"], "sharing.on_time_answer"] == pytest.approx(100 / 3)
    assert frame.loc[w.units["county_police"], "sharing.on_time_answer"] == 100.0
    assert frame.loc[w.units["county_police"], "unit"] == "东山县公安局"


def test_region_held_clocks_follow_the_region_filter(calendar):
    from services.core.db import write_session

    w = calendar
    with write_session() as s:
        req = add_request(s, w.units["county_police"], w.units["county_civil"])
        # A county-level co-decision step held by the county (no single unit), due 17 Nov and still open.
        add_clock(s, req, "share_answer", None, date(2025, 11, 12), date(2025, 11, 17), region_id=w.regions["county"])
        s.commit()
    assert values(kpi.compute(w["leader"], NOVEMBER, region_id=w.regions["county"], now=NOW))["sharing.overdue_now"] == 1
    assert values(kpi.compute(w["leader"], NOVEMBER, region_id=w.regions["county2"], now=NOW))["sharing.overdue_now"] == 0
    assert values(kpi.compute(w["leader"], NOVEMBER, now=NOW))["sharing.overdue_now"] == 1


# --- targets and status ------------------------------------------------------------------------------
def _percent_kpi() -> KpiDefinition:
    return kpi.definition("sharing.on_time_answer")  # type: ignore[return-value]


def test_status_is_green_on_target_amber_within_the_band_red_beyond():
    on_time = _percent_kpi()  # higher is better; amber band 5 points
    assert status_of(on_time, 95.0, 95.0) is Status.GREEN
    assert status_of(on_time, 91.0, 95.0) is Status.AMBER
    assert status_of(on_time, 89.9, 95.0) is Status.RED
    assert status_of(on_time, None, 95.0) is Status.NONE
    overdue = kpi.definition("sharing.overdue_now")
    assert overdue.unit is KpiUnit.COUNT
    assert status_of(overdue, 0, 0) is Status.GREEN
    assert status_of(overdue, 1, 0) is Status.RED  # a zero target leaves no amber band
    assert status_of(overdue, 11, 10) is Status.AMBER  # 20 % of 10 = 2
    assert status_of(overdue, 13, 10) is Status.RED


def test_bureau_target_overrides_the_default_and_a_region_target_overrides_the_bureau(sharing):
    w, _ids = sharing
    reviewer = w["reviewer"]
    set_target(reviewer, "sharing.on_time_answer", 50, now=NOW)
    set_target(reviewer, "sharing.on_time_answer", 100, region_id=w.regions["county"], now=NOW)
    overall = {r.key: r for r in kpi.compute(w["leader"], NOVEMBER, now=NOW)}["sharing.on_time_answer"]
    assert (overall.target, overall.status) == (50.0, Status.GREEN)  # 50 % against 50 %
    county = {r.key: r for r in kpi.compute(w["leader"], NOVEMBER, region_id=w.regions["county"], now=NOW)}
    assert county["sharing.on_time_answer"].target == 100.0
    assert county["sharing.on_time_implementation"].target == 95.0  # untouched: the default


def test_setting_a_target_is_audited_with_before_and_after(calendar):
    w = calendar
    set_target(w["reviewer"], "catalog.coverage", 90, now=NOW)
    set_target(w["reviewer"], "catalog.coverage", 92.5, now=NOW)
    set_target(w["reviewer"], "catalog.coverage", None, now=NOW)  # back to the default
    from services.core.db import read_session

    with read_session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "kpi.set_target").order_by(AuditEvent.seq)).all()
        assert s.exec(select(KpiTarget)).all() == []
    import json

    details = [json.loads(e.detail) for e in events]
    assert [(d["before"], d["after"]) for d in details] == [(None, 90), (90.0, 92.5), (92.5, None)]
    frame = list_targets(w["leader"]).set_index("key")
    assert frame.loc["catalog.coverage", "default"] == 95.0


@pytest.mark.parametrize("key,value,field", [
    ("catalog.coverage", 120, "value"), ("catalog.coverage", -1, "value"), ("catalog.coverage", float("nan"), "value"),
    ("no.such.kpi", 10, "kpi_key"),
])
def test_invalid_targets_are_refused_and_nothing_is_written(calendar, key, value, field):
    with pytest.raises(ValidationError) as exc:
        set_target(calendar["reviewer"], key, value, now=NOW)
    assert field in exc.value.errors
    from services.core.db import read_session

    with read_session() as s:
        assert s.exec(select(KpiTarget)).all() == []


def test_leader_cannot_set_targets(calendar):
    with pytest.raises(PermissionDenied):
        set_target(calendar["leader"], "catalog.coverage", 90, now=NOW)


def test_unit_steward_cannot_read_the_dashboard(calendar):
    with pytest.raises(PermissionDenied):
        kpi.compute(calendar["police"], NOVEMBER, now=NOW)


# --- periods -----------------------------------------------------------------------------------------
def test_previous_period_is_the_previous_month_quarter_year_or_the_same_number_of_days():
    today = date(2025, 3, 15)
    assert Period.current("month", today).previous() == Period(PeriodKind.MONTH, date(2025, 2, 1), date(2025, 2, 28))
    assert Period.current("quarter", today).previous() == Period(PeriodKind.QUARTER, date(2024, 10, 1),
                                                                 date(2024, 12, 31))
    assert Period.current("year", today).previous() == Period(PeriodKind.YEAR, date(2024, 1, 1), date(2024, 12, 31))
    custom = Period.between(date(2025, 3, 10), date(2025, 3, 19))
    assert custom.kind is PeriodKind.CUSTOM
    assert custom.previous() == Period(PeriodKind.CUSTOM, date(2025, 2, 28), date(2025, 3, 9))
    assert Period.between(date(2025, 4, 1), date(2025, 6, 30)).kind is PeriodKind.QUARTER


def test_a_period_ending_before_it_starts_or_in_the_future_is_refused(calendar):
    with pytest.raises(ValidationError):
        Period.between(date(2025, 3, 10), date(2025, 3, 1))
    with pytest.raises(ValidationError):
        kpi.compute(calendar["leader"], Period.current("month", date(2026, 1, 5)), now=NOW)


def test_catalog_reviews_and_catalog_updates_count_as_overdue_catalog_cases(calendar):
    from services.core.db import write_session

    w = calendar
    with write_session() as s:
        entry = add_entry(s, w.units["police"], published=False, status="submitted")
        # Review due Mon 17 Nov, still open; update after a change of law due Tue 18 Nov, still open → 2.
        add_clock(s, entry, "catalog_review", w.units["bureau"], date(2025, 11, 10), date(2025, 11, 17))
        add_clock(s, 1, "catalog_update", w.units["police"], date(2025, 11, 4), date(2025, 11, 18),
                  kind="catalog_trigger")
        s.commit()
    v = values(kpi.compute(w["leader"], NOVEMBER, now=NOW))
    assert v["clocks.overdue_catalog_entry"] == 2
    assert v["clocks.overdue_total"] == 2
    assert v["sharing.overdue_now"] == 0
