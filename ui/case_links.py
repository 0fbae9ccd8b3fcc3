"""Links from a clock (inbox row, reminder) to the page of its case.

Feature modules register their case page once at import, either way:
    CASE_PAGES["share_request"] = ("pages/sharing/request.py", "share_request_id")
    register_case_page("share_request", "pages/sharing/request.py", "share_request_id")
Opening a case puts its id in st.session_state[key] and switches to the page, which reads the id from there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import streamlit as st


class CasePage(NamedTuple):
    path: str  # page script relative to the project root, as registered in ui.navigation
    state_key: str  # st.session_state key the page reads the case id from


CASE_PAGES: dict[str, tuple[str, str]] = {}


def register_case_page(case_kind: str, path: str, state_key: str) -> None:
    CASE_PAGES[str(case_kind)] = CasePage(path, state_key)


def can_open(case_kind: str | None, roles: Iterable[str]) -> bool:
    """A case page is linked only when it is registered and in the user's navigation."""
    if not case_kind or str(case_kind) not in CASE_PAGES:
        return False
    from ui.navigation import pages_for

    path, _key = CASE_PAGES[str(case_kind)]
    return any(spec.path == path for spec in pages_for(roles))


def open_case(case_kind: str, case_id: int) -> None:
    """Remember the case and go to its page."""
    path, key = CASE_PAGES[str(case_kind)]
    st.session_state[key] = int(case_id)
    st.switch_page(path)
