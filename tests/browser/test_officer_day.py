"""An officer's day in the browser: referral -> inspection with two defects and a photo -> order ->
acquisition -> acquired, each step checked on the page and in the audit log."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.auth.services import create_user
from housing.clock import today
from housing.extensions import db
from housing.properties.models import CaseStatus, Property
from housing.properties.services import add_unit

from ..factories import png_bytes
from .test_shell import PASSWORD, log_in


def test_officer_runs_a_case_from_referral_to_acquired(page, live_server, live_db, tmp_path):
    with live_db():
        create_user("jonas@housing.example", "Jonas Wróbel", [Role.HOUSING_OFFICER], PASSWORD)
    photo = tmp_path / "kabel.png"
    photo.write_bytes(png_bytes((40, 30)))
    log_in(page, live_server, "jonas@housing.example")

    # Referral: a new case with the report that brought it in.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Fälle").click()
    page.get_by_role("link", name="Neuer Fall").click()
    page.get_by_label("Straße").fill("Schleswiger Straße")
    page.get_by_label("Hausnummer").fill("12")
    page.get_by_label("PLZ").fill("44145")
    page.get_by_label("Sozialraum").select_option("nordmarkt")
    page.get_by_label("Priorität").select_option("high")
    page.get_by_label("Quelle der Meldung").select_option("ordnungsamt")
    page.get_by_label("Was wurde gemeldet?").fill("Task Force: Matratzenlager im Keller.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Der Fall Schleswiger Straße 12 ist angelegt.")).to_be_visible()
    case_url = page.url
    property_id = int(re.search(r"/properties/(\d+)", case_url).group(1))

    with live_db():
        prop = db.session.get(Property, property_id)
        add_unit(prop, {"label": "EG links", "area_m2": 48, "persons_registered": 2}, actor=None)
        add_unit(prop, {"label": "1. OG", "area_m2": 70, "persons_registered": 3}, actor=None)

    # A step the guard refuses: no inspection yet.
    page.reload()
    page.get_by_label("Neuer Stand").select_option("inspected")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Für „kontrolliert“ fehlt eine Hauskontrolle.")).to_be_visible()

    # Inspection with occupancy, two defects and a photo.
    page.get_by_role("link", name="Hauskontrolle erfassen").first.click()
    page.get_by_label("Zustand").select_option("4")
    page.get_by_label("Polizei").check()
    page.get_by_label("EG links").fill("7")
    page.get_by_label("1. OG").fill("5")
    first = page.locator("fieldset.defect-row").nth(0)
    first.get_by_label("Kategorie").select_option("electricity")
    first.get_by_label("Schwere").select_option("hazard")
    first.get_by_label("Beschreibung").fill("Offene Verteilerdose im Flur.")
    first.get_by_label("Frist").fill((today() + timedelta(days=3)).isoformat())
    first.get_by_label("Fotos").set_input_files(str(photo))
    second = page.locator("fieldset.defect-row").nth(1)
    second.get_by_label("Kategorie").select_option("weather_damp")
    second.get_by_label("Schwere").select_option("major")
    second.get_by_label("Wohnung").select_option(label="EG links")
    second.get_by_label("Beschreibung").fill("Schimmel im Schlafzimmer.")
    page.get_by_role("button", name="Kontrolle speichern").click()
    expect(page.get_by_text("Die Hauskontrolle ist gespeichert.")).to_be_visible()
    expect(page.get_by_text("Überbelegung festgestellt")).to_be_visible()
    expect(page.locator(".thumb img")).to_have_count(1)

    page.goto(case_url)
    expect(page.locator("#units").get_by_text("überbelegt")).to_have_count(1)  # 48 m² for 7 persons
    expect(page.locator("#deadlines").get_by_text("fällig in 3 Tagen")).to_be_visible()
    page.get_by_label("Neuer Stand").select_option("inspected")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Neuer Stand: kontrolliert.")).to_be_visible()

    # Order.
    page.get_by_role("link", name="Anordnung erfassen").click()
    page.get_by_label("Art der Anordnung").select_option("repair_order")
    page.get_by_label("Stand").select_option("issued")
    page.get_by_label("Erlassen am").fill(today().isoformat())
    page.get_by_label("Frist", exact=True).fill((today() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Die Frist kann nicht vor dem Erlass liegen.")).to_be_visible()
    page.get_by_label("Frist", exact=True).fill((today() + timedelta(days=28)).isoformat())
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Die Anordnung ist gespeichert.")).to_be_visible()
    page.get_by_label("Neuer Stand").select_option("order_issued")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Neuer Stand: Anordnung erlassen.")).to_be_visible()

    # Acquisition: purchase by the city, then notarised and handed over.
    page.get_by_role("link", name="Erwerbsvorgang anlegen").click()
    page.get_by_label("Weg").select_option("purchase")
    page.get_by_label("Erwerber").select_option("city")
    page.get_by_label("Verkehrswertgutachten (€)").fill("410.000,00")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Der Erwerbsvorgang ist gespeichert.")).to_be_visible()
    page.get_by_label("Neuer Stand").select_option("acquiring")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Neuer Stand: im Erwerb.")).to_be_visible()

    page.get_by_label("Neuer Stand").select_option("acquired")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Für „erworben“ fehlen Übergabedatum und Kaufpreis des Erwerbs.")).to_be_visible()

    page.locator("#acquisition").get_by_role("link", name="freihändiger Kauf").click()
    page.get_by_label("Vereinbarter Kaufpreis (€)").fill("395.000")
    page.get_by_label("Beurkundet am").fill((today() - timedelta(days=20)).isoformat())
    page.get_by_label("Übergabe (Besitz, Nutzen, Lasten) am").fill(today().isoformat())
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Der Erwerbsvorgang ist gespeichert.")).to_be_visible()
    page.get_by_label("Neuer Stand").select_option("acquired")
    page.get_by_role("button", name="Stand ändern").click()
    expect(page.get_by_text("Neuer Stand: erworben.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Übergabe an Stadt Dortmund")

    with live_db():
        prop = db.session.get(Property, property_id)
        assert prop.status == CaseStatus.ACQUIRED
        officer_events = select(AuditEvent.action).where(AuditEvent.actor_label == "jonas@housing.example")
        actions = set(db.session.scalars(officer_events))
    assert {"property.create", "referral.create", "inspection.create", "attachment.create", "order.create",
            "acquisition.create", "acquisition.update", "property.transition"} <= actions
