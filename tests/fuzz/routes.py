"""Every form the pages post, with a valid submission to start from and the pages that show what it stores.

A route names the WTForms class whose fields it fuzzes (plus fields the view reads by hand, e.g. the persons
seen per unit or the crew sheet's cells), the role that may post it, and a ``valid`` submission: the fuzzer
changes a few of its fields at a time, so most examples get past the other checks and something is stored."""

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db

Y = (today() - timedelta(days=1)).isoformat()  # yesterday: in the past, so every "not in the future" check holds
T = today().isoformat()
_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


@dataclass(frozen=True)
class FormRoute:
    id: str
    role: Role | None  # None: not logged in
    url: object  # world -> str
    form: object = None  # dotted name of the WTForms class whose fields are fuzzed
    valid: object = lambda world: {}  # world -> a submission that would be accepted
    pages: object = lambda world: []  # world -> pages that show what the route stores
    by_hand: dict = field(default_factory=dict)  # name -> kind (or world -> that) of fields the view reads itself
    prefix: object = ""  # the form's prefix, or world -> it
    files: tuple = ()  # multipart file fields


def _version(model_path: str, object_id: int) -> str:
    module, name = model_path.rsplit(".", 1)
    model = getattr(__import__(module, fromlist=[name]), name)
    return str(db.session.get(model, object_id).version)


# --- pages that show stored records ------------------------------------------------------------------------


def case_pages(world):
    case = world.case
    pid = case["property"]
    return [f"/properties/{pid}", f"/properties/{pid}/inspections/{case['inspection']}", "/cases", "/cases/board",
            "/cases/export.csv", "/cases/export.xlsx", f"/properties/{pid}/dossier.pdf",
            f"/properties/{pid}/inspections/{case['inspection']}/protocol.pdf", "/"]


def inspection_pages(world):
    from housing.attachments.models import Attachment
    from housing.properties.models import Inspection

    pid = world.case["property"]
    latest = db.session.scalar(db.select(Inspection.id).where(Inspection.property_id == pid)
                               .order_by(Inspection.id.desc()).limit(1))
    files = db.session.scalars(db.select(Attachment.id).where(Attachment.property_id == pid)
                               .order_by(Attachment.id.desc()).limit(3)).all()
    return ([f"/properties/{pid}", f"/properties/{pid}/inspections/{latest}",
             f"/properties/{pid}/inspections/{latest}/protocol.pdf", f"/properties/{pid}/dossier.pdf"]
            + [f"/attachments/{file_id}" for file_id in files])


def project_pages(world):
    project = world.project
    return [f"/viertelwerk/projects/{project['project']}", "/viertelwerk/projects",
            "/viertelwerk/projects/export.csv", "/viertelwerk/projects/export.xlsx",
            f"/viertelwerk/projects/{project['project']}/sheet", "/viertelwerk/reports",
            "/viertelwerk/reports?format=csv&table=packages", "/viertelwerk/reports?format=xlsx&table=attendance", "/"]


def participant_pages(world):
    project = world.project
    person, month = project["participant"], project["month"]
    return [f"/viertelwerk/participants/{person}", "/viertelwerk/participants", "/viertelwerk/participants/export.csv",
            "/viertelwerk/participants/export.xlsx", f"/viertelwerk/participants/{person}/months/{month}",
            f"/viertelwerk/participants/{person}/months/{month}/timesheet.pdf",
            f"/viertelwerk/projects/{project['project']}/sheet",
            f"/viertelwerk/projects/{project['project']}/months/{month}"]


def household_pages(world):
    ids = world.placement
    return [f"/placement/households/{ids['applicant']}", "/placement/households", "/placement/households?all=1",
            "/placement/households/export.csv", "/placement/households/export.xlsx",
            f"/placement/flats/{ids['vacancy']}", f"/placement/offers/{ids['offer']}",
            f"/placement/offers/{ids['offer']}/letter.pdf", "/"]


def landlord_pages(world):
    ids = world.placement
    return [f"/placement/landlords/{ids['landlord']}", "/placement/landlords", "/placement/landlords/export.csv",
            "/placement/landlords/export.xlsx", f"/placement/tenancies/{ids['tenancy']}"]


def flat_pages(world):
    ids = world.placement
    return ["/placement/flats", "/placement/flats?status=let", "/placement/flats/export.csv",
            "/placement/flats/export.xlsx", f"/placement/households/{ids['applicant']}", "/placement/overview"]


