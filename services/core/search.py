"""Search boxes: what a user types is text to find, never a LIKE pattern (`%`, `_` and `\\` are escaped) and never
a NUL byte (PostgreSQL refuses it in a string)."""

from __future__ import annotations

from typing import Any


def clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, text: str, *, case_insensitive: bool = True) -> Any:
    """`column` contains `text` literally (case-insensitive on both backends unless told otherwise)."""
    pattern = f"%{escape_like(clean(text))}%"
    return column.ilike(pattern, escape="\\") if case_insensitive else column.like(pattern, escape="\\")
