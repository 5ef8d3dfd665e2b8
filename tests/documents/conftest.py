"""Shared helpers of the document tests: a frozen clock, PDFs read back as text, the builds and inbox of a user.

The clock stands still on Wednesday, 18 March 2026, 11:00 in Dortmund (as in the renovation and report tests), so
``viertelwerk_project`` starts its crew's measures on 6 February 2026 and March 2026 is the current month.
"""

import html
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from housing.documents.models import DocumentBuild
from housing.extensions import db
from housing.jobs.models import Notification

NOW = datetime(2026, 3, 18, 10, tzinfo=UTC)  # a Wednesday, 11:00 in Dortmund
TODAY = date(2026, 3, 18)
MARCH = date(2026, 3, 1)


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, with runs of white space as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def page_text(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).replace("\xa0", " ").split())


def builds_of(user_id: int) -> list[DocumentBuild]:
    return list(db.session.scalars(select(DocumentBuild).where(DocumentBuild.requested_by_id == user_id)
                                   .order_by(DocumentBuild.id)))


def build_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DocumentBuild))


def inbox(user_id: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id)))
