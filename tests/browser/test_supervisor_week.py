"""A supervisor's week in the browser: enter the crew's week, fix a rejected cell, approve last month (after a
question), download the timesheet."""

import io
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select

from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db
from housing.renovation.models import HourEntry, MonthLock

from .. import factories
from .test_shell import log_in


def test_supervisor_enters_a_week_fixes_a_cell_approves_the_month_and_downloads_the_timesheet(
        page, live_server, live_db):
    with live_db():
        supervisor = factories.UserFactory(email="ayse@housing.example", name="Ayşe Demir", roles=[Role.SUPERVISOR])
        crew = factories.viertelwerk_project(supervisor=supervisor, crew_size=3)
    monday = today() - timedelta(days=today().weekday() + 7)  # last week: every day lies in the past
    first, second, third = crew["participants"]

    log_in(page, live_server, "ayse@housing.example", password=factories.PASSWORD)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Viertelwerk").click()
    page.get_by_role("link", name="Sanierung Bornstraße").first.click()
    page.get_by_role("link", name="Stunden erfassen").click()
    page.get_by_role("link", name="← zurück").click()
    expect(page.get_by_text(f"{monday:%d.%m.} –")).to_be_visible()

    def cell(participant_id, offset):
        return page.locator(f'input[name="c-{participant_id}-{(monday + timedelta(days=offset)).isoformat()}"]')

    # The first person's usual hours in one click, then the rest typed like a spreadsheet.
    page.locator(f'button[name="fill"][value="{first}"]').click()
    expect(cell(first, 4)).to_have_value("6")
    for offset, value in enumerate(["6", "6", "6", "6", "11"]):
        cell(second, offset).fill(value)
    cell(third, 0).fill("K")
    cell(third, 0).press("Enter")  # Enter moves on, it does not submit half a sheet
    for offset in range(1, 5):
        cell(third, offset).fill("7,5")
    page.get_by_role("button", name="Alles speichern").click()

    expect(page.get_by_text("14 Einträge gespeichert, 1 abgelehnt")).to_be_visible()
    expect(page.get_by_text("nach dem Arbeitszeitgesetz nicht zulässig")).to_be_visible()
    expect(cell(second, 4)).to_have_value("11")
    cell(second, 4).fill("8")
    page.get_by_role("button", name="Alles speichern").click()
    expect(page.get_by_text("Gespeichert: 1 Eintrag.")).to_be_visible()

    with live_db():
        assert db.session.scalar(select(func.count(HourEntry.id))) == 15
        assert db.session.scalar(select(func.sum(HourEntry.hours)).where(HourEntry.participant_id == second)) == 32

    # Approve last month (a month is approved once it is over) on the person's month page: the page asks first,
    # and a "no" leaves the month open; a "yes" locks it.
    month = (today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    page.goto(f"{live_server.url}/viertelwerk/participants/{first}/months/{month}")
    questions = []

    def answer(accept):
        def handle(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Monat freigeben").click()
    assert questions and "Danach lassen sich die Stunden nicht mehr ändern" in questions[0]
    with live_db():
        assert db.session.scalar(select(MonthLock).where(MonthLock.participant_id == first)) is None
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Monat freigeben").click()
    expect(page.get_by_text("freigegeben und gesperrt").first).to_be_visible()
    with live_db():
        assert db.session.scalar(select(MonthLock).where(MonthLock.participant_id == first)).is_locked

    # The timesheet to sign.
    response = page.request.get(f"{live_server.url}/viertelwerk/participants/{first}/months/{month}/timesheet.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Ţăran0 Şükrü" in text
    assert "Unterschrift Teilnehmende:r" in text and "Unterschrift Anleitung Viertelwerk" in text
    assert "freigegeben und gesperrt" in text
