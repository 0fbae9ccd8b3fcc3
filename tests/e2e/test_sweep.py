"""The screenshot sweep (`make screenshots`): every page of every demo role's navigation, in Chinese and in English,
at 1366x768 — the top of the page and, where the page is longer than the window, its lower part.

Every screen is checked for what a user must never see (an error box, a traceback, Python's None, a raw English
state on a Chinese screen). The full set goes to docs/screenshots/sweep/ (generated, not committed); one page per
navigation section and language is also written to docs/screenshots/ for the guides. The texts of every screen
are written next to the pictures (sweep/texts.json) so a reviewer can search them."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.e2e.conftest import SCREENSHOTS, settle, sign_in
from ui.navigation import pages_for

pytestmark = pytest.mark.e2e

ROLES = {  # one demo account per role
    "unit_steward": "steward_gaj", "county_approver": "approver_ds", "bureau_reviewer": "reviewer",
    "leader": "leader", "assessor": "assessor", "sys_admin": "sysadmin", "security_admin": "secadmin",
    "audit_admin": "auditadmin",
}
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
SWEEP = SCREENSHOTS / "sweep"
# The one page per section and language kept in docs/screenshots/ (role, url path).
REPRESENTATIVE = {("unit_steward", "home"), ("unit_steward", "catalog-entry"), ("unit_steward", "share-apply"),
                  ("unit_steward", "aggregation"), ("unit_steward", "open-requests"), ("leader", "dashboard"),
                  ("leader", "overdue"), ("sys_admin", "units"), ("audit_admin", "audit"),
                  ("county_approver", "account")}
# Words that would mean an internal value reached a Chinese screen (states, roles, object types, Python values).
RAW_WORDS = re.compile(r"\b(None|nan|NaT|approved|submitted|returned|rejected|pending|share_request|catalog_entry|"
                       r"system|unit_steward|bureau_reviewer|Traceback|Update due)\b")


def _pages(role: str) -> list[tuple[str, str]]:
    """(url path, section) of the role's pages in navigation order; the first is the default page, served at /."""
    return [(spec.url_path or "", spec.section) for spec in pages_for([role])]


def _switch_language(page, name: str) -> None:
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").last
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=name).click()
    settle(page)


def _wait_for_page(page) -> None:
    """The page's title, then the end of its run: a dashboard computed with nothing cached on a busy machine may
    take longer than settle()'s 20 s."""
    page.get_by_test_id("stMainBlockContainer").locator("h1").first.wait_for(timeout=120_000)
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=180_000)
    settle(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=120_000)
    settle(page)


MAX_SCREENS = 6  # a long page (the dashboard) is photographed window by window, up to this many


def _scroll_main(page, screen: int) -> bool:
    """Scroll the main area to its `screen`-th window (1 = the second); False when the page ends before."""
    return page.evaluate("""(screen) => {
        const main = document.querySelector('[data-testid="stMain"]');
        const step = main ? main.clientHeight - 80 : 0;
        if (!main || main.scrollHeight <= step * screen + 80 + 40) return false;
        main.scrollTo(0, step * screen);
        return true;
    }""", screen)


@pytest.mark.skipif(not os.environ.get("GOVDATA_DOC_SCREENSHOTS"), reason="the sweep runs with make screenshots")
@pytest.mark.parametrize("role", sorted(ROLES))
def test_sweep_every_page_of_the_role_in_both_languages(page, server, role):
    SWEEP.mkdir(parents=True, exist_ok=True)
    sign_in(page, ROLES[role])
    problems: list[str] = []
    texts: dict[str, str] = {}
    kept_sections: set[tuple[str, str]] = set()
    try:
        for lang, label in LANGUAGES.items():
            if lang != "zh_CN":
                _switch_language(page, label)
            for number, (url_path, section) in enumerate(_pages(role)):
                page.goto(server if number == 0 else f"{server}/{url_path}")
                _wait_for_page(page)
                name = f"{lang}-{role}-{url_path}"
                page.screenshot(path=str(SWEEP / f"{name}.png"))
                body = page.get_by_test_id("stMain").inner_text()
                texts[name] = body
                if page.get_by_test_id("stException").count():
                    problems.append(f"{name}: an error box")
                if lang == "zh_CN":
                    problems += [f"{name}: {m.group(0)!r}" for m in RAW_WORDS.finditer(body)]
                for screen in range(1, MAX_SCREENS):
                    if not _scroll_main(page, screen):
                        break
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(SWEEP / f"{name}-{screen + 1}.png"))
                if (role, url_path) in REPRESENTATIVE and (lang, section) not in kept_sections:
                    kept_sections.add((lang, section))
                    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
                    page.screenshot(path=str(SCREENSHOTS / f"sweep-{lang}-{url_path}.png"))
    finally:
        if page.get_by_test_id("stSidebar").count():
            page.goto(server)
            settle(page)
            _switch_language(page, LANGUAGES["zh_CN"])
    (SWEEP / f"texts-{role}.json").write_text(json.dumps(texts, ensure_ascii=False, indent=1), encoding="utf-8")
    assert not problems, "\n".join(problems)
