"""The export control under a list: choose XLSX or CSV, export (an audited action), then download.

The page passes a function of the format that calls the domain's export service with the filter on screen;
the prepared file is kept with the filter it was made from, so changing the filter never offers a stale file."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from services.core.i18n import gettext as _
from services.core.tabular import EXPORT_FORMATS, ExportFile
from ui import session


def export_control(key: str, make: Callable[[str], ExportFile | None], *, signature: object = None) -> None:
    """`make(fmt)` calls the export service; `signature` identifies the filter on screen."""
    state_key = f"{key}_export_file"
    kept = st.session_state.get(state_key)
    if kept is not None and kept[0] != repr(signature):
        st.session_state.pop(state_key, None)
        kept = None
    tools = st.columns([1.2, 1, 2.4, 1.4], vertical_alignment="bottom")
    fmt = tools[0].segmented_control(_("Export format"), list(EXPORT_FORMATS), default="xlsx",
                                     format_func=str.upper, key=f"{key}_export_fmt")
    if tools[1].button(_("Export"), icon=":material/download:", key=f"{key}_export",
                       help=_("The export itself is recorded in the audit log.")):
        file = session.run_action(make, fmt or "xlsx")
        if file:
            kept = (repr(signature), file)
            st.session_state[state_key] = kept
    if kept is not None:
        file = kept[1]
        tools[2].download_button(_("Download {n} rows ({name})", n=file.rows, name=file.filename), file.data,
                                 file_name=file.filename, mime=file.mime, icon=":material/file_download:",
                                 type="primary", key=f"{key}_download")
