"""Demo mode is off unless asked for, init-db refuses it on a database holding real data, and it is announced on
every page while it is on (issue #12: demo mode must not be the silent default)."""

from __future__ import annotations

from services.core.settings import Settings, get_settings
from tests.test_cli import BUREAU_USCC, cli, empty_database  # noqa: F401 (fixtures)


def test_the_default_is_the_secure_setting(monkeypatch):
    monkeypatch.delenv("GOVDATA_DEMO_MODE", raising=False)
    assert Settings().demo_mode is False


def test_init_db_says_demo_mode_is_off_by_default(cli, empty_database, monkeypatch):  # noqa: F811
    monkeypatch.delenv("GOVDATA_DEMO_MODE", raising=False)
    get_settings.cache_clear()
    result = cli("init-db")
    assert result.exit_code == 0, result.output
    assert "demo mode: off" in result.output


def test_init_db_refuses_demo_mode_on_a_database_with_real_data(cli, empty_database, monkeypatch):  # noqa: F811
    monkeypatch.delenv("GOVDATA_DEMO_MODE", raising=False)
    get_settings.cache_clear()
    assert cli("init-db").exit_code == 0
    assert cli("create-region", "350100", "福州市", "--level", "city").exit_code == 0
    assert cli("create-unit", BUREAU_USCC, "福州市大数据管理局", "--kind", "bureau", "--level", "city",
               "--region", "350100").exit_code == 0
    monkeypatch.setenv("GOVDATA_DEMO_MODE", "true")
    get_settings.cache_clear()
    result = cli("init-db")
    assert result.exit_code == 1
    assert "GOVDATA_DEMO_MODE" in result.output and "!!!" in result.output


def test_init_db_on_an_empty_database_in_demo_mode_warns_loudly(cli, empty_database, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GOVDATA_DEMO_MODE", "true")
    get_settings.cache_clear()
    result = cli("init-db")
    assert result.exit_code == 0
    assert "DEMO MODE IS ON" in result.output
