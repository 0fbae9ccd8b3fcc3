"""Hand-built test data: a tiny city/county tree with one account per role, returned as Actors."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from models import Region, Role, Unit, User, UserRole
from services.administration.auth import hash_password
from services.core.actor import Actor
from services.core.actor_store import load_actor
from services.core.db import write_session
from services.core.timeutil import now_utc
from services.core.validators import make_uscc

PASSWORD = "Test@Pass2026"
_seq = iter(range(1000, 100000))


@dataclass
class World:
    regions: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Actor:
        return self.actors[key]


def add_user(username: str, unit_id: int, roles: list[str], *, password: str = PASSWORD) -> Actor:
    with write_session() as session:
        user = User(username=username, display_name=username, unit_id=unit_id, password_hash=hash_password(password),
                    password_changed_at=now_utc())
        session.add(user)
        session.flush()
        for role in roles:
            session.add(UserRole(user_id=user.id, role=role))
        session.commit()
        return load_actor(session, user)


def add_unit(name: str, region_id: int, region_code: str, *, kind: str = "department", level: str = "city") -> int:
    with write_session() as session:
        unit = Unit(uscc=make_uscc("1", "1", region_code, f"{next(_seq):08d}"), name=name, short_name=name,
                    kind=kind, level=level, region_id=region_id)
        session.add(unit)
        session.commit()
        return unit.id  # type: ignore[return-value]


def build_world() -> World:
    w = World()
    with write_session() as session:
        city = Region(code="990100", name="示范市", level="city")
        session.add(city)
        session.flush()
        county = Region(code="990121", name="东山县", level="county", parent_id=city.id)
        county2 = Region(code="990122", name="西江县", level="county", parent_id=city.id)
        session.add(county)
        session.add(county2)
        session.commit()
        w.regions = {"city": city.id, "county": county.id, "county2": county2.id}  # type: ignore[dict-item]
    w.units["bureau"] = add_unit("示范市大数据局", w.regions["city"], "990100", kind="bureau")
    w.units["police"] = add_unit("示范市公安局", w.regions["city"], "990100")
    w.units["civil"] = add_unit("示范市民政局", w.regions["city"], "990100")
    w.units["county_egov"] = add_unit("东山县政务服务和数据管理局", w.regions["county"], "990121",
                                      kind="county_egov", level="county")
    w.units["county_police"] = add_unit("东山县公安局", w.regions["county"], "990121", level="county")
    w.units["county_civil"] = add_unit("东山县民政局", w.regions["county"], "990121", level="county")
    w.units["county2_egov"] = add_unit("西江县政务服务和数据管理局", w.regions["county2"], "990122",
                                       kind="county_egov", level="county")
    w.units["county2_police"] = add_unit("西江县公安局", w.regions["county2"], "990122", level="county")
    b = w.units["bureau"]
    for key, unit, roles in (
        ("leader", b, [Role.LEADER]), ("reviewer", b, [Role.BUREAU_REVIEWER]), ("assessor", b, [Role.ASSESSOR]),
        ("sysadmin", b, [Role.SYS_ADMIN]), ("secadmin", b, [Role.SECURITY_ADMIN]), ("auditadmin", b, [Role.AUDIT_ADMIN]),
        ("police", w.units["police"], [Role.UNIT_STEWARD]), ("civil", w.units["civil"], [Role.UNIT_STEWARD]),
        ("county_police", w.units["county_police"], [Role.UNIT_STEWARD]),
        ("county_civil", w.units["county_civil"], [Role.UNIT_STEWARD]),
        ("county2_police", w.units["county2_police"], [Role.UNIT_STEWARD]),
        ("approver", w.units["county_egov"], [Role.COUNTY_APPROVER]),
        ("approver2", w.units["county2_egov"], [Role.COUNTY_APPROVER]),
    ):
        w.actors[key] = add_user(key, unit, [str(r) for r in roles])
    return w


def user_row(username: str) -> User:
    with write_session() as session:
        return session.exec(select(User).where(User.username == username)).one()


def previous_code(secret: str) -> str:
    """The TOTP code of the previous 30-second step (still accepted, for clock drift). Enrolling with it leaves the
    current code unused, since every code is accepted once."""
    import time

    import pyotp

    return pyotp.TOTP(secret).at(time.time() - 30)
