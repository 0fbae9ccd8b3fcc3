"""Command line for operators and scripts (the stable surface; see docs/operations.md).

Exit codes: 0 success, 1 rejected input, 2 misuse."""

from __future__ import annotations

import sys
from datetime import date

import typer

from services.core import db, schema
from services.core.errors import ServiceError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="GovData Hub operations.",
                  pretty_exceptions_enable=False)
audit_app = typer.Typer(no_args_is_help=True, help="Audit log: verify the hash chain, purge past retention.")
app.add_typer(audit_app, name="audit")


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _connect() -> None:
    db.configure()


def _ready() -> None:
    """Commands other than init-db need a migrated database."""
    _connect()
    if schema.is_empty():
        fail("The database has no schema yet: run `python manage.py init-db` first.", 1)


@app.command("init-db")
def init_db() -> None:
    """Create or upgrade the schema (Alembic) and load reference data."""
    _connect()
    schema.upgrade()
    from services.administration import bootstrap

    bootstrap.reference_data()
    typer.echo("database is at the latest schema")
    _check_demo_mode()


def _check_demo_mode() -> None:
    """Demo mode only on a database built by seed-demo: elsewhere it would list real accounts on the sign-in page
    and skip second-factor enrolment, so init-db refuses it (exit 1) and says so loudly."""
    from services import seed as seeding
    from services.core.settings import get_settings

    if not get_settings().demo_mode:
        typer.echo("demo mode: off (second-factor enrolment enforced, no accounts listed on the sign-in page)")
        return
    if seeding.has_data() and not seeding.is_demo_database():
        fail("!!! GOVDATA_DEMO_MODE is on, but this database holds real data (it was not built by seed-demo).\n"
             "!!! Demo mode would list its accounts on the sign-in page and not force second-factor enrolment.\n"
             "!!! Unset GOVDATA_DEMO_MODE (the default is off) or set it to false.", 1)
    typer.echo("!!! DEMO MODE IS ON: demo accounts are listed on the sign-in page and second-factor enrolment is "
               "not forced. Never use it with real data; unset GOVDATA_DEMO_MODE in production.", err=True)


@app.command("seed-demo")
def seed_demo(
    scale: str = typer.Option("demo", help="demo | city | province"),
    seed: int = typer.Option(42, help="random seed (the same seed gives the same data)"),
    reset: bool = typer.Option(False, "--reset", help="empty every table first"),
    if_empty: bool = typer.Option(False, "--if-empty", help="do nothing when the database already has units"),
    profile: str | None = typer.Option(None, "--profile", help="active policy profile of the demo (default: the "
                                       "shipped default); yunyang adds the annual reports"),
) -> None:
    """Build the fictional city 示范市 with demo data at the chosen scale."""
    from services import seed as seeding

    if scale not in seeding.SCALES:
        fail(f"unknown scale {scale!r}: choose one of {', '.join(seeding.SCALES)}", 2)
    _ready()
    if if_empty and seeding.has_data():
        typer.echo("database already has data: nothing seeded")
        return
    if not reset and seeding.has_data():
        fail("the database already has data: add --reset to replace it", 1)
    counts = seeding.seed(scale, seed_value=seed, reset=reset, profile=profile,
                          progress=lambda step: typer.echo(f"seeding {step} …", err=True))
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@app.command("create-user")
def create_user(
    name: str = typer.Argument(..., help="user name (letters, digits, . _ -)"),
    role: list[str] = typer.Option(..., "--role", help="role code; repeat for several"),
    org: str | None = typer.Option(None, "--org", help="unit's unified social credit code (default: the bureau)"),
    display_name: str | None = typer.Option(None, "--display-name"),
) -> None:
    """Create an account; the password is read from stdin (or prompted on a terminal)."""
    from services.administration import bootstrap

    _ready()
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user_id = bootstrap.create_user(name, password, roles=set(role), org_uscc=org, display_name=display_name)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"created user {name} (id {user_id})")


def _choice(option: str, value: str, choices) -> str:
    """Exit 2 (misuse) for a value outside a fixed list, naming the accepted ones."""
    allowed = [str(c) for c in choices]
    if value not in allowed:
        fail(f"{option} takes one of {' | '.join(allowed)}, not {value!r}", 2)
    return value


