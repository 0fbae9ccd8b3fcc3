"""Two app processes on one PostgreSQL behind nginx (deploy/nginx-govdata.conf, run as is with loopback ports and a
certificate made here): the headers, TLS and the HttpOnly session cookie through the proxy; the process serving a
signed-in browser is killed and the browser carries on, signed in, on the other one with what it saved; the daily
jobs of the two processes, started at the same moment, ran once.

Needs nginx (/usr/sbin/nginx, installed by .ci/run), Chromium and GOVDATA_TEST_PG_URL; skipped otherwise, with the
reason. Its own database (created and dropped here), its own ports; nginx runs unprivileged from a temp prefix."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.core.settings import ROOT
from tests.e2e.conftest import CHROMIUM, _free_port, session_cookie, settle, sign_in

NGINX = Path("/usr/sbin/nginx")
PG_URL = os.environ.get("GOVDATA_TEST_PG_URL")
DEPLOY_CONF = ROOT / "deploy" / "nginx-govdata.conf"
DRAFT_NAME = "故障切换前保存的草稿"

pytestmark = [
    pytest.mark.skipif(not NGINX.exists(), reason="needs Debian's nginx (/usr/sbin/nginx; .ci/run installs it)"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="real-browser tests need /usr/bin/chromium"),
    pytest.mark.skipif(not PG_URL, reason="two app processes share one PostgreSQL: set GOVDATA_TEST_PG_URL"),
]

# Only the accounts and units: the daily jobs and a draft need nothing more, and the full demo city takes long.
SETUP = """
import random
from sqlmodel import SQLModel
import models
from services import seed
from services.core import db
from services.core.actor import Actor
from services.core.timeutil import now_utc
SQLModel.metadata.create_all(db.configure())
seed._load_steps()
ctx = seed.SeedContext(scale=seed.SCALES["demo"], rng=random.Random(42), now=now_utc(None),
                       actor=Actor.system("seed-demo"))
for name, step in seed.STEPS:
    if name in ("calendar", "orgs"):
        step(ctx)
"""


def _database() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_proxy{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for this run."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _nginx_conf(tmp: Path, http_port: int, https_port: int, app_ports: list[int]) -> Path:
    """deploy/nginx-govdata.conf with loopback ports and this run's certificate, inside a main configuration whose
    pid, logs and temp files live in `tmp` (nginx runs without root)."""
    site = DEPLOY_CONF.read_text(encoding="utf-8")
    cert, key = _certificate(tmp)
    upstreams = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;\n" for p in app_ports)
    site, n = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", upstreams, site)
    assert n == 1, "the upstream block of deploy/nginx-govdata.conf changed shape"
    for old, new in (("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("/etc/ssl/govdata/fullchain.pem", str(cert)), ("/etc/ssl/govdata/privkey.pem", str(key))):
        assert old in site, f"deploy/nginx-govdata.conf no longer has {old!r}"
        site = site.replace(old, new)
    (tmp / "govdata.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would run as nobody
    main = f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format upstream '$msec $request_method $uri $status $upstream_addr';
    access_log {tmp}/access.log upstream;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    types {{ text/html html; }}
    include {tmp}/govdata.conf;
}}
"""
    conf = tmp / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


def _wait_http(url: str, seconds: float = 60) -> None:
    import ssl

    context = ssl._create_unverified_context()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer")


def _streams(access_log: Path) -> list[str]:
    """The app process (upstream address) of each WebSocket Streamlit opened through nginx, in order. A WebSocket
    is logged when it closes; the process serving an open one is the upstream of the latest page request too."""
    lines = access_log.read_text(encoding="utf-8").splitlines() if access_log.exists() else []
    return [line.split()[-1] for line in lines if " /_stcore/" in line and line.split()[-1] != "-"]


