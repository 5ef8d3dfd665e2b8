"""Management's start page: the headline figures of both strategies, each leading to its report."""

import html
import re

from housing.auth.roles import Role
from housing.extensions import db
from housing.placement.models import ApplicantStatus
from housing.properties import services as cases

from .. import factories


def panel_items(response) -> dict[str, str]:
    page = html.unescape(response.get_data(as_text=True))
    return {re.sub(r"\s+", " ", text).strip(): link for link, text in re.findall(
        r'<li class="due-list__item[^"]*">\s*<a href="([^"]+)">(.*?)</a>', page, flags=re.S)}


def test_the_management_start_page_gives_the_figures_and_the_way_to_each_report(management_client):
    officer = factories.UserFactory(roles=[Role.HOUSING_OFFICER])
    advisor = factories.UserFactory(roles=[Role.TENANT_ADVISOR])
    for number in ("1", "2", "3"):
        cases.create_property({"street": "Mallinckrodtstraße", "house_number": number, "postcode": "44147",
                               "social_area": "nordmarkt"}, actor=officer)
    factories.household(advisor)
    factories.household(advisor)
    # A tenancy in danger (its way there through offer, contract and aftercare is the placement tests' business).
    factories.household(advisor).status = ApplicantStatus.AT_RISK
    db.session.commit()

    response = management_client.get("/")

    assert response.status_code == 200
    items = panel_items(response)
    assert items == {
        "Ankauf: 3 offene Fälle im Verfahren": "/cases/board",
        "Wohnungszugang: 2 Haushalte suchen eine Wohnung, 1 Mietverhältnis gefährdet": "/placement/overview",
        "Viertelwerk: Stunden und Anwesenheit je Projekt": "/viertelwerk/reports",
    }
    assert 'href="/documents/programme">Programmbericht für Rat und Fördergeber erstellen' in \
        html.unescape(response.get_data(as_text=True))
