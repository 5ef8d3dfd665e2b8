"""The programme report for funders and the council: figures read back from the real PDF.

The clock stands still on Wednesday, 18 March 2026, 11:00 in Dortmund. Most periods here are the two weeks
from Monday 2 to Friday 13 March 2026, with records on the first and the last day (counted) and on the days
before and after (not counted).
"""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from housing.auth.roles import Role
from housing.extensions import db
from housing.placement.models import (
    ApplicantStatus,
    ApplicantTransition,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportContact,
    Tenancy,
)
from housing.properties import services as cases
from housing.properties.models import StatusTransition
from housing.renovation.models import HourEntry, RenovationProject
from housing.reports.programme import programme_report

from .. import factories
from ..factories import UserFactory
from . import bulk

NOW = datetime(2026, 3, 18, 10, tzinfo=UTC)  # 11:00 in Dortmund
TODAY = date(2026, 3, 18)
START, END = date(2026, 3, 2), date(2026, 3, 13)
BEFORE, AFTER = START - timedelta(days=1), END + timedelta(days=1)
NAMES = ("Ionuț", "Ştefan", "Radka", "Ţăran", "Şükrü")  # of the factories' households and participants


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer():
    return UserFactory(roles=[Role.HOUSING_OFFICER])


@pytest.fixture
def advisor():
    return UserFactory(roles=[Role.TENANT_ADVISOR])


def report(start=START, end=END, progress=None) -> str:
    """The report's text, with runs of white space (line and cell breaks) as one space."""
    out = io.BytesIO()
    programme_report(start, end, out, progress=progress)
    pages = PdfReader(io.BytesIO(out.getvalue())).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _case(officer, number, area, *moves):
    prop = cases.create_property({"street": "Mallinckrodtstraße", "house_number": str(number), "postcode": "44147",
                                  "social_area": area}, actor=officer)
    for status in moves:
        cases.transition(prop, status, actor=officer, reason="Test")
    return prop


def _backdate(prop, *days):
    """Give the case's transitions, in order, these days (at 10:00 in Dortmund)."""
    moves = db.session.scalars(db.select(StatusTransition).where(StatusTransition.property_id == prop.id)
                               .order_by(StatusTransition.id)).all()
    assert len(moves) == len(days)
    for move, day in zip(moves, days, strict=True):
        move.occurred_at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    db.session.commit()


def _absent(text):
    return [name for name in NAMES if name in text]


# --- 1. the Ankauf pipeline ---------------------------------------------------------------------------------------


def test_cases_by_status_and_social_area_today_with_the_moves_in_the_period(officer):
    _case(officer, 1, "nordmarkt")
    _case(officer, 2, "nordmarkt", "registered")
    _case(officer, 3, "hafen", "registered")
    _case(officer, 4, "borsigplatz", "delisted")
    factories.flat_on_offer()  # an ordinary building, not a problem case

    text = report(date(2026, 3, 1), TODAY)

    assert "Berichtszeitraum 01.03.2026 bis 18.03.2026" in text
    assert "Bestände gezählt am 18.03.2026" in text
    assert "Neu gemeldete Fälle im Zeitraum 4" in text
    assert "Fälle im Bestand am 18.03.2026 4" in text
    # status, cases today, cases that entered the status in the period
    assert "gemeldet 1 4 erfasst 2 2 kontrolliert 0 0" in text
    assert "ausgetragen 1 1 Summe 4" in text
    # social areas down, the 11 pipeline statuses and the 3 exits across, then the sum
    assert "Borsigplatz 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1" in text
    assert "Hafen 0 1 0 0 0 0 0 0 0 0 0 0 0 0 1" in text
    assert "Nordmarkt 1 1 0 0 0 0 0 0 0 0 0 0 0 0 2" in text
    assert "Summe 1 2 0 0 0 0 0 0 0 0 0 0 0 1 4" in text
    assert "Abbildung 1: Fälle je Verfahrensstand am 18.03.2026" in text


