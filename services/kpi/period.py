"""Reporting periods of the dashboard: this month, quarter, year or a custom range, and the period before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.core.errors import ValidationError
from services.core.i18n import gettext as _


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    """First day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # inclusive

    @classmethod
    def current(cls, kind: PeriodKind | str, today: date) -> Period:
        kind = PeriodKind(kind)
        if kind is PeriodKind.MONTH:
            start = _month_start(today)
            return cls(kind, start, _add_months(start, 1) - timedelta(days=1))
        if kind is PeriodKind.QUARTER:
            start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            return cls(kind, start, _add_months(start, 3) - timedelta(days=1))
        if kind is PeriodKind.YEAR:
            return cls(kind, date(today.year, 1, 1), date(today.year, 12, 31))
        raise ValueError("a custom period needs its dates: use Period.between")

    @classmethod
    def between(cls, start: date | None, end: date | None) -> Period:
        """A range given by dates; a whole calendar month, quarter or year is recognised as such, so its
        previous period is the previous month, quarter or year rather than the same number of days."""
        errors: dict[str, str] = {}
        if start is None:
            errors["start"] = _("Choose the first day of the period.")
        if end is None:
            errors["end"] = _("Choose the last day of the period.")
        if errors:
            raise ValidationError(errors)
        assert start is not None and end is not None
        if start > end:
            raise ValidationError({"end": _("The last day of the period is before its first day.")})
        for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
            whole = cls.current(kind, start)
            if whole.start == start and whole.end == end:
                return whole
        return cls(PeriodKind.CUSTOM, start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.kind is PeriodKind.MONTH:
            return Period.current(self.kind, self.start - timedelta(days=1))
        if self.kind is PeriodKind.QUARTER:
            return Period.current(self.kind, self.start - timedelta(days=1))
        if self.kind is PeriodKind.YEAR:
            return Period.current(self.kind, self.start - timedelta(days=1))
        end = self.start - timedelta(days=1)
        return Period(PeriodKind.CUSTOM, end - timedelta(days=self.days - 1), end)

    def as_of(self, today: date) -> date:
        """The day stock KPIs are measured at: the period's last day, or today while it is running."""
        return min(self.end, today)

    def check_started(self, today: date) -> None:
        if self.start > today:
            raise ValidationError({"start": _("The period starts after today: there is nothing to measure yet.")})

    def months(self, count: int) -> list[tuple[date, date]]:
        """The `count` calendar months ending with the month of the period's end, oldest first."""
        last = _month_start(self.end)
        firsts = [_add_months(last, -i) for i in range(count - 1, -1, -1)]
        return [(first, _add_months(first, 1) - timedelta(days=1)) for first in firsts]
