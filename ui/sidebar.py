"""The sidebar below the navigation: who is signed in, language switch, reminders, sign-out; and the theme CSS."""

from __future__ import annotations

import streamlit as st

from services.administration import users
from services.core import i18n
from services.core.actor import Actor
from services.core.i18n import gettext as _
from ui import home, session
from ui.labels import roles_text
from ui.markdown import md_escape

# Hides Streamlit's developer chrome (deploy button, main menu) and tightens spacing for 1366x768 screens.
# The top bar (stHeader, fixed, above the page) is made lower, and the page starts below it: a padding
# smaller than the bar hid flash messages and the first row of buttons under it. Streamlit writes the hint
# under a text box ("Press Enter to submit form") in English whatever the language: it is hidden. Metric labels
# and values wrap instead of ending in "…" (five tiles a row leave ~170 px each at 1366 px).
HEADER_REM = 2.75
_CSS = """
<style>
[data-testid="stAppDeployButton"], [data-testid="stMainMenu"], #MainMenu, footer {display: none !important;}
[data-testid="stHeader"] {height: {header}rem; min-height: {header}rem;}
[data-testid="stMainBlockContainer"], .block-container {padding-top: {top}rem; padding-bottom: 1rem; max-width: 100%;}
[data-testid="InputInstructions"] {display: none;}
h1 {font-size: 1.75rem !important; padding-bottom: 0.4rem !important;}
h2, h3 {font-size: 1.2rem !important;}
[data-testid="stSidebarUserContent"] {padding-top: 0.5rem;}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {white-space: normal !important; overflow: visible !important; text-overflow: clip !important; height: auto !important;}
[data-testid="stMetricValue"] > div {white-space: normal !important; overflow-wrap: anywhere;}
div[data-testid="stMetric"] {background: #f7f9fc; border: 1px solid #e3e8ef; border-radius: 6px; padding: 0.5rem 0.8rem;}
</style>
""".replace("{header}", str(HEADER_REM)).replace("{top}", str(HEADER_REM + 0.75))

def inject_css() -> None:
    st.html(_CSS)


def inject_language_css() -> None:
    """Texts Streamlit draws in English whatever the language, replaced by CSS once the language is known: the
    file uploader's "Upload" button and its "200MB per file • XLSX" line (each uploader states its own limit
    and types in its label or help)."""
    choose, drop = _("Choose a file"), _("Drag a file here, or choose one")
    st.html("<style>"
            '[data-testid="stFileUploaderDropzone"] button, '
            '[data-testid="stFileUploaderDropzone"] button * {font-size: 0 !important;}'
            f'[data-testid="stFileUploaderDropzone"] button::after {{content: "{choose}"; font-size: 0.875rem;}}'
            '[data-testid="stFileUploaderDropzoneInstructions"] > div > span, '
            '[data-testid="stFileUploaderDropzoneInstructions"] span {display: none;}'
            f'[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{content: "{drop}"; '
            'font-size: 0.875rem; color: rgba(49, 51, 63, 0.6);}'
            "</style>")


def _on_language_change() -> None:
    lang = st.session_state["govdata_lang_choice"]
    st.session_state["govdata_lang"] = lang
    current = session.actor()
    if current is not None:
        i18n.set_language(lang)
        users.set_language(current, lang)


def language_switch() -> None:
    codes = list(i18n.LANGUAGES)
    current = i18n.current_language()
    st.selectbox(_("Language"), codes, index=codes.index(current), format_func=i18n.LANGUAGES.get,
                 key="govdata_lang_choice", on_change=_on_language_change)


def render(actor: Actor) -> None:
    with st.sidebar:
        st.markdown(f"**{md_escape(actor.display_name)}**")
        st.caption(f"{md_escape(actor.unit_name)}  \n{roles_text(actor.roles)}")
        for provider in home.reminder_providers():
            provider(actor)
        language_switch()
        session.keep_cookie()
        if st.button(_("Sign out"), icon=":material/logout:", width="stretch"):
            session.sign_out()
            st.rerun()