def test_a_past_period_counts_each_case_in_the_status_it_had_at_the_end(officer):
    moved_on = _case(officer, 1, "nordmarkt", "registered", "owner_engaged")
    _backdate(moved_on, date(2026, 1, 10), date(2026, 2, 20), date(2026, 3, 10))
    reported_late = _case(officer, 2, "hafen")
    _backdate(reported_late, date(2026, 3, 1))

    text = report(date(2026, 2, 1), date(2026, 2, 28))

    assert "Bestände gezählt am 28.02.2026" in text
    assert "Neu gemeldete Fälle im Zeitraum 0" in text  # reported in January
    assert "Fälle im Bestand am 28.02.2026 1" in text  # the one reported on 1 March did not exist yet
    assert "gemeldet 0 0 erfasst 1 1 kontrolliert 0 0 Eigentümer angesprochen 0 0" in text
    assert "Nordmarkt 0 1 0 0 0 0 0 0 0 0 0 0 0 0 1" in text
    assert "Hafen" not in text

    assert "Eigentümer angesprochen 1 1" in report(date(2026, 3, 1), TODAY)  # and today it stands there


def test_the_flow_counts_moves_from_the_first_to_the_last_day(officer):
    for number, day in enumerate([BEFORE, START, END, AFTER], start=1):
        _backdate(_case(officer, number, "nordmarkt"), day)

    text = report()

    assert "Neu gemeldete Fälle im Zeitraum 2" in text
    assert "Fälle im Bestand am 13.03.2026 3" in text


# --- 2. Viertelwerk -----------------------------------------------------------------------------------------------


def _hours(ids, participant_index, day, hours, *, absence=None):
    """An entry straight into the table (the report reads what is there; the rules for entering are tested
    with the hours)."""
    db.session.add(HourEntry(participant_id=ids["participants"][participant_index], worked_on=day,
                             project_id=ids["project"], work_package_id=None if absence else ids["package"],
                             slot="absence" if absence else str(ids["package"]), hours=Decimal(hours),
                             absence=absence))


def test_hours_per_project_in_the_period_in_german_format():
    first = factories.viertelwerk_project(crew_size=2)
    second = factories.viertelwerk_project()
    _hours(first, 0, BEFORE, "6")
    _hours(first, 0, START, "7.5")
    _hours(first, 1, END, "8")
    _hours(first, 0, AFTER, "5")
    _hours(first, 0, date(2026, 3, 5), "7.75", absence="sick")
    _hours(second, 0, date(2026, 3, 10), "4.25")
    db.session.commit()

    text = report()

    first_name = db.session.get(RenovationProject, first["project"]).name
    second_name = db.session.get(RenovationProject, second["project"]).name
    # hours in the period, people, hours since the start up to the period's end, plan, share, value at 20 €/h
    assert f"{first_name} laufend 15,50 2 21,50 100,00 21 % 310,00 €" in text
    assert f"{second_name} laufend 4,25 1 4,25 100,00 4 % 85,00 €" in text
    assert "Summe 19,75 3 25,75 200,00 395,00 €" in text
    assert "Geleistete Stunden im Zeitraum 19,75" in text
    assert "Teilnehmende mit Stunden im Zeitraum 3" in text
    assert "Wert der Arbeitsleistung (kalkulatorisch) 395,00 €" in text
    assert "Fehlzeiten im Zeitraum (Stunden) 7,75 (krank 7,75)" in text
    assert "kalkulatorischen Stundensatz von 20,00 €" in text
    assert _absent(text) == []


def test_the_hourly_rate_is_the_one_valid_at_the_end_of_the_period():
    from housing.rules.registry import LABOUR_RATE
    from housing.rules.services import add_version

    ids = factories.viertelwerk_project()
    _hours(ids, 0, START, "10")
    add_version(LABOUR_RATE, date(2026, 3, 10), Decimal("25"), actor=None)
    add_version(LABOUR_RATE, date(2026, 3, 16), Decimal("30"), actor=None)
    db.session.commit()

    text = report()

    assert "Stundensatz von 25,00 €" in text and "250,00 €" in text


# --- 3. placements ------------------------------------------------------------------------------------------------


