"""Reminders and documents in the browser: an officer finds a deadline reminder in the inbox and follows it;
management has the programme report built in the background and opens it; a supervisor prints every
timesheet of the month in one file."""

import io
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db
from housing.jobs.models import Notification
from housing.jobs.runner import run_by_hand
from housing.properties.models import Defect

from .. import factories
from .test_shell import log_in


def _pdf_text(page, url) -> str:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def test_an_officer_follows_a_deadline_reminder_from_the_inbox(page, live_server, live_db):
    with live_db():
        officer = factories.UserFactory(email="jonas@housing.example", name="Jonas Wróbel",
                                        roles=[Role.HOUSING_OFFICER])
        case = factories.full_case(street="Missundestraße", number="19", actor=officer)
        db.session.get(Defect, case["defect"]).deadline = today() + timedelta(days=3)
    with live_db():
        run = run_by_hand("property-deadlines")
        assert run.status == "succeeded" and run.notifications == 1
        run_by_hand("property-deadlines")  # a second run the same day delivers nothing new
        assert len(db.session.scalars(select(Notification)).all()) == 1

    log_in(page, live_server, "jonas@housing.example", password=factories.PASSWORD)
    badge = page.locator(".inbox-link__count")
    expect(badge).to_contain_text("1")
    page.get_by_role("link", name="Nachrichten").click()
    expect(page.get_by_text(f"Mangel fällig am {today() + timedelta(days=3):%d.%m.%Y}")).to_be_visible()
    expect(page.get_by_text("Missundestraße 19").first).to_be_visible()
    page.get_by_role("button", name="Öffnen").click()
    expect(page).to_have_url(f"{live_server.url}/properties/{case['property']}")
    expect(page.locator(".inbox-link__count")).to_have_count(0)


def test_management_has_the_programme_report_built_and_opens_it(page, live_server, live_db):
    with live_db():
        factories.UserFactory(email="leitung@housing.example", name="Dr. Klaus Hartmann", roles=[Role.MANAGEMENT])
        officer = factories.UserFactory(roles=[Role.HOUSING_OFFICER])
        factories.full_case(street="Kielstraße", number="26", actor=officer)

    log_in(page, live_server, "leitung@housing.example", password=factories.PASSWORD)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Programmbericht").click()
    page.get_by_label("Von").fill(f"{today().replace(month=1, day=1):%Y-%m-%d}")
    page.get_by_label("Bis").fill(f"{today():%Y-%m-%d}")
    page.get_by_role("button", name="Bericht erstellen").click()

    # The progress page refreshes itself until the worker thread has written the file.
    expect(page.get_by_role("heading", name="Programmbericht")).to_be_visible()
    open_link = page.get_by_role("link", name="PDF öffnen")
    expect(open_link).to_be_visible(timeout=30_000)
    text = _pdf_text(page, live_server.url + open_link.get_attribute("href"))
    assert "Programmbericht" in text and "Ankaufstrategie" in text
    assert f"{today():%d.%m.%Y}" in text
    page.get_by_role("link", name="Nachrichten").click()
    expect(page.get_by_text("Dokument fertig: Programmbericht")).to_be_visible()


def test_a_supervisor_prints_every_timesheet_of_the_month_in_one_file(page, live_server, live_db):
    with live_db():
        supervisor = factories.UserFactory(email="ayse@housing.example", name="Ayşe Demir", roles=[Role.SUPERVISOR])
        crew = factories.viertelwerk_project(supervisor=supervisor, crew_size=3)

    log_in(page, live_server, "ayse@housing.example", password=factories.PASSWORD)
    page.goto(f"{live_server.url}/viertelwerk/projects/{crew['project']}/months/{crew['month']}")
    page.get_by_role("button", name="Alle Stundennachweise (PDF)").click()
    open_link = page.get_by_role("link", name="PDF öffnen")
    expect(open_link).to_be_visible(timeout=30_000)
    text = _pdf_text(page, live_server.url + open_link.get_attribute("href"))
    for n in range(3):
        assert f"Ţăran{n} Şükrü" in text
    assert text.count("Seite 1 von 1") == 3  # each person's timesheet is numbered on its own
