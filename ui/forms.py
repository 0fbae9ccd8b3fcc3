"""Small form helpers shared by the dialogs: choosing a record by id, optional text, yes/no labels."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from services.core.i18n import gettext as _


def choose(label: str, options: Mapping[Any, str], *, value: Any = None, key: str | None = None,
           allow_empty: bool = False, help: str | None = None) -> Any:
    """A select box over {id: text}; returns the chosen id (None for the empty choice when allowed)."""
    ids = list(options)
    if allow_empty:
        ids = [None, *ids]
    index = ids.index(value) if value in ids else (0 if ids else None)
    return st.selectbox(label, ids, index=index, key=key, help=help,
                        format_func=lambda i: "—" if i is None else options[i],
                        placeholder=_("Choose…"))


def optional(text: str | None) -> str | None:
    """Empty or blank input is stored as NULL, not as an empty string."""
    text = (text or "").strip()
    return text or None


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def field_value(row: Any, key: str, default: Any = "") -> Any:
    """A field of the selected table row (a pandas Series) for a form's initial value; `default` when there
    is no row or the cell is empty."""
    if row is None:
        return default
    value = row[key]
    try:
        missing = value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are never "missing"
        missing = False
    return default if missing else value


# A date box refuses nothing itself: Streamlit silently puts back the previous value when a typed date lies outside
# the box's range, so the range is wide and the service says what is wrong with the date.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)


def limit_help(n: int, extra: str | None = None) -> str:
    """Help text stating a text field's limit. The field itself has no max_chars: Streamlit drops a paste longer
    than max_chars without a word, so the text goes to the service, which refuses it with the length."""
    text = _("At most {n} characters.", n=n)
    return f"{extra} {text}" if extra else text


UPLOAD_DEFAULT_MB = 50  # .streamlit/config.toml server.maxUploadSize


def upload_note(max_mb: int | float, types: list[str], where=None) -> None:
    """The limit and the file types of an uploader, in the user's language, under it (Streamlit's own line,
    "200MB per file • PDF", is English whatever the language and is hidden by the theme CSS)."""
    (where or st).caption(_("At most {n} MB per file · {types}", n=f"{max_mb:g}",
                            types=", ".join(t.upper() for t in types)))


def attachment_limit_mb() -> int:
    """The attachment limit of the settings (share applications, correction evidence), in MB."""
    from services.core.settings import get_settings

    return max(1, int(get_settings().share_attachment_max_mb))
