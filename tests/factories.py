import factory
from factory.alchemy import SQLAlchemyModelFactory

from housing.auth.models import User, UserRole
from housing.auth.passwords import hash_password
from housing.auth.roles import Role
from housing.extensions import db

PASSWORD = "Korrekt-Pferd-Batterie"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User
        exclude = ("password",)

    class Params:
        roles = (Role.HOUSING_OFFICER,)

    email = factory.Sequence(lambda n: f"person{n}@housing.example")
    name = factory.Sequence(lambda n: f"Şükrü Łukasz Person {n}")
    password = PASSWORD
    password_hash = factory.LazyAttribute(lambda o: hash_password(o.password))
    # Built with the user, so the roles are committed with it.
    role_links = factory.LazyAttribute(lambda o: [UserRole(role=Role(role)) for role in o.roles])


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def full_case(street="Mallinckrodtstraße", number="100", actor=None) -> dict:
    """A problem case with a unit, an inspection with a defect and a photo, an order and an acquisition.

    Returns the ids by name (property, unit, inspection, defect, order, acquisition, photo)."""
    import io
    from datetime import timedelta
    from decimal import Decimal

    from werkzeug.datastructures import FileStorage

    from housing.attachments.services import store
    from housing.clock import today
    from housing.properties import services

    actor = actor or UserFactory(roles=[Role.HOUSING_OFFICER])
    prop = services.create_property({"street": street, "house_number": number, "postcode": "44147",
                                     "social_area": "nordmarkt"}, actor=actor)
    unit = services.add_unit(prop, {"label": "EG links", "area_m2": Decimal("60"), "persons_registered": 2},
                             actor=actor)
    inspection = services.record_inspection(
        prop, inspected_on=today() - timedelta(days=3), condition_rating=4, occupancy={unit.id: 7},
        defects=[services.DefectInput("electricity", "hazard", "Kabel offen", unit_id=unit.id,
                                      deadline=today() + timedelta(days=10))], actor=actor)
    order = services.create_order(prop, {"type": "repair_order"}, actor=actor)
    acquisition = services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=actor)
    photo = store(FileStorage(io.BytesIO(png_bytes()), filename="foto.png"), actor=actor, property_id=prop.id,
                  subject_type="defect", subject_id=inspection.defects[0].id)
    db.session.commit()
    return {"property": prop.id, "unit": unit.id, "inspection": inspection.id, "defect": inspection.defects[0].id,
            "order": order.id, "acquisition": acquisition.id, "photo": photo.id}


def viertelwerk_project(supervisor=None, crew_size=1) -> dict:
    """An acquired building handed over to Viertelwerk, with a work package and a briefed crew.

    Returns ids by name (project, package, participant, property) and the current ``month`` (YYYY-MM)."""
    from datetime import timedelta
    from decimal import Decimal

    from housing.clock import today
    from housing.properties import services as cases
    from housing.properties.models import Acquisition, CaseStatus, Property
    from housing.renovation import services as renovation
    from housing.renovation.participants import create_participant

    admin = UserFactory(roles=[Role.ADMIN])
    supervisor = supervisor or UserFactory(roles=[Role.SUPERVISOR])
    number = str(300 + len(db.session.scalars(db.select(Property.id)).all()))
    prop = cases.create_property({"street": "Bornstraße", "house_number": number,
                                  "postcode": "44145", "social_area": "borsigplatz"}, actor=admin)
    prop.status = CaseStatus.ACQUIRED
    db.session.add(Acquisition(property_id=prop.id, method="purchase", buyer="city", agreed_price=Decimal("1"),
                               notarised_on=today() - timedelta(days=60), transferred_on=today() - timedelta(days=50)))
    project = renovation.hand_over(prop, {"starts_on": today() - timedelta(days=40),
                                          "planned_end_on": today() + timedelta(days=200)}, actor=admin)
    renovation.update_project(project, {"status": "active", "supervisor_ids": [supervisor.id]}, actor=admin)
    package = renovation.save_work_package(project, None, {"trade": "Trockenbau", "planned_hours": Decimal("100")},
                                           actor=admin)
    people = [create_participant({
        "first_name": f"Ţăran{n}", "last_name": "Şükrü", "birth_date": today() - timedelta(days=30 * 365),
        "funding_basis": "sgb2_16i", "starts_on": today() - timedelta(days=40),
        "ends_on": today() + timedelta(days=300),
        "weekly_hours": Decimal("30"), "project_id": project.id, "default_work_package_id": package.id,
        "safety_briefing_on": today() - timedelta(days=40)}, actor=admin) for n in range(crew_size)]
    db.session.commit()
    return {"project": project.id, "package": package.id, "participant": people[0].id, "property": prop.id,
            "participants": [p.id for p in people], "supervisor": supervisor.id,
            "month": today().strftime("%Y-%m")}


