"""Printable documents (assessment score sheets, annual reports) as PDF with Chinese text.

A domain builds a list of blocks — headings, paragraphs, key/value lists, tables — and `render_pdf` lays them
out on A4 with the fonts shipped in `data/fonts/`: DejaVu Sans for Latin text and Droid Sans Fallback
(Apache-2.0, TrueType with glyf outlines covering the CJK Unified Ideographs) for everything else, so every name a
unit can type prints; fpdf2 embeds only the glyphs used. The fonts are part of the repository so the output never
depends on what a server has installed.

No database code and no translation here: callers pass text already in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
# Latin letters, digits and punctuation come from DejaVu Sans; every character it lacks (the CJK ideographs,
# full-width punctuation) falls back to Droid Sans Fallback.
FONT_NAME = "latin"
CJK_FONT_NAME = "cjk"
FONT_FILES = {FONT_NAME: "DejaVuSans.ttf", CJK_FONT_NAME: "DroidSansFallbackFull.ttf"}
_BODY_SIZE = 10
_HEADING_SIZES = {1: 15, 2: 12.5, 3: 11}
_MARGIN_MM = 15


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class KeyValues:
    """Label → value pairs laid out as a two-column list (a report's header figures)."""

    pairs: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[object]]
    # Relative column widths; equal when omitted.
    widths: Sequence[float] | None = None
    # Columns (by index) drawn right-aligned, for figures.
    numeric: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | KeyValues | Table | PageBreak


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value - round(value)) > 1e-9 else f"{value:,.0f}"
    text = str(value)
    # Control characters other than line breaks have no glyph; a pasted tab reads as a space.
    return "".join(ch if ch == "\n" or ch >= " " else " " for ch in text)


class _Document(FPDF):
    def __init__(self, title: str, footer: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self._doc_title = title
        self._footer_text = footer
        self.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=_MARGIN_MM + 5)
        for name, filename in FONT_FILES.items():
            self.add_font(name, "", str(FONT_DIR / filename))
        self.set_fallback_fonts([CJK_FONT_NAME], exact_match=False)
        self.set_title(title)
        self.set_creator("GovData Hub")

    def footer(self) -> None:  # fpdf hook, called for every page
        self.set_y(-_MARGIN_MM)
        self.set_font(FONT_NAME, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, _text(self._footer_text), align="L")
        self.set_x(_MARGIN_MM)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def render_pdf(
    title: str,
    blocks: Sequence[Block],
    *,
    subtitle: str | None = None,
    footer: str = "",
    generated_at: datetime | None = None,
    compress: bool = True,
) -> bytes:
    """The document as PDF bytes. `footer` repeats on every page beside the page number."""
    pdf = _Document(title, footer)
    pdf.set_compression(compress)
    if generated_at is not None:
        pdf.set_creation_date(generated_at)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(FONT_NAME, size=17)
    pdf.multi_cell(width, 9, _text(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if subtitle:
        pdf.set_font(FONT_NAME, size=_BODY_SIZE)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(width, 6, _text(subtitle), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    for block in blocks:
        _draw(pdf, block, width)
    return bytes(pdf.output())


def _draw(pdf: FPDF, block: Block, width: float) -> None:
    if isinstance(block, PageBreak):
        pdf.add_page()
    elif isinstance(block, Heading):
        size = _HEADING_SIZES.get(block.level, _BODY_SIZE + 1)
        pdf.ln(2)
        pdf.set_font(FONT_NAME, size=size)
        pdf.multi_cell(width, size * 0.55, _text(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    elif isinstance(block, Paragraph):
        pdf.set_font(FONT_NAME, size=_BODY_SIZE)
        if block.muted:
            pdf.set_text_color(100, 100, 100)
        pdf.multi_cell(width, 5.5, _text(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.5)
    elif isinstance(block, KeyValues):
        pdf.set_font(FONT_NAME, size=_BODY_SIZE)
        with pdf.table(
            col_widths=(1, 2), first_row_as_headings=False, line_height=6, borders_layout="NONE",
            text_align=("LEFT", "LEFT"),
        ) as table:
            for label, value in block.pairs:
                row = table.row()
                row.cell(_text(label))
                row.cell(_text(value))
        pdf.ln(2)
    elif isinstance(block, Table):
        _draw_table(pdf, block)
    else:  # pragma: no cover - the Block union is closed
        raise TypeError(f"unknown block {block!r}")


def _draw_table(pdf: FPDF, block: Table) -> None:
    count = len(block.columns)
    widths = tuple(block.widths) if block.widths else (1,) * count
    if len(widths) != count:
        raise ValueError("one width per column")
    align = tuple("RIGHT" if i in block.numeric else "LEFT" for i in range(count))
    pdf.set_font(FONT_NAME, size=_BODY_SIZE - 1)
    with pdf.table(
        col_widths=widths, line_height=5.5, text_align=align, repeat_headings=1,
        headings_style=_heading_style(),
    ) as table:
        head = table.row()
        for column in block.columns:
            head.cell(_text(column))
        for values in block.rows:
            row = table.row()
            for value in list(values)[:count] + [""] * max(0, count - len(values)):
                row.cell(_text(value))
    pdf.ln(3)


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT_NAME, emphasis="", fill_color=(232, 238, 246))
