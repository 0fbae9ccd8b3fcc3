"""Loading the acting user from the database: identity, unit, region scope, and the roles the account holds now.

Kept apart from `actor.py` so that the Actor itself is plain data the pure rules modules can use."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from models import Region, Unit, User, UserRole
from services.core.actor import Actor


def region_descendants(session: Session, region_id: int) -> frozenset[int]:
    ids = {region_id}
    frontier = [region_id]
    while frontier:
        children = session.exec(select(Region.id).where(Region.parent_id.in_(frontier))).all()  # type: ignore[union-attr]
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return frozenset(ids)


def load_actor(session: Session, user: User) -> Actor:
    unit = session.get(Unit, user.unit_id)
    roles = frozenset(session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all())
    region_id = unit.region_id if unit else None
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        unit_id=user.unit_id,
        region_id=region_id,
        roles=roles,
        region_ids=region_descendants(session, region_id) if region_id else frozenset(),
        language=user.language,
        unit_name=unit.name if unit else "",
    )


def current(session: Session, actor: Actor) -> Actor:
    """The actor with the roles its account holds now (none once deactivated), in one indexed read.

    Services check permissions against this, never against the roles a browser tab loaded at sign-in, so a
    revoked role or a deactivated account stops working at the next action."""
    if actor.user_id is None or actor.is_system:
        return actor
    roles = frozenset(session.exec(
        select(UserRole.role).join(User, User.id == UserRole.user_id)  # type: ignore[arg-type]
        .where(UserRole.user_id == actor.user_id, User.is_active)
    ).all())
    return actor if roles == actor.roles else replace(actor, roles=roles)
