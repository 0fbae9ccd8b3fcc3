"""Translations: gettext catalogs under locales/<lang>/LC_MESSAGES/*.po, read with Babel, one language per run."""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from services.core.settings import ROOT, get_settings

LOCALE_DIR = ROOT / "locales"
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("govdata_language", default=None)


@lru_cache(maxsize=8)
def _translations(lang: str) -> _gettext.NullTranslations:
    """All .po files of one language merged; each feature owns its own catalog file to keep edits apart."""
    merged: _gettext.NullTranslations | None = None
    for po_path in sorted(Path(LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=lang.split("_")[0] if lang == "en" else lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        trans = _gettext.GNUTranslations(buf)
        if merged is None:
            merged = trans
        else:
            merged.add_fallback(trans)
    return merged or _gettext.NullTranslations()


def normalise(lang: str | None) -> str:
    return lang if lang in LANGUAGES else get_settings().language


def set_language(lang: str | None) -> str:
    lang = normalise(lang)
    _current.set(lang)
    return lang


def current_language() -> str:
    return normalise(_current.get())


def gettext(message: str, /, **params: object) -> str:
    """Translate into the current language; `params` fill {named} placeholders after translation."""
    text = _translations(current_language()).gettext(message)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    text = _translations(current_language()).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where it is shown)."""
    return message


_ = gettext
