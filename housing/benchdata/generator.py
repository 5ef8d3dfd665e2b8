"""A city-scale data set for the benchmark: five years of every area, ``scale`` times about

100,000 properties (60 % problem cases in every stage, the rest the flats of the housing-access stock) with
300,000 units, 150,000 inspections with 1,000,000 defects, 2,000 Viertelwerk participants with 2,000,000 hour
entries, 50,000 applicant households, 20,000 flats offered, with offers, tenancies and aftercare.

The same seed gives the same data. Names are invented and marked as bench data.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from ..auth.models import User, UserRole
from ..auth.passwords import hash_password
from ..auth.roles import Role
from ..clock import today as dortmund_today
from ..placement.models import (
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    ConsentPurpose,
    ContactKind,
    HousingSituation,
    IncomeSource,
    Landlord,
    LandlordKind,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportCaseKind,
    SupportContact,
    SupportTopic,
    Tenancy,
    Urgency,
    Vacancy,
    VacancyStatus,
    applicant_areas,
)
from ..placement.models import Consent as ConsentModel
from ..properties.models import (
    EXITS,
    OPEN_STATUSES,
    PIPELINE,
    AcquisitionMethod,
    Agency,
    Buyer,
    CaseStatus,
    Defect,
    DefectCategory,
    Inspection,
    Occupancy,
    Order,
    OrderStatus,
    OrderType,
    Owner,
    OwnerKind,
    Ownership,
    Priority,
    Property,
    Referral,
    ReferralSource,
    Severity,
    SocialArea,
    StatusTransition,
    Unit,
    inspection_officers,
)
from ..properties.models import Acquisition as AcquisitionModel
from ..renovation.models import (
    Absence,
    FundingBasis,
    HourEntry,
    MonthLock,
    Participant,
    ProjectStatus,
    RenovationProject,
    WorkPackage,
    project_supervisors,
)
from .writer import Writer

YEARS = 5
PASSWORD = "Bench-Nordstadt-2026"  # noqa: S105 (the bench logins, documented in bench/README.md)
STREETS = [
    "Mallinckrodtstraße", "Münsterstraße", "Schleswiger Straße", "Nordstraße", "Borsigstraße", "Bornstraße",
    "Mallinckrodtplatz", "Stahlwerkstraße", "Missundestraße", "Flensburger Straße", "Kielstraße", "Brunnenstraße",
    "Uhlandstraße", "Scharnhorststraße", "Gronaustraße", "Oesterholzstraße", "Heroldstraße", "Haydnstraße",
    "Lortzingstraße", "Clausthaler Straße", "Schützenstraße", "Zimmerstraße", "Bayrische Straße", "Jägerstraße",
    "Leopoldstraße", "Mißundestraße", "Güntherstraße", "Kirchenstraße", "Burgholzstraße", "Feldherrnstraße",
    "Dürener Straße", "Düppelstraße", "Grüne Straße", "Holsteiner Straße", "Kesselstraße", "Lünener Straße",
    "Rückertstraße", "Stollenstraße", "Weißenburger Straße", "Westerbleichstraße",
]
FIRST_NAMES = ["Ana", "Ionuț", "Mihai", "Elena", "Ayşe", "Mehmet", "Fatma", "Ivan", "Maria", "Petar", "Desislava",
               "Jonas", "Lea", "Yusuf", "Amina", "Dragoș", "Oksana", "Sami", "Nadia", "Tomasz"]
LAST_NAMES = ["Popescu", "Ionescu", "Demir", "Yılmaz", "Petrov", "Dimitrova", "Kowalski", "Schmidt", "Hoffmann",
              "Nowak", "Georgiev", "Stoica", "Kaya", "Şahin", "Radu", "Marin", "Horvat", "Ivanova", "Becker", "Wolf"]
# Where the problem cases stand after five years: most have left the pipeline one way or another.
CASE_STATUS_WEIGHTS = {
    CaseStatus.REPORTED: 4, CaseStatus.REGISTERED: 4, CaseStatus.INSPECTED: 8, CaseStatus.OWNER_ENGAGED: 8,
    CaseStatus.ORDER_ISSUED: 8, CaseStatus.ACQUISITION_REVIEW: 5, CaseStatus.ACQUIRING: 3, CaseStatus.ACQUIRED: 2,
    CaseStatus.IN_RENOVATION: 3, CaseStatus.READY_FOR_LETTING: 1, CaseStatus.LET: 3,
    CaseStatus.RESOLVED_BY_OWNER: 37, CaseStatus.DEMOLISHED: 4, CaseStatus.DELISTED: 10,
}
APPLICANT_STATUS_WEIGHTS = {
    ApplicantStatus.FIRST_CONTACT: 5, ApplicantStatus.REGISTERED: 5, ApplicantStatus.CLEARING: 5,
    ApplicantStatus.SEARCHING: 22, ApplicantStatus.OFFER: 3, ApplicantStatus.APPROVAL_PENDING: 1,
    ApplicantStatus.CONTRACT_SIGNED: 1, ApplicantStatus.MOVED_IN: 2, ApplicantStatus.AFTERCARE: 8,
    ApplicantStatus.STABILISED: 18, ApplicantStatus.AT_RISK: 2, ApplicantStatus.WITHDRAWN: 18,
    ApplicantStatus.LOST_CONTACT: 10,
}
PLACED = (ApplicantStatus.MOVED_IN, ApplicantStatus.AFTERCARE, ApplicantStatus.STABILISED, ApplicantStatus.AT_RISK)
APPLICANT_PATH = [ApplicantStatus.FIRST_CONTACT, ApplicantStatus.REGISTERED, ApplicantStatus.CLEARING,
                  ApplicantStatus.SEARCHING, ApplicantStatus.OFFER, ApplicantStatus.APPROVAL_PENDING,
                  ApplicantStatus.CONTRACT_SIGNED, ApplicantStatus.MOVED_IN, ApplicantStatus.AFTERCARE]


@dataclass
class Sizes:
    """How many of each, for a scale factor (1 = the issue's city-scale figures)."""

    properties: int
    participants: int
    applicants: int
    vacancies: int
    landlords: int
    projects: int
    officers: int
    supervisors: int
    advisors: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        def n(figure, least=1):
            return max(least, round(figure * scale))

        return cls(properties=n(100_000, 50), participants=n(2_000, 10), applicants=n(50_000, 50),
                   vacancies=n(20_000, 20), landlords=n(2_000, 5), projects=n(200, 2), officers=n(20, 2),
                   supervisors=n(20, 2), advisors=n(40, 2))


@dataclass
class Context:
    writer: Writer
    rng: random.Random
    today: date
    now: datetime
    sizes: Sizes
    users: dict[str, list[int]] = field(default_factory=dict)
    areas: list[int] = field(default_factory=list)
    case_ids: list[tuple[int, CaseStatus, date]] = field(default_factory=list)
    units_of: dict[int, list[int]] = field(default_factory=dict)  # the units of each problem case
    stock_units: list[int] = field(default_factory=list)  # the housing-access stock's flats
    renovation_properties: list[int] = field(default_factory=list)

    @property
    def start(self) -> date:
        return self.today - timedelta(days=365 * YEARS)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def generate(connection: Connection, scale: float, *, seed: int = 2026,
             progress: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Write the whole data set through ``connection`` (one transaction); returns rows written per table."""
    writer = Writer(connection)
    today = dortmund_today()
    context = Context(writer, random.Random(seed), today, datetime.now(UTC), Sizes.at(scale))
    context.areas = list(connection.scalars(select(SocialArea.id).order_by(SocialArea.id)))
    for step in (users, properties, inspections, pipeline_records, renovation, placement):
        progress(step.__doc__.splitlines()[0])
        step(context)
    progress("Statistiken für den Planer")
    tables = [User.__table__, Property.__table__, Unit.__table__, Inspection.__table__, Defect.__table__,
              Order.__table__, AcquisitionModel.__table__, StatusTransition.__table__, Referral.__table__,
              Owner.__table__, Ownership.__table__, RenovationProject.__table__, WorkPackage.__table__,
              Participant.__table__, HourEntry.__table__, MonthLock.__table__, Applicant.__table__,
              ApplicantTransition.__table__, ConsentModel.__table__, Landlord.__table__, Vacancy.__table__,
              Offer.__table__, Tenancy.__table__, SupportContact.__table__, LandlordSupportCase.__table__]
    writer.finish(tables)
    return dict(writer.counts)


def users(c: Context) -> None:
    """Konten: je Rolle eine Anmeldung für den Benchmark, dazu weitere Fachkräfte"""
    password_hash = hash_password(PASSWORD)
    first_id = c.writer.next_id(User.__table__)
    people = [(Role.ADMIN, "admin", 1), (Role.MANAGEMENT, "leitung", 1),
              (Role.HOUSING_OFFICER, "wohnungsaufsicht", c.sizes.officers),
              (Role.SUPERVISOR, "anleitung", c.sizes.supervisors),
              (Role.TENANT_ADVISOR, "vermittlung", c.sizes.advisors)]
    rows, roles = [], []
    for role, name, count in people:
        ids = c.users.setdefault(role.value, [])
        for n in range(count):
            user_id = first_id + len(rows)
            suffix = "" if n == 0 else f"-{n + 1}"
            rows.append((user_id, f"bench-{name}{suffix}@housing.example",
                         f"{c.rng.choice(FIRST_NAMES)} {c.rng.choice(LAST_NAMES)} (Bench)", password_hash, True, c.now))
            roles.append((user_id, role))
            ids.append(user_id)
    c.writer.write(User.__table__, ("id", "email", "name", "password_hash", "is_active", "created_at"), rows)
    c.writer.write(UserRole.__table__, ("user_id", "role"), roles)


def properties(c: Context) -> None:
    """Häuser und Wohnungen"""
    first_property = c.writer.next_id(Property.__table__)
    first_unit = c.writer.next_id(Unit.__table__)
    first_owner = c.writer.next_id(Owner.__table__)
    total = c.sizes.properties
    owners = max(1, total // 3)
    property_rows, unit_rows, ownership_rows = [], [], []
    for n in range(total):
        property_id = first_property + n
        problem = n % 5 < 3
        street = STREETS[n % len(STREETS)]
        house_number = str(n // len(STREETS) + 1)
        postcode = f"441{45 + n % 5}"
        area = c.areas[n % len(c.areas)]
        if problem:
            status = c.weighted(CASE_STATUS_WEIGHTS)
            opened = c.day_between(c.start, c.today - timedelta(days=30))
            c.case_ids.append((property_id, status, opened))
            if status in (CaseStatus.IN_RENOVATION, CaseStatus.READY_FOR_LETTING, CaseStatus.LET):
                c.renovation_properties.append(property_id)
        else:
            status, opened = None, c.day_between(c.start, c.today)
        property_rows.append((
            property_id, street, house_number, postcode, Property.make_address_key(street, house_number, postcode),
            area, c.rng.randint(1890, 1975), Decimal(c.rng.randint(180, 900)), problem,
            c.rng.choice(list(Priority)) if problem else Priority.MEDIUM, status,
            c.rng.randint(1, 5) if problem else None, problem and c.rng.random() < 0.12,
            at(opened) if problem else None, at(opened), at(opened), 1))
        for k in range(c.rng.randint(2, 6) if problem else c.rng.randint(1, 2)):
            unit_id = first_unit + len(unit_rows)
            floor = k // 2
            area_m2 = Decimal(c.rng.randint(28, 105))
            unit_rows.append((unit_id, property_id, f"{floor}. OG {'links' if k % 2 == 0 else 'rechts'}", floor,
                              area_m2, Decimal(c.rng.randint(1, 4)), c.rng.randint(0, 9),
                              floor == 0 and c.rng.random() < 0.5, c.rng.random() < 0.2,
                              (area_m2 * Decimal("6.50")).quantize(Decimal("1")), False))
            if not problem:
                c.stock_units.append(unit_id)
        bought = opened - timedelta(days=c.rng.randint(400, 9000))
        ownership_rows.append((property_id, first_owner + n % owners, bought))
    c.writer.write(Property.__table__, (
        "id", "street", "house_number", "postcode", "address_key", "social_area_id", "year_built", "floor_area_m2",
        "is_problem_case", "priority", "status", "condition_rating", "is_overcrowded", "status_changed_at",
        "created_at", "updated_at", "version"), property_rows)
    c.writer.write(Unit.__table__, ("id", "property_id", "label", "floor", "area_m2", "rooms", "persons_registered",
                                    "step_free", "lift", "planned_rent", "is_overcrowded"), unit_rows)
    c.writer.write(Owner.__table__, ("id", "kind", "name", "created_at"), (
        (first_owner + n, c.rng.choice(list(OwnerKind)), f"{c.rng.choice(LAST_NAMES)} Immobilien {n}", c.now)
        for n in range(owners)))
    c.writer.write(Ownership.__table__, ("property_id", "owner_id", "registered_on"), ownership_rows)
    c.units_of = _units_by_property(unit_rows, {case[0] for case in c.case_ids})


def _units_by_property(unit_rows, wanted: set[int]) -> dict[int, list[int]]:
    units: dict[int, list[int]] = {}
    for row in unit_rows:
        if row[1] in wanted:
            units.setdefault(row[1], []).append(row[0])
    return units


def _reached(status: CaseStatus, stage: CaseStatus) -> bool:
    """Has a case now in ``status`` passed ``stage``? Exits count as having come as far as "order issued"."""
    if status in EXITS:
        return PIPELINE.index(stage) <= PIPELINE.index(CaseStatus.ORDER_ISSUED)
    return PIPELINE.index(stage) <= PIPELINE.index(status)


def inspections(c: Context) -> None:
    """Kontrollen mit Mängeln und Belegung"""
    first_inspection = c.writer.next_id(Inspection.__table__)
    officers = c.users[Role.HOUSING_OFFICER.value]
    inspection_rows, officer_rows, occupancy_rows, defect_rows = [], [], [], []
    for property_id, status, opened in c.case_ids:
        if not _reached(status, CaseStatus.INSPECTED):
            continue
        units = c.units_of[property_id]
        for k in range(c.rng.randint(1, 4)):
            inspection_id = first_inspection + len(inspection_rows)
            day = c.day_between(opened + timedelta(days=10 + 120 * k), opened + timedelta(days=60 + 120 * k))
            day = min(day, c.today)
            overcrowded = c.rng.random() < 0.15
            inspection_rows.append((inspection_id, property_id, day, c.rng.randint(1, 5),
                                    c.rng.sample([a.value for a in Agency], 2), overcrowded,
                                    officers[k % len(officers)], at(day, 14)))
            officer_rows.append((inspection_id, officers[(property_id + k) % len(officers)]))
            for unit_id in units[:2]:
                seen = c.rng.randint(1, 12)
                occupancy_rows.append((inspection_id, unit_id, seen, overcrowded and seen > 6))
            for _d in range(c.rng.randint(4, 11)):
                deadline = day + timedelta(days=c.rng.choice((14, 30, 60, 90)))
                # A closed or renovated case has no open defect; an open one has most of its old ones resolved.
                settled = status in EXITS or _reached(status, CaseStatus.IN_RENOVATION) or (
                    deadline < c.today - timedelta(days=60) and c.rng.random() < 0.9)
                resolved = min(c.today, deadline - timedelta(days=c.rng.randint(0, 10))) if settled else None
                defect_rows.append((inspection_id, property_id, c.rng.choice(units), c.rng.choice(list(DefectCategory)),
                                    c.rng.choice(list(Severity)), "Mangel laut Kontrolle (Benchmark-Daten)", deadline,
                                    resolved))
    c.writer.write(Inspection.__table__, ("id", "property_id", "inspected_on", "condition_rating", "agencies",
                                          "is_overcrowded", "created_by_id", "created_at"), inspection_rows)
    c.writer.write(inspection_officers, ("inspection_id", "user_id"), officer_rows)
    c.writer.write(Occupancy.__table__, ("inspection_id", "unit_id", "persons_seen", "is_overcrowded"), occupancy_rows)
    c.writer.write(Defect.__table__, ("inspection_id", "property_id", "unit_id", "category", "severity",
                                      "description", "deadline", "resolved_on"), defect_rows)


def pipeline_records(c: Context) -> None:
    """Meldungen, Statuswechsel, Anordnungen und Ankäufe"""
    officers = c.users[Role.HOUSING_OFFICER.value]

    def transitions():
        for property_id, status, opened in c.case_ids:
            path = PIPELINE[:PIPELINE.index(status) + 1] if status in PIPELINE else (
                PIPELINE[:c.rng.randint(1, 5)] + [status])
            day = opened
            days_left = max(1, (c.today - opened).days)
            step = max(1, days_left // (len(path) + 1))
            previous = None
            for target in path:
                yield (property_id, previous, target, None, officers[property_id % len(officers)], at(day))
                previous = target
                day = min(c.today, day + timedelta(days=c.rng.randint(1, step)))

    c.writer.write(StatusTransition.__table__, ("property_id", "from_status", "to_status", "reason", "actor_id",
                                                "occurred_at"), transitions())
    c.writer.write(Referral.__table__, ("property_id", "received_on", "source", "text", "created_by_id", "created_at"),
                   ((property_id, opened, c.rng.choice(list(ReferralSource)), "Hinweis auf Überbelegung (Bench)",
                     officers[property_id % len(officers)], at(opened)) for property_id, _s, opened in c.case_ids))

    def orders():
        for property_id, status, opened in c.case_ids:
            if _reached(status, CaseStatus.ORDER_ISSUED):
                issued = min(c.today, opened + timedelta(days=c.rng.randint(60, 400)))
                pending = status in OPEN_STATUSES and not _reached(status, CaseStatus.ACQUIRED) and c.rng.random() < 0.6
                yield (property_id, c.rng.choice(list(OrderType)), OrderStatus.ISSUED if pending else c.rng.choice(
                    [OrderStatus.COMPLIED, OrderStatus.ENFORCED, OrderStatus.WITHDRAWN]), issued,
                    issued + timedelta(days=c.rng.choice((30, 60, 90))), f"63/{issued.year}/{property_id}", at(issued))

    c.writer.write(Order.__table__, ("property_id", "type", "status", "issued_on", "deadline", "reference",
                                     "created_at"), orders())

    def acquisitions():
        for property_id, status, opened in c.case_ids:
            if status in PIPELINE and _reached(status, CaseStatus.ACQUIRING):
                notice = min(c.today, opened + timedelta(days=c.rng.randint(200, 500)))
                transferred = notice + timedelta(days=60) if _reached(status, CaseStatus.ACQUIRED) else None
                yield (property_id, c.rng.choice(list(AcquisitionMethod)), c.rng.choice(list(Buyer)),
                       Decimal(c.rng.randint(150, 900) * 1000), notice, _plus_months(notice, 3),
                       transferred if transferred and transferred <= c.today else None, at(notice))

    c.writer.write(AcquisitionModel.__table__, ("property_id", "method", "buyer", "appraisal_value",
                                                "preemption_notice_on", "preemption_deadline", "transferred_on",
                                                "created_at"), acquisitions())


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def renovation(c: Context) -> None:
    """Viertelwerk: Projekte, Teilnehmende und ihre Stunden"""
    first_project = c.writer.next_id(RenovationProject.__table__)
    first_package = c.writer.next_id(WorkPackage.__table__)
    first_participant = c.writer.next_id(Participant.__table__)
    supervisors = c.users[Role.SUPERVISOR.value]
    sites = c.renovation_properties or [case[0] for case in c.case_ids]
    projects = [(first_project + p, sites[p % len(sites)]) for p in range(c.sizes.projects)]
    packages = {project_id: [first_package + 6 * p + k for k in range(6)]
                for p, (project_id, _site) in enumerate(projects)}
    c.writer.write(RenovationProject.__table__, (
        "id", "property_id", "name", "starts_on", "planned_end_on", "labour_budget", "material_budget", "status",
        "created_at"), ((project_id, site, f"Sanierung Haus {site}", c.start, c.today + timedelta(days=365),
                         Decimal("250000"), Decimal("120000"), ProjectStatus.ACTIVE, at(c.start))
                        for project_id, site in projects))
    trades = ["Abbruch", "Elektro", "Sanitär", "Trockenbau", "Maler", "Boden"]
    c.writer.write(WorkPackage.__table__, ("id", "project_id", "position", "trade", "planned_hours",
                                           "progress_percent", "by_specialist_firm"),
                   ((package_id, project_id, k, trades[k], Decimal("4000"), c.rng.randint(0, 100), False)
                    for project_id, ids in packages.items() for k, package_id in enumerate(ids)))
    c.writer.write(project_supervisors, ("project_id", "user_id"),
                   ((project_id, supervisors[p % len(supervisors)]) for p, (project_id, _s) in enumerate(projects)))
    span = timedelta(days=760)
    people = []
    for n in range(c.sizes.participants):
        starts = c.day_between(c.start, c.today - timedelta(days=500))
        project_id = projects[n % len(projects)][0]
        people.append((first_participant + n, project_id, starts, starts + span))
    c.writer.write(Participant.__table__, (
        "id", "first_name", "last_name", "birth_date", "funding_basis", "starts_on", "ends_on", "weekly_hours",
        "project_id", "default_work_package_id", "created_at", "version"),
        ((participant_id, c.rng.choice(FIRST_NAMES), c.rng.choice(LAST_NAMES),
          date(c.rng.randint(1965, 2002), c.rng.randint(1, 12), c.rng.randint(1, 28)), c.rng.choice(list(FundingBasis)),
          starts, ends, Decimal("30"), project_id, packages[project_id][0], at(starts), 1)
         for participant_id, project_id, starts, ends in people))
    recorder = supervisors[0]

    def entries():
        for participant_id, project_id, starts, ends in people:
            ids = packages[project_id]
            day, last = starts, min(ends, c.today - timedelta(days=1))
            while day <= last:
                if day.weekday() < 5:
                    if c.rng.random() < 0.05:
                        yield (participant_id, day, project_id, None, "absence", Decimal("0"),
                               c.rng.choice(list(Absence)), recorder, at(day, 16))
                    else:
                        first = ids[(day.toordinal() // 14) % len(ids)]
                        second = ids[(day.toordinal() // 14 + 1) % len(ids)]
                        yield (participant_id, day, project_id, first, str(first), Decimal("3.50"), None, recorder,
                               at(day, 16))
                        yield (participant_id, day, project_id, second, str(second), Decimal("2.50"), None, recorder,
                               at(day, 16))
                day += timedelta(days=1)

    c.writer.write(HourEntry.__table__, ("participant_id", "worked_on", "project_id", "work_package_id", "slot",
                                         "hours", "absence", "recorded_by_id", "recorded_at"), entries())
    this_month = c.today.replace(day=1)

    def locks():
        for participant_id, _project, starts, ends in people:
            month = starts.replace(day=1)
            while month < this_month and month <= ends:
                yield (participant_id, month, at(_plus_months(month, 1) + timedelta(days=2)), recorder)
                month = _plus_months(month, 1)

    c.writer.write(MonthLock.__table__, ("participant_id", "month", "approved_at", "approved_by_id"), locks())


def placement(c: Context) -> None:
    """Wohnungszugang: Haushalte, Vermietende, Wohnungen, Angebote, Mietverhältnisse und Nachbetreuung"""
    advisors = c.users[Role.TENANT_ADVISOR.value]
    first_landlord = c.writer.next_id(Landlord.__table__)
    first_applicant = c.writer.next_id(Applicant.__table__)
    first_vacancy = c.writer.next_id(Vacancy.__table__)
    first_offer = c.writer.next_id(Offer.__table__)
    first_tenancy = c.writer.next_id(Tenancy.__table__)
    landlords = [first_landlord + n for n in range(c.sizes.landlords)]
    c.writer.write(Landlord.__table__, ("id", "name", "kind", "contact_person", "cooperation_since", "created_at"),
                   ((landlord_id, f"Bench-Vermietung {landlord_id}", c.rng.choice(list(LandlordKind)),
                     f"{c.rng.choice(FIRST_NAMES)} {c.rng.choice(LAST_NAMES)}", c.day_between(c.start, c.today),
                     at(c.start)) for landlord_id in landlords))

    households = []  # (id, status, registered_on, persons)
    applicant_rows, area_rows, consent_rows = [], [], []
    for n in range(c.sizes.applicants):
        applicant_id = first_applicant + n
        status = c.weighted(APPLICANT_STATUS_WEIGHTS)
        registered = c.day_between(c.start, c.today - timedelta(days=1))
        if status in PLACED or status == ApplicantStatus.CONTRACT_SIGNED:
            registered = min(registered, c.today - timedelta(days=200))
        adults, children = c.rng.randint(1, 2), c.rng.choice((0, 0, 1, 2, 3, 4))
        transfer = c.rng.random() < 0.6
        urgency = c.rng.choices(list(Urgency), weights=(70, 25, 5))[0]
        wbs = c.rng.random() < 0.4
        households.append((applicant_id, status, registered, adults + children))
        applicant_rows.append((
            applicant_id, c.rng.choice(FIRST_NAMES), c.rng.choice(LAST_NAMES),
            date(c.rng.randint(1950, 2004), c.rng.randint(1, 12), c.rng.randint(1, 28)),
            c.rng.sample(["de", "ro", "bg", "tr", "ar", "uk", "pl"], c.rng.randint(1, 2)), c.rng.random() < 0.3,
            adults, children, c.rng.choice(list(HousingSituation)),
            c.rng.choice([IncomeSource.SGB2, IncomeSource.SGB12]) if transfer else IncomeSource.EMPLOYED,
            None if transfer else Decimal(c.rng.randint(1200, 3200)),
            c.today + timedelta(days=c.rng.randint(-200, 500)) if wbs else None, adults + children if wbs else None,
            urgency, urgency.rank, c.rng.random() < 0.1, registered, advisors[n % len(advisors)], status,
            at(registered), at(registered), 1))
        preferred = c.rng.sample(c.areas, min(2, len(c.areas)))
        area_rows.extend((applicant_id, area, False) for area in preferred)
        if c.rng.random() < 0.3:
            excluded = c.rng.choice(c.areas)
            if excluded not in preferred:
                area_rows.append((applicant_id, excluded, True))
        if status not in (ApplicantStatus.FIRST_CONTACT,):
            consent_rows.append((applicant_id, ConsentPurpose.PLACEMENT, registered, None, None))
    c.writer.write(Applicant.__table__, (
        "id", "first_name", "last_name", "birth_date", "languages", "interpreter_needed", "adults", "children",
        "housing_situation", "income_source", "monthly_income", "wbs_valid_until", "wbs_persons", "urgency",
        "urgency_rank", "step_free_needed", "registered_on", "advisor_id", "status", "status_changed_at",
        "created_at", "version"), applicant_rows)
    c.writer.write(applicant_areas, ("applicant_id", "social_area_id", "is_excluded"), area_rows)
    c.writer.write(ConsentModel.__table__, ("applicant_id", "purpose", "given_on", "expires_on", "revoked_on"),
                   consent_rows)

    def applicant_transitions():
        for applicant_id, status, registered, _persons in households:
            path = APPLICANT_PATH[:APPLICANT_PATH.index(status) + 1] if status in APPLICANT_PATH else (
                APPLICANT_PATH[:4] + [status])
            previous, day = None, registered
            for target in path:
                yield applicant_id, previous, target, advisors[applicant_id % len(advisors)], at(day)
                previous, day = target, min(c.today, day + timedelta(days=c.rng.randint(5, 40)))

    c.writer.write(ApplicantTransition.__table__, ("applicant_id", "from_status", "to_status", "actor_id",
                                                   "occurred_at"), applicant_transitions())

    placed = [h for h in households if h[1] in PLACED]
    in_offer = [h for h in households if h[1] in (ApplicantStatus.OFFER, ApplicantStatus.APPROVAL_PENDING,
                                                   ApplicantStatus.CONTRACT_SIGNED)]
    searching = [h for h in households if h[1] == ApplicantStatus.SEARCHING]
    units = c.stock_units[:]
    c.rng.shuffle(units)
    vacancy_rows, offer_rows, tenancy_rows = [], [], []
    for n in range(min(c.sizes.vacancies, len(units))):
        vacancy_id = first_vacancy + n
        unit_id = units[n]
        if n < len(placed):
            status, household = VacancyStatus.LET, placed[n]
            available = household[2] + timedelta(days=c.rng.randint(30, 150))
        elif n < len(placed) + len(in_offer):
            status, household = VacancyStatus.RESERVED, in_offer[n - len(placed)]
            available = c.today + timedelta(days=c.rng.randint(0, 60))
        elif c.rng.random() < 0.5:
            status, household = VacancyStatus.OPEN, None
            available = c.today + timedelta(days=c.rng.randint(-30, 90))
        else:
            status, household = VacancyStatus.WITHDRAWN, None
            available = c.day_between(c.start, c.today)
        rent = Decimal(c.rng.randint(280, 620))
        vacancy_rows.append((vacancy_id, unit_id, landlords[n % len(landlords)], available, rent,
                             Decimal(c.rng.randint(80, 180)), Decimal(c.rng.randint(50, 120)), c.rng.random() < 0.3,
                             status, at(available - timedelta(days=40)), 1))
        if household is None:
            # An open flat has had proposals already: two households declined it.
            if status == VacancyStatus.OPEN and searching:
                for k in range(2):
                    applicant = searching[(n + k * 7919) % len(searching)]
                    offer_rows.append((first_offer + len(offer_rows), applicant[0], vacancy_id, OfferStatus.DECLINED,
                                       "Lage passt nicht", [], advisors[0], at(available - timedelta(days=20)),
                                       at(available - timedelta(days=10))))
            continue
        offer_status = OfferStatus.CONTRACT_SIGNED if status == VacancyStatus.LET else {
            ApplicantStatus.OFFER: OfferStatus.VIEWING, ApplicantStatus.APPROVAL_PENDING: OfferStatus.APPROVAL_PENDING,
            ApplicantStatus.CONTRACT_SIGNED: OfferStatus.CONTRACT_SIGNED}[household[1]]
        offer_id = first_offer + len(offer_rows)
        offered = at(available - timedelta(days=25))
        offer_rows.append((offer_id, household[0], vacancy_id, offer_status, None, [], advisors[0], offered, offered))
        if status == VacancyStatus.LET:
            ends = available + timedelta(days=c.rng.randint(200, 900)) if c.rng.random() < 0.1 else None
            tenancy_rows.append((first_tenancy + len(tenancy_rows), unit_id, household[0], vacancy_id, offer_id,
                                 available, ends if ends and ends < c.today else None, rent,
                                 available + timedelta(days=182), at(available)))
    c.writer.write(Vacancy.__table__, ("id", "unit_id", "landlord_id", "available_from", "net_cold_rent",
                                       "service_charges", "heating_costs", "rent_capped", "status", "created_at",
                                       "version"), vacancy_rows)
    c.writer.write(Offer.__table__, ("id", "applicant_id", "vacancy_id", "status", "decline_reason", "rule_snapshot",
                                     "created_by_id", "created_at", "status_changed_at"), offer_rows)
    c.writer.write(Tenancy.__table__, ("id", "unit_id", "applicant_id", "vacancy_id", "offer_id", "starts_on",
                                       "ends_on", "net_cold_rent", "aftercare_until", "created_at"), tenancy_rows)

    def contacts():
        for tenancy in tenancy_rows:
            tenancy_id, starts = tenancy[0], tenancy[5]
            for k in range(4):
                day = starts + timedelta(days=14 + 45 * k)
                if day > c.today:
                    break
                yield (tenancy_id, day, c.rng.choice(list(ContactKind)),
                       c.rng.sample([t.value for t in SupportTopic], c.rng.randint(0, 2)),
                       day + timedelta(days=45), advisors[tenancy_id % len(advisors)])

    c.writer.write(SupportContact.__table__, ("tenancy_id", "contact_on", "kind", "topics", "next_due_on",
                                              "created_by_id"), contacts())
    c.writer.write(LandlordSupportCase.__table__, (
        "landlord_id", "tenancy_id", "kind", "description", "opened_on", "resolved_on"),
        ((landlords[tenancy[0] % len(landlords)], tenancy[0], c.rng.choice(list(SupportCaseKind)),
          "Rückmeldung der Vermietung (Bench)", tenancy[5] + timedelta(days=90),
          tenancy[5] + timedelta(days=120) if tenancy[5] + timedelta(days=120) < c.today else None)
         for tenancy in tenancy_rows[::5]))
