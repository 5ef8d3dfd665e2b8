"""A script with a token does what a user does in the browser: three whole journeys through the HTTP API only,
each with the tokens of the roles that do the work (setup outside the API only where no user step leads there)."""

from datetime import date, timedelta

from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db
from housing.properties import services as cases
from housing.properties.models import CaseStatus

from ..factories import UserFactory


def iso(day: date) -> str:
    return day.isoformat()


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


# --- Ankauf: from the first report to an acquired building -------------------------------------------------


def test_an_officer_takes_a_case_from_registration_to_acquired_with_the_api(api_as):
    officer = api_as(Role.HOUSING_OFFICER)
    day = today()

    prop = officer.post("/properties", {"street": "Mallinckrodtstraße", "house_number": "211", "postcode": "44147",
                                        "social_area": "nordmarkt", "year_built": 1908, "priority": "high"},
                        expect=201)
    pid = prop["id"]
    assert prop["status"] == "reported" and prop["problem_case"] is True
    officer.post(f"/properties/{pid}/referrals", {"received_on": iso(day), "source": "ordnungsamt",
                                                  "text": "Überbelegung und Müll im Hof gemeldet"}, expect=201)
    owner = officer.post(f"/properties/{pid}/owners", {"kind": "company", "name": "Nordstadt Wohnen GmbH",
                                                       "registered_on": iso(day - timedelta(days=800)),
                                                       "land_register_ref": "Dortmund Blatt 4711"}, expect=201)
    assert owner["name"] == "Nordstadt Wohnen GmbH" and owner["ended_on"] is None
    small = officer.post(f"/properties/{pid}/units", {"label": "EG links", "area_m2": "45.5", "rooms": 2,
                                                      "persons_registered": 2}, expect=201)
    officer.post(f"/properties/{pid}/units", {"label": "1. OG", "area_m2": 70, "persons_registered": 3}, expect=201)
    officer.post(f"/properties/{pid}/transitions", {"to": "registered"})

    # Not inspected yet: the guard refuses, in the error shape.
    refused = officer.post(f"/properties/{pid}/transitions", {"to": "inspected"}, expect=409)
    assert refused["error"]["code"] == "conflict"

    inspection = officer.post(f"/properties/{pid}/inspections", {
        "inspected_on": iso(day - timedelta(days=1)), "condition_rating": 4, "notes": "Feuchte Wände im EG",
        "officer_emails": [officer.user.email],
        "defects": [{"category": "electricity", "severity": "hazard", "unit_id": small["id"],
                     "description": "Offene Verteilerdose im Flur", "deadline": iso(day + timedelta(days=14))},
                    {"category": "weather_damp", "severity": "major", "description": "Schimmel im Bad"}],
        "occupancy": [{"unit_id": small["id"], "persons_seen": 7}],
    }, expect=201)
    assert len(inspection["defects"]) == 2 and inspection["overcrowded"] is True
    units = officer.get(f"/properties/{pid}/units")["items"]
    assert next(u for u in units if u["id"] == small["id"])["overcrowded"] is True

    for status in ("inspected", "owner_engaged"):
        assert officer.post(f"/properties/{pid}/transitions", {"to": status})["status"] == status
    order = officer.post(f"/properties/{pid}/orders", {
        "type": "repair_order", "status": "issued", "issued_on": iso(day), "deadline": iso(day + timedelta(days=30)),
        "reference": "63/2-0815", "description": "Instandsetzung der Elektrik"}, expect=201)
    assert order["status"] == "issued"
    for status in ("order_issued", "acquisition_review"):
        officer.post(f"/properties/{pid}/transitions", {"to": status})
    acquisition = officer.post(f"/properties/{pid}/acquisitions", {
        "method": "purchase", "buyer": "city", "appraisal_value": "180000", "asking_price": 250000}, expect=201)
    officer.post(f"/properties/{pid}/transitions", {"to": "acquiring"})

    # "acquired" needs the transfer and the price.
    refused = officer.post(f"/properties/{pid}/transitions", {"to": "acquired"}, expect=409)
    assert "Kaufpreis" in refused["error"]["message"]
    done = officer.patch(f"/properties/{pid}/acquisitions/{acquisition['id']}", {
        "agreed_price": "195000.00", "notarised_on": iso(day - timedelta(days=20)), "transferred_on": iso(day),
        "transfer_type": "ownership"})
    assert done["agreed_price"] == "195000.00"
    acquired = officer.post(f"/properties/{pid}/transitions", {"to": "acquired", "reason": "Übergabe erfolgt"})
    assert acquired["status"] == "acquired"

    # The hazard is dealt with.
    hazard = next(d for d in inspection["defects"] if d["severity"] == "hazard")
    resolved = officer.post(f"/properties/{pid}/defects/{hazard['id']}/resolve", {"resolved_on": iso(day)})
    assert resolved["resolved_on"] == iso(day)
    inspections = officer.get(f"/properties/{pid}/inspections")["items"]
    assert {d["id"]: d["resolved_on"] for d in inspections[0]["defects"]}[hazard["id"]] == iso(day)

    kinds = {item["kind"] for item in officer.get(f"/properties/{pid}/timeline")["items"]}
    assert {"referral", "inspection", "order", "acquisition", "transition", "defect_resolved"} <= kinds
    assert [r["source"] for r in officer.get(f"/properties/{pid}/referrals")["items"]] == ["ordnungsamt"]
    assert is_pdf(officer.get(f"/properties/{pid}/dossier"))
    assert is_pdf(officer.get(f"/properties/{pid}/inspections/{inspection['id']}/protocol"))
    assert officer.get(f"/properties/{pid}")["status"] == "acquired"


