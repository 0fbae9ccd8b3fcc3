"""Operator bootstrap run from the command line: reference data after a migration, first accounts."""

from __future__ import annotations

from sqlmodel import select

from models import Region, Unit, UnitKind, User
from services.administration import orgs, users
from services.core.actor import Actor
from services.core.db import read_session
from services.core.errors import ValidationError
from services.core.i18n import gettext as _

CLI_ACTOR = Actor.system("manage.py")


def reference_data() -> None:
    """Idempotent reference rows every deployment needs (each feature adds its own here)."""
    for loader in REFERENCE_LOADERS:
        loader()


REFERENCE_LOADERS: list = []


def _working_calendar_and_policy() -> None:
    """Calendar days 2015–2035 (official years upgraded when chinesecalendar learns them) and the default profile."""
    from services.deadlines import configuration, policy

    configuration.ensure_filled()
    policy.ensure_active()


REFERENCE_LOADERS.append(_working_calendar_and_policy)


def create_user(username: str, password: str, *, roles: set[str], org_uscc: str | None = None,
                display_name: str | None = None) -> int:
    with read_session() as session:
        if org_uscc:
            unit = session.exec(select(Unit).where(Unit.uscc == org_uscc.strip().upper())).first()
            if unit is None:
                raise ValidationError({"org": _("No unit has the unified social credit code {code}.", code=org_uscc)})
        else:
            unit = session.exec(select(Unit).where(Unit.kind == UnitKind.BUREAU).order_by(Unit.id)).first()
            if unit is None:
                raise ValidationError({"org": _("No bureau exists yet: give the unit with --org.")})
        if session.exec(select(User.id).where(User.username == username)).first() is not None:
            raise ValidationError({"username": _("This user name is taken.")})
    user_id = users.create_user(
        CLI_ACTOR, users.UserInput(username=username, display_name=display_name or username, unit_id=unit.id),
        password, must_change=False)
    users.set_roles(CLI_ACTOR, user_id, roles)
    return user_id


def _region_id(session, code: str) -> int | None:
    return session.exec(select(Region.id).where(Region.code == (code or "").strip())).first()


def create_region(code: str, name: str, *, level: str, parent_code: str | None = None) -> int:
    """First regions of an empty deployment (later ones on the Regions screen); the parent is named by its code."""
    parent_id = None
    if parent_code:
        with read_session() as session:
            parent_id = _region_id(session, parent_code)
        if parent_id is None:
            raise ValidationError({"parent_id": _("No region has the code {code}.", code=parent_code)})
    return orgs.save_region(CLI_ACTOR, orgs.RegionInput(code=code, name=name, level=level, parent_id=parent_id))


def create_unit(uscc: str, name: str, *, kind: str, level: str, region_code: str,
                short_name: str | None = None) -> int:
    """First units of an empty deployment (the competent bureau before `create-user`); the region by its code."""
    with read_session() as session:
        region_id = _region_id(session, region_code)
    if region_id is None:
        raise ValidationError({"region_id": _("No region has the code {code}.", code=region_code)})
    return orgs.save_unit(CLI_ACTOR, orgs.UnitInput(uscc=uscc, name=name, kind=kind, level=level, region_id=region_id,
                                                    short_name=(short_name or "").strip() or None))
