"""Two-factor login in a real browser: a housing officer, for whose role it is required, is led to the enrolment
at the first login, scans (reads) the secret, types the code, keeps the recovery codes, and from then on logs in
with password and code. No page of the journey breaks the Content Security Policy."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from housing.auth.roles import Role
from housing.auth.services import create_user

from .test_shell import PASSWORD, log_in

REQUIRED_ROLES = ("admin", "housing_officer", "supervisor", "tenant_advisor")
EMAIL = "zwei.schritte@housing.example"


@pytest.fixture
def two_factor_required(live_server):
    config = live_server.app.config
    saved = config["TWO_FACTOR_REQUIRED_ROLES"]
    config["TWO_FACTOR_REQUIRED_ROLES"] = REQUIRED_ROLES
    try:
        yield
    finally:
        config["TWO_FACTOR_REQUIRED_ROLES"] = saved


@pytest.fixture
def csp_violations(page):
    """Console messages of Chromium refusing something under the page's Content Security Policy."""
    messages = []
    page.on("console", lambda message: messages.append(message.text)
            if "Content Security Policy" in message.text else None)
    return messages


@pytest.mark.usefixtures("two_factor_required")
def test_an_officer_enrols_at_the_first_login_and_then_logs_in_with_a_code(page, live_server, live_db,
                                                                           csp_violations):
    with live_db():
        create_user(EMAIL, "Jonas Wróbel", [Role.HOUSING_OFFICER], PASSWORD)

    log_in(page, live_server, EMAIL)

    expect(page).to_have_url(re.compile(r"/login/two-factor$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung in zwei Schritten einrichten")
    qr = page.get_by_role("img", name="QR-Code für die Authenticator-App")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.naturalWidth") > 100  # the SVG data URI was drawn, not blocked
    # As a person reads it off the page: in groups of four, as the apps accept it.
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    assert page.locator("[data-secret]").get_attribute("data-secret") == secret
    authenticator = pyotp.TOTP(secret)
    page.get_by_label("Code aus der Authenticator-App").fill(authenticator.now())
    page.get_by_role("button", name="Einrichten").click()

    expect(page).to_have_url(re.compile(r"/profile/recovery-codes$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Wiederherstellungscodes")
    codes = page.locator(".recovery-codes li")
    expect(codes).to_have_count(10)
    expect(codes.first).to_have_text(re.compile(r"^[0-9a-f]{8}-[0-9a-f]{8}$"))
    page.get_by_role("link", name="Ich habe die Codes gesichert – weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Jonas Wróbel")

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie sind abgemeldet.")).to_be_visible()

    log_in(page, live_server, EMAIL)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden: zweiter Schritt")
    # The code the phone shows next (one step ahead is accepted): never the one used at the enrolment.
    page.get_by_label("Code aus der Authenticator-App").fill(authenticator.at(time.time() + 30))
    page.get_by_role("button", name="Bestätigen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Jonas Wróbel")
    page.goto(live_server.url + "/profile")
    expect(page.get_by_text("noch 10 Wiederherstellungscodes")).to_be_visible()
    assert csp_violations == []