def _rejected(exc: ServiceError, names: dict[str, str]) -> None:
    """Exit 1 with one line per refused field, named as on the command line (`names`: field → argument)."""
    from services.core.errors import ValidationError

    if isinstance(exc, ValidationError):
        fail("\n".join(f"{names.get(field, field)}: {message}" if field else message
                       for field, message in exc.errors.items()), 1)
    fail(exc.message, 1)


@app.command("create-region")
def create_region(
    code: str = typer.Argument(..., help="GB/T 2260 administrative division code (6 digits)"),
    name: str = typer.Argument(..., help="name, e.g. 示范市"),
    level: str = typer.Option(..., "--level", help="city | county | province"),
    parent: str | None = typer.Option(None, "--parent", help="code of the region above (required for a county)"),
) -> None:
    """Create a region (for the first ones of an empty database; later ones on the Regions screen)."""
    from models import RegionLevel
    from services.administration import bootstrap

    _choice("--level", level, RegionLevel)
    _ready()
    try:
        region_id = bootstrap.create_region(code, name, level=level, parent_code=parent)
    except ServiceError as exc:
        _rejected(exc, {"code": "CODE", "name": "NAME", "level": "--level", "parent_id": "--parent"})
    typer.echo(f"created region {code.strip()} {name.strip()} (id {region_id})")


@app.command("create-unit")
def create_unit(
    uscc: str = typer.Argument(..., help="unified social credit code (18 characters)"),
    name: str = typer.Argument(..., help="full name, e.g. 示范市大数据管理局"),
    kind: str = typer.Option(..., "--kind", help="bureau | department | public_service | county_egov"),
    level: str = typer.Option(..., "--level", help="city | county | province"),
    region: str = typer.Option(..., "--region", help="GB/T 2260 code of the unit's region"),
    short_name: str | None = typer.Option(None, "--short-name"),
) -> None:
    """Create a unit (the competent bureau first, so that `create-user` has somewhere to put the administrators)."""
    from models import UnitKind, UnitLevel
    from services.administration import bootstrap

    _choice("--kind", kind, UnitKind)
    _choice("--level", level, UnitLevel)
    _ready()
    try:
        unit_id = bootstrap.create_unit(uscc, name, kind=kind, level=level, region_code=region, short_name=short_name)
    except ServiceError as exc:
        _rejected(exc, {"uscc": "USCC", "name": "NAME", "kind": "--kind", "level": "--level", "region_id": "--region",
                        "short_name": "--short-name"})
    typer.echo(f"created unit {uscc.strip().upper()} {name.strip()} (id {unit_id})")


@audit_app.command("verify")
def audit_verify(
    checkpoint: str | None = typer.Option(None, "--checkpoint",
                                          help="hold the chain against an exported checkpoint file instead"),
) -> None:
    """Recompute the keyed hash chain against the checkpoint kept outside the database; exit 1 naming the first
    broken event (the check itself is audited)."""
    from services.administration import audit_log
    from services.administration.bootstrap import CLI_ACTOR

    _ready()
    try:
        result = audit_log.verify_chain(CLI_ACTOR, checkpoint_file=checkpoint)
    except ServiceError as exc:
        fail(exc.message, 1)
    if result.ok:
        typer.echo(f"audit chain intact: {result.checked} events")
        return
    fail(f"audit chain broken at event {result.broken_seq}: {result.reason}", 1)


@audit_app.command("checkpoint")
def audit_checkpoint(out: str = typer.Option(..., "--out", help="file to write the checkpoint to")) -> None:
    """Export the chain's checkpoint (last event and keyed hash, purge anchor) to keep outside this server."""
    from pathlib import Path

    from services.administration import audit_log
    from services.administration.bootstrap import CLI_ACTOR

    _ready()
    try:
        data = audit_log.export_checkpoint(CLI_ACTOR)
        Path(out).write_bytes(data)
    except ServiceError as exc:
        fail(exc.message, 1)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", 1)
    typer.echo(f"audit checkpoint written to {out}")


@audit_app.command("purge")
def audit_purge(before: str = typer.Option(..., "--before", help="YYYY-MM-DD; events before it are deleted")) -> None:
    """Delete events older than a date outside the retention period (at least 180 days)."""
    from services.administration import audit_log
    from services.administration.bootstrap import CLI_ACTOR

    _ready()
    try:
        day = date.fromisoformat(before)
    except ValueError:
        fail("--before takes a date as YYYY-MM-DD", 2)
    try:
        count = audit_log.purge(CLI_ACTOR, day)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"deleted {count} audit events before {day.isoformat()}")


