"""User text (names, reasons, catalog text) shown through Markdown stays literal: no emphasis, link, image or HTML."""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from ui.markdown import md_escape

RENDER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


@pytest.mark.parametrize("text", [
    "**张三**", "<b>示范市</b><script>alert(1)</script>", "[点击](http://example.com)", "![x](http://example.com/t.png)",
    "_下划线_ ~~删除~~ `代码`", "# 标题", "1. 第一条", "- 列表", "+ 列表", "> 引用", "a | b", "$x^2$", "50%（含）\\",
    "公安局 (市) {x} #1 !important", "",
])
def test_escaped_text_renders_as_exactly_the_typed_text(text):
    rendered = RENDER.render(md_escape(text)).strip()
    if not text:
        assert rendered == ""
        return
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    inner = rendered[len("<p>"):-len("</p>")]
    assert "<" not in inner.replace("&lt;", "")  # no element of any kind
    assert html.unescape(inner) == text


def test_none_is_empty_and_numbers_are_kept():
    assert md_escape(None) == "" and md_escape(0) == "0"


@pytest.mark.parametrize("text", ["http://x\\", "https://example.com/a?b=1", "www.example.com", "a@b.cn",
                                  ":red[红色]", ":material/home:", ":smile:", "&lt;b&gt;", "**bold** [link](http://x)"])
def test_links_icons_colours_and_entities_stay_literal(text):
    escaped = md_escape(text)
    assert "www." not in escaped and "@" not in escaped.replace("\\@", "")
    assert ":" not in escaped.replace("\\:", "") and "&" not in escaped.replace("\\&", "")
    rendered = RENDER.render(escaped).strip()
    assert html.unescape(rendered[len("<p>"):-len("</p>")]) == text


def test_a_message_escapes_its_user_text_but_not_itself():
    from services.core import i18n
    from ui.markdown import md_text

    before = i18n.current_language()
    i18n.set_language("en")
    try:
        assert md_text("Unit {name} saved.", name="**bold** [link](http://x)") == \
            "Unit \\*\\*bold\\*\\* \\[link\\]\\(http\\:\\/\\/x\\) saved.".replace("\\/", "/")
    finally:
        i18n.set_language(before)  # the language is per process: AppTests later in this worker read it
