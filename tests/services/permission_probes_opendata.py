"""Probes for the open-data actions: each calls the real service as a wrong-role or out-of-scope user."""

from __future__ import annotations

from datetime import date

from services import opendata
from services.opendata import AnswerInput, plans
from services.opendata import queries as open_queries
from tests.services.opendata_fixtures import demand
from tests.services.probes import probe
from tests.services.sharing_fixtures import at

DAY = at(date(2025, 3, 3))


def _request_of(w, unit_key: str = "police") -> int:
    from sqlmodel import select

    from models import OpenRequest
    from services.core.db import read_session

    code = opendata.file_request(demand(), now=DAY)
    with read_session() as session:
        request_id = session.exec(select(OpenRequest.id).where(OpenRequest.code == code)).one()
    opendata.assign(w["reviewer"], request_id, w.units[unit_key], now=DAY)
    return request_id


@probe("open.view")
def _(w):
    open_queries.get_request(w["civil"], _request_of(w))


@probe("open.answer")
def _(w):
    opendata.answer(w["civil"], _request_of(w), AnswerInput("refuse", reply="x"), now=DAY)


@probe("open.assign")
def _(w):
    opendata.assign(w["police"], _request_of(w), w.units["civil"], now=DAY)


@probe("open.plan")
def _(w):
    plans.save_plan(w["reviewer"], 2025, [], now=DAY)


@probe("open.plan_review")
def _(w):
    plan_id = plans.save_plan(w["police"], 2025, [], now=DAY)
    plans.review_plan(w["police"], plan_id, accept=True, now=DAY)


@probe("open.grant")
def _(w):
    from services.opendata import GrantInput

    opendata.grant(w["police"], _request_of(w), GrantInput("refuse", reply="x"), now=DAY)