def _counts(url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        events = dict(conn.execute(text(
            "SELECT action, count(*) FROM audit_event WHERE action IN ('reminders.refresh', 'share.sweep') "
            "GROUP BY action")).all())
        markers = dict(conn.execute(text(
            "SELECT key, value FROM policy_setting WHERE key IN ('reminders.last_run', 'share_sweep.last_run')")).all())
        drafts = conn.execute(text("SELECT count(*) FROM catalog_entry WHERE name = :n"), {"n": DRAFT_NAME}).scalar()
    engine.dispose()
    return {"events": events, "markers": markers, "drafts": drafts}


def _execute(url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _cookie_cleared(context) -> bool:
    for _i in range(30):
        if not [c for c in context.cookies() if c["name"] == "govdata_session"]:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def proxied(tmp_path):
    """Two app processes started at the same moment and nginx in front; yields (base URL, processes by address,
    access log, database URL)."""
    url = _database()
    env = {**os.environ, "GOVDATA_DATABASE_URL": url, "GOVDATA_DEMO_MODE": "true", "GOVDATA_SECRET_KEY": "proxy-e2e",
           "GOVDATA_AUDIT_KEY": "proxy-e2e-audit", "GOVDATA_BACKUP_KEY": "proxy-e2e-backup",
           "GOVDATA_PERSONAL_DATA_KEY": "proxy-e2e-personal", "GOVDATA_AUDIT_CHECKPOINT_DIR": str(tmp_path),
           "GOVDATA_CAPTCHA_ENABLED": "false", "GOVDATA_DAILY_JOBS_IN_APP": "true", "PYTHONPATH": str(ROOT)}
    procs: dict[str, subprocess.Popen] = {}
    nginx = None
    try:
        subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True)
        app_ports = [_free_port(), _free_port()]
        for port in app_ports:  # started together: both run the daily jobs at once
            log = open(tmp_path / f"app-{port}.log", "wb")  # noqa: SIM115 - closed with the process
            procs[f"127.0.0.1:{port}"] = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
                 "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        http_port, https_port = _free_port(), _free_port()
        conf = _nginx_conf(tmp_path, http_port, https_port, app_ports)
        check = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr  # `nginx -t` on the deployment file
        nginx = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in app_ports:
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        base = f"https://127.0.0.1:{https_port}"
        _wait_http(f"{base}/_stcore/health")
        yield base, procs, tmp_path / "access.log", url
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        _drop(url)


def _save_draft(page) -> None:
    base = page.url.split("?")[0].rsplit("/", 1)[0]
    page.goto(f"{base}/catalog-entry")
    name = page.get_by_role("textbox", name="资源名称")
    name.wait_for()
    name.fill(DRAFT_NAME)
    page.get_by_role("button", name="保存草稿").click()
    settle(page)


def test_the_user_stays_signed_in_when_the_serving_app_process_dies(proxied, browser):
    # The session's browser (tests/e2e/conftest.py): a second Playwright instance in the same process is refused
    # while the first one's event loop runs.
    base, procs, access_log, url = proxied
    csp_violations: list[str] = []
    with contextlib.closing(browser.new_context(locale="zh-CN", ignore_https_errors=True,
                                                   viewport={"width": 1366, "height": 768})) as context:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)

        first = page.goto(base)
        headers = first.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-eval" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["strict-transport-security"].startswith("max-age=31536000")
        assert headers["referrer-policy"] == "no-referrer" and "nginx/" not in headers.get("server", "")
        sign_in(page, "steward_gaj")
        cookie = session_cookie(page)
        assert cookie is not None and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        route = [c for c in context.cookies() if c["name"] == "govdata_route"]
        assert route and route[0]["httpOnly"] and route[0]["secure"]
        _save_draft(page)
        assert _counts(url)["drafts"] == 1

        # The process holding this browser's WebSocket: the upstream of the page's latest requests.
        page.reload()
        page.get_by_test_id("stSidebarNav").wait_for()
        settle(page)
        lines = access_log.read_text(encoding="utf-8").splitlines()
        serving = [line.split()[-1] for line in lines if line.split()[-1] in procs][-1]
        other = next(a for a in procs if a != serving)

        killed_at = time.monotonic()
        procs[serving].send_signal(signal.SIGKILL)
        procs[serving].wait(timeout=10)
        # Streamlit's page reconnects by itself; nginx sends the reconnection to the live process, which resumes the
        # session from the cookie. The user then clicks on, as they would.
        page.get_by_test_id("stSidebarNav").get_by_text("本单位目录", exact=True).click()
        page.get_by_text(DRAFT_NAME).first.wait_for(state="attached", timeout=60_000)  # a data-grid cell
        failover_seconds = time.monotonic() - killed_at
        assert page.get_by_label("用户名").count() == 0  # never asked to sign in again
        assert [c for c in context.cookies() if c["name"] == "govdata_session"][0]["value"] == cookie["value"]
        later = access_log.read_text(encoding="utf-8").splitlines()[len(lines):]
        assert any(line.split()[-1].startswith(other) for line in later)  # served by the other process now

        # Revocation reaches the open tab (finding 2): the account is deactivated elsewhere; the next click signs
        # the tab out and the server clears its cookie.
        _execute(url, "UPDATE app_user SET is_active = false WHERE username = 'steward_gaj'")
        page.get_by_test_id("stSidebarNav").get_by_text("我的待办", exact=True).click()
        page.get_by_label("用户名").wait_for()
        assert _cookie_cleared(context)

        # The leadership dashboard (Plotly charts) under the same Content-Security-Policy.
        sign_in(page, "leader")
        page.locator(".js-plotly-plot").first.wait_for(state="attached")
        charts = page.locator(".js-plotly-plot").count()

    counts = _counts(url)
    # Each daily job ran exactly once across both processes (started at the same moment), and marked today.
    assert counts["events"] == {"reminders.refresh": 1, "share.sweep": 1}, counts
    assert len(set(counts["markers"].values())) == 1 and "null" not in counts["markers"].values(), counts
    assert counts["drafts"] == 1
    assert csp_violations == [], csp_violations
    assert charts >= 1
    print(f"failover: signed in on {other} with the draft {failover_seconds:.1f} s after {serving} was killed")
