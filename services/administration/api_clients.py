"""Client systems of the system interface (系统对接, Shanghai §9): registration, key rotation and revocation by the
system administrator, and the checks every interface call goes through (the key, the scope, the rate limit).

A key is shown once; only its SHA-256 is stored, so a lost key is rotated, never recovered. A call acts as an actor
of the client's unit holding only the role its scope needs (`SCOPE_ROLES`): never more than the unit's data
steward may do, except `kpi:read`, which reads the dashboard as an assessor does and is given to a data bureau's
client only. The call count lives in the database (one row per key and minute, incremented in one statement), so
the limit holds across every server process; a revoked or rotated key is refused at the next call."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models import Unit, UnitKind
from models.api import ApiAddressWindow, ApiClient, ApiRateWindow, ApiScope
from models.user import Role
from services.core import audit
from services.core.actor import Actor
from services.core.actor_store import region_descendants
from services.core.db import read_session, write_session
from services.core.errors import AuthError, NotFound, PermissionDenied, RateLimited, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.core.timeutil import now_utc
from services.core.uow import read_scope, unit_of_work

KEY_PREFIX = "gdh_"
NAME_MAX = 36  # "api:" + the name fits the audit log's user column (40) whole
MAX_RATE_LIMIT = 100_000
WINDOW = timedelta(minutes=1)
KEEP_WINDOWS = timedelta(hours=1)  # older count rows of a key are deleted when its next window opens

# The role an interface call acts in, per scope. Every one is a role the permission table already knows.
SCOPE_ROLES: dict[str, str] = {
    ApiScope.CATALOG_READ: Role.UNIT_STEWARD,
    ApiScope.CATALOG_WRITE: Role.UNIT_STEWARD,
    ApiScope.AGGREGATION_WRITE: Role.UNIT_STEWARD,
    ApiScope.SHARING_READ: Role.UNIT_STEWARD,
    ApiScope.KPI_READ: Role.ASSESSOR,
}
SCOPE_LABELS: dict[str, str] = {
    ApiScope.CATALOG_READ: N_("Read the published catalog"),
    ApiScope.CATALOG_WRITE: N_("Compile the unit's catalog entries"),
    ApiScope.AGGREGATION_WRITE: N_("Register aggregation and push the update log"),
    ApiScope.SHARING_READ: N_("Read the unit's grants and requests"),
    ApiScope.KPI_READ: N_("Read the dashboard KPIs"),
}
CLIENT_COLUMNS = ["id", "name", "unit", "scopes", "rate_limit", "key_hint", "created_at", "rotated_at",
                  "last_used_at", "revoked_at", "version"]


@dataclass(frozen=True)
class ClientInput:
    name: str
    unit_id: int | None
    scopes: list[str]
    rate_limit: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class ApiCaller:
    """An authenticated client system, as the interface sees it for one call."""

    client_id: int
    name: str
    unit_id: int
    unit_name: str
    region_id: int
    region_ids: frozenset[int]
    scopes: frozenset[str]

    def actor(self, scope: str, language: str = "zh_CN") -> Actor:
        """The actor a call in `scope` acts as: the client's unit, the scope's role, audited under the client's name."""
        return Actor(user_id=None, username=f"api:{self.name}"[:40], display_name=self.name, unit_id=self.unit_id,
                     region_id=self.region_id, roles=frozenset({SCOPE_ROLES[scope]}), region_ids=self.region_ids,
                     language=language, unit_name=self.unit_name)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _scopes_text(scopes: list[str]) -> str:
    return " ".join(s for s in ApiScope if s in set(scopes))  # the declared order, each once


