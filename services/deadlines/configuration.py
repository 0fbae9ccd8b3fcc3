"""Changing the working-day calendar or the policy profile, and moving the due dates of open clocks with it.

The calendar and the profiles are read by the clocks, so they cannot call the clocks themselves without a cycle:
every command that edits them lives here, one level up, and recomputes the open clocks in the same transaction
(audited with how many moved). Other columns derived from working days (an entry's `fresh_until`) are kept by
the listeners named in CALENDAR_LISTENERS, called in the same transaction ("module:function" strings, as the
catalog's publish listeners: the dependency is declared here and the import graph stays one-way)."""

from __future__ import annotations

import importlib
import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from models import CalendarDay, DaySource, PolicySetting
from services.core import audit
from services.core.actor import Actor
from services.core.db import write_session
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.uow import unit_of_work
from services.deadlines import calendar, clocks, policy


def _clocks_moved(session: Session, **kwargs) -> int:
    return clocks.recompute_open(session, **kwargs)


# Called as listener(session, calendar) -> number of rows changed, after every calendar change; the count is
# audited under the listener's key.
CALENDAR_LISTENERS = {"fresh_until_moved": "services.aggregation.commands:calendar_changed"}


def _calendar_changed(session: Session, actor: Actor | None, now: datetime | None,
                      effects: dict[str, int] | None = None) -> int:
    """Renumber the calendar, move the open clocks and call the calendar listeners (their counts go into
    `effects`); returns how many clocks moved."""
    cal = calendar.renumber(session, actor, now)
    moved = _clocks_moved(session, calendar=cal)
    for key, target in CALENDAR_LISTENERS.items():
        module, _sep, name = target.partition(":")
        changed = getattr(importlib.import_module(module), name)(session, cal)
        if effects is not None:
            effects[key] = changed
    return moved


def _profile_changed(session: Session) -> int:
    session.flush()
    return _clocks_moved(session, profile=policy.build_profile(policy.read_settings(session)))


# --- the working-day calendar ------------------------------------------------------------------------------
def ensure_filled(now: datetime | None = None) -> dict[str, int]:
    """Bootstrap loader and seed step: fill the table for calendar.FIRST_YEAR..calendar.LAST_YEAR (idempotent)."""
    with write_session() as session:
        result = calendar.fill(session, now=now)
        result["clocks_moved"] = 0
        if result["inserted"] or result["upgraded"]:
            result["clocks_moved"] = _calendar_changed(session, None, now, result)
            audit.record(session, Actor.system("calendar"), "calendar.fill", object_type="calendar",
                         detail=result, now=now)
        session.commit()
    calendar.invalidate()
    return result


def _require_filled(session: Session, now: datetime | None) -> None:
    if session.exec(select(CalendarDay.day).limit(1)).first() is None:
        calendar.fill(session, now=now)


def _validate_note(note: str | None, errors: dict[str, str], field: str = "note") -> str | None:
    note = (note or "").strip() or None
    if note and len(note) > calendar.NOTE_MAX:
        errors[field] = _("The note is longer than {n} characters.", n=calendar.NOTE_MAX)
    return note


def set_day(actor: Actor, day: date, is_workday: bool, note: str | None = None, *,
            now: datetime | None = None) -> int:
    """Mark one day as a working day or a day off (source = override); returns how many open clocks moved."""
    with unit_of_work(actor, now) as uow:
        uow.require("calendar.manage", object_type="calendar_day", object_id=day)
        errors: dict[str, str] = {}
        note = _validate_note(note, errors)
        if not date(calendar.FIRST_YEAR, 1, 1) <= day <= date(calendar.LAST_YEAR, 12, 31):
            errors["day"] = _("Choose a date between {first} and {last}.", first=f"{calendar.FIRST_YEAR}-01-01",
                              last=f"{calendar.LAST_YEAR}-12-31")
        if errors:
            raise ValidationError(errors)
        _require_filled(uow.session, now)
        row = uow.get(CalendarDay, day, for_update=True)
        before = {"is_workday": row.is_workday, "source": row.source, "note": row.note}
        row.is_workday, row.source, row.note = bool(is_workday), str(DaySource.OVERRIDE), note
        uow.session.add(row)
        effects: dict[str, int] = {}
        moved = _calendar_changed(uow.session, actor, now, effects)
        uow.audit("calendar.edit_day", object_type="calendar_day", object_id=day.isoformat(),
                  detail={"before": before, "after": {"is_workday": row.is_workday, "source": row.source,
                                                      "note": note}, "clocks_moved": moved, **effects})
        uow.commit()
    calendar.invalidate()
    return moved