@app.command("kpi")
def kpi_cmd(
    as_json: bool = typer.Option(False, "--json", help="print {kpi key: {value, target, previous, status, …}}"),
    region: str | None = typer.Option(None, "--region", help="GB/T 2260 region code (includes the regions below)"),
    date_from: str | None = typer.Option(None, "--from", help="YYYY-MM-DD, first day (default: this month)"),
    date_to: str | None = typer.Option(None, "--to", help="YYYY-MM-DD, last day (default: end of this month)"),
) -> None:
    """The dashboard's KPIs: the same numbers the tiles show, for the same period and region."""
    import json

    from services import kpi
    from services.kpi import cli as kpi_cli

    _ready()
    try:
        period = kpi_cli.parse_period(date_from, date_to)
    except ServiceError as exc:  # e.g. --to before --from
        fail(exc.message, 2)
    except ValueError as exc:
        fail(str(exc), 2)
    try:
        region_id = kpi_cli.region_id(region)
        results = kpi.compute(kpi_cli.CLI_ACTOR, period, region_id=region_id)
    except ServiceError as exc:
        fail(exc.message, 1)
    except OverflowError:  # the comparison period would start before year 1
        fail("--from/--to: the period is too close to the first representable date to compare with the one before", 2)
    if as_json:
        typer.echo(json.dumps(kpi_cli.as_json(results, period), ensure_ascii=False, indent=2))
    else:
        typer.echo(kpi_cli.as_table(results, period))


@app.command("backup")
def backup_cmd(file: str = typer.Argument(..., help="the zip file to write")) -> None:
    """Write a verified logical backup (JSON lines per table + manifest with row counts and SHA-256)."""
    from services.administration import backup
    from services.core.actor import Actor

    _ready()
    try:
        manifest = backup.create_backup(Actor.system("manage.py"), file)
    except ServiceError as exc:
        fail(exc.message, 1)
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror}", 1)
    typer.echo(f"backup written to {file}: {len(manifest.tables)} tables, {manifest.total_rows} rows")


@app.command("restore")
def restore_cmd(
    file: str = typer.Argument(..., help="a zip written by `manage.py backup`"),
    force: bool = typer.Option(False, "--force", help="replace the data of a database that is not empty"),
    allow_unsigned: bool = typer.Option(False, "--allow-unsigned",
                                        help="restore a backup not signed with this installation's key (audited)"),
) -> None:
    """Restore a backup into an empty database (or replace everything with --force); the audit chain is re-verified."""
    from services.administration import backup
    from services.core.actor import Actor

    _connect()
    if schema.is_empty():
        schema.upgrade()
    try:
        result = backup.restore_backup(Actor.system("manage.py"), file, force=force, allow_unsigned=allow_unsigned)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"restored {result.manifest.total_rows} rows in {len(result.manifest.tables)} tables from {file}; "
               f"audit chain intact ({result.audit_events_checked} events)")


@app.command("bench")
def bench_cmd(
    scale: str = typer.Option("city", help="demo | city | province"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    backend: str = typer.Option("both", help="sqlite | postgresql | both"),
    runs: int = typer.Option(5, help="timed runs per benchmark after one warm-up (at least 5)"),
    seed: int = typer.Option(42, help="seed of the benchmark database (reused while scale and seed match)"),
    only: list[str] = typer.Option(None, "--only", help="run benchmarks whose name starts with this; repeatable"),
    rebuild: bool = typer.Option(False, "--rebuild", help="seed the benchmark databases again"),
    pg_url: str = typer.Option(None, "--pg-url", envvar="GOVDATA_BENCH_PG_URL",
                               help="PostgreSQL server for the benchmark database (default: local postgres)"),
) -> None:
    """Benchmarks on a seeded database per backend (never touches GOVDATA_DATABASE_URL's data)."""
    import json

    from bench import harness
    from services import seed as seeding
    from services.core.settings import ROOT

    if scale not in seeding.SCALES:
        fail(f"unknown scale {scale!r}: choose one of {', '.join(seeding.SCALES)}", 2)
    choices = {"sqlite": ["sqlite"], "postgresql": ["postgresql"], "both": ["sqlite", "postgresql"]}
    if backend not in choices:
        fail("--backend takes sqlite, postgresql or both", 2)
    report = harness.run(scale=scale, seed=seed, backends=choices[backend], runs=runs, only=only or None,
                         rebuild=rebuild, pg_base_url=pg_url or harness.DEFAULT_PG_URL,
                         log=lambda line: typer.echo(line, err=True))
    path = harness.save(report, ROOT / "bench" / "results")
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else harness.format_table(report))
    typer.echo(f"report saved to {path.relative_to(ROOT)}", err=True)


