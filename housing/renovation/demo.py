"""Two Viertelwerk crews with a few months of hours and one approved (locked) month (idempotent)."""

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..auth.models import User
from ..auth.roles import Role
from ..auth.services import create_user
from ..clock import today
from ..extensions import db
from ..properties.models import CaseStatus, Property
from . import hours as hour_rules
from .models import Absence, FundingBasis, HourEntry, Participant, ProjectStatus, QualificationKind, RenovationProject
from .participants import add_qualification, create_participant
from .services import add_material_cost, hand_over, save_work_package, update_project

D = Decimal
CREW_KIEL = [
    ("Şükrü", "Yılmaz"), ("Ionuț", "Țăran"), ("Łukasz", "Wiśniewski"), ("Mihai", "Popa"), ("Emilia", "Dimitrova"),
    ("Jörg", "Weiß"), ("Fatma", "Öztürk"), ("Gheorghe", "Ștefănescu"), ("Ana-Maria", "Rusu"), ("Kevin", "Schäfer"),
    ("Tanja", "Krüger"), ("Dragomir", "Ivanov"),
]
CREW_LORTZING = [("Rumen", "Petrov"), ("Sabine", "Große"), ("Aylin", "Kaya"), ("Petru", "Munteanu"),
                 ("Małgorzata", "Zając"), ("Dennis", "Hoffmann")]
MATERIALS = [("Gipskartonplatten, Ständerwerk", "Baustoffhandel Nord", "8420.50"),
             ("Mulden und Entsorgung Bauschutt", "Entsorgung Westfalen", "5230.00"),
             ("Innenfarbe, Grundierung, Werkzeug", "Malerbedarf Borsig", "2186.40"),
             ("Dämmwolle, Trittschalldämmung", "Baustoffhandel Nord", "4870.00")]
PACKAGES = {
    "Kielstraße": [("Entkernung", "Altputz, Böden, Sanitärobjekte raus", 2000, 90, False),
                   ("Trockenbau", "Wände und Decken, Schallschutz", 3200, 45, False),
                   ("Maler", "Treppenhaus und Wohnungen", 2400, 15, False),
                   ("Elektro", "Neuinstallation (Fachfirma)", 0, 40, True)],
    "Lortzingstraße": [("Entkernung", "Keller und Dachboden räumen", 1200, 70, False),
                       ("Fenster", "Fensteraustausch mit Anleitung", 900, 20, False),
                       ("Maler", None, 1100, 0, False)],
}


def _supervisors(supervisor_email: str, password: str) -> list[User]:
    first = db.session.scalar(select(User).where(User.email == supervisor_email))
    second = User.by_email("m.nowak@housing.example") or create_user(
        "m.nowak@housing.example", "Marek Nowak", [Role.SUPERVISOR], password)
    return [first, second]


def load(supervisor_email: str, admin_email: str, password: str) -> None:
    admin = db.session.scalar(select(User).where(User.email == admin_email))
    supervisors = _supervisors(supervisor_email, password)
    day = today()
    rng = random.Random(47)  # the same believable crew every time  # noqa: S311
    for street, crew, lead in (("Kielstraße", CREW_KIEL, supervisors[0]),
                               ("Lortzingstraße", CREW_LORTZING, supervisors[0])):
        prop = db.session.scalar(select(Property).where(Property.street == street))
        if prop is None:
            continue
        project = db.session.scalar(select(RenovationProject).where(RenovationProject.property_id == prop.id))
        if project is None:
            if prop.status != CaseStatus.ACQUIRED:
                continue
            project = hand_over(prop, {
                "name": f"Sanierung {prop.short_address}", "starts_on": day - timedelta(days=120),
                "planned_end_on": day + timedelta(days=240), "labour_budget": D("150000"),
                "material_budget": D("120000"),
            }, actor=admin)
        if project.work_packages:
            continue  # already loaded
        update_project(project, {"status": ProjectStatus.ACTIVE, "starts_on": day - timedelta(days=120),
                                 "supervisor_ids": [lead.id] + ([supervisors[1].id] if street == "Kielstraße" else [])},
                       actor=admin)
        packages = [save_work_package(project, None, {"trade": trade, "description": text, "planned_hours": D(planned),
                                                      "progress_percent": progress, "by_specialist_firm": firm},
                                      actor=admin)
                    for trade, text, planned, progress, firm in PACKAGES[street]]
        workable = [p for p in packages if not p.by_specialist_firm]
        start = day - timedelta(days=100)
        for index, (first_name, last_name) in enumerate(crew):
            participant = create_participant({
                "first_name": first_name, "last_name": last_name,
                "birth_date": day.replace(year=day.year - 24 - (index * 7) % 30, day=1) - timedelta(days=index * 11),
                "jobcenter_ref": f"962D{40000 + index * 137}", "funding_basis": list(FundingBasis)[index % 3],
                # The last of each crew finishes soon: the "measure ends" reminder has something to say.
                "starts_on": start,
                "ends_on": day + timedelta(days=30) if index == len(crew) - 1 else start + timedelta(days=730),
                "weekly_hours": D("30") if index % 4 else D("39"),
                "project_id": project.id, "default_work_package_id": workable[index % len(workable)].id,
                "phone": f"0231 {5550100 + index}",
            }, actor=lead)
            add_qualification(participant, {"kind": QualificationKind.SAFETY_BRIEFING, "obtained_on": start,
                                            "name": "Sicherheitsunterweisung Baustelle"}, actor=lead)
            if index % 3 == 0:
                add_qualification(participant, {"kind": QualificationKind.CERTIFICATE, "name": "Erste Hilfe",
                                                "obtained_on": start + timedelta(days=30),
                                                "valid_until": start + timedelta(days=30 + 730)}, actor=lead)
            _hours(participant, start, day, workable, rng, lead)
        for offset, (text, supplier, amount) in enumerate(MATERIALS):
            add_material_cost(project, {"booked_on": day - timedelta(days=90 - offset * 17), "description": text,
                                        "supplier": supplier, "amount": D(amount),
                                        "work_package_id": workable[offset % len(workable)].id}, actor=lead)
        db.session.flush()
        # One approved month: the month before last, for the whole crew.
        locked = hour_rules.month_start(hour_rules.month_start(day) - timedelta(days=1)) - timedelta(days=1)
        for participant in db.session.scalars(select(Participant).where(Participant.project_id == project.id)):
            hour_rules.approve_month(participant, hour_rules.month_start(locked), actor=lead)


def _hours(participant, start, day, packages, rng, lead) -> None:
    """Weekdays from the start until yesterday: the usual hours on the usual package, now and then absent."""
    current = start
    daily = participant.daily_hours
    while current < day:
        if current.weekday() < 5:
            roll = rng.random()
            if roll < 0.05:
                entry = HourEntry(absence=Absence.SICK, slot="absence", work_package_id=None, hours=daily)
            elif roll < 0.08:
                entry = HourEntry(absence=Absence.VACATION, slot="absence", work_package_id=None, hours=daily)
            elif roll < 0.095:
                entry = HourEntry(absence=Absence.UNEXCUSED, slot="absence", work_package_id=None, hours=daily)
            else:
                package = participant.default_work_package if rng.random() < 0.85 else rng.choice(packages)
                entry = HourEntry(slot=str(package.id), work_package_id=package.id,
                                  hours=daily - (D("0.5") if rng.random() < 0.1 else 0),
                                  activity=None)
            entry.participant_id, entry.worked_on, entry.project_id = participant.id, current, participant.project_id
            entry.recorded_by_id = lead.id
            db.session.add(entry)
        current += timedelta(days=1)