def test_a_single_small_count_beside_the_total_hides_a_second_cell(advisor):
    """Four placements: three single persons and one family. Beside "Vermittlungen 4", "Familie mit Kindern < 3"
    next to "alleinstehend 3" would give the family away (4 - 3 = 1): the 3 is left out as "x" too."""
    for label, persons in [("A", (1, 0)), ("B", (1, 0)), ("C", (1, 0)), ("D", (2, 2))]:
        household = factories.household(advisor, persons=persons)
        flat = factories.flat_on_offer(advisor, label=label, area="90")
        db.session.add(Tenancy(unit_id=flat.unit_id, applicant_id=household.id, vacancy_id=flat.id, starts_on=START,
                               net_cold_rent=Decimal("500")))
    db.session.commit()

    text = report()

    assert "Vermittlungen (Mietverhältnisse begonnen) 4" in text
    assert "1 Person x 4 Personen < 3" in text
    assert "alleinstehend x" in text and "Familie mit Kindern < 3" in text
    assert "alleinstehend 3" not in text and "1 Person 3" not in text



def test_placements_offers_and_households_in_the_period(advisor):
    placed = {}
    for label, day, persons in [("A", BEFORE, (1, 0)), ("B", START, (1, 0)), ("C", END, (2, 2)), ("D", AFTER, (1, 0))]:
        household = factories.household(advisor, persons=persons)
        flat = factories.flat_on_offer(advisor, label=label, area="90")
        db.session.add(Tenancy(unit_id=flat.unit_id, applicant_id=household.id, vacancy_id=flat.id, starts_on=day,
                               net_cold_rent=Decimal("500")))
        placed[label] = (household, flat)
    # Offers made at 23:59 on the day before and at 00:00 on the first day (Dortmund time).
    household, flat = placed["A"]
    for made, status in [(datetime(2026, 3, 1, 22, 59, tzinfo=UTC), OfferStatus.ACCEPTED),
                         (datetime(2026, 3, 1, 23, 0, tzinfo=UTC), OfferStatus.DECLINED),
                         (datetime(2026, 3, 13, 22, 59, tzinfo=UTC), OfferStatus.CONTRACT_SIGNED),
                         (datetime(2026, 3, 13, 23, 0, tzinfo=UTC), OfferStatus.PROPOSED)]:
        db.session.add(Offer(applicant_id=household.id, vacancy_id=flat.id, status=status, created_at=made))
    db.session.commit()

    text = report()

    assert "Vermittlungen (Mietverhältnisse begonnen) 2" in text
    assert "davon in Gebäuden der Ankaufstrategie 0" in text
    assert "Angebote an Haushalte im Zeitraum 2" in text
    assert "davon angenommen (einschließlich Mietvertrag und Zustimmung Jobcenter) 1" in text
    assert "davon Mietvertrag unterschrieben 1 davon abgelehnt 1" in text
    assert "davon noch offen (vorgeschlagen, Besichtigung) 0" in text
    assert "Abbildung 3: Vermittlungen je Monat" in text and "03/2026" in text
    # small counts in the household breakdowns are not told exactly
    assert "1 Person < 3 4 Personen < 3" in text
    assert "alleinstehend < 3" in text and "Familie mit Kindern < 3" in text
    assert _absent(text) == []


def test_placements_into_acquired_buildings_and_a_full_placement_record():
    ids = factories.placement_records()  # a tenancy starting today, two offers, a landlord case
    db.session.commit()

    text = report(date(2026, 3, 1), TODAY)

    assert "Vermittlungen (Mietverhältnisse begonnen) 1" in text
    assert "Angebote an Haushalte im Zeitraum 2" in text
    assert "davon Mietvertrag unterschrieben 1" in text
    assert "Mietrückstand 1 0 1" in text  # the landlord's case: opened, not resolved, open today
    assert ids and _absent(text) == []


# --- 4. aftercare -------------------------------------------------------------------------------------------------


