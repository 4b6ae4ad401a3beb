"""Write a `services.report.Report` as a Word document in the layout of Party documents.

The layout follows the Party Central Office's guidance on the form of Party documents
(Hướng dẫn 36-HD/VPTW) as the seeds show it: A4 portrait, margins 20 mm top and bottom, 30 mm
left, 15 mm right; Times New Roman, body 14 pt justified with a first-line indent; top left the
superior body, the issuing body in bold, a star and the number; top right "ĐẢNG CỘNG SẢN VIỆT
NAM" bold and underlined over the place and date in italics (the two columns are centre tab
stops on plain paragraphs, so the only tables are the data tables); "BÁO CÁO", the subject and
a short rule centred; the numbered sections with their tables (header row repeated on each
page, columns fitted to the page width); at the bottom "Nơi nhận:" on the left and the
signature block on the right.

python-docx writes a real DOCX (styles, tables, page setup) without Word. Every text, typed or
computed, goes in as a run's text: never a field, a formula or markup; characters XML cannot hold
are dropped. The only field is the page number in the header from the second page on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from services.report import Cell, Paragraph, Report, Table, cell_text

FONT = "Times New Roman"
BODY_PT, LETTERHEAD_PT, TABLE_PT, RECIPIENTS_PT = 14, 13, 12, 11
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT  # 165 mm
FIRST_LINE = Cm(1.27)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CENTRED_COLUMNS = {"TT", "Mã", "Năm sinh", "Đảng viên", "Ngày dự", "Ngày báo cáo",
                    "Hạn báo cáo"}


def _clean(text: str) -> str:
    """Drop characters an XML document cannot hold (a control character typed into a sheet)."""
    return _XML_ILLEGAL.sub("", text)


def _run(paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False,
         underline: bool = False, size: float | None = None) -> None:
    run = paragraph.add_run(_clean(text))  # plain text: a "=…" stays the characters "=…"
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    if size is not None:
        run.font.size = Pt(size)


def _format(paragraph: DocxParagraph, *, align: WD_ALIGN_PARAGRAPH | None = None,
            indent: bool = False, before: float = 0, after: float = 0,
            keep_next: bool = False) -> DocxParagraph:
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    fmt.first_line_indent = FIRST_LINE if indent else Cm(0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.keep_with_next = keep_next or None
    return paragraph


def _set_font(style_font: Any, size: float) -> None:
    font = style_font
    font.name = FONT
    font.size = Pt(size)
    fonts = font.element.rPr.rFonts
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _setup(document: Any) -> None:
    """A4 portrait, the standard margins, Times New Roman everywhere."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    normal = document.styles["Normal"]
    _set_font(normal.font, BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.0
    table_style = document.styles["Table Grid"]
    _set_font(table_style.font, TABLE_PT)
    _page_numbers(section)


def _page_numbers(section: Any) -> None:
    """Number the pages at the top centre from the second page on (the guidance's place)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    _format(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER)
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), tag)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)


# --- tables --------------------------------------------------------------------------------


# The order Word requires of a table's properties (ECMA-376, CT_TblPr); LibreOffice forgives
# any order, Word calls the file damaged.
_TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                 "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
                 "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")


def _set_property(table: DocxTable, element: Any) -> None:
    """Put a table property in its place among the others, replacing one of the same kind."""
    properties = table._tbl.tblPr
    name = element.tag.rsplit("}", 1)[-1]
    for old in properties.findall(qn(f"w:{name}")):
        properties.remove(old)
    rank = _TBL_PR_ORDER.index(name)
    later = next((child for child in properties.iterchildren()
                  if child.tag.rsplit("}", 1)[-1] in _TBL_PR_ORDER
                  and _TBL_PR_ORDER.index(child.tag.rsplit("}", 1)[-1]) > rank), None)
    if later is None:
        properties.append(element)
    else:
        later.addprevious(element)


def _fixed_widths(table: DocxTable, widths: Sequence[int]) -> None:
    """Give every column its width and keep Word from re-fitting the table to its contents."""
    table.autofit = False  # a fixed layout: the widths below, whatever the contents
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(sum(w // 635 for w in widths)))  # EMU to twentieths of a point
    total.set(qn("w:type"), "dxa")
    _set_property(table, total)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(width // 635))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _cell_margins(table: DocxTable) -> None:
    """Narrow the cells' side margins so short columns ("TT") keep their text on one line."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(CELL_MARGIN // 635))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    _set_property(table, margins)


def _repeat_header(row: Any) -> None:
    """Repeat the row at the top of each page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _no_split(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))


# Columns whose content is short and fixed: a width that fits it, whatever the table.
_DATE_WIDTH = Mm(24)  # "03/11/2026" in 12 pt with the cell margins
_FIXED_WIDTHS = {"TT": Mm(10), "Mã": Mm(19), "Ngày dự": _DATE_WIDTH,
                 "Ngày báo cáo": _DATE_WIDTH, "Hạn báo cáo": _DATE_WIDTH}
CELL_MARGIN = Mm(1.2)  # left and right inside a cell (Word's default is 1.9 mm)


def _widths(relative: Sequence[float], header: Sequence[str] = ()) -> list[int]:
    """Scale relative widths to the text width of the page (in EMU), fixed columns first."""
    fixed = {i: _FIXED_WIDTHS[h] for i, h in enumerate(header) if h in _FIXED_WIDTHS}
    rest = TEXT_WIDTH - sum(fixed.values())
    scale = sum(w for i, w in enumerate(relative) if i not in fixed) or 1
    return [fixed[i] if i in fixed else int(rest * w / scale) for i, w in enumerate(relative)]


def _cell(cell: _Cell, value: Cell, *, bold: bool = False, centred: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    _format(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT)
    # The size on the run: LibreOffice lets the Normal style's 14 pt win over the table style's.
    _run(paragraph, cell_text(value), bold=bold, size=TABLE_PT)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _data_table(document: Any, table: Table) -> None:
    caption = document.add_paragraph()
    _format(caption, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=6, keep_next=True)
    _run(caption, table.title, bold=True, size=TABLE_PT + 1)
    if not table.rows:
        paragraph = document.add_paragraph()
        _format(paragraph, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
        _run(paragraph, table.empty, italic=True)
        return
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = document.styles["Table Grid"]
    _fixed_widths(grid, _widths(table.widths, table.header))
    _cell_margins(grid)
    header = grid.rows[0]
    _repeat_header(header)
    for cell, title in zip(header.cells, table.header, strict=True):
        _cell(cell, title, bold=True, centred=True)
    last = len(table.rows) - 1
    for i, values in enumerate(table.rows):
        row = grid.rows[i + 1]
        _no_split(row)
        bold = table.total and i == last
        for cell, title, value in zip(row.cells, table.header, values, strict=True):
            centred = title in _CENTRED_COLUMNS or isinstance(value, (int,)) or value is None
            _cell(cell, value, bold=bold, centred=centred)
    spacer = document.add_paragraph()
    _format(spacer, after=0)


# --- the parts of the document -------------------------------------------------------------


# The two columns of the letterhead and of the closing: a centre tab stop in each, on plain
# paragraphs rather than a layout table, so the document's only tables are its data tables and
# a reader that walks the paragraphs meets the issuing body, "Nơi nhận" and the signer in order.
LEFT_CENTRE, RIGHT_CENTRE = Mm(40), Mm(122)
# Characters that fit the left column (13 pt letterhead, 11 pt recipients); a longer text gets
# its own line rather than pushing the right column's text out of place.
_LEFT_FITS, _RECIPIENT_FITS = 34, 46

Piece = tuple[str, dict[str, Any]]


def _two_columns(document: Any, left: Piece | None, right: Piece | None, *,
                 left_align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
                 keep_next: bool = True, after: float = 0, fits: int = _LEFT_FITS) -> None:
    """Add one line with a text centred in each column (either may be absent)."""
    if left is not None and right is not None and right[0] and len(left[0]) > fits:
        _two_columns(document, left, None, left_align=left_align)
        left = None
    paragraph = _format(document.add_paragraph(), after=after, keep_next=keep_next)
    stops = paragraph.paragraph_format.tab_stops
    if left_align == WD_ALIGN_PARAGRAPH.CENTER:
        stops.add_tab_stop(LEFT_CENTRE, WD_TAB_ALIGNMENT.CENTER)
    stops.add_tab_stop(RIGHT_CENTRE, WD_TAB_ALIGNMENT.CENTER)
    if left is not None:
        if left_align == WD_ALIGN_PARAGRAPH.CENTER:
            paragraph.add_run("\t")
        _run(paragraph, left[0], **left[1])
    if right is not None:
        paragraph.add_run("\t" if left is not None or left_align != WD_ALIGN_PARAGRAPH.CENTER
                          else "\t\t")
        _run(paragraph, right[0], **right[1])


def _letterhead(document: Any, report: Report) -> None:
    head = report.letterhead
    small = {"size": LETTERHEAD_PT}
    # "ĐẢNG CỘNG SẢN VIỆT NAM" faces the issuing body: read line by line, the issuer comes
    # first, then the Party's name, then the number and the place and date.
    _two_columns(document, (head.superior, small), None)
    _two_columns(document, (head.issuer, {**small, "bold": True}),
                 ("ĐẢNG CỘNG SẢN VIỆT NAM", {"bold": True, "underline": True, "size": 15}))
    _two_columns(document, ("*", small), None)
    _two_columns(document, (head.number, small),
                 (head.place_date, {"italic": True, "size": BODY_PT}), keep_next=False)


def _title(document: Any, report: Report) -> None:
    title = _format(document.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER,
                    before=18, after=0, keep_next=True)
    _run(title, report.doc_type, bold=True, size=15)
    subject = _format(document.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER,
                      after=0, keep_next=True)
    _run(subject, report.subject, bold=True)
    rule = _format(document.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    _run(rule, "-----")


def _body_paragraph(document: Any, block: Paragraph) -> None:
    paragraph = document.add_paragraph()
    _format(paragraph, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6,
            keep_next=block.heading)
    _run(paragraph, block.text, bold=block.heading)


def _closing(document: Any, report: Report) -> None:
    sign = report.signature
    bold = {"bold": True, "size": BODY_PT}
    left: list[Piece] = [("Nơi nhận:", {"bold": True, "italic": True, "size": TABLE_PT})]
    left += [(f"- {r}", {"size": RECIPIENTS_PT}) for r in report.recipients]
    # At least four empty lines between the title and the name, room for the signature and the
    # seal; the name comes below the last recipient, so no line mixes the two sizes.
    room = max(4, len(left) - 2)
    right: list[Piece] = [(sign.for_body, bold), (sign.title, bold),
                          *[("", {"size": RECIPIENTS_PT})] * room, (sign.name, bold)]
    rows = max(len(left), len(right))
    for n in range(rows):
        # Every line keeps with the next: the recipients and the signature stay on one page.
        _two_columns(document, left[n] if n < len(left) else None,
                     right[n] if n < len(right) else None, left_align=WD_ALIGN_PARAGRAPH.LEFT,
                     keep_next=n < rows - 1, fits=_RECIPIENT_FITS)


def render(report: Report) -> bytes:
    """Return the report as a DOCX file."""
    document = Document()
    _setup(document)
    document.core_properties.title = _clean(report.subject)
    document.core_properties.author = _clean(report.letterhead.issuer)
    # python-docx starts with one empty paragraph: use it as the letterhead's anchor.
    body = document.element.body
    for paragraph in list(document.paragraphs):
        body.remove(paragraph._p)
    _letterhead(document, report)
    _title(document, report)
    if report.intro:
        _body_paragraph(document, Paragraph(report.intro))
    for section in report.sections:
        heading = document.add_paragraph()
        _format(heading, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, before=6, after=6,
                keep_next=True)
        _run(heading, section.heading, bold=True)
        for block in section.blocks:
            if isinstance(block, Table):
                _data_table(document, block)
            else:
                _body_paragraph(document, block)
    gap = document.add_paragraph()
    _format(gap, after=0)
    gap.add_run().add_break(WD_BREAK.LINE)
    _closing(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
