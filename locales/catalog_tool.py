"""Keeps the gettext catalogs complete: extracts every msgid from the code and compares with the .po files.

    python -m locales.catalog_tool missing [--lang zh_CN]   print missing entries as .po text
    python -m locales.catalog_tool unused                    msgids in catalogs that the code no longer uses
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("services", "pages", "ui", "models", "api")
SOURCE_FILES = ("app.py",)
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "t": None, "md_text": None}
LANGS = ("zh_CN", "en")


def _extract_file(path: Path) -> list[tuple[str, str]]:
    from babel.messages.extract import extract

    with path.open("rb") as fh:
        return [(m[1] if isinstance(m[1], str) else m[1][0], f"{path.name}:{m[0]}")
                for m in extract("python", fh, keywords=KEYWORDS)]


def code_msgids() -> dict[str, str]:
    """msgid -> first place it is used."""
    found: dict[str, str] = {}
    for directory in SOURCE_DIRS:
        base = ROOT / directory
        if not base.exists():
            continue
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            base, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgids = message if isinstance(message, tuple) else (message,)
            for msgid in msgids:
                if msgid:
                    found.setdefault(msgid, f"{directory}/{filename}:{lineno}")
    for name in SOURCE_FILES:
        path = ROOT / name
        if path.exists():
            for msgid, where in _extract_file(path):
                found.setdefault(msgid, where)
    return found


def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation, merged over every .po file of the language."""
    merged: dict[str, str] = {}
    for po in sorted((ROOT / "locales" / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                if message.id:
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    text = message.string if isinstance(message.string, str) else (message.string or [""])[0]
                    merged[msgid] = text
    return merged


def missing(lang: str) -> dict[str, str]:
    have = catalog(lang)
    return {m: where for m, where in code_msgids().items() if m not in have or (lang != "en" and not have[m])}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"missing", "unused"}:
        print(__doc__)
        return 2
    if argv[0] == "missing":
        langs = [argv[argv.index("--lang") + 1]] if "--lang" in argv else list(LANGS)
        for lang in langs:
            todo = missing(lang)
            print(f"# {lang}: {len(todo)} missing")
            for msgid, where in todo.items():
                print(f"#: {where}\nmsgid \"{_po_escape(msgid)}\"\nmsgstr \"\"\n")
        return 0
    used = code_msgids()
    for lang in LANGS:
        for msgid in catalog(lang):
            if msgid not in used:
                print(f"{lang}: {msgid}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def write_entries(lang: str, domain_file: str, entries: dict[str, str]) -> None:
    """Add or replace entries in locales/<lang>/LC_MESSAGES/<domain_file>.po (keeps the others)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    path = ROOT / "locales" / lang / "LC_MESSAGES" / f"{domain_file}.po"
    if path.exists():
        with path.open("rb") as fh:
            cat = read_po(fh)
    else:
        cat = Catalog(locale=lang if lang != "en" else "en", project="GovData Hub")
    for msgid, text in entries.items():
        if msgid in cat:
            cat[msgid].string = text
        else:
            cat.add(msgid, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, cat, width=0, omit_header=False, sort_output=False)