def household(advisor=None, *, persons=(2, 1), income="sgb2", status="searching", **extra):
    """A household searching for a flat, with a valid consent to placement (or stopped at ``status``)."""
    from datetime import timedelta

    from housing.clock import today
    from housing.placement import services as placement
    from housing.placement.models import ApplicantStatus

    advisor = advisor or UserFactory(roles=[Role.TENANT_ADVISOR])
    data = {"first_name": "Ionuț", "last_name": "Ştefan", "adults": persons[0], "children": persons[1],
            "income_source": income, "housing_situation": "overcrowded", "registered_on": today() - timedelta(days=60)}
    data.update(extra)
    applicant = placement.create_applicant(data, actor=advisor)
    placement.add_consent(applicant, {"purpose": "placement", "given_on": today() - timedelta(days=60)}, actor=advisor)
    flow = [ApplicantStatus.REGISTERED, ApplicantStatus.CLEARING, ApplicantStatus.SEARCHING]
    for step in flow[: flow.index(ApplicantStatus(status)) + 1] if status in [s.value for s in flow] else []:
        applicant.move_to(step, actor=advisor, on=today())
    db.session.flush()
    return applicant


def flat_on_offer(advisor=None, *, area="75", net="500", charges="150", street="Leopoldstraße", label="1. OG",
                  **extra):
    """A landlord's flat on offer (building, unit and vacancy)."""
    from decimal import Decimal

    from housing.clock import today
    from housing.placement import services as placement
    from housing.placement.models import Landlord

    advisor = advisor or UserFactory(roles=[Role.TENANT_ADVISOR])
    landlord = db.session.scalar(db.select(Landlord).limit(1)) or placement.save_landlord(
        None, {"name": "DOGEWO21", "kind": "association"}, actor=advisor)
    data = {"street": street, "house_number": "15", "postcode": "44147", "social_area": "nordmarkt",
            "label": label, "floor": 1, "area_m2": Decimal(area), "rooms": Decimal("3"), "landlord_id": landlord.id,
            "available_from": today(), "net_cold_rent": Decimal(net), "service_charges": Decimal(charges),
            "heating_costs": Decimal("80")}
    data.update(extra)
    return placement.offer_flat(data, actor=advisor)


def placement_records() -> dict:
    """Ids of a household, a flat, an offer, a tenancy with its landlord, a consent and a support case."""
    from housing.placement import services as placement

    advisor = UserFactory(roles=[Role.TENANT_ADVISOR])
    applicant = household(advisor)
    vacancy = flat_on_offer(advisor)
    offer = placement.propose(applicant, vacancy, actor=advisor)
    tenant = household(advisor, first_name="Radka")
    let_flat = flat_on_offer(advisor, label="2. OG")
    signed = placement.propose(tenant, let_flat, actor=advisor)
    for step in ("viewing", "accepted", "contract_signed"):
        placement.transition_offer(signed, step, actor=advisor)
    from housing.placement.models import Tenancy

    tenancy = db.session.scalar(db.select(Tenancy))
    case_ = placement.open_support_case(let_flat.landlord, {"kind": "arrears", "description": "Rückstand",
                                                             "tenancy_id": tenancy.id}, actor=advisor)
    db.session.commit()
    return {"applicant": applicant.id, "vacancy": vacancy.id, "offer": offer.id, "tenancy": tenancy.id,
            "landlord": let_flat.landlord_id, "consent": applicant.consents[0].id, "case": case_.id}


def notification(user, key="test:1", title="Mangel fällig", link="/cases", **extra):
    from housing.jobs.models import Notification
    from housing.jobs.notifications import notify

    notify([user.id], key, extra.pop("kind", "test"), title, link=link, **extra)
    db.session.flush()
    return db.session.scalars(db.select(Notification).where(Notification.user_id == user.id,
                                                            Notification.key == key)).one()


def document_build(user, kind="programme", status="done"):
    from housing.documents.models import DocumentBuild

    build = DocumentBuild(kind=kind, params={}, title="Programmbericht", download_name="bericht.pdf",
                          requested_by_id=user.id, status=status)
    db.session.add(build)
    db.session.flush()
    return build
