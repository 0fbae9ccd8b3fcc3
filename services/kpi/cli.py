"""Helpers of `manage.py kpi`: parse its options and print the bundle as a table or JSON."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from models import Region
from services.core.actor import Actor
from services.core.db import read_session
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.kpi import KpiResult, KpiUnit, Period, PeriodKind

CLI_ACTOR = Actor.system("manage.py")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} takes a date as YYYY-MM-DD") from None


def parse_period(date_from: str | None, date_to: str | None, today: date | None = None) -> Period:
    """No dates: this month (the dashboard's default). One date: from it to today, or the month up to it."""
    today = today or local_date()
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if start is None and end is None:
        return Period.current(PeriodKind.MONTH, today)
    if start is None:
        assert end is not None
        start = end.replace(day=1)
    if end is None:
        end = today
    return Period.between(start, end)


def region_id(code: str | None) -> int | None:
    if code is None:
        return None
    with read_session() as session:
        found = session.exec(select(Region.id).where(Region.code == code.strip())).first()
    if found is None:
        raise ValidationError({"region": _("No region has the code {code}.", code=code)})
    return found


def as_json(results: list[KpiResult], period: Period) -> dict:
    return {r.key: {**r.as_dict(), "period": [period.start.isoformat(), period.end.isoformat()]} for r in results}


def _fmt(value: float | None, unit: KpiUnit) -> str:
    if value is None:
        return "—"
    if unit is KpiUnit.PERCENT:
        return f"{value:.1f}%"
    if unit is KpiUnit.DAYS:
        return f"{value:.1f}"
    return f"{value:.0f}"


def as_table(results: list[KpiResult], period: Period) -> str:
    lines = [f"{period.start.isoformat()} … {period.end.isoformat()}",
             f"{'key':34} {'value':>9} {'target':>9} {'previous':>9}  status  title"]
    for r in results:
        lines.append(f"{r.key:34} {_fmt(r.value, r.unit):>9} {_fmt(r.target, r.unit):>9} "
                     f"{_fmt(r.previous, r.unit):>9}  {str(r.status):6}  {_(r.title)}")
    return "\n".join(lines)