def import_schedule(actor: Actor, rows: list[calendar.ImportRow], *, now: datetime | None = None) -> calendar.ImportResult:
    """Make every year the file touches official: listed days as given, the others Monday–Friday working.

    The State Council's notice lists only holidays and worked weekends, so a file in that form is enough."""
    with unit_of_work(actor, now) as uow:
        uow.require("calendar.manage", object_type="calendar")
        if not rows:
            raise ValidationError({"file": _("The file lists no days.")})
        years = sorted({r.day.year for r in rows})
        session = uow.session
        _require_filled(session, now)
        listed = {r.day: r for r in rows}
        current_rows = {d.day: d for d in session.exec(
            select(CalendarDay).where(CalendarDay.day >= date(years[0], 1, 1),
                                      CalendarDay.day <= date(years[-1], 12, 31))).all()}
        changes = []
        changed_days = 0
        for year in years:
            day = date(year, 1, 1)
            while day.year == year:
                entry = listed.get(day)
                is_work = entry.is_workday if entry else day.weekday() < 5
                note = entry.note if entry else None
                row = current_rows.get(day)
                if row is None:
                    session.add(CalendarDay(day=day, is_workday=is_work, source=str(DaySource.OFFICIAL), note=note,
                                            workday_seq=0))
                    changed_days += 1
                elif (row.is_workday, row.source, row.note) != (is_work, DaySource.OFFICIAL, note):
                    changed_days += row.is_workday != is_work
                    changes.append({"day": day, "is_workday": is_work, "source": str(DaySource.OFFICIAL), "note": note})
                day += timedelta(days=1)
        if changes:
            session.execute(update(CalendarDay), changes)
        effects: dict[str, int] = {}
        moved = _calendar_changed(session, actor, now, effects)
        result = calendar.ImportResult(years, len(rows), changed_days, moved)
        uow.audit("calendar.import", object_type="calendar", object_id=",".join(map(str, years)),
                  detail={"years": years, "days_listed": len(rows), "workday_flags_changed": changed_days,
                          "clocks_moved": moved, **effects})
        uow.commit()
    calendar.invalidate()
    return result


def import_file(actor: Actor, content: bytes, filename: str, *, now: datetime | None = None) -> calendar.ImportResult:
    """Read an official schedule (CSV or XLSX) and import it; the permission is checked before the file is read."""
    with unit_of_work(actor, now) as uow:
        uow.require("calendar.manage", object_type="calendar")
    return import_schedule(actor, calendar.parse_schedule(calendar.read_schedule(content, filename)), now=now)


# --- the policy profile ------------------------------------------------------------------------------
def use_profile(actor: Actor, name: str, *, now: datetime | None = None) -> int:
    """Make `name` the active profile (overrides stay); returns how many open clocks changed due date."""
    with unit_of_work(actor, now) as uow:
        uow.require("policy.manage", object_type="policy", object_id=name)
        if name not in policy.shipped_profiles():
            raise ValidationError({"profile": _("There is no policy profile named {name}.", name=name)})
        before = policy.read_settings(uow.session).get(policy.ACTIVE_KEY) or policy.default_profile_name()
        policy.put_setting(uow.session, policy.ACTIVE_KEY, name, actor, now)
        moved = _profile_changed(uow.session)
        uow.audit("policy.use", object_type="policy", object_id=name,
                  detail={"before": before, "after": name, "clocks_moved": moved})
        uow.commit()
    policy.invalidate()
    return moved


def set_override(actor: Actor, path: str, value: Any, *, now: datetime | None = None) -> int:
    """Override one value of the active profile; returns how many open clocks changed due date."""
    with unit_of_work(actor, now) as uow:
        uow.require("policy.manage", object_type="policy_override", object_id=path)
        clean = policy.validate_override(path, value)
        settings = policy.read_settings(uow.session)
        before = settings.get(policy.OVERRIDE_PREFIX + path, "(profile)")
        policy.put_setting(uow.session, policy.OVERRIDE_PREFIX + path, clean, actor, now)
        moved = _profile_changed(uow.session)
        uow.audit("policy.override", object_type="policy_override", object_id=path,
                  detail={"before": before, "after": clean, "clocks_moved": moved})
        uow.commit()
    policy.invalidate()
    return moved


def clear_override(actor: Actor, path: str, *, now: datetime | None = None) -> int:
    """Return one value to the profile's own; returns how many open clocks changed due date."""
    with unit_of_work(actor, now) as uow:
        uow.require("policy.manage", object_type="policy_override", object_id=path)
        row = uow.session.get(PolicySetting, policy.OVERRIDE_PREFIX + path, with_for_update=True)
        if row is None:
            raise ValidationError({"path": _("{path} is not overridden.", path=path)})
        before = json.loads(row.value)
        uow.session.delete(row)
        moved = _profile_changed(uow.session)
        uow.audit("policy.override_clear", object_type="policy_override", object_id=path,
                  detail={"before": before, "after": "(profile)", "clocks_moved": moved})
        uow.commit()
    policy.invalidate()
    return moved
