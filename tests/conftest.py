"""Fixtures: `db` runs a test on SQLite and, when GOVDATA_TEST_PG_URL is set, again on PostgreSQL."""

from __future__ import annotations

import os

os.environ.setdefault("GOVDATA_BCRYPT_ROUNDS", "4")  # bcrypt cost 4 in tests: same code path, fast
os.environ.setdefault("GOVDATA_DEMO_MODE", "true")
# The app's own daily jobs (reminders, share sweep) would write into whichever test database is bound when the
# first AppTest of a process runs; tests call services.daily directly instead.
os.environ.setdefault("GOVDATA_DAILY_JOBS_IN_APP", "false")
# Audit checkpoints (one file per database) go to a directory of this test process, not into data/.
os.environ.setdefault("GOVDATA_AUDIT_CHECKPOINT_DIR", __import__("tempfile").mkdtemp(prefix="govdata-audit-"))

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import models  # noqa: E402, F401
from services.core import db as dbmod
from services.core import i18n
from services.core.settings import get_settings  # noqa: E402

get_settings.cache_clear()

PG_URL = os.environ.get("GOVDATA_TEST_PG_URL")
# Both backends always: without GOVDATA_TEST_PG_URL the PostgreSQL variants show as skipped, with the reason.
BACKENDS = ["sqlite", "postgresql"]


def _worker_pg_url() -> str:
    """One database per test process (each xdist worker, each concurrent run) so nobody truncates another's rows."""
    base = make_url(PG_URL)
    name = f"{base.database}_w{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    base = make_url(url)
    admin = create_engine(base.set(database=make_url(PG_URL).database), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url():
    if not PG_URL:
        pytest.skip("PostgreSQL variant: set GOVDATA_TEST_PG_URL (for example "
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test) to run it")
    url = _worker_pg_url()
    engine = dbmod.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    yield url
    if dbmod._engine is not None:
        dbmod._engine.dispose()
    _drop_database(url)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """A fresh, empty schema bound as the process-wide engine; yields the backend name."""
    i18n.set_language("zh_CN")
    if request.param == "sqlite":
        engine = dbmod.configure(f"sqlite:///{tmp_path / 'test.db'}")
        SQLModel.metadata.create_all(engine)
    else:
        engine = dbmod.configure(request.getfixturevalue("pg_url"))
        from services.seed import reset_data

        reset_data()
    yield request.param
    engine.dispose()


@pytest.fixture
def world(db):
    """A small jurisdiction: a city with a bureau and two departments, a county with an e-gov dept and a
    department, and one account per role (see tests/factories.py)."""
    from tests.factories import build_world

    return build_world()