# --- Viertelwerk: a project, a crew member, a week of hours, the month approved ----------------------------------


def _acquired_building() -> int:
    """The officer's part (see the journey above) is done: an acquired building."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    prop = cases.create_property({"street": "Bornstraße", "house_number": "88", "postcode": "44145",
                                  "social_area": "borsigplatz"}, actor=officer)
    prop.status = CaseStatus.ACQUIRED
    db.session.commit()
    return prop.id


def _full_week_of_last_month() -> list[date]:
    first = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return [monday + timedelta(days=n) for n in range(5)]


def test_a_viertelwerk_project_runs_from_hand_over_to_an_approved_month_with_the_api(api_as):
    admin, supervisor = api_as(Role.ADMIN), api_as(Role.SUPERVISOR)
    week = _full_week_of_last_month()
    month = week[0].strftime("%Y-%m")
    start = today() - timedelta(days=90)

    project = admin.post("/projects", {
        "property_id": _acquired_building(), "name": "Sanierung Bornstraße 88", "starts_on": iso(start),
        "planned_end_on": iso(today() + timedelta(days=200)), "labour_budget": "60000", "material_budget": 25000,
        "status": "active", "supervisor_emails": [supervisor.user.email],
        "work_packages": [{"trade": "Trockenbau", "planned_hours": "120"}, {"trade": "Elektro", "planned_hours": 80}],
    }, expect=201)
    assert project["supervisor_emails"] == [supervisor.user.email] and len(project["work_packages"]) == 2
    assert [p["id"] for p in supervisor.get("/projects")["items"]] == [project["id"]]
    painting = supervisor.post(f"/projects/{project['id']}/work-packages",
                               {"trade": "Malerarbeiten", "planned_hours": "40"}, expect=201)

    person = supervisor.post("/participants", {
        "first_name": "Ţeodora", "last_name": "Kowalczyk", "birth_date": "1990-04-12", "jobcenter_ref": "962D123456",
        "funding_basis": "sgb2_16i", "starts_on": iso(start), "ends_on": iso(today() + timedelta(days=300)),
        "weekly_hours": "30", "project_id": project["id"], "default_work_package_id": painting["id"],
        "safety_briefing_on": iso(start)}, expect=201)

    entries = [{"participant_id": person["id"], "work_package_id": painting["id"], "date": iso(day), "hours": "6",
                "activity": "Wände spachteln"} for day in week[:4]]
    entries.append({"participant_id": person["id"], "date": iso(week[4]), "hours": "6", "absence": "sick"})
    entries.append({"participant_id": person["id"], "work_package_id": painting["id"], "date": iso(week[4]),
                    "hours": "7.3"})  # not in quarter hours: reported, the others kept
    results = supervisor.post("/hour-entries", {"entries": entries})["results"]
    assert [r["status"] for r in results] == ["created"] * 5 + ["rejected"]
    assert "hours" in results[5]["error"]["fields"]
    listed = supervisor.get(f"/hour-entries?participant_id={person['id']}&month={month}")["items"]
    assert sorted(e["date"] for e in listed) == [iso(day) for day in week]

    assert supervisor.post(f"/participants/{person['id']}/months/{month}/approve") == {
        "participant_id": person["id"], "month": month, "locked": True}
    late = supervisor.post("/hour-entries", {"participant_id": person["id"], "work_package_id": painting["id"],
                                             "date": iso(week[4]), "hours": "1"}, expect=409)
    assert late["error"]["fields"] == {"date": ["Monat gesperrt."]}
    assert is_pdf(supervisor.get(f"/participants/{person['id']}/months/{month}/timesheet"))
    progress = supervisor.patch(f"/projects/{project['id']}/work-packages/{painting['id']}", {"progress_percent": 40})
    assert progress["progress_percent"] == 40 and progress["planned_hours"] == "40.00"

    # Only an admin reopens the month, with a reason; then the correction goes in.
    supervisor.post(f"/participants/{person['id']}/months/{month}/unlock", {"reason": "Korrektur"}, expect=403)
    reopened = admin.post(f"/participants/{person['id']}/months/{month}/unlock",
                          {"reason": "Krankmeldung kam nachträglich"})
    assert reopened["locked"] is False
    supervisor.post("/hour-entries", {"participant_id": person["id"], "work_package_id": painting["id"],
                                      "date": iso(week[4]), "hours": "1"}, expect=201)


# --- housing access: a household from first contact to a tenancy in aftercare ----------------------------------


def test_an_advisor_places_a_household_and_follows_up_with_the_api(api_as):
    advisor = api_as(Role.TENANT_ADVISOR)
    day = today()

    household = advisor.post("/applicants", {
        "first_name": "Ionuț", "last_name": "Ştefan", "adults": 2, "children": 1, "languages": ["ro", "de"],
        "interpreter_needed": True, "housing_situation": "overcrowded", "income_source": "sgb2",
        "monthly_income": "1450.00", "urgency": "high", "preferred_areas": ["nordmarkt"]}, expect=201)
    hid = household["id"]
    assert household["status"] == "first_contact"
    assert advisor.post(f"/applicants/{hid}/transitions", {"to": "registered"}, expect=409)["error"]["fields"]["to"]
    consent = advisor.post(f"/applicants/{hid}/consents", {"purpose": "placement", "given_on": iso(day)}, expect=201)
    assert consent["revoked_on"] is None
    for status in ("registered", "clearing", "searching"):
        assert advisor.post(f"/applicants/{hid}/transitions", {"to": status})["status"] == status

    landlord = advisor.post("/landlords", {"name": "Hafen Wohnen eG", "kind": "association",
                                           "contact_person": "Frau Yılmaz"}, expect=201)
    flat = advisor.post("/vacancies", {
        "street": "Leopoldstraße", "house_number": "15", "postcode": "44147", "social_area": "nordmarkt",
        "label": "2. OG rechts", "floor": 2, "area_m2": "72.5", "rooms": 3, "landlord_id": landlord["id"],
        "net_cold_rent": "430.00", "service_charges": "140", "heating_costs": 75, "deposit": "860",
        "available_from": iso(day)}, expect=201)
    assert flat["status"] == "open" and flat["social_area"] == "nordmarkt" and flat["area_m2"] == "72.50"

    candidates = advisor.get(f"/vacancies/{flat['id']}/candidates")["items"]
    ours = next(c for c in candidates if c["applicant_id"] == hid)
    assert ours["eligible"] is True and {r["rule"] for r in ours["rules"]} == {"space", "rent", "wbs", "access", "area"}
    assert flat["id"] in [m["vacancy_id"] for m in advisor.get(f"/applicants/{hid}/vacancies")["items"]]

    offer = advisor.post("/offers", {"applicant_id": hid, "vacancy_id": flat["id"]}, expect=201)
    assert offer["status"] == "proposed" and offer["rules"]
    advisor.post(f"/offers/{offer['id']}/transitions", {"to": "viewing", "viewing_on": iso(day)})
    advisor.post(f"/offers/{offer['id']}/transitions", {"to": "accepted"})
    assert advisor.get(f"/vacancies/{flat['id']}")["status"] == "reserved"
    advisor.post(f"/offers/{offer['id']}/transitions", {"to": "approval_pending", "reason": "KdU-Zusicherung"})
    signed = advisor.post(f"/offers/{offer['id']}/transitions", {"to": "contract_signed", "starts_on": iso(day)})
    assert signed["status"] == "contract_signed"
    assert is_pdf(advisor.get(f"/offers/{offer['id']}/letter"))

    tenancy = next(t for t in advisor.get("/tenancies")["items"] if t["applicant_id"] == hid)
    assert tenancy == advisor.get(f"/tenancies/{tenancy['id']}")
    assert tenancy["unit_id"] == flat["unit_id"] and tenancy["net_cold_rent"] == "430.00"
    assert advisor.get(f"/applicants/{hid}")["status"] == "contract_signed"
    assert advisor.get(f"/vacancies/{flat['id']}")["status"] == "let"

    # Aftercare: a home visit, the next one due in a month; the household is in aftercare.
    contact = advisor.post(f"/tenancies/{tenancy['id']}/contacts", {
        "contact_on": iso(day), "kind": "home_visit", "topics": ["authorities", "arrears"],
        "outcome": "Antrag auf Wohngeld gemeinsam ausgefüllt"}, expect=201)
    assert contact["next_due_on"] > iso(day) and contact["topics"] == ["authorities", "arrears"]
    assert advisor.get(f"/applicants/{hid}")["status"] == "aftercare"
    assert [c["id"] for c in advisor.get(f"/tenancies/{tenancy['id']}/contacts")["items"]] == [contact["id"]]

    # The landlord calls; the advisor helps and closes the case.
    case_ = advisor.post(f"/landlords/{landlord['id']}/support-cases", {
        "kind": "communication", "tenancy_id": tenancy["id"], "description": "Briefe vom Vermieter unbeantwortet"},
        expect=201)
    assert case_["opened_on"] == iso(day) and case_["resolved_on"] is None
    closed = advisor.post(f"/landlords/{landlord['id']}/support-cases/{case_['id']}/resolve",
                          {"outcome": "Gespräch mit Dolmetscherin, Post wird nun gelesen"})
    assert closed["resolved_on"] == iso(day)
    assert advisor.get(f"/landlords/{landlord['id']}/support-cases")["items"] == [closed]

    # Every step is in the audit log under the advisor's name.
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == advisor.user.id)))
    assert {"applicant.create", "consent.give", "offer.create", "tenancy.create", "support_contact.create",
            "landlord_support.open", "landlord_support.resolve", "offer.letter"} <= actions
