"""manage.py as an operator uses it: the first deployment of an empty database, end to end through the CLI,
with the exit-code contract (0 success, 1 rejected input, 2 misuse)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel
from typer.testing import CliRunner

from services.core import db as dbmod
from services.core.settings import get_settings
from services.core.validators import make_uscc
from tests.conftest import BACKENDS

BUREAU_USCC = make_uscc("1", "1", "350100", "00000001")
COUNTY_USCC = make_uscc("1", "1", "350121", "00000002")


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path, monkeypatch):
    """A database without any table, named in GOVDATA_DATABASE_URL as an operator would set it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        with dbmod.configure(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    monkeypatch.setenv("GOVDATA_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    if dbmod._engine is not None:
        dbmod._engine.dispose()
    get_settings.cache_clear()
    if request.param != "sqlite":
        # Hand the worker's shared PostgreSQL database back with the schema the other tests expect.
        engine = dbmod.configure(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        SQLModel.metadata.create_all(engine)
        engine.dispose()


@pytest.fixture
def cli():
    from manage import app

    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):
        return runner.invoke(app, list(args), input=stdin)

    return run


def _first_deployment(cli) -> None:
    steps = [
        ("init-db",),
        ("create-region", "350100", "福州市", "--level", "city"),
        ("create-region", "350121", "闽侯县", "--level", "county", "--parent", "350100"),
        ("create-unit", BUREAU_USCC, "福州市大数据管理局", "--kind", "bureau", "--level", "city", "--region", "350100",
         "--short-name", "市大数据局"),
    ]
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.output)


def test_first_deployment_creates_region_bureau_and_the_three_administrators(empty_database, cli):
    from sqlmodel import select

    from models import AuditEvent, Region, Unit, User
    from services.administration.users import user_roles
    from services.core.db import read_session

    _first_deployment(cli)
    admins = [("liuyang", "sys_admin", "S0me-Long#Passphrase"), ("chenjing", "security_admin", "An0ther-Long#Pass"),
              ("yangfan", "audit_admin", "Th1rd-Long#Pass")]
    for name, role, password in admins:
        result = cli("create-user", name, "--role", role, stdin=password + "\n")
        assert result.exit_code == 0, result.output
        assert f"created user {name}" in result.output

    with read_session() as session:
        bureau = session.exec(select(Unit).where(Unit.uscc == BUREAU_USCC)).one()
        county = session.exec(select(Region).where(Region.code == "350121")).one()
        city = session.exec(select(Region).where(Region.code == "350100")).one()
        accounts = {u.username: u for u in session.exec(select(User)).all()}
        assert (bureau.kind, bureau.level, bureau.region_id, bureau.short_name) == ("bureau", "city", city.id, "市大数据局")
        assert county.parent_id == city.id and county.level == "county"
        assert set(accounts) == {"liuyang", "chenjing", "yangfan"}
        assert all(u.unit_id == bureau.id for u in accounts.values())
        assert {name: user_roles(session, accounts[name].id) for name, _r, _p in admins} == {
            name: {role} for name, role, _p in admins}
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()]
    assert actions.count("region.create") == 2 and actions.count("unit.create") == 1
    assert cli("audit", "verify").exit_code == 0


def test_a_county_unit_needs_a_county_region(empty_database, cli):
    _first_deployment(cli)
    refused = cli("create-unit", COUNTY_USCC, "闽侯县政务服务中心", "--kind", "county_egov", "--level", "county",
                  "--region", "350100")
    assert refused.exit_code == 1
    assert "--region: " in refused.stderr
    accepted = cli("create-unit", COUNTY_USCC, "闽侯县政务服务中心", "--kind", "county_egov", "--level", "county",
                   "--region", "350121")
    assert accepted.exit_code == 0, accepted.output


@pytest.mark.parametrize("args, fragment", [
    (("create-region", "35010", "福州市", "--level", "city"), "CODE: "),
    (("create-region", "350122", "连江县", "--level", "county"), "--parent: "),
    (("create-region", "350122", "连江县", "--level", "county", "--parent", "359999"), "359999"),
    (("create-region", "350100", "重复的市", "--level", "city"), "CODE: "),
    (("create-unit", BUREAU_USCC, "另一个局", "--kind", "bureau", "--level", "city", "--region", "350100"), "USCC: "),
    (("create-unit", BUREAU_USCC[:17] + ("0" if BUREAU_USCC[17] != "0" else "1"), "某局", "--kind", "department",
      "--level", "city", "--region", "350100"), "USCC: "),
    (("create-unit", make_uscc("1", "1", "350100", "00000009"), "某局", "--kind", "department", "--level", "city",
      "--region", "999999"), "999999"),
    (("create-user", "wangwu", "--role", "sys_admin", "--org", COUNTY_USCC), COUNTY_USCC),
])
def test_rejected_input_exits_1_with_the_reason_and_writes_nothing(empty_database, cli, args, fragment):
    from sqlmodel import func, select

    from models import Region, Unit, User
    from services.core.db import read_session

    _first_deployment(cli)
    with read_session() as session:
        before = [session.exec(select(func.count()).select_from(m)).one() for m in (Region, Unit, User)]
    result = cli(*args, stdin="S0me-Long#Passphrase\n")
    assert result.exit_code == 1, result.output
    assert fragment in result.stderr
    with read_session() as session:
        assert [session.exec(select(func.count()).select_from(m)).one() for m in (Region, Unit, User)] == before


@pytest.mark.parametrize("args", [
    ("create-region", "350100", "福州市", "--level", "town"),
    ("create-region", "350100", "福州市"),
    ("create-unit", BUREAU_USCC, "局", "--kind", "agency", "--level", "city", "--region", "350100"),
    ("create-unit", BUREAU_USCC, "局", "--kind", "bureau", "--level", "village", "--region", "350100"),
    ("create-unit", BUREAU_USCC, "局", "--kind", "bureau", "--level", "city"),
    ("calendar", "deadline", "--start", "30.09.2025", "--workdays", "3"),
    ("calendar", "deadline", "--start", "2025-09-30", "--workdays", "three"),
    ("no-such-command",),
])
def test_misuse_exits_2(empty_database, cli, args):
    assert cli("init-db").exit_code == 0
    assert cli(*args).exit_code == 2


def test_calendar_deadline_skips_the_national_day_holiday(empty_database, cli):
    assert cli("init-db").exit_code == 0
    result = cli("calendar", "deadline", "--start", "2025-09-30", "--workdays", "3")
    assert result.exit_code == 0
    assert result.stdout == "2025-10-11\n"


def test_commands_other_than_init_db_refuse_an_unmigrated_database(empty_database, cli):
    result = cli("create-region", "350100", "福州市", "--level", "city")
    assert result.exit_code == 1
    assert "init-db" in result.stderr
