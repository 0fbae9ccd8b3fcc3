"""The layer rules import-linter cannot see: pages are scripts, not a package.

A page reads widgets, calls services and renders; it never opens a database session, writes SQL or reaches into a
service package's internals, so every rule it shows lives in one service. The import contracts for the packages
(ui, services, models) are in pyproject.toml and run as `lint-imports` in `make test`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").rglob("*.py"))
FORBIDDEN = ("sqlalchemy", "sqlmodel", "services.core.db", "services.core.uow", "services.core.bulk",
             "services.core.audit", "services.core.schema", "services.catalog.store")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_pages_live_in_one_folder_per_navigation_section():
    assert PAGES, "no pages found"
    loose = [p.name for p in (ROOT / "pages").glob("*.py")]
    assert not loose, f"pages outside a section folder: {loose}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_reaches_the_database_only_through_services(page):
    bad = sorted(name for name in _imports(page) for forbidden in FORBIDDEN
                 if name == forbidden or name.startswith(forbidden + "."))
    assert not bad, f"{page.relative_to(ROOT)} imports {bad}: call a service instead"


def test_every_service_package_says_what_it_owns():
    for init in sorted((ROOT / "services").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{init.relative_to(ROOT)} has no docstring"


def test_navigation_points_at_pages_that_exist():
    from ui.navigation import PAGES as SPECS

    missing = [spec.path for spec in SPECS if not (ROOT / spec.path).is_file()]
    assert not missing, missing
