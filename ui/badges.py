"""Status and deadline badges for SLA clocks, shared by the inbox, case pages and supervision pages."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services.core.i18n import gettext as _
from services.deadlines import clocks
from services.deadlines.clocks import ClockStatus

# One colour per status, used by st.badge and by table cells.
STATUS_COLORS = {
    ClockStatus.ON_TIME: "green",
    ClockStatus.DUE_SOON: "orange",
    ClockStatus.OVERDUE: "red",
    ClockStatus.PAUSED: "violet",
    ClockStatus.CLOSED_ON_TIME: "gray",
    ClockStatus.CLOSED_LATE: "red",
    ClockStatus.NO_DEADLINE: "blue",
}
_CELL_STYLE = {
    "green": "color: #1b7f3b;",
    "orange": "color: #a15c00; background-color: #fff4e0; font-weight: 600;",
    "red": "color: #b42318; background-color: #fdecea; font-weight: 600;",
    "violet": "color: #6941c6;",
    "gray": "color: #667085;",
    "blue": "color: #175cd3;",
}
_ICONS = {
    ClockStatus.DUE_SOON: ":material/schedule:",
    ClockStatus.OVERDUE: ":material/error:",
    ClockStatus.PAUSED: ":material/pause_circle:",
    ClockStatus.NO_DEADLINE: ":material/hourglass_empty:",
    ClockStatus.CLOSED_LATE: ":material/running_with_errors:",
}


def status_badge(status: str) -> None:
    """Draw one status as a coloured badge."""
    st.badge(clocks.status_label(status), color=STATUS_COLORS.get(status, "gray"), icon=_ICONS.get(status))


def status_markdown(status: str) -> str:
    """The badge as Markdown, for a caption or a table header line."""
    return f":{STATUS_COLORS.get(status, 'gray')}-badge[{clocks.status_label(status)}]"


def deadline_text(due_on: date | None, left: int | None, *, provisional: bool = False, age: int | None = None) -> str:
    """'due 2025-10-14 · 2 working days left' / '3 working days late' / 'no deadline · open 4 working days'."""
    if due_on is None:
        return _("No statutory deadline · open {n} working days", n=age or 0)
    if left is None:
        text = _("Due {day}", day=due_on.isoformat())
    elif left < 0:
        text = _("Due {day} · {n} working days late", day=due_on.isoformat(), n=-left)
    elif left == 0:
        text = _("Due today ({day})", day=due_on.isoformat())
    else:
        text = _("Due {day} · {n} working days left", day=due_on.isoformat(), n=left)
    if provisional:
        text += " " + _("(provisional calendar)")
    return text


def left_text(left: int | None, status: str) -> str:
    """Short cell text: '2 left', '3 late', 'today', '—'."""
    if status == ClockStatus.PAUSED:
        return _("paused")
    if left is None:
        return "—"
    left = int(left)
    if left < 0:
        return _("{n} late", n=-left)
    if left == 0:
        return _("today")
    return _("{n} left", n=left)


def style_status(frame: pd.DataFrame, status_column: str, codes) -> object:
    """A Styler colouring the `status_column` cells by the ClockStatus `codes` (one per row, same order)."""
    styles = [_CELL_STYLE[STATUS_COLORS.get(code, "gray")] for code in codes]

    def colour(_column: pd.Series) -> list[str]:
        return styles

    return frame.style.apply(colour, subset=[status_column])
