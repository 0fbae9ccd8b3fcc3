"""Month grids of the working-day calendar: one small coloured table per month (Monday first)."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date

import pandas as pd

from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.deadlines.calendar import DayKind

WEEKDAYS = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]
KIND_LABELS = {
    DayKind.WORKDAY: N_("Working day"),
    DayKind.WEEKEND: N_("Weekend"),
    DayKind.HOLIDAY: N_("Holiday"),
    DayKind.WORKED_WEEKEND: N_("Worked weekend (调休)"),
}
SOURCE_LABELS = {"official": N_("Official"), "provisional": N_("Provisional"), "override": N_("Edited"),
                 "mixed": N_("Official with edits")}
_KIND_STYLE = {
    DayKind.WORKDAY: "",
    DayKind.WEEKEND: "background-color: #eef0f3; color: #667085;",
    DayKind.HOLIDAY: "background-color: #fdecea; color: #b42318; font-weight: 600;",
    DayKind.WORKED_WEEKEND: "background-color: #fff4e0; color: #a15c00; font-weight: 600;",
}
_OVERRIDE_STYLE = "text-decoration: underline; border: 2px solid #175cd3;"


def month_grid(days: pd.DataFrame, year: int, month: int):
    """A Styler with the weeks of one month as rows; `days` has columns day, kind, source."""
    info = {row.day: (row.kind, row.source) for row in days.itertuples()}
    weeks = pycalendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
    labels = [_(w) for w in WEEKDAYS]
    values = pd.DataFrame([[str(d) if d else "" for d in week] for week in weeks], columns=labels)

    def style(_frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame("", index=values.index, columns=values.columns)
        for r, week in enumerate(weeks):
            for c, d in enumerate(week):
                if not d:
                    continue
                kind, source = info.get(date(year, month, d), (DayKind.WORKDAY, ""))
                out.iat[r, c] = _KIND_STYLE[kind] + (_OVERRIDE_STYLE if source == "override" else "")
        return out

    return (values.style.apply(style, axis=None).hide(axis="index")
            .set_table_attributes('class="govdata-month"')
            .set_table_styles([{"selector": "th, td", "props": "text-align: center; padding: 2px 0; "
                                                                   "font-size: 0.85rem; border: 1px solid #e3e8ef;"},
                               {"selector": "", "props": "width: 100%; border-collapse: collapse;"}]))


def month_html(days: pd.DataFrame, year: int, month: int) -> str:
    """The month as an HTML table (day numbers and colours only: no user text is rendered as HTML)."""
    return month_grid(days, year, month).to_html()


def kind_label(kind: str) -> str:
    return _(KIND_LABELS.get(kind, kind))


def source_label(source: str) -> str:
    msgid = SOURCE_LABELS.get(source)
    return _(msgid) if msgid else source
