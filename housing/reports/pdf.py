"""The shared document style: letterhead, page numbers, German formats, a font that covers the names
the city meets (DejaVu Sans: Latin Extended, so Şükrü, Ţăran and Łukasz print correctly).

Builders return bytes (or write into a file they are given); a view only sends them."""

import io
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

from ..clock import utcnow
from ..i18n import fmt_date as de_date

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
PRIMARY = colors.HexColor("#1d4e89")
GRID = colors.HexColor("#c9d1dc")
SHADE = colors.HexColor("#eef2f7")


def register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


CELL_FONT_SIZE, CELL_LEADING = 8.5, 11

STYLES = {
    "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4 * mm,
                            textColor=PRIMARY),
    "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=11.5, leading=15, spaceBefore=5 * mm, spaceAfter=2 * mm),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10.5, textColor=colors.HexColor("#4b5563")),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=CELL_FONT_SIZE, leading=CELL_LEADING),
    "cell_right": ParagraphStyle("cell_right", fontName=FONT, fontSize=8.5, leading=11, alignment=TA_RIGHT),
    "cell_head": ParagraphStyle("cell_head", fontName=FONT_BOLD, fontSize=8.5, leading=11),
}


def de_number(value: Decimal | float | int | None, digits: int = 2) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def de_money(value) -> str:
    return "" if value is None else f"{de_number(value)} €"


def escape(text) -> str:
    return (str(text) if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def para(text, style="body") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


CELL_PADDING = 6  # reportlab's default left + right padding of a table cell, in points


def table(rows, col_widths, *, header_rows=1, numeric_cols=(), zebra=True) -> Table:
    """A table that repeats its header and splits across pages; long cells wrap.

    A cell whose text fits its column on one line is drawn as plain text, the rest as a wrapping paragraph:
    laying out a paragraph costs about a hundred times more, which a month's 500 timesheets would feel."""
    data = []
    for r, row in enumerate(rows):
        cells = []
        head = r < header_rows
        for c, value in enumerate(row):
            if isinstance(value, Paragraph | Table):
                cells.append(value)
                continue
            text = "" if value is None else str(value)
            width = col_widths[c] if col_widths and c < len(col_widths) else None
            font = FONT_BOLD if head else FONT
            if width and "\n" not in text and stringWidth(text, font, CELL_FONT_SIZE) <= width - CELL_PADDING:
                cells.append(text)
            else:
                style = "cell_head" if head else ("cell_right" if c in numeric_cols else "cell")
                cells.append(Paragraph(escape(text), STYLES[style]))
        data.append(cells)
    result = Table(data, colWidths=col_widths, repeatRows=header_rows, hAlign="LEFT")
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), FONT, CELL_FONT_SIZE, CELL_LEADING),
        ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, CELL_FONT_SIZE, CELL_LEADING),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, PRIMARY),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
    commands += [("ALIGN", (c, header_rows), (c, -1), "RIGHT") for c in numeric_cols]
    if zebra and len(data) > header_rows:
        commands.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [None, SHADE]))
    result.setStyle(TableStyle(commands))
    return result


def facts(pairs, width, label_width=55 * mm) -> Table:
    """Label and value pairs, as at the head of a letter or a timesheet."""
    rows = [[Paragraph(escape(label), STYLES["small"]), Paragraph(escape(value), STYLES["cell"])]
            for label, value in pairs]
    result = Table(rows, colWidths=[label_width, width - label_width], hAlign="LEFT")
    result.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return result


def signatures(width, roles: list[str], place: str = "Dortmund") -> Table:
    """A line to sign on per role, with place and date above and the role below."""
    gap = 12 * mm
    column = (width - gap * (len(roles) - 1)) / len(roles)
    widths, top, lines, labels = [], [], [], []
    for index, role in enumerate(roles):
        if index:
            widths.append(gap)
            top.append("")
            lines.append("")
            labels.append("")
        widths.append(column)
        top.append(Paragraph(f"{escape(place)}, den ______________", STYLES["small"]))
        lines.append("")
        labels.append(Paragraph(f"Unterschrift {escape(role)}", STYLES["small"]))
    block = Table([top, lines, labels], colWidths=widths, rowHeights=[9 * mm, 14 * mm, 6 * mm], hAlign="LEFT")
    commands = [("LINEBELOW", (col, 1), (col, 1), 0.8, colors.black) for col in range(0, len(widths), 2)]
    block.setStyle(TableStyle(commands))
    return block


