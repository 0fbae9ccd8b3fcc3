"""Regions and units: the administrative tree the permissions and routing rules stand on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlmodel import func, select

from models import Region, RegionLevel, Unit, UnitKind, UnitLevel, User
from services.core.actor import Actor
from services.core.audit import diff
from services.core.db import read_session
from services.core.errors import NotFound, ValidationError
from services.core.i18n import gettext as _
from services.core.search import clean, contains
from services.core.timeutil import now_utc
from services.core.uow import unit_of_work
from services.core.validators import length_errors, normalize_code, phone_error, region_code_error, uscc_error


@dataclass
class RegionInput:
    code: str
    name: str
    level: str
    parent_id: int | None = None


@dataclass
class UnitInput:
    uscc: str
    name: str
    kind: str
    level: str
    region_id: int
    short_name: str | None = None
    chief_data_officer: str | None = None
    data_admin_name: str | None = None
    data_admin_phone: str | None = None
    is_active: bool = True


# The longest text each form field may hold (the columns' lengths); the forms state them in their help.
REGION_LIMITS = {"name": 60}
UNIT_LIMITS = {"name": 100, "short_name": 40, "chief_data_officer": 60, "data_admin_name": 60,
               "data_admin_phone": 30}


def _unit_fields(unit: Unit) -> dict:
    return {k: getattr(unit, k) for k in UnitInput.__dataclass_fields__}


def list_regions() -> pd.DataFrame:
    """Everyone signed in may read the region tree (it is needed by every filter)."""
    with read_session() as session:
        rows = session.exec(select(Region).order_by(Region.code)).all()
        return pd.DataFrame([{"id": r.id, "code": r.code, "name": r.name, "level": r.level,
                              "parent_id": r.parent_id} for r in rows],
                            columns=["id", "code", "name", "level", "parent_id"])


def _validate_region(data: RegionInput, session, region_id: int | None = None) -> None:
    errors: dict[str, str] = {}
    problem = region_code_error(data.code)
    if problem:
        errors["code"] = problem
    if not data.name.strip():
        errors["name"] = _("The name is required.")
    length_errors(errors, REGION_LIMITS, data.__dict__)
    if data.level not in set(RegionLevel):
        errors["level"] = _("Choose a level.")
    if data.level == RegionLevel.COUNTY and data.parent_id is None:
        errors["parent_id"] = _("A county belongs to a city: choose its parent.")
    if data.parent_id is not None and data.parent_id == region_id:
        errors["parent_id"] = _("A region cannot be its own parent.")
    dup = session.exec(select(Region.id).where(Region.code == data.code.strip())).first()
    if dup is not None and dup != region_id:
        errors["code"] = _("Another region already has this code.")
    if errors:
        raise ValidationError(errors)


def save_region(actor: Actor, data: RegionInput, region_id: int | None = None, *, now: datetime | None = None) -> int:
    with unit_of_work(actor, now) as uow:
        uow.require("region.manage", object_type="region", object_id=region_id)
        _validate_region(data, uow.session, region_id)
        if region_id is None:
            region = Region(code=data.code.strip(), name=data.name.strip(), level=data.level, parent_id=data.parent_id)
            uow.session.add(region)
            uow.session.flush()
            uow.audit("region.create", object_type="region", object_id=region.id, detail={"after": data.__dict__})
        else:
            region = uow.get(Region, region_id)
            before = {"code": region.code, "name": region.name, "level": region.level, "parent_id": region.parent_id}
            region.code, region.name, region.level, region.parent_id = (
                data.code.strip(), data.name.strip(), data.level, data.parent_id)
            uow.session.add(region)
            uow.audit("region.update", object_type="region", object_id=region.id,
                      detail={"before": before, "after": data.__dict__})
        uow.commit()
        return region.id  # type: ignore[return-value]


def list_units(*, region_id: int | None = None, include_inactive: bool = True, search: str | None = None) -> pd.DataFrame:
    """Units with their region and user counts; readable by every signed-in user (directory information)."""
    with read_session() as session:
        users = select(User.unit_id, func.count().label("users")).group_by(User.unit_id).subquery()
        stmt = (select(Unit, Region.name, users.c.users)
                .join(Region, Region.id == Unit.region_id)
                .outerjoin(users, users.c.unit_id == Unit.id)
                .order_by(Region.code, Unit.level, Unit.name))
        if region_id is not None:
            stmt = stmt.where(Unit.region_id == region_id)
        if not include_inactive:
            stmt = stmt.where(Unit.is_active)
        if clean(search):
            stmt = stmt.where(contains(Unit.name, search) | contains(Unit.uscc, search))
        rows = session.exec(stmt).all()
        return pd.DataFrame(
            [{"id": u.id, "uscc": u.uscc, "name": u.name, "short_name": u.short_name, "kind": u.kind,
              "level": u.level, "region_id": u.region_id, "region": rname, "chief_data_officer": u.chief_data_officer,
              "data_admin_name": u.data_admin_name, "data_admin_phone": u.data_admin_phone,
              "is_active": u.is_active, "users": int(n or 0), "version": u.version} for u, rname, n in rows],
            columns=["id", "uscc", "name", "short_name", "kind", "level", "region_id", "region", "chief_data_officer",
                     "data_admin_name", "data_admin_phone", "is_active", "users", "version"])


def get_unit(unit_id: int) -> Unit:
    with read_session() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound()
        return unit


def unit_id_by_uscc(uscc: str) -> int | None:
    """The unit with this unified social credit code (case and spaces ignored), or None."""
    with read_session() as session:
        return session.exec(select(Unit.id).where(Unit.uscc == normalize_code(uscc))).first()


def _validate_unit(data: UnitInput, session, unit_id: int | None) -> UnitInput:
    errors: dict[str, str] = {}
    data.uscc = normalize_code(data.uscc)
    problem = uscc_error(data.uscc)
    if problem:
        errors["uscc"] = problem
    elif (dup := session.exec(select(Unit.id).where(Unit.uscc == data.uscc)).first()) is not None and dup != unit_id:
        errors["uscc"] = _("Another unit already has this unified social credit code.")
    if not (data.name or "").strip():
        errors["name"] = _("The name is required.")
    length_errors(errors, UNIT_LIMITS, data.__dict__)
    if "data_admin_phone" not in errors and (problem := phone_error(data.data_admin_phone)) is not None:
        errors["data_admin_phone"] = problem
    if data.kind not in set(UnitKind):
        errors["kind"] = _("Choose a kind of unit.")
    if data.level not in set(UnitLevel):
        errors["level"] = _("Choose a level.")
    region = session.get(Region, data.region_id) if data.region_id else None
    if region is None:
        errors["region_id"] = _("Choose a region.")
    elif data.level == UnitLevel.COUNTY and region.level != RegionLevel.COUNTY:
        errors["region_id"] = _("A county-level unit must belong to a county.")
    if data.kind == UnitKind.COUNTY_EGOV and data.level != UnitLevel.COUNTY:
        errors["level"] = _("A county e-government department is county-level.")
    if errors:
        raise ValidationError(errors)
    data.name = data.name.strip()
    return data


def save_unit(actor: Actor, data: UnitInput, unit_id: int | None = None, *, expected_version: int | None = None,
              now: datetime | None = None) -> int:
    with unit_of_work(actor, now) as uow:
        uow.require("unit.manage", object_type="unit", object_id=unit_id)
        data = _validate_unit(data, uow.session, unit_id)
        if unit_id is None:
            unit = Unit(**data.__dict__)
            uow.session.add(unit)
            uow.session.flush()
            uow.audit("unit.create", object_type="unit", object_id=unit.id, detail={"after": data.__dict__})
        else:
            unit = uow.get(Unit, unit_id)
            uow.check_version(unit, expected_version)
            before = _unit_fields(unit)
            for key, value in data.__dict__.items():
                setattr(unit, key, value)
            unit.updated_at = now_utc(now)
            uow.session.add(unit)
            uow.audit("unit.update", object_type="unit", object_id=unit.id, detail=diff(before, _unit_fields(unit)))
        uow.commit()
        return unit.id  # type: ignore[return-value]
