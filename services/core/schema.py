"""Schema management through Alembic: upgrade to head (CLI `init-db` and app start) and drift checks."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import models  # noqa: F401
from services.core.db import get_engine
from services.core.settings import ROOT


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if engine is not None:
        cfg.attributes["url"] = engine.url.render_as_string(hide_password=False)
    return cfg


def upgrade(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_empty(engine: Engine | None = None) -> bool:
    return "app_user" not in inspect(engine or get_engine()).get_table_names()


def drift(engine: Engine | None = None) -> list:
    """Differences between the migrated database and the models (empty when migrations are current)."""
    with (engine or get_engine()).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