def client_errors(session: Session, data: ClientInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not 2 <= len(name) <= NAME_MAX:
        errors["name"] = _("Give a name of 2 to {n} characters.", n=NAME_MAX)
    elif session.exec(select(ApiClient.id).where(ApiClient.name == name)).first() is not None:
        errors["name"] = _("Another client system already has this name.")
    unit = session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None or not unit.is_active:
        errors["unit_id"] = _("Choose an active unit.")
    unknown = [s for s in data.scopes if s not in set(ApiScope)]
    if not data.scopes or unknown:
        errors["scopes"] = _("Choose one or more scopes.")
    elif ApiScope.KPI_READ in data.scopes and unit is not None and unit.kind != UnitKind.BUREAU:
        errors["scopes"] = _("Only a data bureau's client system may read the KPIs.")
    if data.rate_limit is not None and not 1 <= data.rate_limit <= MAX_RATE_LIMIT:
        errors["rate_limit"] = _("Give a number of calls per minute between 1 and {n}.", n=MAX_RATE_LIMIT)
    return errors


def register_client(actor: Actor, data: ClientInput, *, now: datetime | None = None) -> tuple[int, str]:
    """Register a client system of a unit; returns its id and its key (shown once, never stored)."""
    with unit_of_work(actor, now) as uow:
        uow.require("api_client.manage", object_type="api_client", object_id=data.name)
        errors = client_errors(uow.session, data)
        if errors:
            raise ValidationError(errors)
        key = _new_key()
        client = ApiClient(name=data.name.strip(), unit_id=data.unit_id, scopes=_scopes_text(data.scopes),  # type: ignore[arg-type]
                           key_hash=hash_key(key), key_hint=key[:10],
                           rate_limit=data.rate_limit or get_settings().api_rate_limit,
                           note=(data.note or "").strip()[:500] or None, created_by=actor.user_id,
                           created_at=now_utc(now))
        uow.session.add(client)
        uow.session.flush()
        uow.audit("api_client.register", object_type="api_client", object_id=client.id,
                  detail={"name": client.name, "unit_id": client.unit_id, "scopes": client.scopes,
                          "rate_limit": client.rate_limit})
        uow.commit()
        return client.id, key  # type: ignore[return-value]


def _open_client(uow, client_id: int, expected_version: int | None) -> ApiClient:
    uow.require("api_client.manage", object_type="api_client", object_id=client_id)
    client = uow.get(ApiClient, client_id, for_update=True)
    if client.revoked_at is not None:
        raise ValidationError({"client": _("This client system's key was revoked.")})
    uow.check_version(client, expected_version)
    return client


def rotate_key(actor: Actor, client_id: int, *, expected_version: int | None = None,
               now: datetime | None = None) -> str:
    """A new key for the client; the old one is refused from the next call on."""
    with unit_of_work(actor, now) as uow:
        client = _open_client(uow, client_id, expected_version)
        key = _new_key()
        client.key_hash, client.key_hint, client.rotated_at = hash_key(key), key[:10], now_utc(now)
        uow.session.add(client)
        uow.audit("api_client.rotate", object_type="api_client", object_id=client.id, detail={"name": client.name})
        uow.commit()
        return key


def revoke_client(actor: Actor, client_id: int, *, expected_version: int | None = None,
                  now: datetime | None = None) -> None:
    """Refuse the client's key from the next call on (the registration stays, for the audit trail)."""
    with unit_of_work(actor, now) as uow:
        client = _open_client(uow, client_id, expected_version)
        client.revoked_at, client.revoked_by = now_utc(now), actor.user_id
        uow.session.add(client)
        uow.audit("api_client.revoke", object_type="api_client", object_id=client.id, detail={"name": client.name})
        uow.commit()


def list_clients(actor: Actor, *, include_revoked: bool = True) -> pd.DataFrame:
    with read_scope(actor, "api_client.manage") as (session, _scope):
        stmt = (select(ApiClient.id, ApiClient.name, Unit.name, ApiClient.scopes, ApiClient.rate_limit,
                       ApiClient.key_hint, ApiClient.created_at, ApiClient.rotated_at, ApiClient.last_used_at,
                       ApiClient.revoked_at, ApiClient.version)
                .join(Unit, Unit.id == ApiClient.unit_id).order_by(ApiClient.name))
        if not include_revoked:
            stmt = stmt.where(ApiClient.revoked_at.is_(None))  # type: ignore[union-attr]
        rows = session.exec(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=CLIENT_COLUMNS)


# --- every interface call -----------------------------------------------------------------------------------
def _count_call(session: Session, client_id: int, moment: datetime) -> int:
    """Add one call to the key's current minute and return the minute's count, in one atomic statement."""
    start = moment.replace(second=0, microsecond=0)
    table = ApiRateWindow.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(table).values(client_id=client_id, window_start=start, calls=1)
            .on_conflict_do_update(index_elements=["client_id", "window_start"], set_={"calls": table.c.calls + 1})
            .returning(table.c.calls))
    calls = int(session.execute(stmt).scalar_one())
    if calls == 1:  # a new minute: forget old windows of this key, note when it was last used
        session.execute(delete(table).where(table.c.client_id == client_id,
                                            table.c.window_start < start - KEEP_WINDOWS))
        session.execute(update(ApiClient.__table__).where(ApiClient.__table__.c.id == client_id)  # type: ignore[attr-defined]
                        .values(last_used_at=moment))
    return calls


