"""Cells and files as German lists hold them, and the documentation that describes them."""

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from housing.imports.cells import CellError, boolean, day, decimal, integer, normalise
from housing.imports.kinds import KINDS
from housing.imports.reading import FileProblem, read_table, sniff_separator

DOCS = Path(__file__).resolve().parents[2] / "docs"


def cell_datetime(*parts) -> datetime:
    """A date cell as Excel stores it: a wall-clock time without a zone."""
    return datetime(*parts)  # noqa: DTZ001


@pytest.mark.parametrize(("cell", "value"), [
    ("12,5", Decimal("12.5")), ("12.5", Decimal("12.5")), ("1.234,56", Decimal("1234.56")),
    ("1.234", Decimal("1234")), ("530,00 €", Decimal("530.00")), ("54,3 m²", Decimal("54.3")),
    ("\u00a01 250,00", Decimal("1250.00")), ("-3", Decimal("-3")), (7.5, Decimal("7.5")),
    (12.299999999999999, Decimal("12.3")), (30.0, Decimal("30")), (4, Decimal("4")), ("", None), (None, None),
])
def test_numbers_german_and_plain(cell, value):
    assert decimal(cell) == value


@pytest.mark.parametrize("cell", ["zwölf", "1,2,3", "12,5.3", "inf", True, cell_datetime(2026, 1, 1)])
def test_numbers_that_are_not(cell):
    with pytest.raises(CellError):
        decimal(cell)


def test_whole_numbers():
    assert integer("3") == 3 and integer("3,0") == 3 and integer(3.0) == 3
    with pytest.raises(CellError, match="Eine ganze Zahl wird erwartet, nicht „2,5“."):
        integer("2,5")


@pytest.mark.parametrize(("cell", "value"), [
    ("05.03.2024", date(2024, 3, 5)), ("5.3.2024", date(2024, 3, 5)), ("2024-03-05", date(2024, 3, 5)),
    (" 05.03.2024 ", date(2024, 3, 5)), ("2024-03-05 00:00:00", date(2024, 3, 5)),
    (cell_datetime(2024, 3, 5), date(2024, 3, 5)), (date(2024, 3, 5), date(2024, 3, 5)), ("", None),
])
def test_dates(cell, value):
    assert day(cell) == value


@pytest.mark.parametrize(("cell", "message"), [
    ("05.03.24", "Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben, nicht „05.03.24“."),
    ("03/05/2024", "Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben, nicht „03/05/2024“."),
    ("30.02.2024", "Diesen Tag gibt es nicht: „30.02.2024“."),
    (cell_datetime(2024, 3, 5, 8, 15), "Ein Datum ohne Uhrzeit wird erwartet."),
])
def test_dates_that_are_not(cell, message):
    with pytest.raises(CellError) as error:
        day(cell)
    assert error.value.message == message


@pytest.mark.parametrize(("cell", "value"), [
    ("ja", True), ("Ja", True), ("x", True), ("WAHR", True), ("1", True), (True, True), (1, True),
    ("nein", False), ("FALSCH", False), ("0", False), (False, False), ("", None),
])
def test_yes_and_no(cell, value):
    assert boolean(cell) is value


def test_headers_compare_without_case_spaces_punctuation_umlauts_or_sharp_s():
    assert normalise("Straße") == normalise("STRASSE") == normalise(" strasse ")
    assert normalise("Fläche (m²)") == normalise("Flaeche m2")
    assert normalise("Hausnr.") == normalise("Haus-Nr")


@pytest.mark.parametrize(("line", "separator"), [
    ("Straße;Hausnr.;PLZ", ";"), ("street,house_number", ","), ("a\tb\tc", "\t"),
    ('"Müller, Anna";Straße', ";"), ("Name", ";"),
])
def test_the_separator_comes_from_the_header_line(line, separator):
    assert sniff_separator(line) == separator


def test_rows_are_numbered_as_excel_numbers_them():
    table = read_table('\ufeffA;B\r\n1;"zwei\r\nZeilen"\r\n\r\n3;4\r\n;\r\n'.encode())

    assert table.header == ["A", "B"]
    assert table.rows == [(2, ["1", "zwei\r\nZeilen"]), (4, ["3", "4"])]


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr("housing.imports.reading.MAX_ROWS", 2)

    with pytest.raises(FileProblem, match="Mehr als 2 Zeilen"):
        read_table(b"A\n1\n2\n3\n")


def test_aliases_are_unambiguous_within_each_kind():
    for kind in KINDS.values():
        seen = {}
        for column in kind.columns:
            for alias in (column.name, *column.aliases):
                assert seen.setdefault(normalise(alias), column.name) == column.name, (kind.name, alias)


def test_the_documentation_lists_every_kind_column_and_header_with_a_sample():
    text = (DOCS / "import.md").read_text(encoding="utf-8")
    sections = {match.group(1): match.start() for match in re.finditer(r"^### .* — `([a-z-]+)`$", text, re.M)}
    assert set(sections) == set(KINDS)
    starts = sorted(sections.values()) + [len(text)]
    for name, kind in KINDS.items():
        start = sections[name]
        section = text[start:starts[starts.index(start) + 1]]
        for column in kind.columns:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{column.name}` |"))
            assert ", ".join(column.aliases) in row, (name, column.name)
            assert ("| yes |" in row) == column.required, (name, column.name)
        assert f"(import/{name}.csv)" in section
        assert (DOCS / "import" / f"{name}.csv").is_file()


def _damaged_workbook() -> bytes:
    import io
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Vermieter", "Art"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source, damaged = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, content[: len(content) // 2] if name.endswith("sheet1.xml") else content)
    return damaged.getvalue()


@pytest.mark.parametrize("data", [_damaged_workbook(), b"PK\x03\x04" + bytes(range(256)) * 4,
                                  bytes(range(256)) * 4, b"\x00\x01\x02;\n\x03"])
def test_damaged_or_foreign_files_are_a_problem_of_the_file_never_a_crash(data):
    with pytest.raises(FileProblem):
        read_table(data)
