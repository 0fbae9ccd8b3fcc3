"""AppTest fixtures: the demo is seeded once per test process into a file, each test works on a copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from services.core import db as dbmod
from services.core.settings import ROOT, get_settings

APP = str(ROOT / "app.py")


@pytest.fixture(scope="session")
def seeded_demo_file(tmp_path_factory) -> Path:
    from services import seed
    from services.administration import bootstrap

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = dbmod.configure(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    bootstrap.reference_data()
    seed.seed("demo", seed_value=42)
    engine.dispose()
    return path


@pytest.fixture
def app_db(seeded_demo_file, tmp_path, monkeypatch) -> str:
    """A private copy of the seeded demo, bound as the process engine and named in the environment."""
    target = tmp_path / "app.db"
    shutil.copy(seeded_demo_file, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("GOVDATA_DATABASE_URL", url)
    monkeypatch.setenv("GOVDATA_DEMO_MODE", os.environ.get("GOVDATA_DEMO_MODE", "true"))
    get_settings.cache_clear()
    import streamlit as st

    st.cache_data.clear()  # every copy starts at the same data generation: a cached KPI of another copy would match
    engine = dbmod.configure(url)
    yield url
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _run_app_py_like_the_server(monkeypatch):
    """AppTest re-detects the pages/ folder on every run and then executes a requested page file directly
    (Streamlit's folder-based multipage mode), skipping app.py. The server does that only before the first
    st.navigation call of the process; run app.py every time so each run goes through its sign-in gate,
    sidebar and role-built navigation as in production."""
    import runpy

    from streamlit.runtime.scriptrunner import script_runner

    monkeypatch.setattr(script_runner, "_mpa_v1", lambda main_script_path: runpy.run_path(
        main_script_path, run_name="__main__"))