def tenancy_pages(world):
    ids = world.placement
    return [f"/placement/tenancies/{ids['tenancy']}", f"/placement/households/{ids['applicant']}", "/"]


def admin_pages(world):
    return ["/admin/users", "/admin/users/export.csv", "/admin/users/export.xlsx", "/admin/audit/",
            "/admin/audit/export.csv", "/admin/audit/export.xlsx", "/admin/rules/", "/admin/rules/kdu",
            "/admin/social-areas", "/"]


# --- the routes --------------------------------------------------------------------------------------------

PF = "housing.properties.forms."
RF = "housing.renovation.forms."
LF = "housing.placement.forms."
AF = "housing.auth.forms."
OFFICER, ADMIN, SUPERVISOR, ADVISOR, MANAGEMENT = (Role.HOUSING_OFFICER, Role.ADMIN, Role.SUPERVISOR,
                                                   Role.TENANT_ADVISOR, Role.MANAGEMENT)


def _case_valid(world):
    return {"street": "Mallinckrodtstraße", "house_number": str(number()), "postcode": "44147",
            "social_area": "nordmarkt", "priority": "high", "parcel": "Dortmund / 12 / 345", "year_built": "1905",
            "floor_area_m2": "420,5", "received_on": Y, "source": "police", "text": "Feuchte Wände, Strom offen"}


def _unit_valid(world):
    return {"label": f"Whg. {number()}", "floor": "2", "area_m2": "54,3", "rooms": "2,5", "persons_registered": "3",
            "step_free": "y", "planned_rent": "420,00"}


def _occupancy_fields(world):
    from housing.properties.models import Unit

    units = db.session.scalars(db.select(Unit.id).where(Unit.property_id == world.case["property"])).all()
    return {f"occupancy-{unit_id}": "integer" for unit_id in units}


def _inspection_valid(world):
    case = world.case
    return {"inspected_on": Y, "condition_rating": "4", "officer_ids": [str(world.users[OFFICER].id)],
            "agencies": ["police", "fire_service"], "notes": "Begehung mit Feuerwehr",
            f"occupancy-{case['unit']}": "5", "defects-0-category": "electricity", "defects-0-severity": "hazard",
            "defects-0-unit_id": str(case["unit"]), "defects-0-description": "Kabel offen",
            "defects-0-deadline": (today() + timedelta(days=14)).isoformat()}


def _order_valid(world):
    return {"type": "repair_order", "status": "issued", "reference": "63/2026-17", "issued_on": Y,
            "deadline": (today() + timedelta(days=30)).isoformat(), "description": "Elektrik instand setzen",
            "fines_total": "1.500,00", "fines_note": "angedroht"}


def _acquisition_valid(world):
    return {"method": "purchase", "buyer": "city", "appraisal_value": "250.000", "asking_price": "310000",
            "agreed_price": "265.000,00", "council_decision_ref": "Drs. 12345-26", "council_decision_on": Y,
            "notarised_on": Y, "transferred_on": T, "transfer_type": "ownership"}


def _project_valid(world):
    project = world.project
    return {"name": f"Sanierung {number()}", "status": "active",
            "starts_on": (today() - timedelta(days=40)).isoformat(),
            "planned_end_on": (today() + timedelta(days=200)).isoformat(), "labour_budget": "120.000",
            "material_budget": "80000,00", "supervisor_ids": [str(project["supervisor"])]}


def _participant_valid(world):
    project = world.project
    return {"first_name": "Ţăran", "last_name": f"Şükrü {number()}",
            "birth_date": (today() - timedelta(days=30 * 365)).isoformat(), "phone": "0231 50-0",
            "email": "t@example.org", "jobcenter_ref": "962D123456", "funding_basis": "sgb2_16i",
            "starts_on": (today() - timedelta(days=10)).isoformat(),
            "ends_on": (today() + timedelta(days=300)).isoformat(), "weekly_hours": "30",
            "project_id": str(project["project"]), "default_work_package_id": str(project["package"]),
            "safety_briefing_on": Y}


def _sheet_fields(world):
    project = world.project
    monday = today() - timedelta(days=today().weekday())
    names = {f"wp-{person}": "select" for person in project["participants"]}
    for person in project["participants"]:
        for offset in range(5):
            day = (monday + timedelta(days=offset)).isoformat()
            names[f"c-{person}-{day}"] = "cell"
            names[f"o-{person}-{day}"] = "cell"
    names.update({"week": "week", "day": "date", "fill": "select"})
    return names