def authenticate(key: str | None, *, now: datetime | None = None) -> ApiCaller:
    """The client a key belongs to, after counting the call; AuthError for an unknown, rotated or revoked key,
    RateLimited once the key has used its calls of the current minute."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        raise AuthError(_("A valid interface key is required."))
    moment = now_utc(now)
    with write_session() as session:
        row = session.exec(select(ApiClient, Unit).join(Unit, Unit.id == ApiClient.unit_id)
                           .where(ApiClient.key_hash == hash_key(key))).first()
        if row is None or row[0].revoked_at is not None or not row[1].is_active:
            raise AuthError(_("A valid interface key is required."))
        client, unit = row
        calls = _count_call(session, client.id, moment)  # type: ignore[arg-type]
        session.commit()
        if calls > client.rate_limit:
            raise RateLimited(_retry_after(moment))
        return ApiCaller(client_id=client.id, name=client.name, unit_id=unit.id, unit_name=unit.name,  # type: ignore[arg-type]
                         region_id=unit.region_id, region_ids=region_descendants(session, unit.region_id),
                         scopes=frozenset(client.scopes.split()))


def _retry_after(moment: datetime) -> int:
    window_end = moment.replace(second=0, microsecond=0) + WINDOW
    return max(1, math.ceil((window_end - moment).total_seconds()))


def address_hash(address: str) -> str:
    """A keyed hash of a client address (the personal-data key): the database never holds the address itself."""
    return hmac.new(get_settings().personal_data_secret(), (address or "unknown").encode("utf-8"),
                    hashlib.sha256).hexdigest()


def count_anonymous(address: str | None, *, now: datetime | None = None) -> None:
    """Count a call without a key (the open-data endpoints) against its client address's minute, in the database
    like the keys' calls, so the limit holds across server processes; RateLimited once the address has used
    `api_public_rate_limit` calls this minute. Tracking codes cannot be tried by the thousand."""
    moment = now_utc(now)
    start = moment.replace(second=0, microsecond=0)
    key = address_hash(address or "unknown")
    with write_session() as session:
        table = ApiAddressWindow.__table__  # type: ignore[attr-defined]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = (insert(table).values(client_hash=key, window_start=start, calls=1)
                .on_conflict_do_update(index_elements=["client_hash", "window_start"],
                                       set_={"calls": table.c.calls + 1})
                .returning(table.c.calls))
        calls = int(session.execute(stmt).scalar_one())
        if calls == 1:  # a new minute for this address: forget every address's old windows
            session.execute(delete(table).where(table.c.window_start < start - KEEP_WINDOWS))
        session.commit()
    if calls > get_settings().api_public_rate_limit:
        wait = _retry_after(moment)
        raise RateLimited(wait, _("Too many calls from your address. Try again in {n} seconds.", n=wait))


def require_scope(caller: ApiCaller, scope: str, language: str = "zh_CN", *, path: str | None = None,
                  now: datetime | None = None) -> Actor:
    """The actor of a call in `scope`; a key without that scope is refused (PermissionDenied → 403) before any
    service runs, and the refusal is audited as "denied" under `api:<client name>`. Calls with a bad or missing
    key are not audited: anyone can send them, and they would flood the log."""
    if scope in caller.scopes:
        return caller.actor(scope, language)
    exc = PermissionDenied(_("This key does not hold the scope {scope}.", scope=scope), action="api.scope")
    refused = Actor(user_id=None, username=f"api:{caller.name}"[:40], display_name=caller.name,
                    unit_id=caller.unit_id, region_id=caller.region_id, roles=frozenset(),
                    region_ids=caller.region_ids, language=language, unit_name=caller.unit_name)
    with write_session() as session:
        audit.record(session, refused, "api.scope", object_type="api_client", object_id=caller.client_id,
                     result="denied", detail={"scope": scope, "path": path, "message": exc.message}, now=now)
        session.commit()
    raise exc


def get_client(actor: Actor, client_id: int) -> ApiClient:
    with read_scope(actor, "api_client.manage") as (session, _scope):
        client = session.get(ApiClient, client_id)
        if client is None:
            raise NotFound()
        session.expunge(client)
        return client


def unit_choices() -> dict[int, str]:
    """Active units a client system may be registered for (id → name)."""
    with read_session() as session:
        return dict(session.exec(select(Unit.id, Unit.name).where(Unit.is_active).order_by(Unit.name)).all())  # type: ignore[arg-type]
