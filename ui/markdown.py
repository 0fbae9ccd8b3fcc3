"""User text inside Markdown (st.markdown, st.write, st.error, st.caption …) must stay literal text."""

from __future__ import annotations

_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def md_escape(text) -> str:
    """Escape every character Markdown (or Streamlit's HTML-ish extensions) could interpret: a name such as
    "**x**", "<b>x</b>" or "[x](http://…)" is shown exactly as typed, never as emphasis, HTML or a link."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text if text is not None else ""))