def _sheet_valid(world):
    project = world.project
    day = today() - timedelta(days=1 if today().weekday() else 3)
    return {f"c-{project['participant']}-{day.isoformat()}": "7,5",
            f"wp-{project['participant']}": str(project["package"])}


def _household_valid(world):
    return {"first_name": "Ionuț", "last_name": f"Ştefan {number()}", "birth_date": "1985-04-02", "phone": "0176 123",
            "email": "h@example.org", "languages": "Rumänisch, Deutsch", "interpreter_needed": "y", "adults": "2",
            "children": "3", "housing_situation": "overcrowded", "income_source": "employed",
            "monthly_income": "2.100,00", "wbs_valid_until": (today() + timedelta(days=300)).isoformat(),
            "wbs_persons": "5", "urgency": "high", "preferred_areas": ["nordmarkt"], "excluded_areas": ["hafen"],
            "registered_on": Y, "notes": "Familie mit drei Kindern"}


def _flat_valid(world):
    return {"landlord_id": str(world.placement["landlord"]), "street": "Leopoldstraße", "house_number": "15",
            "postcode": "44147", "social_area": "nordmarkt", "label": f"Whg. {number()}", "floor": "1",
            "area_m2": "75,5", "rooms": "3", "available_from": T, "net_cold_rent": "500,00",
            "service_charges": "150", "heating_costs": "80", "deposit": "1.000", "notes": "Balkon"}


