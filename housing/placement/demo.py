"""Households in every status, landlords with flats, offers and tenancies in aftercare (idempotent)."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..auth.models import User
from ..clock import today
from ..extensions import db
from ..properties.models import CaseStatus, Property
from . import services
from .models import Applicant, ApplicantStatus, ConsentPurpose, Landlord

D = Decimal

LANDLORDS = [
    ("DOGEWO21", "association", "Frau Schulte", "0231 1083-0"),
    ("Vonovia Dortmund Nord", "company", "Herr Aksoy", "0231 9876543"),
    ("Spar- und Bauverein Dortmund", "association", "Frau Nowak", "0231 1802-0"),
    ("Familie Brinkmann", "private", "Heinz Brinkmann", "0231 445566"),
]

# street, number, postcode, area, label, floor, m², rooms, step-free, lift, net, charges, heating, capped, landlord
FLATS = [
    ("Burgholzstraße", "41", "44145", "borsigplatz", "EG rechts", 0, "48.50", "2", True, False, "330", "120", "70",
     True, 0),
    ("Leopoldstraße", "15", "44147", "nordmarkt", "2. OG links", 2, "62.00", "2.5", False, False, "410", "150", "85",
     False, 1),
    ("Westerbleichstraße", "7", "44147", "hafen", "1. OG", 1, "79.00", "3", False, True, "560", "210", "110",
     True, 2),
    ("Mallinckrodtstraße", "98", "44145", "nordmarkt", "3. OG rechts", 3, "92.00", "4", False, False, "690", "240",
     "130", False, 1),
    ("Gneisenaustraße", "60", "44147", "hafen", "EG links", 0, "38.00", "1.5", True, True, "290", "95", "55",
     False, 3),
    ("Alsenstraße", "23", "44145", "borsigplatz", "1. OG rechts", 1, "105.00", "4.5", False, False, "740", "280",
     "150", True, 0),
]

# first, last, adults, children, income, monthly income, situation, urgency, wbs persons, target status, step free
HOUSEHOLDS = [
    ("Elena", "Popescu", 1, 2, "sgb2", None, "overcrowded", "high", 3, ApplicantStatus.SEARCHING, False),
    ("Ivan", "Georgiev", 2, 3, "sgb2", None, "uninhabitable", "emergency", 5, ApplicantStatus.SEARCHING, False),
    ("Ahmet", "Kaya", 1, 0, "employed", "1850", "notice", "normal", None, ApplicantStatus.SEARCHING, False),
    ("Maria", "Dumitru", 2, 0, "sgb12", None, "homeless", "high", 2, ApplicantStatus.SEARCHING, True),
    ("Stanka", "Petrova", 1, 1, "sgb2", None, "overcrowded", "normal", 2, ApplicantStatus.OFFER, False),
    ("Florin", "Lungu", 2, 2, "sgb2", None, "notice", "high", 4, ApplicantStatus.APPROVAL_PENDING, False),
    ("Yusuf", "Demir", 1, 0, "sgb2", None, "homeless", "emergency", 1, ApplicantStatus.AFTERCARE, False),
    ("Natalia", "Ionescu", 2, 1, "employed", "2600", "overcrowded", "normal", None, ApplicantStatus.STABILISED,
     False),
    ("Bogdan", "Ilie", 1, 0, "sgb2", None, "homeless", "high", None, ApplicantStatus.FIRST_CONTACT, False),
    ("Radka", "Stoyanova", 1, 3, "sgb2", None, "overcrowded", "high", None, ApplicantStatus.CLEARING, False),
    ("Kevin", "Brandt", 1, 0, "other", "900", "notice", "normal", None, ApplicantStatus.WITHDRAWN, False),
    ("Zeynep", "Arslan", 2, 2, "sgb2", None, "overcrowded", "normal", 4, ApplicantStatus.AT_RISK, False),
    ("Daniel", "Marin", 2, 2, "sgb2", None, "notice", "high", 4, ApplicantStatus.CONTRACT_SIGNED, False),
    ("Vasile", "Rusu", 2, 2, "sgb2", None, "uninhabitable", "emergency", 4, ApplicantStatus.MOVED_IN, False),
    ("Gheorghe", "Lazăr", 1, 0, "sgb2", None, "homeless", "high", None, ApplicantStatus.LOST_CONTACT, False),
    ("Mirela", "Voicu", 1, 2, None, None, None, "normal", None, ApplicantStatus.REGISTERED, False),
]


def load(advisor_email: str) -> None:
    advisor = db.session.scalar(select(User).where(User.email == advisor_email))
    if db.session.scalar(select(Applicant.id).limit(1)) is not None:
        return
    day = today()
    landlords = [db.session.scalar(select(Landlord).where(Landlord.name == name))
                 or services.save_landlord(None, {"name": name, "kind": kind, "contact_person": person, "phone": phone,
                                                  "cooperation_since": day - timedelta(days=400 + n * 90)},
                                           actor=advisor)
                 for n, (name, kind, person, phone) in enumerate(LANDLORDS)]
    flats = []
    for n, (street, number, postcode, area, label, floor, m2, rooms, step, lift, net, charges, heat, capped,
            owner) in enumerate(FLATS):
        flats.append(services.offer_flat({
            "street": street, "house_number": number, "postcode": postcode, "social_area": area, "label": label,
            "floor": floor, "area_m2": D(m2), "rooms": D(rooms), "step_free": step, "lift": lift,
            "landlord_id": landlords[owner].id, "available_from": day + timedelta(days=7 * n - 10),
            "net_cold_rent": D(net), "service_charges": D(charges), "heating_costs": D(heat),
            "deposit": D(net) * 2, "rent_capped": capped, "rent_cap_per_m2": D("7.25") if capped else None,
        }, actor=advisor))
    people = []
    for n, (first, last, adults, children, income, amount, situation, urgency, wbs, target, step) in enumerate(
            HOUSEHOLDS):
        applicant = services.create_applicant({
            "first_name": first, "last_name": last, "adults": adults, "children": children, "income_source": income,
            "monthly_income": D(amount) if amount else None, "housing_situation": situation, "urgency": urgency,
            # One WBS runs out within the month: the advisor's reminder has something to say.
            "wbs_valid_until": (day + timedelta(days=20 if n == 1 else 200)) if wbs else None, "wbs_persons": wbs,
            "step_free_needed": step, "languages": ["Rumänisch", "Deutsch"] if n % 2 else ["Bulgarisch"],
            "interpreter_needed": n % 3 == 0, "registered_on": day - timedelta(days=30 + 23 * n),
            "preferred_areas": ["nordmarkt"] if n % 2 else ["borsigplatz", "hafen"],
            "excluded_areas": ["hafen"] if n == 3 else [], "birth_date": day.replace(year=day.year - 25 - n),
        }, actor=advisor)
        people.append((applicant, target))
        if target == ApplicantStatus.FIRST_CONTACT:
            continue
        services.add_consent(applicant, {"purpose": ConsentPurpose.PLACEMENT.value,
                                         "given_on": applicant.registered_on,
                                         "expires_on": (day + timedelta(days=25)) if n == 2
                                         else applicant.registered_on + timedelta(days=730)}, actor=advisor)
        applicant.move_to(ApplicantStatus.REGISTERED, actor=advisor, on=day)
        if target == ApplicantStatus.REGISTERED:
            continue
        if target in (ApplicantStatus.WITHDRAWN, ApplicantStatus.LOST_CONTACT):
            reason = ("Hat selbst eine Wohnung gefunden." if target == ApplicantStatus.WITHDRAWN
                      else "Seit drei Terminen nicht erschienen, telefonisch nicht erreichbar.")
            applicant.move_to(target, actor=advisor, on=day, reason=reason)
            continue
        applicant.move_to(ApplicantStatus.CLEARING, actor=advisor, on=day)
        if target == ApplicantStatus.CLEARING:
            continue
        applicant.move_to(ApplicantStatus.SEARCHING, actor=advisor, on=day)
    db.session.flush()

    # Offers and tenancies: a renovated building's flats for the ones further along.
    by_name = {a.last_name: a for a, _t in people}
    _offer_to(by_name["Petrova"], flats[4], [], advisor)
    _offer_to(by_name["Lungu"], flats[3], ["viewing", "accepted", "approval_pending"], advisor)
    for last, flat_index, months_ago in (("Demir", 0, 2), ("Ionescu", 1, 8), ("Arslan", 2, 5)):
        applicant = by_name[last]
        offer = _offer_to(applicant, flats[flat_index], ["viewing", "accepted"], advisor)
        starts = day - timedelta(days=30 * months_ago)
        services.transition_offer(offer, "contract_signed", actor=advisor, starts_on=starts)
        tenancy = offer_tenancy(offer)
        services.add_support_contact(tenancy, {"contact_on": starts + timedelta(days=10), "kind": "home_visit",
                                               "topics": ["authorities"], "outcome": "Ummeldung und Antrag beim "
                                               "Jobcenter erledigt."}, actor=advisor)
        if last == "Ionescu":
            applicant.move_to(ApplicantStatus.STABILISED, actor=advisor, on=day)
        if last == "Arslan":
            services.add_support_contact(tenancy, {"contact_on": day - timedelta(days=9), "kind": "phone",
                                                   "topics": ["arrears", "neighbours"],
                                                   "outcome": "Zwei Monatsmieten im Rückstand, Streit im Haus."},
                                         actor=advisor)
            applicant.move_to(ApplicantStatus.AT_RISK, actor=advisor, on=day, reason="Mietrückstand, Lärmbeschwerden")
            services.open_support_case(landlords[2], {"kind": "arrears", "tenancy_id": tenancy.id,
                                                      "description": "Vermieter meldet zwei Monatsmieten Rückstand.",
                                                      "opened_on": day - timedelta(days=8)}, actor=advisor)
    # The renovated Ankauf building's units go on offer, where the two strategies meet; two of them are let.
    ready = db.session.scalar(select(Property).where(Property.status == CaseStatus.READY_FOR_LETTING))
    if ready is not None:
        renovated = services.offer_renovated_units(ready, {}, actor=advisor)
        for last, vacancy in (("Marin", renovated[0]), ("Rusu", renovated[1])):
            offer = _offer_to(by_name[last], vacancy, ["viewing", "accepted", "approval_pending"], advisor)
            services.transition_offer(offer, "contract_signed", actor=advisor, starts_on=day - timedelta(days=3))
            if last == "Rusu":
                services.move_in(offer_tenancy(offer), actor=advisor)


def _offer_to(applicant, vacancy, steps, advisor):
    offer = services.propose(applicant, vacancy, actor=advisor)
    for step in steps:
        services.transition_offer(offer, step, actor=advisor, viewing_on=today() - timedelta(days=3))
    return offer


def offer_tenancy(offer):
    from .models import Tenancy

    return db.session.scalar(select(Tenancy).where(Tenancy.offer_id == offer.id))
