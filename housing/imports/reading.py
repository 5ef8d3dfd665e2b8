"""Reading an uploaded list into a header and rows: CSV as German Excel writes it, or XLSX.

CSV: UTF-8 (with or without BOM) is tried first, then Windows-1252; the separator (``;``, ``,`` or a
tab) is taken from the header line. XLSX: the first sheet, read-only, cells as Excel stores them
(real dates and numbers). Nothing is written anywhere: the bytes stay in memory.
"""

import csv
import io
from dataclasses import dataclass

from ..i18n import gettext as _

MAX_ROWS = 100_000
SEPARATORS = (";", ",", "\t")


class FileProblem(Exception):
    """The file as a whole cannot be read; ``message`` is German text for the report."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    header: list[str]
    # (the row's number as Excel shows it, the header being row 1 at the top; the cells in header order)
    rows: list[tuple[int, list]]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    separator: str | None = None


def read_table(data: bytes) -> Table:
    """The header and the non-empty rows of a CSV or XLSX file; raises FileProblem."""
    if not data or not data.strip():
        raise FileProblem(_("Die Datei ist leer."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem(_("Alte Excel-Dateien (.xls) werden nicht gelesen. Bitte als .xlsx oder als CSV speichern."))
    return _read_csv(data)


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (a BOM is dropped) if the bytes are valid UTF-8, else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise FileProblem(_("Die Zeichenkodierung ist weder UTF-8 noch Windows-1252. "
                            "Bitte in Excel als „CSV UTF-8“ speichern.")) from None


def sniff_separator(header_line: str) -> str:
    """The separator of the header line: the most frequent of ``;``, ``,`` and tab outside quotes."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # ties: ";" first, as German Excel writes
    return best if counts[best] else ";"


def _read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    if "\x00" in text:
        raise FileProblem(_("Die Datei ist keine Textdatei (CSV) und keine Excel-Datei (XLSX)."))
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    separator = sniff_separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header, rows, number = None, [], 0
    try:
        for number, record in enumerate(reader, start=1):  # rows as Excel numbers them (a quoted line break
            if header is None:                              # stays in its row)
                if any(cell.strip() for cell in record):
                    header = record
                continue
            _append(rows, number, record)
    except csv.Error as error:
        raise FileProblem(_("Die CSV-Datei lässt sich nicht lesen (Zeile %(n)s): %(error)s",
                            n=number + 1, error=str(error))) from None
    if header is None:
        raise FileProblem(_("Die Datei ist leer."))
    return Table(header=[cell.strip() for cell in header], rows=rows, format="csv", encoding=encoding,
                 separator=separator)


def _append(rows: list, number: int, cells: list) -> None:
    if any(cell not in (None, "") and not (isinstance(cell, str) and not cell.strip()) for cell in cells):
        if len(rows) >= MAX_ROWS:
            raise FileProblem(_("Mehr als %(n)s Zeilen: bitte die Liste in mehrere Dateien teilen.", n=MAX_ROWS))
        rows.append((number, list(cells)))


def _read_xlsx(data: bytes) -> Table:
    try:
        return _xlsx_table(data)
    except FileProblem:
        raise
    except Exception:  # whatever a damaged or foreign file makes openpyxl or the XML parser raise: bad input
        raise FileProblem(_("Die Excel-Datei lässt sich nicht lesen. Bitte als .xlsx oder als CSV speichern.")) \
            from None


def _xlsx_table(data: bytes) -> Table:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileProblem(_("Die Datei ist leer."))
        header, rows = None, []
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            record = list(record)
            if header is None:
                if any(cell not in (None, "") for cell in record):
                    header = record
                continue
            _append(rows, number, record)
    finally:
        workbook.close()
    if header is None:
        raise FileProblem(_("Die Datei ist leer."))
    while header and header[-1] in (None, ""):
        header.pop()
    return Table(header=["" if cell is None else str(cell).strip() for cell in header], rows=rows, format="xlsx")
