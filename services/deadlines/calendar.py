"""The working-day calendar: the one place that turns a start date and N working days into a deadline.

Days live in the `calendar_day` table (official years from chinesecalendar, other years provisional from the
statutory holidays of 全国年节及纪念日放假办法 plus weekends, edits and imports by the security administrator).
Arithmetic runs on in-process arrays of the running working-day count (`workday_seq`), rebuilt when the
calendar "generation" (a counter bumped in the same transaction as every change) moves, so a deadline is
two list look-ups and a million of them take well under a second.

Counting rule (RULES.md §9): the start day is not counted; a deadline of N working days is the N-th working
day after the start date, so a start on a holiday or a weekend counts from the next working day."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from models import CalendarDay, DaySource, PolicySetting
from services.core.actor import Actor
from services.core.cache import VersionedCache
from services.core.db import read_session
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.timeutil import now_utc
from services.core.uow import read_scope

FIRST_YEAR = 2015
LAST_YEAR = 2035
GENERATION_KEY = "calendar.generation"
# How long a process trusts its cached calendar before asking the database whether another process changed it.
RECHECK_SECONDS = 2.0
NOTE_MAX = 100


class CalendarRangeError(ValidationError):
    """A date outside the years the calendar covers (deadlines cannot be computed there)."""


class DayKind:
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # a weekday that is a holiday
    WORKED_WEEKEND = "worked_weekend"  # a Saturday or Sunday that is worked (调休)


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    source: str
    note: str | None = None


# --- default days from the packages ------------------------------------------------------------------------
def _official_range() -> tuple[int, int]:
    from chinese_calendar import constants

    return min(constants.holidays).year, max(constants.holidays).year


def official_years() -> set[int]:
    """Years the chinesecalendar package covers with the State Council's published schedule."""
    first, last = _official_range()
    return set(range(first, last + 1))


def _official_day(day: date) -> DayInfo:
    import chinese_calendar as cc

    on_holiday, name = cc.get_holiday_detail(day)
    is_work = cc.is_workday(day)
    note = None
    if name:
        chinese = next((h.chinese for h in cc.Holiday if h.value == name), name)
        note = chinese if not is_work else f"{chinese}调休上班"
    return DayInfo(day, is_work, DaySource.OFFICIAL, note)


@lru_cache(maxsize=64)
def _statutory_holidays(year: int) -> dict[date, str]:
    """Statutory holidays of 全国年节及纪念日放假办法 (no substitute days: those are only known officially)."""
    import holidays

    return dict(holidays.China(years=year, observed=False, language="zh_CN").items())


def _provisional_day(day: date) -> DayInfo:
    name = _statutory_holidays(day.year).get(day)
    return DayInfo(day, name is None and day.weekday() < 5, DaySource.PROVISIONAL, name)


