"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from sqlalchemy import text
from sqlmodel import SQLModel

from services.core import db as dbmod
from services.core import schema


def test_upgrade_to_head_matches_models_on_sqlite(tmp_path):
    engine = dbmod.configure(f"sqlite:///{tmp_path / 'm.db'}")
    schema.upgrade(engine)
    assert schema.drift(engine) == []
    schema.upgrade(engine)  # idempotent
    engine.dispose()


def test_upgrade_to_head_matches_models_on_postgresql(pg_url):
    engine = dbmod.configure(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(engine)
    assert schema.drift(engine) == []
    with engine.begin() as conn:  # leave the worker's database as the other PG tests expect it
        conn.execute(text("DROP TABLE alembic_version"))
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
