"""KPI family `opendata` on hand-built rows; every expected number is worked out in a comment."""

from __future__ import annotations

import itertools
from datetime import date

from models import OpenPlan, OpenPlanItem, OpenRequest
from services import kpi
from services.core.db import write_session
from services.kpi.registry import definition
from tests.services.test_kpi import NOVEMBER, NOW, add_calendar, add_clock, add_entry, local, values

_codes = itertools.count(1)


def _request(session, unit_id: int, *, kind: str = "demand", status: str = "submitted", submitted=None,
             answered=None) -> int:
    n = OpenRequest(code=f"KF-{next(_codes):06d}", kind=kind, status=status,
                    applicant_kind="natural_person", applicant_name_enc="x", applicant_id_enc="x", contact_enc="x",
                    purpose="p", unit_id=unit_id, submitted_at=submitted or local(2025, 11, 3), answered_at=answered)
    session.add(n)
    session.flush()
    return n.id  # type: ignore[return-value]


def test_opendata_family_is_registered_with_its_kpis():
    for key in ("opendata.open_share", "opendata.requests", "opendata.on_time_answer",
                "opendata.approval_rate", "opendata.plan_progress"):
        assert definition(key) is not None, key


def test_opendata_kpis_on_hand_built_rows(world):
    police, civil = world.units["police"], world.units["civil"]
    with write_session() as session:
        add_calendar(session)
        # Catalog: 4 published entries, 1 open + 1 conditional → 2 open, 2 / 4 = 50 %; a draft does not count.
        opened = add_entry(session, police, open_attribute="open")
        add_entry(session, police, open_attribute="conditional")
        planned = add_entry(session, civil)
        add_entry(session, civil)
        add_entry(session, civil, published=False, open_attribute="open")
        # Requests in November: two demands and one application; one demand from October stays out of the count.
        a = _request(session, police, kind="application", status="agreed", answered=local(2025, 11, 10))
        b = _request(session, police, status="refused", answered=local(2025, 11, 12))
        c = _request(session, civil, status="submitted")
        _request(session, civil, status="needs_info", submitted=local(2025, 10, 20))
        # Answer deadlines due in November: a met, b late, c open and past due → 1 / 3 on time.
        add_clock(session, a, "open_application_answer", police, date(2025, 11, 3), date(2025, 11, 17),
                  closed=date(2025, 11, 10), kind="open_request")
        add_clock(session, b, "open_demand_answer", police, date(2025, 11, 3), date(2025, 11, 11),
                  closed=date(2025, 11, 12), kind="open_request")
        add_clock(session, c, "open_demand_answer", civil, date(2025, 11, 3), date(2025, 11, 14), kind="open_request")
        # Plan of 2025 (filed): two entries, one of them open → 50 %; a draft plan of another year is left out.
        plan = OpenPlan(unit_id=police, year=2025, status="accepted")
        session.add(plan)
        session.flush()
        session.add(OpenPlanItem(plan_id=plan.id, entry_id=opened, target_date=date(2025, 6, 30)))
        session.add(OpenPlanItem(plan_id=plan.id, entry_id=planned, target_date=date(2025, 12, 31)))
        session.commit()
    v = values(kpi.compute(world["leader"], NOVEMBER, now=NOW))
    assert v["catalog.open_entries"] == 2 and v["opendata.open_share"] == 50.0
    assert v["opendata.requests"] == 3 and v["opendata.demands"] == 2 and v["opendata.applications"] == 1
    assert v["opendata.waiting"] == 2  # c submitted, the October demand waiting for its applicant
    assert round(v["opendata.on_time_answer"], 2) == 33.33
    assert v["opendata.approval_rate"] == 50.0  # a agreed, b refused
    assert v["opendata.plan_progress"] == 50.0
    by_unit = kpi.by_unit(world["leader"], NOVEMBER, "opendata", now=NOW)
    assert set(by_unit["unit_id"]) >= {police, civil}
