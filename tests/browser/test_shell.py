import re

import pytest
from playwright.sync_api import expect

from housing.auth.roles import Role
from housing.auth.services import create_user

PASSWORD = "Ein-langer-Satz-als-Passwort"

START_PAGE_LINKS = {
    Role.ADMIN: ["Start", "Fälle", "Ankauf", "Viertelwerk", "Teilnehmende", "Stunden",
                 "Haushalte", "Wohnungen", "Vermietende", "Vermittlung", "Administration"],
    Role.HOUSING_OFFICER: ["Start", "Fälle", "Ankauf", "Viertelwerk", "Stunden", "Wohnungen"],
    Role.SUPERVISOR: ["Start", "Viertelwerk", "Teilnehmende", "Stunden"],
    Role.TENANT_ADVISOR: ["Start", "Haushalte", "Wohnungen", "Vermietende", "Vermittlung"],
    Role.MANAGEMENT: ["Start", "Ankauf", "Viertelwerk", "Stunden", "Vermittlung", "Programmbericht"],
}


def log_in(page, live_server, email, password=PASSWORD):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_in_sees_its_german_start_page_and_logs_out(page, live_server, live_db, role):
    with live_db():
        create_user(f"{role.value}@housing.example", "Ţăran Şükrü", [role], PASSWORD)

    log_in(page, live_server, f"{role.value}@housing.example")

    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Ţăran Şükrü")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link")).to_have_text(START_PAGE_LINKS[role])

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie sind abgemeldet.")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_one_generic_message_and_keeps_the_email(page, live_server, live_db):
    with live_db():
        create_user("officer@housing.example", "Jonas Wróbel", [Role.HOUSING_OFFICER], PASSWORD)

    log_in(page, live_server, "officer@housing.example", password="falsches-passwort-123")

    expect(page.get_by_text("E-Mail-Adresse oder Passwort ist falsch.")).to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("officer@housing.example")
    expect(page.get_by_label("Passwort")).to_have_value("")


def test_language_switch_to_english_and_back(page, live_server, live_db):
    with live_db():
        create_user("mgmt@housing.example", "Klaus Hartmann", [Role.MANAGEMENT], PASSWORD)
    log_in(page, live_server, "mgmt@housing.example")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
