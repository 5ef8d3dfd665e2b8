"""Subject access (Art. 15 GDPR): the export holds everything about the person and every disclosure the audit
log shows, and nothing about anyone else."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.clock import today
from housing.documents.models import DocumentBuild
from housing.extensions import db
from housing.placement import services as placement
from housing.placement.models import Landlord, LandlordKind
from housing.properties import services as cases
from housing.properties.models import Property
from housing.renovation import hours
from housing.renovation.models import Participant
from housing.renovation.participants import add_qualification, update_participant

from .. import factories
from .conftest import fetch_exports, placed_household


def _iso(value: str) -> None:
    """Raises unless ``value`` is an ISO 8601 date or timestamp."""
    (datetime if "T" in value else date).fromisoformat(value)


def _events(data, action):
    return [e for e in data["disclosures"]["audit_events"] if e["action"] == action]


# --- an applicant household ------------------------------------------------------------------------------------


def test_a_households_export_holds_its_record_related_records_and_every_disclosure(staff, as_user):
    advisor, colleague = staff["advisor"], staff["colleague"]
    house = placed_household(advisor, first_name="Ionuț", last_name="Ştefănescu", birth_date=date(1984, 5, 17),
                             phone="0231 4711 0815", email="ionut@example.org", languages="Rumänisch, Deutsch",
                             notes="Braucht Erdgeschoss wegen Kinderwagen")
    other = placed_household(advisor, first_name="Radka", last_name="Dvořáková", street="Mallinckrodtstraße",
                             phone="0231 9999 1234", email="radka@example.org", notes="Hund im Haushalt",
                             outcome="Schuldnerberatung vermittelt", case_text="Wasserschaden im Bad")
    placement.set_health_note(house.applicant, "Rollstuhl, braucht Aufzug", "consent", actor=advisor)
    placement.set_health_note(other.applicant, "Asthma", "consent", actor=advisor)
    db.session.commit()
    applicant_id, other_id = house.applicant.id, other.applicant.id
    assert as_user(advisor).get(f"/placement/households/{applicant_id}").status_code == 200
    assert as_user(colleague).get(f"/placement/households/{applicant_id}").status_code == 200
    assert as_user(advisor).get(f"/placement/offers/{house.offer.id}/letter.pdf").status_code == 200
    assert as_user(colleague).get("/placement/households/export.csv?all=1").status_code == 200
    assert as_user(colleague).get(f"/placement/households/{other_id}").status_code == 200
    assert as_user(colleague).get(f"/placement/offers/{other.offer.id}/letter.pdf").status_code == 200

    data, text = fetch_exports(as_user(staff["admin"]), "applicant", applicant_id)

    assert data["subject"] == {"type": "applicant", "record_type": "applicants", "id": applicant_id}
    record = data["record"]
    assert (record["first_name"], record["last_name"]) == ("Ionuț", "Ştefănescu")
    assert record["birth_date"] == "1984-05-17" and record["phone"] == "0231 4711 0815"
    assert record["email"] == "ionut@example.org" and record["languages"] == ["Rumänisch", "Deutsch"]
    assert record["notes"] == "Braucht Erdgeschoss wegen Kinderwagen"
    assert record["advisor_name"] == "Berta Beratung" and record["status"] == "aftercare"
    # The restricted health note is the person's own data: it is part of the answer, with its legal basis.
    assert (record["health_note"], record["health_note_basis"]) == ("Rollstuhl, braucht Aufzug", "consent")
    related = data["related"]
    assert {c["purpose"] for c in related["consents"]} == {"placement", "share_with_jobcenter"}
    assert [o["id"] for o in related["offers"]] == [house.offer.id]
    assert related["offers"][0]["status"] == "contract_signed" and related["offers"][0]["rule_snapshot"]
    assert [t["id"] for t in related["tenancies"]] == [house.tenancy.id]
    assert related["tenancies"][0]["flat"].startswith("Leopoldstraße 15")
    assert [c["id"] for c in related["support_contacts"]] == [c.id for c in house.contacts]
    assert related["support_contacts"][0]["topics"] == ["arrears"]
    assert related["support_contacts"][0]["outcome"] == "Ratenplan mit Ştefănescu vereinbart"
    assert [c["id"] for c in related["landlord_support_cases"]] == [house.case.id]
    assert related["landlord_support_cases"][0]["description"] == "Lärmbeschwerde über Ştefănescu"
    assert "contract_signed" in {row["to_status"] for row in related["status_history"]}

    views = _events(data, "applicant.view")
    assert sorted((e["actor_name"], e["actor_email"]) for e in views) == [
        ("Berta Beratung", "berta@housing.example"), ("Kemal Kollege", "kemal@housing.example")]
    [letter] = _events(data, "offer.letter")
    assert letter["actor_name"] == "Berta Beratung" and letter["record_id"] == str(house.offer.id)
    assert letter["id"] in {d["id"] for d in data["disclosures"]["documents"]}
    for action, count in (("applicant.create", 1), ("consent.give", 2), ("offer.create", 1), ("tenancy.create", 1),
                          ("support_contact.create", 2), ("landlord_support.open", 1)):
        assert len(_events(data, action)) == count, action
    [export] = data["disclosures"]["list_exports"]
    assert export["action"] == "applicant.export" and export["actor_name"] == "Kemal Kollege"
    # The export itself is audited and lists itself.
    [own] = _events(data, "privacy.subject_access")
    assert own["summary"] == "json" and own["actor_email"] == "dana@housing.example"

    # Machine-readable dates throughout.
    _iso(data["generated_at"])
    for event in data["disclosures"]["audit_events"]:
        _iso(event["occurred_at"])
    _iso(related["tenancies"][0]["starts_on"])

    for phrase in ("Ştefănescu", "Ionuț", "17.05.1984", "0231 4711 0815", "ionut@example.org", "Rumänisch",
                   "Braucht Erdgeschoss wegen Kinderwagen", "Wohnraumvermittlung", "Weitergabe an das Jobcenter",
                   "Leopoldstraße 15", "Mietvertrag unterschrieben", "Ratenplan mit Ştefănescu vereinbart",
                   "Nachbarschaft beruhigt", "Lärmbeschwerde über Ştefănescu", "Berta Beratung", "Kemal Kollege",
                   "Akte angesehen", "Angebotsschreiben erstellt", "Liste der Haushalte exportiert", "Ihre Rechte",
                   "Auskunft erstellt", "dana@housing.example", "Rollstuhl, braucht Aufzug",
                   "Ausdrückliche Einwilligung (Art. 9 Abs. 2 lit. a DSGVO)"):
        assert phrase in text, phrase
    assert f"Stand: {today():%d.%m.%Y}" in text

    # Nothing about the other household, no secrets, no staff IP addresses.
    body = json.dumps(data, ensure_ascii=False)
    for leak in ("Dvořáková", "Radka", "0231 9999 1234", "radka@example.org", "Hund im Haushalt", "Asthma",
                 "Schuldnerberatung vermittelt", "Wasserschaden im Bad", "Mallinckrodtstraße"):
        assert leak not in body and leak not in text, leak
    for secret in ("password", "token", "ip_address", "127.0.0.1"):
        assert secret not in body, secret
    other_ids = {str(other.offer.id), str(other.tenancy.id), str(other_id)}
    assert not [e for e in data["disclosures"]["audit_events"]
                if e["record_type"] in ("applicants", "offers", "tenancies") and e["record_id"] in other_ids
                and e["record_id"] not in {str(applicant_id), str(house.offer.id), str(house.tenancy.id)}]


def test_every_export_and_the_subject_page_are_audited(staff, as_user):
    house = placed_household(staff["advisor"], first_name="Ana", last_name="Popa")
    admin = as_user(staff["admin"])
    assert admin.get(f"/admin/privacy/applicant/{house.applicant.id}").status_code == 200
    fetch_exports(admin, "applicant", house.applicant.id)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("privacy.subject"),
                                                         AuditEvent.object_id == str(house.applicant.id))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.summary, e.object_type) for e in events] == [
        ("privacy.subject_view", None, "applicants"), ("privacy.subject_access", "json", "applicants"),
        ("privacy.subject_access", "pdf", "applicants")]
    assert {e.actor_id for e in events} == {staff["admin"].id}


def test_a_private_landlord_is_named_only_as_such(staff, as_user):
    house = placed_household(staff["advisor"], first_name="Ana", last_name="Popa")
    landlord = db.session.get(Landlord, house.case.landlord_id)
    landlord.kind, landlord.name = LandlordKind.PRIVATE, "Hildegard Hausbesitzerin"
    db.session.commit()
    data, text = fetch_exports(as_user(staff["admin"]), "applicant", house.applicant.id)
    assert data["related"]["landlord_support_cases"][0]["landlord"] == "Privatperson"
    assert "Hildegard" not in json.dumps(data, ensure_ascii=False) and "Hildegard" not in text


# --- a participant -----------------------------------------------------------------------------------------------


def test_a_participants_export_holds_hours_qualifications_months_and_the_timesheets_that_held_them(staff, as_user):
    supervisor, admin = staff["supervisor"], staff["admin"]
    crew = factories.viertelwerk_project(supervisor=supervisor, crew_size=2)
    person = db.session.get(Participant, crew["participants"][0])
    other = db.session.get(Participant, crew["participants"][1])
    update_participant(person, {"first_name": "Gheorghe", "last_name": "Ţăranu", "phone": "0176 111 2233",
                                "jobcenter_ref": "JC-4711-A"}, actor=admin)
    update_participant(other, {"first_name": "Mirela", "last_name": "Dumitrescu", "phone": "0176 999 8877",
                               "jobcenter_ref": "JC-9999-Z"}, actor=admin)
    add_qualification(person, {"kind": "certificate", "name": "Staplerschein",
                                "obtained_on": today() - timedelta(days=39)}, actor=admin)
    add_qualification(other, {"kind": "certificate", "name": "Kettensägenschein",
                              "obtained_on": today() - timedelta(days=39)}, actor=admin)
    first_day = person.starts_on
    entries = [hours.create_entry(hours.EntryInput(person.id, first_day + timedelta(days=n), Decimal("7.5"),
                                                   crew["package"], activity=f"Trockenbau Wand {n}"), actor=supervisor)
               for n in range(3)]
    entries.append(hours.create_entry(hours.EntryInput(person.id, first_day + timedelta(days=3), Decimal("6"),
                                                       absence="sick"), actor=supervisor))
    hours.create_entry(hours.EntryInput(other.id, first_day, Decimal("8"), crew["package"],
                                        activity="Fliesen bei Dumitrescu"), actor=supervisor)
    month = hours.month_start(first_day)
    hours.approve_month(person, month, actor=supervisor)
    db.session.commit()

    client = as_user(supervisor)
    assert client.get(f"/viertelwerk/participants/{person.id}").status_code == 200
    assert client.get(f"/viertelwerk/participants/{person.id}/months/{month:%Y-%m}/timesheet.pdf").status_code == 200
    response = client.post(f"/viertelwerk/months/{month:%Y-%m}/timesheets", data={"project_id": crew["project"]})
    assert response.status_code == 302
    build = db.session.scalars(select(DocumentBuild).order_by(DocumentBuild.id.desc())).first()
    assert client.get(f"/documents/{build.id}/download").status_code == 200
    assert client.get("/viertelwerk/participants/export.csv").status_code == 200

    data, text = fetch_exports(as_user(admin), "participant", person.id)

    record = data["record"]
    assert (record["first_name"], record["last_name"], record["jobcenter_ref"]) == ("Gheorghe", "Ţăranu", "JC-4711-A")
    assert record["supervisor_names"] == ["Anke Anleiterin"]
    related = data["related"]
    assert {q["name"] for q in related["qualifications"]} == {"Staplerschein", "Sicherheitsunterweisung"}
    assert sorted(e["id"] for e in related["hour_entries"]) == sorted(e.id for e in entries)
    assert {e["activity"] for e in related["hour_entries"]} >= {"Trockenbau Wand 0", "Trockenbau Wand 2"}
    [summary] = [m for m in related["months"] if m["month"] == month.isoformat()]
    assert (summary["present_hours"], summary["absent_hours"]) == ("22.50", "6.00")
    assert [lock["month"] for lock in related["month_locks"]] == [month.isoformat()]
    assert related["month_locks"][0]["approved_by_name"] == "Anke Anleiterin"

    assert {e["actor_name"] for e in _events(data, "participant.view")} == {"Anke Anleiterin"}
    assert len(_events(data, "hour_entry.create")) == 4
    assert len(_events(data, "month.approve")) == 1
    documents = data["disclosures"]["documents"]
    assert {d["action"] for d in documents} >= {"participant.timesheet", "document.requested", "document.download"}
    assert [d["record_id"] for d in documents if d["action"] == "document.requested"] == [str(build.id)]
    assert [e["action"] for e in data["disclosures"]["list_exports"]] == ["participant.export"]

    for phrase in ("Gheorghe", "Ţăranu", "0176 111 2233", "JC-4711-A", "Staplerschein", "Sicherheitsunterweisung",
                   "Trockenbau Wand 1", "22,50", "krank", "Anke Anleiterin", "Stundennachweis erstellt",
                   "Stundennachweise", "Stunden eingetragen", "Monat freigegeben",
                   "Liste der Teilnehmenden exportiert"):
        assert phrase in text, phrase
    body = json.dumps(data, ensure_ascii=False)
    for leak in ("Mirela", "Dumitrescu", "0176 999 8877", "JC-9999-Z", "Kettensägenschein"):
        assert leak not in body and leak not in text, leak


def test_a_timesheet_build_of_another_project_is_not_a_disclosure(staff, as_user):
    crew = factories.viertelwerk_project(supervisor=staff["supervisor"])
    elsewhere = factories.viertelwerk_project(supervisor=staff["supervisor"])
    month = today().strftime("%Y-%m")
    client = as_user(staff["supervisor"])
    assert client.post(f"/viertelwerk/months/{month}/timesheets",
                       data={"project_id": elsewhere["project"]}).status_code == 302
    data, _text = fetch_exports(as_user(staff["admin"]), "participant", crew["participant"])
    assert not [d for d in data["disclosures"]["documents"] if d["action"] == "document.requested"]


# --- an owner ------------------------------------------------------------------------------------------------


def test_an_owners_export_holds_ownerships_buildings_and_who_saw_them(staff, as_user):
    officer = staff["officer"]
    case = factories.full_case(actor=officer)
    prop = db.session.get(Property, case["property"])
    ownership = cases.add_ownership(prop, {"kind": "person", "name": "Vasile Proprietar",
                                           "address": "Nordstraße 1, 44145 Dortmund", "contact": "0231 123 456",
                                           "registered_on": today() - timedelta(days=400),
                                           "land_register_ref": "Dortmund Blatt 4711"}, actor=officer)
    owner = ownership.owner
    owner.notes = "Reagiert nicht auf Briefe"
    other = cases.add_ownership(prop, {"kind": "company", "name": "Nordstadt Immobilien GmbH",
                                       "registered_on": today() - timedelta(days=10)}, actor=officer)
    elsewhere = factories.full_case(street="Bornstraße", number="7", actor=officer)
    cases.add_ownership(db.session.get(Property, elsewhere["property"]),
                        {"owner": owner, "registered_on": today() - timedelta(days=100)}, actor=officer)
    db.session.commit()
    client = as_user(officer)
    assert client.get(f"/properties/{prop.id}").status_code == 200
    assert client.get(f"/properties/{prop.id}/dossier.pdf").status_code == 200

    data, text = fetch_exports(as_user(staff["admin"]), "owner", owner.id)

    assert data["record"]["name"] == "Vasile Proprietar" and data["record"]["notes"] == "Reagiert nicht auf Briefe"
    ownerships = data["related"]["ownerships"]
    assert sorted(o["property_id"] for o in ownerships) == sorted([prop.id, elsewhere["property"]])
    assert {o["land_register_ref"] for o in ownerships} == {"Dortmund Blatt 4711", None}
    assert next(o for o in ownerships if o["property_id"] == prop.id)["ended_on"] == other.registered_on.isoformat()
    assert sorted(p["id"] for p in data["related"]["properties"]) == sorted([prop.id, elsewhere["property"]])
    assert {e["action"] for e in data["disclosures"]["audit_events"]} >= {"ownership.create", "property.view",
                                                                         "property.dossier"}
    assert [d["action"] for d in data["disclosures"]["documents"] if d["action"] != "privacy.subject_access"] == [
        "property.dossier"]
    for phrase in ("Vasile Proprietar", "Nordstraße 1", "0231 123 456", "Reagiert nicht auf Briefe",
                   "Dortmund Blatt 4711", "Mallinckrodtstraße", "Bornstraße", "Olaf Ordnung",
                   "Akte des Gebäudes angesehen", "Fallakte des Gebäudes erstellt"):
        assert phrase in text, phrase
    assert "Nordstadt Immobilien" not in json.dumps(data, ensure_ascii=False) and "Nordstadt Immobilien" not in text


# --- the pages ---------------------------------------------------------------------------------------------------


def test_the_search_finds_a_person_by_name_without_accents_or_by_number_and_keeps_the_name_out_of_the_url(
        staff, as_user):
    house = placed_household(staff["advisor"], first_name="Ionuț", last_name="Ştefănescu")
    placed_household(staff["advisor"], first_name="Radka", last_name="Dvořáková", street="Mallinckrodtstraße")
    admin = as_user(staff["admin"])
    page = admin.post("/admin/privacy/", data={"kind": "applicant", "query": "stefanescu ionut"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ştefănescu, Ionuț" in html and "Dvořáková" not in html
    assert f"/admin/privacy/applicant/{house.applicant.id}" in html
    by_number = admin.post("/admin/privacy/", data={"kind": "applicant", "query": f"Nr. {house.applicant.id}"})
    assert "Ştefănescu, Ionuț" in by_number.get_data(as_text=True)
    nothing = admin.post("/admin/privacy/", data={"kind": "owner", "query": "Ştefănescu"})
    assert "Keine Akte gefunden" in nothing.get_data(as_text=True)
    searches = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.search")).all()
    assert [e.summary for e in searches] == ["1 hits", "1 hits", "0 hits"]
    assert not [e for e in searches if "Ştef" in (e.summary or "")]


def test_the_subject_page_counts_what_the_export_will_hold(staff, as_user):
    house = placed_household(staff["advisor"], first_name="Ana", last_name="Popa")
    page = as_user(staff["admin"]).get(f"/admin/privacy/applicant/{house.applicant.id}")
    html = page.get_data(as_text=True)
    assert "Ana Popa" in html and "PDF für die Person" in html and "JSON für die Akte" in html
    assert f"/admin/privacy/applicant/{house.applicant.id}/auskunft.pdf" in html


def test_an_unknown_kind_or_record_is_404(staff, as_user):
    admin = as_user(staff["admin"])
    assert admin.get("/admin/privacy/user/1").status_code == 404
    assert admin.get("/admin/privacy/applicant/999999/auskunft.json").status_code == 404