def test_aftercare_contacts_ended_tenancies_households_at_risk_and_landlord_cases(advisor):
    household = factories.household(advisor)
    flat = factories.flat_on_offer(advisor)
    tenancy = Tenancy(unit_id=flat.unit_id, applicant_id=household.id, vacancy_id=flat.id,
                      starts_on=date(2025, 12, 1), ends_on=END, net_cold_rent=Decimal("500"),
                      aftercare_until=date(2026, 6, 1))
    running = Tenancy(unit_id=flat.unit_id, applicant_id=household.id, vacancy_id=flat.id,
                      starts_on=date(2025, 6, 1), net_cold_rent=Decimal("500"), aftercare_until=date(2025, 12, 1))
    db.session.add_all([tenancy, running])
    db.session.flush()
    for day, kind, topics in [(BEFORE, "phone", ["arrears"]), (START, "home_visit", ["arrears", "neighbours"]),
                              (END, "office", ["authorities"]), (AFTER, "phone", ["maintenance"])]:
        db.session.add(SupportContact(tenancy_id=tenancy.id, contact_on=day, kind=kind, topics=topics))
    landlord_id = flat.landlord_id
    db.session.add_all([
        LandlordSupportCase(landlord_id=landlord_id, kind="arrears", description="x", opened_on=START,
                            resolved_on=END),
        LandlordSupportCase(landlord_id=landlord_id, kind="arrears", description="x", opened_on=BEFORE),
        LandlordSupportCase(landlord_id=landlord_id, kind="damage", description="x", opened_on=AFTER),
    ])
    db.session.add(ApplicantTransition(applicant_id=household.id, from_status=ApplicantStatus.AFTERCARE,
                                       to_status=ApplicantStatus.AT_RISK,
                                       occurred_at=datetime(2026, 3, 10, 9, tzinfo=UTC)))
    db.session.commit()

    text = report()

    assert "Kontakte der Nachbetreuung im Zeitraum 2 erreichte Mietverhältnisse 1" in text
    assert "Mietverhältnisse beendet im Zeitraum 1" in text
    assert "Mietverhältnisse laufend am 13.03.2026 2" in text  # the ended one still ran on its last day
    assert "davon in der Nachbetreuung (sechs Monate ab Beginn) 1" in text
    assert "Haushalte mit gefährdetem Mietverhältnis am 13.03.2026 1" in text
    assert "im Zeitraum als gefährdet eingestuft 1" in text
    assert "Hausbesuch 1 Telefonat 0 Termin im Büro 1 Summe 2" in text
    assert "Mietrückstände 1 Nachbarschaft 1 Behörden 1 Instandhaltung 0" in text
    # kind, opened in the period, resolved in the period, open on the last day
    assert "Mietrückstand 1 1 1 Konflikt 0 0 0 Schaden 0 0 0" in text
    assert _absent(text) == []


def test_households_at_risk_today_come_from_their_status(advisor):
    household = factories.household(advisor)
    household.status = ApplicantStatus.AT_RISK
    db.session.commit()

    assert "Haushalte mit gefährdetem Mietverhältnis am 18.03.2026 1" in report(START, TODAY)


# --- the document -------------------------------------------------------------------------------------------------


def test_the_empty_database_gives_a_report_that_says_so():
    text = report()

    assert "Programmbericht Ankauf- und Wohnungszugangsstrategie" in text
    assert "Berichtszeitraum 02.03.2026 bis 13.03.2026" in text
    assert text.count("Keine Daten im Zeitraum") >= 6  # the four charts, the cross table, projects, households
    assert "Fälle im Bestand am 13.03.2026 0" in text
    assert "Seite 1 von" in text


def test_progress_is_reported_after_each_section_up_to_the_total():
    calls = []

    report(progress=lambda done, total: calls.append((done, total)))

    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_the_report_writes_into_a_file(tmp_path):
    path = tmp_path / "programm.pdf"
    with path.open("wb") as out:
        assert programme_report(START, END, out) is None

    assert path.read_bytes().startswith(b"%PDF") and len(PdfReader(path).pages) >= 1


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        programme_report(END, START, io.BytesIO())


def test_the_query_count_does_not_grow_with_the_data(count_queries):
    def statements():
        with count_queries() as sent:
            programme_report(date(2025, 3, 1), TODAY, io.BytesIO())
        return sent

    bulk.programme(cases=3, projects=1, crew=1, days=3, placements=2, last_day=TODAY)
    small = statements()
    bulk.programme(cases=600, projects=4, crew=3, days=120, packages=2, placements=40, last_day=TODAY)
    larger = statements()

    assert len(small) == len(larger) < 25
    # Hour entries are only ever summed or counted, never loaded one by one.
    for statement in larger:
        if "FROM hour_entries" in statement:
            assert "sum(" in statement.lower() or "count(" in statement.lower()