def default_days(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[DayInfo]:
    """Every day of the years, official where chinesecalendar covers the year, provisional otherwise."""
    covered = official_years()
    days: list[DayInfo] = []
    day = date(first_year, 1, 1)
    end = date(last_year, 12, 31)
    while day <= end:
        days.append(_official_day(day) if day.year in covered else _provisional_day(day))
        day += timedelta(days=1)
    return days


def day_kind(day: date, is_workday: bool) -> str:
    weekend = day.weekday() >= 5
    if is_workday:
        return DayKind.WORKED_WEEKEND if weekend else DayKind.WORKDAY
    return DayKind.WEEKEND if weekend else DayKind.HOLIDAY


# --- the arithmetic ------------------------------------------------------------------------------------------
class WorkCalendar:
    """Immutable arrays over a contiguous run of days: seq[i] = working days from the first day up to day i."""

    def __init__(self, first: date, workday_flags: Sequence[bool], provisional: Iterable[date] = ()):
        if not workday_flags:
            raise ValueError("a calendar needs at least one day")
        self.first = first
        self.base = first.toordinal()
        flags = np.asarray(workday_flags, dtype=bool)
        self.size = len(flags)
        self.last = date.fromordinal(self.base + self.size - 1)
        seq = np.cumsum(flags, dtype=np.int64)
        self.seq_array = seq
        self.flag_array = flags
        # work_ord[k] = ordinal of the working day whose seq is k (index 0 is a sentinel before the range).
        self.work_ord_array = np.concatenate(([self.base - 1], self.base + np.flatnonzero(flags))).astype(np.int64)
        self._seq = seq.tolist()
        self._flags = flags.tolist()
        self._work_ord = self.work_ord_array.tolist()
        self.provisional_years = frozenset(d.year for d in provisional)

    @classmethod
    def from_days(cls, days: Sequence[DayInfo]) -> WorkCalendar:
        ordered = sorted(days, key=lambda d: d.day)
        first = ordered[0].day
        if ordered[-1].day.toordinal() - first.toordinal() + 1 != len(ordered):
            raise ValueError("calendar days must be contiguous")
        return cls(first, [d.is_workday for d in ordered],
                   [d.day for d in ordered if d.source == DaySource.PROVISIONAL])

    def _index(self, day: date, field: str = "start") -> int:
        i = day.toordinal() - self.base
        if not 0 <= i < self.size:
            raise CalendarRangeError({field: _(
                "{day} is outside the working-day calendar ({first} to {last}).",
                day=day.isoformat(), first=self.first.isoformat(), last=self.last.isoformat())})
        return i

    def is_workday(self, day: date) -> bool:
        return self._flags[self._index(day, "day")]

    def seq(self, day: date) -> int:
        return self._seq[self._index(day, "day")]

    def deadline(self, start: date, workdays: int) -> date:
        if workdays < 0:
            raise ValidationError({"workdays": _("The number of working days cannot be negative.")})
        if workdays == 0:
            return start
        target = self._seq[self._index(start)] + workdays
        if target >= len(self._work_ord):
            raise CalendarRangeError({"workdays": _(
                "The deadline falls after the end of the working-day calendar ({last}).", last=self.last.isoformat())})
        return date.fromordinal(self._work_ord[target])

    def elapsed(self, start: date, end: date) -> int:
        return self._seq[self._index(end, "end")] - self._seq[self._index(start)]

    def deadlines(self, start_ordinals: np.ndarray, workdays: np.ndarray) -> np.ndarray:
        """Vectorised deadline for many (start ordinal, N) pairs; returns ordinals."""
        idx = np.asarray(start_ordinals, dtype=np.int64) - self.base
        if idx.size and (idx.min() < 0 or idx.max() >= self.size):
            raise CalendarRangeError({"start": _("A start date is outside the working-day calendar.")})
        n = np.asarray(workdays, dtype=np.int64)
        if n.size and n.min() < 0:
            raise ValidationError({"workdays": _("The number of working days cannot be negative.")})
        target = self.seq_array[idx] + n
        if target.size and target.max() >= len(self.work_ord_array):
            raise CalendarRangeError({"workdays": _(
                "The deadline falls after the end of the working-day calendar ({last}).", last=self.last.isoformat())})
        # N = 0 is the start day itself, as in the scalar rule.
        return np.where(n == 0, idx + self.base, self.work_ord_array[target])

    def is_provisional(self, day: date) -> bool:
        return day.year in self.provisional_years


@lru_cache(maxsize=1)
def builtin_calendar() -> WorkCalendar:
    """The calendar as the packages give it (used before the table is filled, and by pure tests)."""
    return WorkCalendar.from_days(default_days())


# --- the process-wide cache ------------------------------------------------------------------------------
def _read_generation(engine: Engine) -> int:
    """-1 when the table is empty (or the schema does not exist yet): the built-in calendar is used."""
    try:
        with Session(engine) as session:
            value = session.exec(select(PolicySetting.value).where(PolicySetting.key == GENERATION_KEY)).first()
            if value is not None:
                return int(value)
            has_rows = session.exec(select(CalendarDay.day).limit(1)).first() is not None
            return 0 if has_rows else -1
    except SQLAlchemyError:
        return -1


def _load(session: Session) -> WorkCalendar:
    rows = session.exec(select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.source)
                        .order_by(CalendarDay.day)).all()
    if not rows:
        return builtin_calendar()
    return WorkCalendar.from_days([DayInfo(d, bool(w), s) for d, w, s in rows])


def _build(engine: Engine, generation: int) -> WorkCalendar:
    if generation < 0:
        return builtin_calendar()
    with Session(engine) as session:
        return _load(session)


_cache: VersionedCache[int, WorkCalendar] = VersionedCache(_read_generation, _build, recheck_seconds=RECHECK_SECONDS)


def current() -> WorkCalendar:
    """The calendar of the bound database, rebuilt only when its generation moved."""
    return _cache.get()


def invalidate() -> None:
    """Forget the cached calendar (called after a committed change)."""
    _cache.invalidate()


# --- the contract other modules use ----------------------------------------------------------------------
def deadline(start: date, workdays: int) -> date:
    """The N-th working day after `start` (the start day is not counted)."""
    return current().deadline(start, workdays)