calendar_app = typer.Typer(no_args_is_help=True, help="Working-day calendar: deadlines, years and their source, imports.")
policy_app = typer.Typer(no_args_is_help=True, help="Policy profiles: list, show, choose the active one.")
app.add_typer(calendar_app, name="calendar")
app.add_typer(policy_app, name="policy")


@calendar_app.command("deadline")
def calendar_deadline(
    start: str = typer.Option(..., "--start", help="YYYY-MM-DD; the start day itself is not counted"),
    workdays: int = typer.Option(..., "--workdays", help="N: the deadline is the N-th working day after the start"),
) -> None:
    """Print the deadline as an ISO date, nothing else."""
    from services.deadlines import calendar

    try:
        day = date.fromisoformat(start)
    except ValueError:
        fail("--start takes a date as YYYY-MM-DD", 2)
    _ready()
    try:
        typer.echo(calendar.deadline(day, workdays).isoformat())
    except ServiceError as exc:
        fail(exc.message, 1)


@calendar_app.command("status")
def calendar_status() -> None:
    """List the years of the calendar with their source (official, provisional, edited)."""
    from services.deadlines import calendar

    _ready()
    typer.echo(f"{'year':<6}{'source':<13}{'workdays':>9}{'days off':>10}{'edited':>8}")
    for s in calendar.status():
        typer.echo(f"{s.year:<6}{s.source:<13}{s.workdays:>9}{s.days_off:>10}{s.overrides:>8}")


@calendar_app.command("import")
def calendar_import(file: str = typer.Argument(..., help="CSV or XLSX with date, is_workday, note")) -> None:
    """Make the years in FILE official (listed days as given, the rest Monday–Friday); moves open deadlines."""
    from pathlib import Path

    from services.administration.bootstrap import CLI_ACTOR
    from services.deadlines import configuration

    path = Path(file)
    if not path.is_file():
        fail(f"no such file: {file}", 2)
    _ready()
    try:
        result = configuration.import_file(CLI_ACTOR, path.read_bytes(), path.name)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"imported {', '.join(map(str, result.years))}: {result.days_listed} days listed, "
               f"{result.days_changed} working-day flags changed, {result.clocks_moved} open deadlines moved")


@policy_app.command("list")
def policy_list() -> None:
    """Shipped profiles; the active one is marked with *."""
    from services.deadlines import policy

    _ready()
    active = policy.active_profile().name
    for profile in policy.shipped_profiles().values():
        typer.echo(f"{'*' if profile.name == active else ' '} {profile.name:<10} {profile.title_zh}")


@policy_app.command("show")
def policy_show(
    name: str = typer.Argument(..., help="profile name (see `policy list`)"),
    as_json: bool = typer.Option(False, "--json", help="print every value as JSON"),
) -> None:
    """Every number, name and rule of a profile with the article it comes from (the active one with overrides)."""
    import json

    from services.deadlines import policy

    _ready()
    if name not in policy.shipped_profiles():
        fail(f"unknown profile {name!r}: choose one of {', '.join(policy.profile_names())}", 1)
    active = policy.active_profile()
    profile = active if active.name == name else policy.get_profile(name)
    data = profile.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{data['name']} — {data['title']} ({data['jurisdiction']})")
    for step, rule in data["steps"].items():
        days = "none (tracked by age)" if rule["workdays"] is None else f"{rule['workdays']} wd"
        typer.echo(f"  {step:<26}{days:<24}{rule['article'] or ''}")
    for key, rule in data["rules"].items():
        typer.echo(f"  {key:<26}{json.dumps(rule['value'], ensure_ascii=False):<24}{rule['article'] or ''}")
    typer.echo("  share types: " + " / ".join(v["name"] for v in data["share_types"].values()))
    typer.echo("  open attributes: " + " / ".join(v["name"] for v in data["open_attributes"].values()))
    if data["overrides"]:
        typer.echo("  overrides: " + json.dumps(data["overrides"], ensure_ascii=False))


