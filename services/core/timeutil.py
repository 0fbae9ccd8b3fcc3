"""Time helpers: services take `now` (UTC-aware) so tests can travel in time; dates are local to Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from services.core.settings import get_settings


def tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def now_utc(now: datetime | None = None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(UTC)


def local_date(moment: datetime | None = None) -> date:
    """The calendar date in the deployment's time zone (deadlines are counted in local working days)."""
    return now_utc(moment).astimezone(tz()).date()


def to_local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(tz())


def fmt_local(moment: datetime | None, with_seconds: bool = False) -> str:
    if moment is None:
        return ""
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")