def elapsed_workdays(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is before `start`)."""
    return current().elapsed(start, end)


def is_workday(day: date) -> bool:
    return current().is_workday(day)


def is_provisional(day: date) -> bool:
    return current().is_provisional(day)


def deadlines_many(starts: Sequence[date] | np.ndarray, workdays: Sequence[int] | np.ndarray) -> list[date]:
    """Deadlines for many pairs at once (seed data, benchmarks, bulk recomputation)."""
    cal = current()
    ordinals = np.fromiter((d.toordinal() for d in starts), dtype=np.int64) if not isinstance(starts, np.ndarray) else starts
    return [date.fromordinal(int(o)) for o in cal.deadlines(ordinals, np.asarray(workdays))]


# --- writing the table -----------------------------------------------------------------------------------
def _bump_generation(session: Session, actor: Actor | None, now: datetime | None) -> int:
    row = session.get(PolicySetting, GENERATION_KEY, with_for_update=True)
    if row is None:
        row = PolicySetting(key=GENERATION_KEY, value="0")
    row.value = str(int(row.value) + 1)
    row.updated_by = actor.user_id if actor else None
    row.updated_at = now_utc(now)
    session.add(row)
    return int(row.value)


def _renumber(session: Session) -> WorkCalendar:
    """Recompute workday_seq for every row whose count changed; returns the calendar as now written."""
    rows = session.exec(select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.source, CalendarDay.workday_seq)
                        .order_by(CalendarDay.day)).all()
    running = 0
    changes = []
    for day, is_work, _source, seq in rows:
        running += 1 if is_work else 0
        if seq != running:
            changes.append({"day": day, "workday_seq": running})
    if changes:
        session.execute(update(CalendarDay), changes)
    return WorkCalendar.from_days([DayInfo(d, bool(w), s) for d, w, s, _q in rows])


def renumber(session: Session, actor: Actor | None, now: datetime | None) -> WorkCalendar:
    """After rows changed: recompute the running working-day count and bump the generation so that every
    process re-reads the calendar. Moving the due dates of open clocks is the caller's step
    (services.deadlines.configuration), so the calendar depends on nothing above it."""
    session.flush()
    calendar = _renumber(session)
    _bump_generation(session, actor, now)
    return calendar


def fill(session: Session, *, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR,
         now: datetime | None = None) -> dict[str, int]:
    """Insert missing years from the packages and upgrade provisional days of years chinesecalendar now covers.

    Days an administrator edited or imported are never touched. The caller renumbers (`renumber`), moves open
    clocks, commits and audits (services.deadlines.configuration)."""
    existing = {d: s for d, s in session.exec(select(CalendarDay.day, CalendarDay.source)).all()}
    covered = official_years()
    inserted = upgraded = 0
    new_rows = []
    upgrades = []
    for info in default_days(first_year, last_year):
        source = existing.get(info.day)
        if source is None:
            new_rows.append({"day": info.day, "is_workday": info.is_workday, "source": str(info.source),
                             "note": info.note, "workday_seq": 0})
            inserted += 1
        elif source == DaySource.PROVISIONAL and info.day.year in covered:
            upgrades.append({"day": info.day, "is_workday": info.is_workday, "source": str(info.source),
                             "note": info.note})
            upgraded += 1
    if new_rows:
        from sqlalchemy import insert

        session.execute(insert(CalendarDay), new_rows)
    if upgrades:
        session.execute(update(CalendarDay), upgrades)
    return {"inserted": inserted, "upgraded": upgraded}


# --- importing an official schedule ---------------------------------------------------------------------
TRUE_WORDS = {"1", "true", "yes", "y", "workday", "work", "是", "班", "上班", "工作日"}
FALSE_WORDS = {"0", "false", "no", "n", "holiday", "off", "rest", "否", "休", "休息", "放假", "休息日", "节假日"}
DATE_HEADERS = {"date", "day", "日期"}
WORKDAY_HEADERS = {"is_workday", "workday", "是否工作日", "工作日"}
NOTE_HEADERS = {"note", "备注", "说明"}


@dataclass
class ImportRow:
    day: date
    is_workday: bool
    note: str | None


@dataclass
class ImportResult:
    years: list[int]
    days_listed: int
    days_changed: int
    clocks_moved: int


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value).replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_schedule(content: bytes, filename: str) -> list[list]:
    """Raw rows (header first) of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise ValidationError({"file": _("The file is not a readable Excel workbook.")}) from exc
        sheet = wb.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    if name.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("The file is neither UTF-8 nor GB18030 text.")})
        return [row for row in csv.reader(io.StringIO(text))]
    raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})