@policy_app.command("use")
def policy_use(name: str = typer.Argument(..., help="profile name (see `policy list`)")) -> None:
    """Make NAME the deployment's profile (audited); open deadlines are recomputed."""
    from services.administration.bootstrap import CLI_ACTOR
    from services.deadlines import configuration

    _ready()
    try:
        moved = configuration.use_profile(CLI_ACTOR, name)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"active profile: {name}; {moved} open deadlines moved")


@app.command("reminders")
def reminders_cmd() -> None:
    """Create the due-soon and overdue reminders of open deadlines (idempotent; run daily)."""
    from services.deadlines import reminders as notifications

    _ready()
    result = notifications.refresh()
    typer.echo(f"reminders: {result.due_soon} due soon, {result.overdue} overdue created "
               f"({result.clocks} deadlines need attention)")


@app.command("share-sweep")
def share_sweep_cmd() -> None:
    """Expire share grants past their end date and remind both units of grants ending soon (run daily)."""
    from services import sharing
    from services.core.actor import Actor

    _ready()
    try:
        result = sharing.sweep(Actor.system("manage.py"))
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"share grants: {result.expired} expired, {result.reminded} reminded")


@app.command("api")
def api_cmd(
    host: str = typer.Option("127.0.0.1", help="address to listen on (behind the reverse proxy: keep loopback)"),
    port: int | None = typer.Option(None, help="port (default: GOVDATA_API_PORT, 8000)"),
    workers: int = typer.Option(1, help="server processes (the rate limit is counted in the database)"),
) -> None:
    """Serve the system interface (FastAPI under uvicorn); docs at /api/v1/docs."""
    import uvicorn

    from services.core.settings import get_settings

    _ready()
    uvicorn.run("api.app:app", host=host, port=port or get_settings().api_port, workers=workers,
                proxy_headers=True, log_level="info")


api_client_app = typer.Typer(no_args_is_help=True,
                             help="Client systems of the interface: register, rotate or revoke a key, list them.")
app.add_typer(api_client_app, name="api-client")


def _admin(as_user: str):
    from services.catalog import spreadsheet as catalog_io

    try:
        return catalog_io.actor_by_username(as_user)
    except ServiceError as exc:
        fail(exc.message, 1)


@api_client_app.command("register")
def api_client_register(
    name: str = typer.Argument(..., help="the client system's name (unique)"),
    org: str = typer.Option(..., "--org", help="its unit (unified social credit code)"),
    scope: list[str] = typer.Option(..., "--scope", help="catalog:read, catalog:write, aggregation:write, "
                                                          "sharing:read, kpi:read; repeatable"),
    rate_limit: int | None = typer.Option(None, "--rate-limit", help="calls per minute (default GOVDATA_API_RATE_LIMIT)"),
    as_user: str = typer.Option(..., "--as", help="the system administrator registering it"),
) -> None:
    """Prints the key once on stdout (only its hash is stored)."""
    from services.administration import api_clients, orgs

    _ready()
    unit_id = orgs.unit_id_by_uscc(org)
    if unit_id is None:
        fail(f"no unit has the unified social credit code {org}", 1)
    try:
        _id, key = api_clients.register_client(_admin(as_user), api_clients.ClientInput(name, unit_id, scope,
                                                                                       rate_limit))
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(key)


@api_client_app.command("rotate")
def api_client_rotate(client_id: int = typer.Argument(...),
                      as_user: str = typer.Option(..., "--as", help="the system administrator")) -> None:
    """Prints the new key once; the old one is refused from the next call on."""
    from services.administration import api_clients

    _ready()
    try:
        typer.echo(api_clients.rotate_key(_admin(as_user), client_id))
    except ServiceError as exc:
        fail(exc.message, 1)


@api_client_app.command("revoke")
def api_client_revoke(client_id: int = typer.Argument(...),
                      as_user: str = typer.Option(..., "--as", help="the system administrator")) -> None:
    from services.administration import api_clients

    _ready()
    try:
        api_clients.revoke_client(_admin(as_user), client_id)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(f"revoked client {client_id}")


