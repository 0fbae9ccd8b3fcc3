"""Real-browser fixtures: a seeded temporary database, `streamlit run serve.py` (the app and its session-cookie
route) on a free port, and Chromium driven by Playwright. Skipped (with the reason) only when /usr/bin/chromium is missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.core.settings import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}
# Documentation screenshots are refreshed on request (`make screenshots`); ordinary runs keep theirs apart.
SCREENSHOTS = ROOT / "docs" / "screenshots" if os.environ.get("GOVDATA_DOC_SCREENSHOTS") else ROOT / "tests" / "e2e" / "artifacts"
STARTUP_SECONDS = 60
SERVER_ENV: dict[str, str] = {}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))  # one server and one seeded database for all of them


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("real-browser tests need /usr/bin/chromium")
    tmp = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "GOVDATA_DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}", "GOVDATA_DEMO_MODE": "true",
           "GOVDATA_SECRET_KEY": "e2e-only-secret",
           "GOVDATA_CAPTCHA_ENABLED": "false"}  # demo mode only: a browser cannot read the picture
    _run(["init-db"], env)
    _run(["seed-demo", "--scale", "demo"], env)
    SERVER_ENV.update(env)  # for tests that start a server process of their own on the same database
    proc, url = start_app(env)
    yield url
    stop_app(proc)


def start_app(env: dict) -> tuple[subprocess.Popen, str]:
    """`streamlit run serve.py` (how the app is started in production) on a free port; returns the process and its URL
    once the server answers its health check."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port), "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop_app(proc)
    pytest.fail("streamlit did not start")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.goto(server)
    yield pg
    context.close()


def sign_in(page, username: str, password: str = "Demo@2026!") -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_test_id("stForm").get_by_role("button", name="登录").click()
    page.get_by_test_id("stSidebarNav").wait_for()
    settle(page)


def settle(page) -> None:
    """Wait until Streamlit has finished the current run (no running indicator)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=20_000)
    page.wait_for_timeout(300)


def go(page, link_text: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(link_text, exact=True).click()
    settle(page)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def session_cookie(page, timeout_ms: int = 5_000) -> dict | None:
    """The browser's session cookie once the server has set it (the page posts its ticket right after sign-in)."""
    for _i in range(timeout_ms // 100):
        found = [c for c in page.context.cookies() if c["name"] == "govdata_session"]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    return None