def parse_schedule(raw_rows: list[list]) -> list[ImportRow]:
    """Validate every row (all-or-nothing): columns date, is_workday, note matched by header."""
    rows = [r for r in raw_rows if any(_cell_text(c) for c in r)]
    if not rows:
        raise ValidationError({"file": _("The file is empty.")})
    header = [_cell_text(c).lower() for c in rows[0]]

    def column(names: set[str]) -> int | None:
        return next((i for i, h in enumerate(header) if h in names), None)

    i_date, i_work, i_note = column(DATE_HEADERS), column(WORKDAY_HEADERS), column(NOTE_HEADERS)
    if i_date is None or i_work is None:
        raise ValidationError({"file": _("The first row must name the columns date, is_workday and note "
                                         "(or 日期, 是否工作日, 备注).")})
    problems: list[str] = []
    parsed: list[ImportRow] = []
    seen: set[date] = set()
    for line_no, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        day = _parse_date(cells[i_date])
        work_text = _cell_text(cells[i_work]).lower()
        note = _cell_text(cells[i_note]) if i_note is not None else ""
        if day is None:
            problems.append(_("Row {row}: {value} is not a date (YYYY-MM-DD).", row=line_no, value=_cell_text(cells[i_date])))
            continue
        if not date(FIRST_YEAR, 1, 1) <= day <= date(LAST_YEAR, 12, 31):
            problems.append(_("Row {row}: {day} is outside {first}–{last}.", row=line_no, day=day.isoformat(),
                              first=FIRST_YEAR, last=LAST_YEAR))
            continue
        if work_text in TRUE_WORDS:
            is_work = True
        elif work_text in FALSE_WORDS:
            is_work = False
        else:
            problems.append(_("Row {row}: is_workday must be 1 or 0 (是/否), not {value}.", row=line_no,
                              value=work_text or "—"))
            continue
        if day in seen:
            problems.append(_("Row {row}: {day} is listed twice.", row=line_no, day=day.isoformat()))
            continue
        if len(note) > NOTE_MAX:
            problems.append(_("Row {row}: the note is longer than {n} characters.", row=line_no, n=NOTE_MAX))
            continue
        seen.add(day)
        parsed.append(ImportRow(day, is_work, note or None))
    if problems:
        raise ValidationError({"file": "\n".join(problems)})
    if not parsed:
        raise ValidationError({"file": _("The file lists no days.")})
    return parsed


# --- reads for the administration page and the CLI --------------------------------------------------------
@dataclass
class YearStatus:
    year: int
    source: str  # official | provisional | mixed
    workdays: int
    days_off: int
    overrides: int


def _status_rows(session: Session) -> list[YearStatus]:
    rows = session.exec(select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.source)).all()
    if not rows:
        return [YearStatus(y, DaySource.OFFICIAL if y in official_years() else DaySource.PROVISIONAL,
                           0, 0, 0) for y in range(FIRST_YEAR, LAST_YEAR + 1)]
    by_year: dict[int, dict] = {}
    for day, is_work, source in rows:
        s = by_year.setdefault(day.year, {"work": 0, "off": 0, "sources": set(), "override": 0})
        s["work" if is_work else "off"] += 1
        s["sources"].add(source)
        s["override"] += source == DaySource.OVERRIDE
    result = []
    for year in sorted(by_year):
        s = by_year[year]
        base = s["sources"] - {DaySource.OVERRIDE}
        source = base.pop() if len(base) == 1 else ("mixed" if base else DaySource.OVERRIDE)
        result.append(YearStatus(year, str(source), s["work"], s["off"], s["override"]))
    return result


def status() -> list[YearStatus]:
    """Years and their source (CLI; the table is public reference data)."""
    with read_session() as session:
        return _status_rows(session)


def year_status(actor: Actor) -> list[YearStatus]:
    with read_scope(actor, "calendar.manage") as (session, _scope):
        return _status_rows(session)


def year_days(actor: Actor, year: int) -> pd.DataFrame:
    """Every day of one year: date, is_workday, kind, source, note (the administration page's month grid)."""
    with read_scope(actor, "calendar.manage") as (session, _scope):
        rows = session.exec(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                      CalendarDay.day <= date(year, 12, 31))
                            .order_by(CalendarDay.day)).all()
        days = [DayInfo(r.day, r.is_workday, r.source, r.note) for r in rows]
    if not days and FIRST_YEAR <= year <= LAST_YEAR:
        days = default_days(year, year)
    return pd.DataFrame([{"day": d.day, "is_workday": d.is_workday, "kind": day_kind(d.day, d.is_workday),
                          "source": str(d.source), "note": d.note} for d in days],
                        columns=["day", "is_workday", "kind", "source", "note"])


def table_size() -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(CalendarDay)).one()