@api_client_app.command("list")
def api_client_list(as_user: str = typer.Option(..., "--as", help="the system administrator")) -> None:
    from services.administration import api_clients

    _ready()
    try:
        frame = api_clients.list_clients(_admin(as_user))
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(frame.drop(columns=["version"]).to_string(index=False) if not frame.empty else "no client systems")


catalog_app = typer.Typer(no_args_is_help=True, help="Catalog spreadsheet: import a compiled workbook, export the catalog.")
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("import")
def catalog_import(
    file: str = typer.Argument(..., help="workbook (.xlsx) with the sheets 目录 and 信息项"),
    as_user: str = typer.Option(..., "--as", help="user name the import is done as (their unit and permissions)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every row and report, write nothing"),
    submit: bool = typer.Option(False, "--submit", help="also submit the imported entries for review"),
) -> None:
    """Import all rows or none; prints a JSON report and exits 1 when any row is rejected."""
    import json
    from pathlib import Path

    from services.catalog import spreadsheet as catalog_io

    _ready()
    if not Path(file).is_file():
        fail(f"no such file: {file}", 2)
    try:
        actor = catalog_io.actor_by_username(as_user)
        report = catalog_io.import_catalog(actor, file, dry_run=dry_run, submit=submit)
    except ServiceError as exc:
        fail(exc.message, 1)
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    if not report.ok:
        raise typer.Exit(1)


@catalog_app.command("export")
def catalog_export(
    file: str = typer.Argument(..., help="workbook (.xlsx) to write"),
    org: str | None = typer.Option(None, "--org", help="only this unit (unified social credit code)"),
    drafts: bool = typer.Option(False, "--drafts", help="working copies (drafts and pending changes) instead of "
                                                         "the published catalog"),
) -> None:
    """Write the published catalog (or the working copies) in the spreadsheet layout import reads."""
    from services.administration import orgs
    from services.administration.bootstrap import CLI_ACTOR
    from services.catalog import spreadsheet as catalog_io

    _ready()
    unit_id = None
    if org:
        unit_id = orgs.unit_id_by_uscc(org)
        if unit_id is None:
            fail(f"no unit has the unified social credit code {org}", 1)
    try:
        count = catalog_io.export_catalog(CLI_ACTOR, file, unit_id=unit_id, working=drafts)
    except ServiceError as exc:
        fail(exc.message, 1)
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror}", 1)
    typer.echo(f"exported {count} entries to {file}")


assessment_app = typer.Typer(no_args_is_help=True, help="Supervision assessment: export the published scores.")
app.add_typer(assessment_app, name="assessment")


@assessment_app.command("export")
def assessment_export(
    year: int = typer.Option(..., "--year", help="the assessed year"),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx or csv (the ranking), pdf (the 通报 report)"),
    output: str = typer.Option(..., "-o", "--output", help="file to write"),
) -> None:
    """Write the year's ranking (XLSX with a sheet per dimension, or CSV) or the 通报 report (PDF); audited."""
    from pathlib import Path

    from services.administration.bootstrap import CLI_ACTOR
    from services.assessment import exports

    if fmt not in exports.FORMATS:
        fail(f"--format must be one of {', '.join(exports.FORMATS)}", 2)
    _ready()
    try:
        file = exports.export(CLI_ACTOR, year, fmt)
    except ServiceError as exc:
        fail(exc.message, 1)
    try:
        Path(output).write_bytes(file.data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}", 1)
    typer.echo(f"exported {file.rows} rows to {output}")


def main() -> None:
    """Entry point. An error no command foresaw ends in one line with an incident id and exit 1; the traceback
    goes to data/manage-errors.log (or GOVDATA_CLI_ERROR_LOG), never to the terminal."""
    import logging
    import os
    import secrets
    from pathlib import Path

    from services.core.settings import DATA_DIR

    log_file = Path(os.environ.get("GOVDATA_CLI_ERROR_LOG") or DATA_DIR / "manage-errors.log")
    try:
        app()
    except Exception:  # noqa: BLE001 - the last line of defence; every foreseen error is handled by its command
        incident = secrets.token_hex(4)
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(log_file, encoding="utf-8")
            log = logging.getLogger("manage")
            log.addHandler(handler)
            log.error("incident %s: %s", incident, " ".join(sys.argv[1:]), exc_info=True)
        except OSError:
            pass
        typer.echo(f"unexpected error (incident {incident}); details in {log_file}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
