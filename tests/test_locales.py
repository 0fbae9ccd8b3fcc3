"""Every string the code passes through gettext has a Chinese translation and an English entry."""

from locales.catalog_tool import catalog, code_msgids, missing
from services.core import i18n


def test_every_ui_string_is_translated_into_chinese():
    assert missing("zh_CN") == {}, "run: python -m locales.catalog_tool missing --lang zh_CN"


def test_every_ui_string_is_listed_in_the_english_catalog():
    assert missing("en") == {}, "run: python -m locales.catalog_tool missing --lang en"


def test_placeholders_survive_translation():
    zh = catalog("zh_CN")
    import re

    for msgid in code_msgids():
        wanted = set(re.findall(r"{(\w+)}", msgid))
        assert set(re.findall(r"{(\w+)}", zh.get(msgid, msgid))) == wanted, msgid


def test_language_switch_changes_the_text():
    i18n.set_language("en")
    assert i18n.gettext("Sign in") == "Sign in"
    i18n.set_language("zh_CN")
    assert i18n.gettext("Sign in") == "登录"


def test_a_msgid_reads_the_same_in_every_feature_catalog():
    """Feature catalogs are merged at run time: one msgid translated two ways would show whichever loads last."""
    import re
    from collections import defaultdict
    from pathlib import Path

    for lang in ("zh_CN", "en"):
        seen: dict[str, set[str]] = defaultdict(set)
        for po in (Path(__file__).resolve().parent.parent / "locales" / lang / "LC_MESSAGES").glob("*.po"):
            for m in re.finditer(r'^msgid "(.+)"\nmsgstr "(.*)"$', po.read_text(encoding="utf-8"), re.M):
                seen[m.group(1)].add(m.group(2) or m.group(1))  # an empty msgstr reads as the msgid
        clashes = {k: v for k, v in seen.items() if len(v) > 1}
        assert not clashes, (lang, clashes)
