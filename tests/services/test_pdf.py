"""The PDF builder prints Chinese and Latin text with the shipped fonts and lays tables across pages."""

import contextlib
import re
import zlib

import pytest

from services.core import pdf


def _plain(data: bytes) -> bytes:
    """The document with every Flate stream inflated, so its text objects and font maps can be searched."""
    out = bytearray(data)
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out += zlib.decompress(match.group(1))
    return bytes(out)


def _unicode_map(data: bytes) -> str:
    """Every code point the embedded fonts' ToUnicode maps declare (what a reader can copy out of the PDF)."""
    points = re.findall(rb"<[0-9A-F]{4}> <([0-9A-F]{4,8})>", _plain(data))
    return "".join(chr(int(p, 16)) for p in points)


def test_chinese_and_latin_text_is_embedded_with_both_fonts():
    data = pdf.render_pdf("考核结果 2026", [pdf.Paragraph("龙岩市公安局 score 92.5")], footer="页脚")
    assert data.startswith(b"%PDF-")
    plain = _plain(data)
    assert plain.count(b"/FontFile2") == 2, "both the Latin and the CJK font are embedded"
    mapped = _unicode_map(data)
    for char in "考核结果龙岩市公安局页脚score92.5":
        assert char in mapped, char


def test_a_long_table_breaks_across_pages_with_its_heading_repeated():
    rows = [[f"单位{i}", i, i * 1.5] for i in range(120)]
    data = pdf.render_pdf("排名", [pdf.Table(["单位", "名次", "得分"], rows, numeric=(1, 2))], compress=False)
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert pages >= 3
    assert data.count(b"%PDF-") == 1


def test_control_characters_and_missing_values_do_not_break_the_layout():
    data = pdf.render_pdf(
        "x\x00y", [pdf.KeyValues([("空", None), ("tab", "a\tb")]), pdf.Table(["a", "b"], [[None], [1, 2, 3]])]
    )
    assert data.startswith(b"%PDF-")


def test_a_table_needs_one_width_per_column():
    with pytest.raises(ValueError):
        pdf.render_pdf("t", [pdf.Table(["a", "b"], [], widths=(1,))])
