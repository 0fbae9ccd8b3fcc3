"""The demo seed's open data: ~300 public requests of both kinds in every state, some late, this year's plans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from models import OpenPlan, OpenRequest, SlaClock
from services.core.db import read_session
from services.seed import SCALES, seed

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_demo_seed_has_open_requests_in_every_state_and_some_late(db):
    counts = seed("demo", seed_value=42, now=NOW)
    assert counts["open_requests"] == pytest.approx(SCALES["demo"].open_requests, rel=0.05)
    with read_session() as session:
        pairs = set(session.execute(select(OpenRequest.kind, OpenRequest.status).distinct()).all())
        late = session.execute(select(func.count()).select_from(SlaClock).where(
            SlaClock.case_kind == "open_request", SlaClock.due_on.is_not(None),
            ((SlaClock.closed_on.is_(None)) & (SlaClock.due_on < NOW.date()))
            | (SlaClock.closed_on > SlaClock.due_on))).scalar()
        names = session.execute(text("SELECT applicant_name_enc FROM open_request")).scalars().all()
        plans = session.execute(select(OpenPlan.year, OpenPlan.status).distinct()).all()
    assert {s for _k, s in pairs} == {"submitted", "needs_info", "unit_agreed", "agreed", "refused"}
    assert ("application", "unit_agreed") in pairs and ("demand", "unit_agreed") not in pairs
    assert {k for k, _s in pairs} == {"demand", "application"}
    assert late >= 3
    assert all(n.startswith("gAAAA") for n in names)
    assert {y for y, _s in plans} == {2026} and "accepted" in {s for _y, s in plans}


def test_longyan_demo_applications_pass_the_units_agreement_then_the_bureaus_grant(db):
    """Longyan §18 in the demo: an agreed application carries the unit's agreement and a closed grant clock of the
    bureau; one waiting for the grant has an open grant clock and no answer yet."""
    seed("demo", seed_value=42, now=NOW)
    with read_session() as session:
        rows = session.execute(select(OpenRequest.id, OpenRequest.status, OpenRequest.unit_agreed_at,
                                      OpenRequest.answered_at)
                               .where(OpenRequest.kind == "application",
                                      OpenRequest.status.in_(("agreed", "unit_agreed")))).all()
        grants = {case_id: closed for case_id, closed in session.execute(
            select(SlaClock.case_id, SlaClock.closed_at).where(SlaClock.step == "open_grant")).all()}
    assert rows
    for request_id, status, agreed_at, answered_at in rows:
        assert agreed_at is not None and request_id in grants
        assert (answered_at is None) == (status == "unit_agreed") == (grants[request_id] is None)
