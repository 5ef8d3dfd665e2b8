"""CSV and XLSX exports of lists, as German Excel expects them: ``;``-separated UTF-8 with BOM, real types in XLSX.

Rows are streamed: an export of the whole city never sits in memory at once.
"""

import csv
import io
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

from flask import Response, abort, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..clock import LOCAL_TZ


@dataclass(frozen=True)
class Column:
    header: str
    value: object  # callable(row) -> value
    number_format: str | None = None


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet formula injection: a cell must never start a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, columns: list[Column], rows) -> Response:
    """``rows`` is an iterable, or a callable returning one: a query must be a callable, so it runs while
    the response streams (in the session of the re-entered request, not the one closed at its end)."""

    def generate():
        nonlocal rows
        if callable(rows):
            rows = rows()
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow([column.header for column in columns])
        yield buffer.getvalue()
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_plain(column.value(row)) for column in columns])
            yield buffer.getvalue()

    # The rows are read while the response streams: keep the request (and its database session) open.
    response = Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None), "DD.MM.YYYY HH:MM"
    if isinstance(value, date):
        return value, "DD.MM.YYYY"
    if isinstance(value, Decimal):
        return float(value), "#,##0.00"
    if isinstance(value, str):
        # Control characters cannot be stored in a worksheet (openpyxl refuses the whole file): dropped first, so
        # what is left is checked for a formula.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value, None
    return value, None


def xlsx_response(filename: str, sheet_title: str, columns: list[Column], rows) -> Response:
    if callable(rows):
        rows = rows()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value, number_format = _xlsx_value(column.value(row))
            cell = WriteOnlyCell(sheet, value=value)
            if column.number_format or number_format:
                cell.number_format = column.number_format or number_format
            cells.append(cell)
        sheet.append(cells)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    response = send_file(spool, as_attachment=True, download_name=f"{filename}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


EXPORT_FORMATS = ("csv", "xlsx")


def require_format(fmt: str) -> None:
    """An export URL names its format (``export.csv``/``export.xlsx``); anything else does not exist."""
    if fmt not in EXPORT_FORMATS:
        abort(404)


def export_response(fmt: str, filename: str, sheet_title: str, columns: list[Column], rows) -> Response:
    """The list as CSV or XLSX, as the URL asked."""
    if fmt == "csv":
        return csv_response(filename, columns, rows)
    return xlsx_response(filename, sheet_title, columns, rows)


def read_now(columns: list[Column], rows) -> tuple[list[Column], list[list]]:
    """Every cell of an export read before the view's audit commit: the commit expires the rows, and a CSV
    streams after the request's session has closed, so it could neither reload them nor afford a query per row.
    Returns columns reading the stored values, and the values."""
    values = [[column.value(row) for column in columns] for row in rows]
    return [replace(column, value=itemgetter(index)) for index, column in enumerate(columns)], values
