"""What every fuzzed answer must satisfy, and the pages that show what was stored."""

import csv
import io
import re

from openpyxl import load_workbook

from housing.extensions import db

from .strategies import RAW_MARKUP

FORMULA_START = ("=", "+", "@", "\t", "\r")
NUMBER = re.compile(r"-\d[\d.]*(,\d+)?")


def send(client, method: str, url: str, **kwargs):
    """One request; if the app raises (a 500 in production), the test's transaction is made usable again
    before the failure is reported, so hypothesis can shrink the input."""
    try:
        return client.open(url, method=method, **kwargs)
    except BaseException:
        db.session.rollback()
        raise


def assert_answered(response, url: str) -> None:
    assert response.status_code < 500, f"{response.status_code} from {url}"


def assert_html_safe(response, url: str) -> None:
    if not response.mimetype.startswith("text/html"):
        return
    body = response.get_data(as_text=True)
    for raw in RAW_MARKUP:
        assert raw not in body, f"unescaped {raw!r} on {url}"


def assert_csv_safe(data: bytes, url: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_START), f"formula-like cell {cell[:40]!r} in {url}"
            assert not cell.startswith("-") or NUMBER.fullmatch(cell), f"formula-like cell {cell[:40]!r} in {url}"
    return rows


def assert_xlsx_safe(data: bytes, url: str) -> None:
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula {cell.value!r} in {url}"


def assert_page_renders(client, url: str) -> None:
    """A page (or export, or PDF) showing stored records answers 200 with its content made safe."""
    response = send(client, "GET", url)
    assert response.status_code == 200, f"{response.status_code} from {url}"
    if url.endswith(".csv") or response.mimetype == "text/csv":
        assert_csv_safe(response.get_data(), url)
    elif url.endswith(".xlsx"):
        assert_xlsx_safe(response.get_data(), url)
    elif response.mimetype == "application/pdf":
        assert response.get_data().startswith(b"%PDF-"), url
    else:
        assert_html_safe(response, url)
