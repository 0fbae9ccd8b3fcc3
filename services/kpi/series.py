"""Chart data for the dashboard: monthly requests, overdue by unit, the catalog funnel and share types by unit."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from services.core.actor import Actor
from services.core.i18n import N_
from services.core.timeutil import local_date
from services.core.uow import read_scope
from services.kpi import Period, select_units, unit_names
from services.kpi.catalog import funnel_query, share_types_query
from services.kpi.clocks import overdue_by_kind_query
from services.kpi.sharing import monthly_on_time_query, monthly_submitted_query

TREND_MONTHS = 12

FUNNEL_STAGES = (
    ("compiled", N_("Compiled")),
    ("submitted", N_("Submitted for review")),
    ("published", N_("Published")),
    ("shareable", N_("Shareable")),
    ("open", N_("Open to the public")),
)


def monthly_requests(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
                     months: int = TREND_MONTHS, now: datetime | None = None) -> pd.DataFrame:
    """The `months` months ending with the period: requests submitted, answer deadlines due and met."""
    today = local_date(now)
    spans = period.months(months)
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        window = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id).window(period, today)
        submitted = {m: n for m, n in session.execute(monthly_submitted_query(window, spans)).all() if m}
        deadlines = {m: (due, met) for m, due, met in session.execute(monthly_on_time_query(window, spans)).all() if m}
    records = []
    for first, _last in spans:
        month = first.strftime("%Y-%m")
        due, met = deadlines.get(month, (0, 0))
        records.append({"month": month, "submitted": int(submitted.get(month, 0)), "answer_due": int(due or 0),
                        "answer_on_time": int(met or 0),
                        "on_time_rate": (float(met) / float(due) * 100) if due else None})
    return pd.DataFrame(records, columns=["month", "submitted", "answer_due", "answer_on_time", "on_time_rate"])


def overdue_by_unit(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
                    now: datetime | None = None) -> pd.DataFrame:
    """Clocks overdue at the end of the period per responsible unit and kind of case."""
    today = local_date(now)
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        window = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id).window(period, today)
        rows = session.execute(overdue_by_kind_query(window)).all()
        names = unit_names(session, [u for u, _k, _n in rows if u is not None])
    return pd.DataFrame([{"unit_id": u, "unit": names.get(u, ("", ""))[0] if u is not None else "",
                          "case_kind": kind, "overdue": int(n)} for u, kind, n in rows],
                        columns=["unit_id", "unit", "case_kind", "overdue"])


def catalog_funnel(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
                   now: datetime | None = None) -> pd.DataFrame:
    today = local_date(now)
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        window = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id).window(period, today)
        row = session.execute(funnel_query(window)).mappings().one()
    return pd.DataFrame([{"stage": key, "title": title, "entries": int(row[key] or 0)} for key, title in FUNNEL_STAGES],
                        columns=["stage", "title", "entries"])


def share_types_by_unit(actor: Actor, period: Period, *, region_id: int | None = None, unit_id: int | None = None,
                        now: datetime | None = None) -> pd.DataFrame:
    today = local_date(now)
    with read_scope(actor, "kpi.view", region_id=region_id, now=now) as (session, scope):
        window = select_units(session, actor, scope, region_id=region_id, unit_id=unit_id).window(period, today)
        rows = session.execute(share_types_query(window)).all()
        names = unit_names(session, [u for u, _t, _n in rows])
    return pd.DataFrame([{"unit_id": u, "unit": names.get(u, (str(u), ""))[0], "share_type": t or "",
                          "entries": int(n)} for u, t, n in rows],
                        columns=["unit_id", "unit", "share_type", "entries"])
