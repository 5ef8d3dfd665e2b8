"""An advisor's case in the browser: register a household -> find a flat -> offer -> viewing -> approval ->
contract -> first aftercare visit -> stabilised."""

from playwright.sync_api import expect
from sqlalchemy import select

from housing.auth.roles import Role
from housing.extensions import db
from housing.placement.models import Applicant, ApplicantStatus, Tenancy, Vacancy, VacancyStatus

from .. import factories
from .test_shell import log_in


def test_advisor_takes_a_household_from_first_contact_to_a_stabilised_tenancy(page, live_server, live_db):
    with live_db():
        advisor = factories.UserFactory(email="mihaela@housing.example", name="Mihaela Popescu",
                                        roles=[Role.TENANT_ADVISOR])
        factories.flat_on_offer(advisor, area="68", net="430", charges="160", street="Schleswiger Straße")
    log_in(page, live_server, "mihaela@housing.example", password=factories.PASSWORD)

    # First contact: the household and what it needs.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Haushalte").click()
    page.get_by_role("link", name="Haushalt aufnehmen").click()
    page.get_by_label("Vorname").fill("Ştefana")
    page.get_by_label("Nachname").fill("Ţurcanu")
    page.get_by_label("Erwachsene").fill("2")
    page.get_by_label("Kinder").fill("1")
    page.get_by_label("Aktuelle Wohnsituation").select_option("overcrowded")
    page.get_by_label("Einkommen", exact=True).select_option("sgb2")
    page.get_by_label("Dringlichkeit").select_option("high")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Der Haushalt Ştefana Ţurcanu ist aufgenommen.")).to_be_visible()

    # Without consent the household cannot be registered; with it, it can, and then search.
    page.get_by_label("Neuer Stand").select_option("registered")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("fehlt eine gültige Einwilligung zur Wohnraumvermittlung")).to_be_visible()
    page.get_by_role("button", name="Einwilligung eintragen").click()
    expect(page.get_by_text("Die Einwilligung ist eingetragen.")).to_be_visible()
    for status, label in (("registered", "aufgenommen"), ("clearing", "Clearing"), ("searching", "wohnungssuchend")):
        page.get_by_label("Neuer Stand").select_option(status)
        page.get_by_role("button", name="Stand ändern").click()
        expect(page.get_by_text(f"Neuer Stand: {label}.")).to_be_visible()

    # The flat that fits, with every rule explained; propose it.
    matches = page.locator("#matching")
    expect(matches.get_by_text("Schleswiger Straße 15, 1. OG")).to_be_visible()
    expect(matches.get_by_text("KdU-Grenze für 3 Personen: 800,00 €")).to_be_visible()
    matches.get_by_role("button", name="Vorschlagen").click()
    expect(page.get_by_text("ist für die Wohnung vorgeschlagen")).to_be_visible()

    # Viewing, acceptance, the Jobcenter's approval, the contract.
    for step, extra in (("viewing", None), ("accepted", None), ("approval_pending", None),
                        ("contract_signed", "starts")):
        page.get_by_label("Nächster Schritt").select_option(step)
        if extra == "starts":
            page.get_by_label("Mietbeginn").fill(page.evaluate("new Date().toISOString().slice(0, 10)"))
        page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Neuer Stand des Angebots: Mietvertrag unterschrieben.")).to_be_visible()

    # The first aftercare visit.
    page.get_by_label("Art", exact=True).select_option("home_visit")
    page.get_by_label("Behörden").check()
    page.get_by_label("Ergebnis").fill("Ummeldung erledigt, Kita-Platz beantragt.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Der Kontakt ist festgehalten.")).to_be_visible()
    expect(page.get_by_text("Ummeldung erledigt, Kita-Platz beantragt.")).to_be_visible()

    # Six months later the tenancy holds: stabilised.
    page.get_by_label("Neuer Stand").select_option("stabilised")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Neuer Stand: stabilisiert.")).to_be_visible()

    with live_db():
        applicant = db.session.scalar(select(Applicant).where(Applicant.last_name == "Ţurcanu"))
        assert applicant.status == ApplicantStatus.STABILISED
        assert db.session.scalar(select(Vacancy)).status == VacancyStatus.LET
        tenancy = db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == applicant.id))
        assert tenancy is not None and tenancy.aftercare_until is not None
