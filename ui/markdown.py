"""User text inside Markdown (st.markdown, st.write, st.error, st.caption, st.success, button labels, dialog
titles, toasts …) must stay literal text.

The one rule: a value the user (or an import) typed is escaped exactly once, where it enters the text shown:
`md_escape(value)` when it is shown alone or in an f-string, `md_text(msgid, **params)` when it goes into a
translated message (the parameters are escaped, the message is not). Service messages are escaped by
`ui.session.run_action`."""

from __future__ import annotations

from services.core.i18n import gettext

# Markdown specials, plus what Streamlit's renderer adds: ":" (bare-URL autolinks such as http://x, emoji
# and :material/…: icons, :red[…] colours), "&" (character references), "@" (e-mail autolinks).
_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:&@"


def md_escape(text) -> str:
    """Escape every character Markdown (or Streamlit's HTML-ish extensions) could interpret: a name such as
    "**x**", "<b>x</b>", "[x](http://…)" or "http://x" is shown exactly as typed, never as emphasis, HTML or
    a link."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text if text is not None else ""))


def md_text(msgid: str, **params) -> str:
    """A translated message whose parameters are user text: each parameter is escaped, the message is not."""
    return gettext(msgid, **{key: md_escape(value) for key, value in params.items()})
