"""Unit of work: one transaction per business action, permission check first, audit event in the same
transaction, and refusals audited in a transaction of their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlmodel import Session

from services.core import audit, permissions
from services.core.actor import Actor
from services.core.actor_store import current
from services.core.db import read_session, write_session
from services.core.errors import Conflict, NotFound, PermissionDenied
from services.core.permissions import Scope


class UnitOfWork:
    def __init__(self, session: Session, actor: Actor, now: datetime | None):
        self.session = session
        self.actor = actor
        self.now = now
        self._denied_target: tuple[str | None, object | None] = (None, None)

    def require(self, action: str, *, unit_id: int | None = None, region_id: int | None = None,
                object_type: str | None = None, object_id: object | None = None) -> Scope:
        self._denied_target = (object_type, object_id)
        self.actor = current(self.session, self.actor)
        return permissions.require(self.actor, action, unit_id=unit_id, region_id=region_id)

    def get(self, model, key, *, for_update: bool = False):
        obj = self.session.get(model, key, with_for_update=for_update or None)
        if obj is None:
            raise NotFound()
        return obj

    def check_version(self, obj, expected: int | None) -> None:
        """Optimistic lock: the caller read `expected`; somebody else may have moved the row since."""
        if expected is not None and obj.version != expected:
            raise Conflict()
        obj.version += 1

    def audit(self, action: str, *, object_type: str | None = None, object_id: object | None = None,
              detail: dict | None = None, result: str = "success") -> None:
        audit.record(self.session, self.actor, action, object_type=object_type, object_id=object_id,
                     detail=detail, result=result, now=self.now)

    def commit(self) -> None:
        self.session.commit()


def _record_denial(actor: Actor, exc: PermissionDenied, target: tuple[str | None, object | None],
                   now: datetime | None) -> None:
    with write_session() as session:
        audit.record(session, actor, exc.action or "unknown", object_type=target[0], object_id=target[1],
                     result="denied", detail={"message": exc.message}, now=now)
        session.commit()


@contextmanager
def unit_of_work(actor: Actor, now: datetime | None = None) -> Iterator[UnitOfWork]:
    """Mutating use cases: `with unit_of_work(actor, now) as uow: uow.require(...); ...; uow.audit(...); uow.commit()`."""
    uow: UnitOfWork | None = None
    try:
        with write_session() as session:
            uow = UnitOfWork(session, actor, now)
            yield uow
    except PermissionDenied as exc:
        _record_denial(actor, exc, uow._denied_target if uow else (None, None), now)
        raise


@contextmanager
def read_scope(actor: Actor, action: str, *, unit_id: int | None = None, region_id: int | None = None,
               now: datetime | None = None) -> Iterator[tuple[Session, Scope]]:
    """Read-only use cases: checks `action` first and yields the session with the scope to filter by."""
    with read_session() as session:
        try:
            scope = permissions.require(current(session, actor), action, unit_id=unit_id, region_id=region_id)
        except PermissionDenied as exc:
            session.rollback()
            _record_denial(actor, exc, (None, unit_id), now)
            raise
        yield session, scope
