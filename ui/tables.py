"""Dense, sortable tables with translated headers and single-row selection, and a server-side pager."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import pandas as pd
import streamlit as st

from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local


def data_table(df: pd.DataFrame, columns: Mapping[str, str], *, key: str, column_config: dict | None = None,
               height: int | str = "auto", selectable: bool = True) -> pd.Series | None:
    """Show `columns` (field -> msgid of the header) of `df`; returns the selected row, if any.

    Other fields stay in the frame (ids, versions) but are not displayed."""
    shown = df[list(columns)].copy()
    for name in shown.columns:  # empty text cells show as blank, not "None"
        if shown[name].dtype == object:
            column = shown[name].where(shown[name].notna(), "")
            if any(isinstance(v, (date, datetime)) for v in column):  # dates beside blanks: one type for Arrow
                column = column.map(_date_text)
            shown[name] = column
    shown = shown.rename(columns={k: _(v) for k, v in columns.items()})
    config = {_(columns[k]): v for k, v in (column_config or {}).items() if k in columns}
    if not selectable:
        st.dataframe(shown, hide_index=True, width="stretch", height=height, column_config=config, key=key)
        return None
    event = st.dataframe(shown, hide_index=True, width="stretch", height=height, column_config=config, key=key,
                         on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(df):
        return df.iloc[rows[0]]
    return None


def _date_text(value) -> str:
    if isinstance(value, datetime):
        return fmt_local(value) if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def current_page(key: str) -> int:
    return int(st.session_state.get(f"{key}_page", 1))


def reset_page(key: str) -> None:
    st.session_state[f"{key}_page"] = 1


def _step(key: str, delta: int, pages: int) -> None:
    st.session_state[f"{key}_page"] = min(max(1, current_page(key) + delta), pages)


def pager(key: str, page: int, pages: int, total: int) -> None:
    """Previous/next controls under a table whose rows the service already paged."""
    st.session_state[f"{key}_page"] = page  # the service may have clamped it
    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    left.button(_("Previous"), icon=":material/chevron_left:", key=f"{key}_prev", disabled=page <= 1,
                on_click=_step, args=(key, -1, pages), width="stretch")
    middle.caption(_("Page {page} of {pages} · {total} records", page=page, pages=pages, total=total))
    right.button(_("Next"), icon=":material/chevron_right:", key=f"{key}_next", disabled=page >= pages,
                 on_click=_step, args=(key, 1, pages), width="stretch")
