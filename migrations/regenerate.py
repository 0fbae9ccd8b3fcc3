"""Rewrites the initial revision from the models. Only for the pre-release period: once a database exists
in the field, add new revisions with `alembic revision --autogenerate` instead."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from services.core.db import make_engine
from services.core.schema import alembic_config
from services.core.settings import ROOT

VERSIONS = ROOT / "migrations" / "versions"
INITIAL = "0001"


def main() -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
        cfg = alembic_config(engine)
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id=INITIAL)
        engine.dispose()
    for path in VERSIONS.glob("0001_*.py"):
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