FORM_ROUTES = [
    # Ankauf
    FormRoute("case-new", OFFICER, lambda w: "/cases/new", PF + "NewCaseForm", _case_valid, case_pages),
    FormRoute("case-edit", OFFICER, lambda w: f"/properties/{w.case['property']}/edit", PF + "PropertyForm",
              lambda w: {**_case_valid(w), "house_number": "7", "street": "Schleswiger Straße",
                         "version": _version("housing.properties.models.Property", w.case["property"])}, case_pages),
    FormRoute("unit-new", OFFICER, lambda w: f"/properties/{w.case['property']}/units/new", PF + "UnitForm",
              _unit_valid, case_pages),
    FormRoute("unit-edit", OFFICER, lambda w: f"/properties/{w.case['property']}/units/{w.case['unit']}",
              PF + "UnitForm", _unit_valid, case_pages),
    FormRoute("owner-new", OFFICER, lambda w: f"/properties/{w.case['property']}/owners/new", PF + "OwnershipForm",
              lambda w: {"kind": "company", "name": "Immo Invest GmbH", "address": "Postfach 1, 10115 Berlin",
                         "contact": "+49 30 1234", "registered_on": Y, "land_register_ref": "Blatt 4711"},
              case_pages),
    FormRoute("referral-new", OFFICER, lambda w: f"/properties/{w.case['property']}/referrals/new",
              PF + "ReferralForm", lambda w: {"received_on": Y, "source": "residents", "text": "Müll im Hof"},
              case_pages),
    FormRoute("inspection-new", OFFICER, lambda w: f"/properties/{w.case['property']}/inspections/new",
              PF + "InspectionForm", _inspection_valid, inspection_pages, by_hand=_occupancy_fields,
              files=("photos", "defects-0-photos")),
    FormRoute("order-new", OFFICER, lambda w: f"/properties/{w.case['property']}/orders/new", PF + "OrderForm",
              _order_valid, case_pages, files=("documents",)),
    FormRoute("order-edit", OFFICER, lambda w: f"/properties/{w.case['property']}/orders/{w.case['order']}",
              PF + "OrderForm", _order_valid, case_pages, files=("documents",)),
    FormRoute("acquisition-new", OFFICER, lambda w: f"/properties/{w.case['property']}/acquisitions/new",
              PF + "AcquisitionForm", _acquisition_valid, case_pages, files=("documents",)),
    FormRoute("acquisition-edit", OFFICER,
              lambda w: f"/properties/{w.case['property']}/acquisitions/{w.case['acquisition']}",
              PF + "AcquisitionForm", _acquisition_valid, case_pages, files=("documents",)),
    FormRoute("case-transition", OFFICER, lambda w: f"/properties/{w.case['property']}/transition",
              PF + "TransitionForm",
              lambda w: {"to": "registered", "reason": "Akte angelegt",
                         "version": _version("housing.properties.models.Property", w.case["property"])}, case_pages),
    FormRoute("defect-resolve", OFFICER,
              lambda w: f"/properties/{w.case['property']}/defects/{w.case['defect']}/resolve",
              PF + "ResolveDefectForm", lambda w: {f"defect-{w.case['defect']}-resolved_on": T}, case_pages,
              prefix=lambda w: f"defect-{w.case['defect']}"),
    FormRoute("hand-over", OFFICER, lambda w: f"/properties/{w.acquired}/hand-over", PF + "HandOverForm",
              lambda w: {"name": f"Sanierung Nordstraße {number()}", "starts_on": T,
                         "planned_end_on": (today() + timedelta(days=365)).isoformat(), "labour_budget": "90.000",
                         "material_budget": "45000,50"},
              lambda w: [f"/properties/{w.acquired}", "/viertelwerk/projects", "/viertelwerk/projects/export.csv",
                         "/viertelwerk/projects/export.xlsx"]),
    FormRoute("social-area-new", ADMIN, lambda w: "/admin/social-areas", PF + "SocialAreaForm",
              lambda w: {"slug": f"gebiet-{number()}", "name": "Hafen Süd", "district": "Innenstadt-Nord",
                         "is_active": "y"},
              lambda w: ["/admin/social-areas", "/cases/new", "/placement/households/new", "/cases"]),
    FormRoute("social-area-edit", ADMIN, lambda w: "/admin/social-areas/1", PF + "SocialAreaForm",
              lambda w: {"slug": "nordmarkt", "name": "Nordmarkt", "district": "Innenstadt-Nord", "is_active": "y"},
              lambda w: ["/admin/social-areas", "/cases/new", "/placement/households/new", "/placement/overview"]),
    # logging in (anonymous; failures count towards the account's throttle, which answers 429 in time)
    FormRoute("login", None, lambda w: "/login", AF + "LoginForm",
              lambda w: {"email": w.users[OFFICER].email, "password": "Korrekt-Pferd-Batterie", "next": "/cases"},
              lambda w: ["/", "/cases"]),
    # administration
    FormRoute("rule-version", ADMIN, lambda w: "/admin/rules/min_area_per_person_m2",
              "housing.rules.forms.RuleVersionForm",
              lambda w: {"min_area_per_person_m2-valid_from": (today() + timedelta(days=number())).isoformat(),
                         "min_area_per_person_m2-value": "10", "min_area_per_person_m2-note": "WohnStG NRW"},
              lambda w: ["/admin/rules/", "/admin/audit/", "/admin/audit/export.csv"],
              prefix="min_area_per_person_m2"),
    FormRoute("kdu", ADMIN, lambda w: "/admin/rules/kdu", LF + "KduVersionForm",
              lambda w: {"valid_from": (today() + timedelta(days=number())).isoformat(), "note": "Jobcenter 2026",
                         "rows-0-persons": "1", "rows-0-max_gross_cold_rent": "500,00", "rows-0-max_area_m2": "50",
                         "rows-1-persons": "2", "rows-1-max_gross_cold_rent": "600", "rows-1-max_area_m2": "65"},
              lambda w: ["/admin/rules/kdu", "/placement/flats", f"/placement/flats/{w.placement['vacancy']}"],
              by_hand={f"rows-{n}-{name}": kind for n in range(3) for name, kind in
                     (("persons", "integer"), ("max_gross_cold_rent", "decimal"), ("max_area_m2", "decimal"))}),
    FormRoute("settings", ADMIN, lambda w: "/admin/rules/settings", "housing.rules.forms.SettingsForm",
              lambda w: {"advisor_caseload_only": ""}, lambda w: ["/admin/rules/"]),
    FormRoute("user-new", ADMIN, lambda w: "/admin/users/new", AF + "UserCreateForm",
              lambda w: {"email": f"neu{number()}@stadtdo.example", "name": "Ayşe Kılıç",
                         "roles": ["tenant_advisor"], "password": "Dortmunder Nordstadt Wohnung 2026!"},
              admin_pages),
    FormRoute("user-edit", ADMIN, lambda w: f"/admin/users/{w.users[SUPERVISOR].id}", AF + "UserEditForm",
              lambda w: {"name": "Jörg Anleiter", "roles": ["supervisor"], "is_active": "y"}, admin_pages),
    FormRoute("user-password", ADMIN, lambda w: f"/admin/users/{w.users[MANAGEMENT].id}/password",
              AF + "SetPasswordForm", lambda w: {"password": "Zeche Zollern Förderturm 1898"}, admin_pages),
    FormRoute("profile", ADVISOR, lambda w: "/profile", AF + "ProfileForm",
              lambda w: {"name": "Beate Beraterin", "language": "de"},
              lambda w: ["/profile", "/", "/placement/households"]),
    FormRoute("profile-password", ADVISOR, lambda w: "/profile/password", AF + "PasswordChangeForm",
              lambda w: {"current_password": "Korrekt-Pferd-Batterie", "password": "Korrekt-Pferd-Batterie"},
              lambda w: ["/profile"]),
    FormRoute("profile-token", ADVISOR, lambda w: "/profile/tokens", AF + "ApiTokenForm",
              lambda w: {"name": "GIS-Abgleich"}, lambda w: ["/profile"]),
    FormRoute("language", ADVISOR, lambda w: "/language", None,
              lambda w: {"language": "en", "next": "/placement/flats"},
              lambda w: ["/"], by_hand={"language": "select", "next": "text"}),
    FormRoute("programme", MANAGEMENT, lambda w: "/documents/programme", "housing.documents.forms.PeriodForm",
              lambda w: {"start": "2026-01-01", "end": Y}, lambda w: ["/documents/programme", "/inbox"]),
    FormRoute("inbox-read", ADVISOR, lambda w: "/inbox/read", None, lambda w: {}, lambda w: ["/inbox"]),
    # Viertelwerk
    FormRoute("project-edit", ADMIN, lambda w: f"/viertelwerk/projects/{w.project['project']}/edit",
              RF + "ProjectForm", _project_valid, project_pages),
    FormRoute("project-edit-supervisor", SUPERVISOR, lambda w: f"/viertelwerk/projects/{w.project['project']}/edit",
              RF + "ProjectForm", _project_valid, project_pages),
    FormRoute("package-new", SUPERVISOR, lambda w: f"/viertelwerk/projects/{w.project['project']}/packages/new",
              RF + "WorkPackageForm",
              lambda w: {"trade": "Trockenbau", "description": "Wände EG", "planned_hours": "120,5",
                         "progress_percent": "10", "by_specialist_firm": ""}, project_pages),
    FormRoute("package-edit", SUPERVISOR,
              lambda w: f"/viertelwerk/projects/{w.project['project']}/packages/{w.project['package']}",
              RF + "WorkPackageForm",
              lambda w: {"trade": "Trockenbau", "planned_hours": "100", "progress_percent": "40"}, project_pages),
    FormRoute("material", SUPERVISOR, lambda w: f"/viertelwerk/projects/{w.project['project']}/materials",
              RF + "MaterialCostForm",
              lambda w: {"booked_on": Y, "description": "Gipskarton 40 Platten", "supplier": "Baustoff Nord",
                         "work_package_id": str(w.project["package"]), "amount": "1.234,56"}, project_pages),
    FormRoute("crew-sheet", SUPERVISOR, lambda w: f"/viertelwerk/projects/{w.project['project']}/sheet", None,
              _sheet_valid, participant_pages, by_hand=_sheet_fields),
    FormRoute("crew-month", SUPERVISOR,
              lambda w: f"/viertelwerk/projects/{w.project['project']}/months/{w.project['month']}", None,
              lambda w: {}, participant_pages),
    FormRoute("participant-new", SUPERVISOR, lambda w: "/viertelwerk/participants/new", RF + "ParticipantForm",
              _participant_valid, participant_pages),
    FormRoute("participant-edit", SUPERVISOR, lambda w: f"/viertelwerk/participants/{w.project['participant']}",
              RF + "ParticipantForm",
              lambda w: {**_participant_valid(w), "starts_on": (today() - timedelta(days=40)).isoformat(),
                         "version": _version("housing.renovation.models.Participant", w.project["participant"])},
              participant_pages),
    FormRoute("qualification", SUPERVISOR,
              lambda w: f"/viertelwerk/participants/{w.project['participant']}/qualifications",
              RF + "QualificationForm",
              lambda w: {"kind": "certificate", "name": "Staplerschein", "obtained_on": Y,
                         "valid_until": (today() + timedelta(days=700)).isoformat()}, participant_pages),
    FormRoute("month-approve", SUPERVISOR,
              lambda w: f"/viertelwerk/participants/{w.project['participant']}/months/{w.project['month']}/approve",
              None, lambda w: {}, participant_pages),
    FormRoute("month-unlock", ADMIN,
              lambda w: f"/viertelwerk/participants/{w.project['participant']}/months/{w.project['month']}/unlock",
              RF + "UnlockForm", lambda w: {"reason": "Stunden vom 3. fehlten"}, participant_pages),
    FormRoute("month-timesheets", SUPERVISOR, lambda w: f"/viertelwerk/months/{w.project['month']}/timesheets", None,
              lambda w: {"project_id": str(w.project["project"])}, lambda w: ["/inbox"],
              by_hand={"project_id": "integer"}),
    # housing access
    FormRoute("household-new", ADVISOR, lambda w: "/placement/households/new", LF + "ApplicantForm",
              _household_valid, household_pages),
    FormRoute("household-edit", ADVISOR, lambda w: f"/placement/households/{w.placement['applicant']}/edit",
              LF + "ApplicantForm",
              lambda w: {**_household_valid(w), "version": _version("housing.placement.models.Applicant",
                                                                     w.placement["applicant"])}, household_pages),
    FormRoute("household-status", ADVISOR, lambda w: f"/placement/households/{w.placement['applicant']}/status",
              LF + "StatusForm",
              lambda w: {"to": "clearing", "reason": "Unterlagen fehlen",
                         "version": _version("housing.placement.models.Applicant", w.placement["applicant"])},
              household_pages),
    FormRoute("health-note", ADVISOR, lambda w: f"/placement/households/{w.placement['applicant']}/health-note",
              LF + "HealthNoteForm",
              lambda w: {"health_note": "Nach Schlaganfall: Erdgeschoss oder Aufzug", "health_note_basis": "consent"},
              household_pages),
    FormRoute("consent", ADVISOR, lambda w: f"/placement/households/{w.placement['applicant']}/consents",
              LF + "ConsentForm",
              lambda w: {"purpose": "share_with_landlord", "given_on": Y,
                         "expires_on": (today() + timedelta(days=365)).isoformat()}, household_pages),
    FormRoute("consent-revoke", ADVISOR, lambda w: f"/placement/consents/{w.placement['consent']}/revoke", None,
              lambda w: {}, household_pages),
    FormRoute("landlord-new", ADVISOR, lambda w: "/placement/landlords/new", LF + "LandlordForm",
              lambda w: {"name": f"Vonovia {number()}", "kind": "company", "contact_person": "Frau Demir",
                         "phone": "0231 9", "email": "v@example.org", "address": "Philippstr. 3, Bochum",
                         "cooperation_since": "2024-05-01", "notes": "Kooperation seit 2024"}, landlord_pages),
    FormRoute("landlord-edit", ADVISOR, lambda w: f"/placement/landlords/{w.placement['landlord']}/edit",
              LF + "LandlordForm", lambda w: {"name": "DOGEWO21", "kind": "association"}, landlord_pages),
    FormRoute("support-case", ADVISOR, lambda w: f"/placement/landlords/{w.placement['landlord']}",
              LF + "SupportCaseForm",
              lambda w: {"kind": "damage", "tenancy_id": str(w.placement["tenancy"]), "opened_on": Y,
                         "description": "Wasserschaden im Bad"}, landlord_pages),
    FormRoute("support-case-resolve", ADVISOR, lambda w: f"/placement/support-cases/{w.placement['case']}/resolve",
              LF + "ResolveCaseForm", lambda w: {"resolved_on": T, "outcome": "Ratenzahlung vereinbart"},
              landlord_pages),
    FormRoute("flat-new", ADVISOR, lambda w: "/placement/flats/new", LF + "VacancyForm", _flat_valid, flat_pages),
    FormRoute("propose", ADVISOR, lambda w: f"/placement/flats/{w.placement['vacancy']}/offers", None,
              lambda w: {"applicant_id": str(w.placement["applicant"])}, household_pages,
              by_hand={"applicant_id": "integer"}),
    FormRoute("offer-units", OFFICER, lambda w: f"/placement/properties/{w.case['property']}/offer-units", None,
              lambda w: {}, lambda w: ["/placement/flats"]),
    FormRoute("offer", ADVISOR, lambda w: f"/placement/offers/{w.placement['offer']}", LF + "OfferStatusForm",
              lambda w: {"to": "viewing", "viewing_on": T, "reason": "Termin vereinbart"}, household_pages),
    FormRoute("support-contact", ADVISOR, lambda w: f"/placement/tenancies/{w.placement['tenancy']}",
              LF + "SupportContactForm",
              lambda w: {"contact_on": Y, "kind": "home_visit", "topics": ["arrears", "neighbours"],
                         "outcome": "Miete wird wieder gezahlt",
                         "next_due_on": (today() + timedelta(days=30)).isoformat()}, tenancy_pages),
]