class Document:
    """A4 with the letterhead on every page and "Seite x von y" in the footer."""

    def __init__(self, title: str, *, issuer: str | None = None, subtitle: str | None = None,
                 landscape_mode: bool = False):
        register_fonts()
        self.title = title
        self.subtitle = subtitle
        self.issuer = issuer or current_app.config["ORGANISATION_NAME"]
        self.buffer = io.BytesIO()
        size = (A4[1], A4[0]) if landscape_mode else A4
        self.doc = BaseDocTemplate(self.buffer, pagesize=size, leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=30 * mm, bottomMargin=18 * mm, title=title, author=self.issuer)
        frame = Frame(self.doc.leftMargin, self.doc.bottomMargin, self.doc.width, self.doc.height, id="body")
        self.doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])
        self.printed = utcnow()

    @property
    def width(self) -> float:
        return self.doc.width

    def _decorate(self, canvas, doc):
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFillColor(PRIMARY)
        canvas.rect(0, height - 6 * mm, width, 6 * mm, stroke=0, fill=1)
        canvas.setFont(FONT_BOLD, 10.5)
        canvas.drawString(doc.leftMargin, height - 15 * mm, self.issuer)
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(colors.HexColor("#4b5563"))
        canvas.drawString(doc.leftMargin, height - 20 * mm, self.subtitle or self.title)
        canvas.drawRightString(width - doc.rightMargin, height - 15 * mm, f"Stand: {de_date(self.printed)}")
        canvas.setStrokeColor(GRID)
        canvas.line(doc.leftMargin, height - 23 * mm, width - doc.rightMargin, height - 23 * mm)
        canvas.restoreState()
        if not getattr(canvas, "footer_title", None):
            canvas.footer_title = self.title

    def build(self, story, out: BinaryIO | None = None) -> bytes | None:
        """The PDF as bytes; with ``out`` (a file opened "wb" or a BytesIO) written there instead, returning None."""
        self.doc.build(story, filename=out, canvasmaker=_NumberedCanvas)
        return None if out is not None else self.buffer.getvalue()


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end, so each footer can say "Seite x von y" (counted per section when the
    file holds several documents, such as a month's timesheets)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []
        self.section = 0
        self.footer_title = None

    def start_section(self, title: str) -> None:
        self.section += 1
        self.footer_title = title

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        totals: dict[int, int] = {}
        for state in self._pages:
            totals[state["section"]] = totals.get(state["section"], 0) + 1
        numbers: dict[int, int] = {}
        for state in self._pages:
            self.__dict__.update(state)
            numbers[self.section] = numbers.get(self.section, 0) + 1
            self.setFont(FONT, 8)
            self.drawString(18 * mm, 10 * mm, self.footer_title or "")
            self.drawRightString(self._pagesize[0] - 18 * mm, 10 * mm,
                                 f"Seite {numbers[self.section]} von {totals[self.section]}")
            super().showPage()
        super().save()


class SectionStart(Flowable):
    """Starts a new document within the file: page numbers restart and the footer names it. Put it first on
    its page (after a PageBreak)."""

    def __init__(self, title: str):
        super().__init__()
        self.title = title

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv.start_section(self.title)


class StreamedStory(list):
    """A story that pulls its flowables from an iterable of chunks as reportlab consumes them, so a document of
    a thousand pages never holds all of them (or the data behind them) at once."""

    def __init__(self, chunks):
        super().__init__()
        self._chunks = iter(chunks)

    def __len__(self):
        while not super().__len__():
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.extend(chunk)
        return super().__len__()

    def __bool__(self):
        return len(self) > 0


def pdf_response(data: bytes, filename: str | None = None) -> Response:
    """A PDF for the browser or an API client: shown inline, never cached (documents carry personal data)."""
    response = Response(data, mimetype="application/pdf")
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
