"""The Ankauf pipeline: problem properties, their units, owners, referrals, inspections, defects,
orders, acquisitions and the status graph of DOMAIN.md section 3."""

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from markupsafe import escape
from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from ..auth.models import User
from ..database import UTCDateTime, str_enum, utcnow
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import label
from ..i18n import lazy_gettext as _l


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a German label (``LABELS`` on the class)."""

    @property
    def label(self) -> str:
        return label(type(self).LABELS[self])

    @classmethod
    def choices(cls):
        """(value, label) pairs for a select. The labels are read when the select is drawn, so a form class made at
        import speaks each request's language (``member.label`` there would be the German text for good)."""
        return [(member.value, ChoiceLabel(member)) for member in cls]


class ChoiceLabel:
    """An enum member's label in the language of the request that draws it (see ``LabelledEnum.choices``)."""

    __slots__ = ("member",)

    def __init__(self, member: LabelledEnum):
        self.member = member

    def __str__(self) -> str:
        return self.member.label

    def __html__(self) -> str:
        return escape(self.member.label)


class CaseStatus(LabelledEnum):
    REPORTED = "reported"
    REGISTERED = "registered"
    INSPECTED = "inspected"
    OWNER_ENGAGED = "owner_engaged"
    ORDER_ISSUED = "order_issued"
    ACQUISITION_REVIEW = "acquisition_review"
    ACQUIRING = "acquiring"
    ACQUIRED = "acquired"
    IN_RENOVATION = "in_renovation"
    READY_FOR_LETTING = "ready_for_letting"
    LET = "let"
    RESOLVED_BY_OWNER = "resolved_by_owner"
    DEMOLISHED = "demolished"
    DELISTED = "delisted"


CaseStatus.LABELS = {
    CaseStatus.REPORTED: _l("gemeldet"),
    CaseStatus.REGISTERED: _l("erfasst"),
    CaseStatus.INSPECTED: _l("kontrolliert"),
    CaseStatus.OWNER_ENGAGED: _l("Eigentümer angesprochen"),
    CaseStatus.ORDER_ISSUED: _l("Anordnung erlassen"),
    CaseStatus.ACQUISITION_REVIEW: _l("Ankaufprüfung"),
    CaseStatus.ACQUIRING: _l("im Erwerb"),
    CaseStatus.ACQUIRED: _l("erworben"),
    CaseStatus.IN_RENOVATION: _l("in Sanierung"),
    CaseStatus.READY_FOR_LETTING: _l("vermietungsbereit"),
    CaseStatus.LET: _l("vermietet"),
    CaseStatus.RESOLVED_BY_OWNER: _l("durch Eigentümer saniert"),
    CaseStatus.DEMOLISHED: _l("abgerissen"),
    CaseStatus.DELISTED: _l("ausgetragen"),
}

PIPELINE = [
    CaseStatus.REPORTED, CaseStatus.REGISTERED, CaseStatus.INSPECTED, CaseStatus.OWNER_ENGAGED,
    CaseStatus.ORDER_ISSUED, CaseStatus.ACQUISITION_REVIEW, CaseStatus.ACQUIRING, CaseStatus.ACQUIRED,
    CaseStatus.IN_RENOVATION, CaseStatus.READY_FOR_LETTING, CaseStatus.LET,
]
EXITS = [CaseStatus.RESOLVED_BY_OWNER, CaseStatus.DEMOLISHED, CaseStatus.DELISTED]
OPEN_STATUSES = PIPELINE[:-1]
# From "acquired" on, no stage may be skipped whose guard does not hold.
MILESTONES = PIPELINE[PIPELINE.index(CaseStatus.ACQUIRED):]
# The order of the case list sorted by status: the pipeline, then the exits, then no status.
STATUS_ORDER = {status.value: rank for rank, status in enumerate(PIPELINE + EXITS)}
STATUS_RANK_SQL = ("CASE status " + " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in STATUS_ORDER.items())
                   + f" ELSE {len(STATUS_ORDER)} END")


class Priority(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    HIGHEST = "highest"

    @property
    def rank(self) -> int:
        return list(Priority).index(self) + 1


Priority.LABELS = {
    Priority.LOW: _l("niedrig"), Priority.MEDIUM: _l("mittel"),
    Priority.HIGH: _l("hoch"), Priority.HIGHEST: _l("höchste"),
}


class PriorityType(TypeDecorator):
    """Stored as its rank (1-4), so lists sort by urgency with a plain index."""

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else Priority(value).rank

    def process_result_value(self, value, dialect):
        return None if value is None else list(Priority)[value - 1]


class ReferralSource(LabelledEnum):
    ORDNUNGSAMT = "ordnungsamt"
    WOHNUNGSAUFSICHT = "wohnungsaufsicht"
    POLICE = "police"
    FIRE_SERVICE = "fire_service"
    UTILITY_CUTOFF = "utility_cutoff"
    RESIDENTS = "residents"
    JOBCENTER = "jobcenter"
    REGISTRATION_CHECK = "registration_check"
    OTHER = "other"


ReferralSource.LABELS = {
    ReferralSource.ORDNUNGSAMT: _l("Ordnungsamt"),
    ReferralSource.WOHNUNGSAUFSICHT: _l("Wohnungsaufsicht"),
    ReferralSource.POLICE: _l("Polizei"),
    ReferralSource.FIRE_SERVICE: _l("Feuerwehr"),
    ReferralSource.UTILITY_CUTOFF: _l("Versorgungssperre"),
    ReferralSource.RESIDENTS: _l("Anwohnende"),
    ReferralSource.JOBCENTER: _l("Jobcenter"),
    ReferralSource.REGISTRATION_CHECK: _l("Abgleich Wohnfläche/Meldungen"),
    ReferralSource.OTHER: _l("Sonstige"),
}


class Agency(LabelledEnum):
    ORDNUNGSAMT = "ordnungsamt"
    POLICE = "police"
    FIRE_SERVICE = "fire_service"
    HEALTH_OFFICE = "health_office"
    BUILDING_AUTHORITY = "building_authority"
    JOBCENTER = "jobcenter"
    FAMILY_COURT_SERVICES = "youth_welfare"
    UTILITY = "utility"
    CUSTOMS = "customs"


Agency.LABELS = {
    Agency.ORDNUNGSAMT: _l("Ordnungsamt"),
    Agency.POLICE: _l("Polizei"),
    Agency.FIRE_SERVICE: _l("Feuerwehr"),
    Agency.HEALTH_OFFICE: _l("Gesundheitsamt"),
    Agency.BUILDING_AUTHORITY: _l("Bauordnungsamt"),
    Agency.JOBCENTER: _l("Jobcenter"),
    Agency.FAMILY_COURT_SERVICES: _l("Jugendamt"),
    Agency.UTILITY: _l("Versorger (DEW21)"),
    Agency.CUSTOMS: _l("Zoll (Finanzkontrolle Schwarzarbeit)"),
}


class DefectCategory(LabelledEnum):
    ELECTRICITY = "electricity"
    HEATING = "heating"
    WATER_SANITATION = "water_sanitation"
    COOKING_CONNECTIONS = "cooking_connections"
    WEATHER_DAMP = "weather_damp"
    LIVING_ROOM_SIZE = "living_room_size"
    VENTILATION_DAYLIGHT = "ventilation_daylight"
    REPAIR_NEED = "repair_need"
    FIRE_SAFETY = "fire_safety"
    WASTE = "waste"
    BUILDING_LAW = "building_law"
    OTHER = "other"


DefectCategory.LABELS = {
    DefectCategory.ELECTRICITY: _l("Elektrizität (§ 5)"),
    DefectCategory.HEATING: _l("Heizung (§ 5)"),
    DefectCategory.WATER_SANITATION: _l("Wasser/Sanitär (§ 5)"),
    DefectCategory.COOKING_CONNECTIONS: _l("Koch-/Geräteanschlüsse (§ 5)"),
    DefectCategory.WEATHER_DAMP: _l("Witterungs-/Feuchtigkeitsschutz (§ 5)"),
    DefectCategory.LIVING_ROOM_SIZE: _l("Wohnraum unter 10 m² (§ 5)"),
    DefectCategory.VENTILATION_DAYLIGHT: _l("Belüftung/Tageslicht (§ 5)"),
    DefectCategory.REPAIR_NEED: _l("Instandsetzungsbedarf (§ 6)"),
    DefectCategory.FIRE_SAFETY: _l("Brandschutz"),
    DefectCategory.WASTE: _l("Müll/Verwahrlosung"),
    DefectCategory.BUILDING_LAW: _l("Baurecht"),
    DefectCategory.OTHER: _l("Sonstiges"),
}


class Severity(LabelledEnum):
    MINOR = "minor"
    MAJOR = "major"
    HAZARD = "hazard"


Severity.LABELS = {Severity.MINOR: _l("gering"), Severity.MAJOR: _l("erheblich"), Severity.HAZARD: _l("Gefahr")}


class OrderType(LabelledEnum):
    REPAIR_ORDER = "repair_order"
    UNINHABITABLE = "uninhabitable"
    OCCUPANCY = "occupancy"
    MODERNISATION_177 = "modernisation_177"
    OTHER = "other"


OrderType.LABELS = {
    OrderType.REPAIR_ORDER: _l("Instandsetzungsanordnung (§ 6 WohnStG)"),
    OrderType.UNINHABITABLE: _l("Unbewohnbarkeitserklärung (§ 9 WohnStG)"),
    OrderType.OCCUPANCY: _l("Belegungsanordnung (§ 10 WohnStG)"),
    OrderType.MODERNISATION_177: _l("Modernisierungs-/Instandsetzungsgebot (§ 177 BauGB)"),
    OrderType.OTHER: _l("Sonstige Anordnung"),
}


class OrderStatus(LabelledEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    COMPLIED = "complied"
    ENFORCED = "enforced"
    WITHDRAWN = "withdrawn"


OrderStatus.LABELS = {
    OrderStatus.DRAFT: _l("Entwurf"), OrderStatus.ISSUED: _l("erlassen"), OrderStatus.COMPLIED: _l("befolgt"),
    OrderStatus.ENFORCED: _l("vollstreckt"), OrderStatus.WITHDRAWN: _l("zurückgenommen"),
}


class AcquisitionMethod(LabelledEnum):
    PURCHASE = "purchase"
    PREEMPTION = "preemption"
    AUCTION = "auction"
    OTHER = "other"


AcquisitionMethod.LABELS = {
    AcquisitionMethod.PURCHASE: _l("freihändiger Kauf"),
    AcquisitionMethod.PREEMPTION: _l("Vorkaufsrecht (§§ 24/25 BauGB)"),
    AcquisitionMethod.AUCTION: _l("Zwangsversteigerung"),
    AcquisitionMethod.OTHER: _l("Sonstiges"),
}


class Buyer(LabelledEnum):
    CITY = "city"
    DOGEWO21 = "dogewo21"
    VIERTELWERK = "viertelwerk"
    OTHER = "other"


Buyer.LABELS = {Buyer.CITY: _l("Stadt Dortmund"), Buyer.DOGEWO21: _l("DOGEWO21"),
                Buyer.VIERTELWERK: _l("Viertelwerk"), Buyer.OTHER: _l("Sonstige")}


class TransferType(LabelledEnum):
    OWNERSHIP = "ownership"
    HEREDITARY_BUILDING_RIGHT = "hereditary_building_right"


TransferType.LABELS = {TransferType.OWNERSHIP: _l("Eigentum"),
                       TransferType.HEREDITARY_BUILDING_RIGHT: _l("Erbbaurecht")}


class OwnerKind(LabelledEnum):
    PERSON = "person"
    COMPANY = "company"
    HEIRS = "heirs"
    UNKNOWN = "unknown"


OwnerKind.LABELS = {OwnerKind.PERSON: _l("Privatperson"), OwnerKind.COMPANY: _l("Gesellschaft"),
                    OwnerKind.HEIRS: _l("Erbengemeinschaft"), OwnerKind.UNKNOWN: _l("unbekannt")}


PREEMPTION_PERIOD = relativedelta(months=3)


class SocialArea(db.Model):
    """A Dortmund social area (Sozialraum); the list is editable by an admin."""

    __tablename__ = "social_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<SocialArea {self.slug}>"


class Property(db.Model):
    """A building at an address; with ``is_problem_case`` it runs through the Ankauf pipeline."""

    __tablename__ = "properties"
    __table_args__ = (
        UniqueConstraint("address_key"),
        # The address search is a prefix of the address key (LIKE 'mallinckrodtstr%'): a plain index serves that
        # only in the "C" collation, the pattern operators in any.
        Index("ix_properties_address_key_prefix", "address_key", postgresql_ops={"address_key": "varchar_pattern_ops"}),
        Index("ix_properties_status_id", "status", "id"),
        Index("ix_properties_area_status", "social_area_id", "status"),
        Index("ix_properties_street_house", "street", "house_number"),
        Index("ix_properties_status_rank", "status_rank", "street", "id"),
        Index("ix_properties_updated_id", "updated_at", "id"),
        Index("ix_properties_postcode", "postcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street: Mapped[str] = mapped_column(String(120))
    house_number: Mapped[str] = mapped_column(String(12))
    postcode: Mapped[str] = mapped_column(String(5))
    # Lower-cased street, house number and postcode: one case file per building.
    address_key: Mapped[str] = mapped_column(String(160))
    social_area_id: Mapped[int] = mapped_column(ForeignKey("social_areas.id"))
    parcel: Mapped[str | None] = mapped_column(String(120))
    year_built: Mapped[int | None]
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    is_problem_case: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[Priority] = mapped_column(PriorityType, default=Priority.MEDIUM)
    status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus))
    # The status's place in STATUS_ORDER, kept by the database, so the list sorts by status with an index
    # (stored: PostgreSQL 18 would otherwise make it virtual, and cannot index a virtual column).
    status_rank: Mapped[int] = mapped_column(SmallInteger, Computed(STATUS_RANK_SQL, persisted=True))
    condition_rating: Mapped[int | None] = mapped_column(SmallInteger)
    is_overcrowded: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earliest deadline of the case's open defects and issued orders, and of its pre-emption rights not yet
    # exercised: kept by the database (triggers on defects, orders and acquisitions, migration 0015) for the case
    # list's overdue filter; not loaded with the case, never written here.
    open_deadline: Mapped[date | None] = mapped_column(deferred=True)
    preemption_deadline: Mapped[date | None] = mapped_column(deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    social_area: Mapped[SocialArea] = relationship(lazy="joined")
    units: Mapped[list["Unit"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Unit.label", lazy="raise"
    )
    referrals: Mapped[list["Referral"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Referral.received_on", lazy="raise"
    )
    inspections: Mapped[list["Inspection"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Inspection.inspected_on", lazy="raise"
    )
    orders: Mapped[list["Order"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Order.id", lazy="raise"
    )
    acquisitions: Mapped[list["Acquisition"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Acquisition.id", lazy="raise"
    )
    transitions: Mapped[list["StatusTransition"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="StatusTransition.id", lazy="raise"
    )
    ownerships: Mapped[list["Ownership"]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Ownership.registered_on", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Property {self.id} {self.address}>"

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}, {self.postcode} Dortmund"

    @property
    def short_address(self) -> str:
        return f"{self.street} {self.house_number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # --- the status graph ------------------------------------------------------------------

    def move_kind(self, target: "CaseStatus") -> str:
        """``forward``, ``back`` or ``exit``; raises Conflict for a move the graph does not have."""
        current = self.status
        if current is None:
            raise Conflict(_("Dieses Gebäude ist kein Problemfall und hat keinen Verfahrensstand."))
        if target == current:
            raise Conflict(_("Der Fall steht bereits auf „%(status)s“.", status=target.label))
        if current == CaseStatus.DEMOLISHED:
            raise Conflict(_("Das Gebäude ist abgerissen; der Fall ist abgeschlossen."))
        if target in EXITS:
            if current not in OPEN_STATUSES:
                raise Conflict(_("„%(target)s“ ist nur aus einem offenen Verfahrensstand möglich.",
                                 target=target.label))
            return "exit"
        if current in EXITS or PIPELINE.index(target) < PIPELINE.index(current):
            return "back"
        return "forward"

    def guard_failures(self, target: "CaseStatus") -> list[str]:
        """Why a forward move to ``target`` is not possible yet (empty when it is).

        The target's guard counts, and from "acquired" on every skipped stage's guard too.
        """
        current_index = PIPELINE.index(self.status) if self.status in PIPELINE else -1  # exits reopen from the start
        statuses = [s for s in MILESTONES if current_index < PIPELINE.index(s) < PIPELINE.index(target)]
        failures = []
        for status in [*statuses, target]:
            for guard in GUARDS.get(status, []):
                message = guard(self)
                if message:
                    failures.append(message)
        return failures

    def move_to(self, target: "CaseStatus", *, actor, reason: str | None = None) -> "StatusTransition":
        """Move the case along the graph, recording who, when and why; raises on an illegal move."""
        target = CaseStatus(target)
        kind = self.move_kind(target)
        reason = (reason or "").strip() or None
        if kind in ("back", "exit") and not reason:
            message = (_("Für einen Schritt zurück ist eine Begründung nötig.") if kind == "back"
                       else _("Bitte begründen Sie, warum der Fall endet."))
            raise ValidationFailed.on("reason", message)
        if kind == "forward" or (kind == "back" and self.status in EXITS):
            # Reopening a closed case is a step back in time but still needs what the stage needs.
            failures = self.guard_failures(target)
            if failures:
                raise Conflict(" ".join(failures), {"to": failures})
        transition = StatusTransition(
            building=self, from_status=self.status, to_status=target, reason=reason,
            actor_id=actor.id if actor is not None else None,
        )
        db.session.add(transition)
        self.status = target
        self.status_changed_at = utcnow()
        return transition

    @staticmethod
    def make_address_key(street: str, house_number: str, postcode: str) -> str:
        """"Mallinckrodtstraße", "Mallinckrodtstr." and "mallinckrodtstr" are one street."""
        street = " ".join(street.lower().replace("straße", "str").replace("strasse", "str").split())
        street = re.sub(r"str\.(?=\s|$|-)", "str", street)
        return f"{street}|{house_number.lower().replace(' ', '')}|{postcode.strip()}"


# Highest priority first, then the oldest case: the case list's order by priority, read straight from the index.
Index("ix_properties_priority_id", Property.priority.desc(), Property.id)


class Unit(db.Model):
    """A flat (or other rentable unit) in a property."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("property_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique key (property_id, label), which also gives a building's units in order.
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    floor: Mapped[int | None] = mapped_column(SmallInteger)
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    rooms: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    persons_registered: Mapped[int] = mapped_column(SmallInteger, default=0)
    persons_seen: Mapped[int | None] = mapped_column(SmallInteger)
    step_free: Mapped[bool] = mapped_column(default=False)
    lift: Mapped[bool] = mapped_column(default=False)
    planned_rent: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    is_overcrowded: Mapped[bool] = mapped_column(default=False)

    building: Mapped[Property] = relationship(back_populates="units")

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.label} of property {self.property_id}>"

    @property
    def persons_counted(self) -> int:
        """Under-registration is common: the larger of registered and seen persons counts."""
        return max(self.persons_registered or 0, self.persons_seen or 0)


class Owner(db.Model):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OwnerKind] = mapped_column(str_enum(OwnerKind))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Owner {self.id} {self.kind}>"


class Ownership(db.Model):
    """An owner of a property from a date on, as traced in the land register (Grundbuch)."""

    __tablename__ = "ownerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    registered_on: Mapped[date]
    ended_on: Mapped[date | None]
    land_register_ref: Mapped[str | None] = mapped_column(String(120))

    building: Mapped[Property] = relationship(back_populates="ownerships")
    owner: Mapped[Owner] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Ownership property {self.property_id} owner {self.owner_id} from {self.registered_on}>"


class Referral(db.Model):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date]
    source: Mapped[ReferralSource] = mapped_column(str_enum(ReferralSource))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Property] = relationship(back_populates="referrals")

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.source} on {self.received_on}>"


inspection_officers = db.Table(
    "inspection_officers",
    db.Column("inspection_id", ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class Inspection(db.Model):
    """An on-site inspection (Hauskontrolle) with its rating, occupancy seen and defects."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    inspected_on: Mapped[date]
    condition_rating: Mapped[int] = mapped_column(SmallInteger)
    agencies: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    is_overcrowded: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Property] = relationship(back_populates="inspections")
    officers: Mapped[list[User]] = relationship(secondary=inspection_officers, lazy="selectin", order_by=User.name)
    occupancy: Mapped[list["Occupancy"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", lazy="selectin"
    )
    defects: Mapped[list["Defect"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="Defect.id", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Inspection {self.id} of property {self.property_id} on {self.inspected_on}>"


class Occupancy(db.Model):
    """Persons seen in a unit at an inspection."""

    __tablename__ = "occupancies"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    persons_seen: Mapped[int] = mapped_column(SmallInteger)
    is_overcrowded: Mapped[bool] = mapped_column(default=False)

    inspection: Mapped[Inspection] = relationship(back_populates="occupancy")
    unit: Mapped[Unit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Occupancy inspection {self.inspection_id} unit {self.unit_id}: {self.persons_seen}>"


class Defect(db.Model):
    __tablename__ = "defects"
    __table_args__ = (
        Index("ix_defects_open_deadline", "property_id", "resolved_on", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    category: Mapped[DefectCategory] = mapped_column(str_enum(DefectCategory))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None]
    resolved_on: Mapped[date | None]

    inspection: Mapped[Inspection] = relationship(back_populates="defects")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Defect {self.id} {self.category} {self.severity}>"


# Open defects by deadline across all cases (due soon on the start page, the case list's "overdue"): a partial
# index holds only the open ones and gives them in deadline order; (resolved_on, deadline) did not, as PostgreSQL
# takes no order from an IS NULL condition on the leading column.
Index("ix_defects_open_by_deadline", Defect.deadline, sqlite_where=Defect.resolved_on.is_(None),
      postgresql_where=Defect.resolved_on.is_(None))


class Order(db.Model):
    """An order (Anordnung) against the owner, with its deadline and coercive fines."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status_deadline", "property_id", "status", "deadline"),
        # Issued orders by deadline across all cases: due soon on the start page, the case list's "overdue".
        Index("ix_orders_issued_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    type: Mapped[OrderType] = mapped_column(str_enum(OrderType))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), default=OrderStatus.DRAFT)
    issued_on: Mapped[date | None]
    deadline: Mapped[date | None]
    vacate_by: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    fines_total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    fines_note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Property] = relationship(back_populates="orders")

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.type} {self.status}>"


class Acquisition(db.Model):
    __tablename__ = "acquisitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    method: Mapped[AcquisitionMethod] = mapped_column(str_enum(AcquisitionMethod))
    buyer: Mapped[Buyer] = mapped_column(str_enum(Buyer))
    appraisal_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    asking_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    agreed_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Council decisions are taken in closed session: only housing officers and admins see these.
    council_decision_ref: Mapped[str | None] = mapped_column(String(60))
    council_decision_on: Mapped[date | None]
    preemption_notice_on: Mapped[date | None]
    # Three months from the notice of the sale contract (§ 28 Abs. 2 BauGB); stored so lists can filter by it.
    preemption_deadline: Mapped[date | None] = mapped_column(index=True)
    notarised_on: Mapped[date | None]
    transferred_on: Mapped[date | None]
    transfer_type: Mapped[TransferType | None] = mapped_column(str_enum(TransferType, length=30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Property] = relationship(back_populates="acquisitions")

    def __repr__(self) -> str:
        return f"<Acquisition {self.id} {self.method} by {self.buyer}>"

    @validates("preemption_notice_on")
    def _keep_deadline(self, key, notice_on):
        self.preemption_deadline = notice_on + PREEMPTION_PERIOD if notice_on else None
        return notice_on


class StatusTransition(db.Model):
    """One move of a case along the status graph: who, when, from where to where, and why."""

    __tablename__ = "status_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus, name="from_status"))
    to_status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, name="to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Property] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<StatusTransition {self.property_id}: {self.from_status} -> {self.to_status}>"


# --- guards: what a status needs before a case may enter it ---------------------------------

GUARDS: dict[CaseStatus, list] = {}


def register_guard(status: CaseStatus, guard) -> None:
    """``guard(property)`` returns a German message when ``status`` may not be entered yet, else None."""
    guards = GUARDS.setdefault(status, [])
    if guard not in guards:
        guards.append(guard)


def _has(stmt) -> bool:
    return bool(db.session.scalar(select(exists(stmt))))


def _needs_inspection(prop):
    if not _has(select(Inspection.id).where(Inspection.property_id == prop.id)):
        return _("Für „kontrolliert“ fehlt eine Hauskontrolle.")
    return None


def _needs_order(prop):
    issued = [OrderStatus.ISSUED, OrderStatus.COMPLIED, OrderStatus.ENFORCED]
    if not _has(select(Order.id).where(Order.property_id == prop.id, Order.status.in_(issued))):
        return _("Für „Anordnung erlassen“ fehlt eine erlassene Anordnung.")
    return None


def _needs_acquisition(prop):
    if not _has(select(Acquisition.id).where(Acquisition.property_id == prop.id)):
        return _("Für „im Erwerb“ fehlt ein Erwerbsvorgang.")
    return None


def _needs_transfer(prop):
    done = select(Acquisition.id).where(
        Acquisition.property_id == prop.id, Acquisition.transferred_on.is_not(None),
        Acquisition.agreed_price.is_not(None),
    )
    if not _has(done):
        return _("Für „erworben“ fehlen Übergabedatum und Kaufpreis des Erwerbs.")
    return None


def _needs_lettable_units(prop):
    units = db.session.execute(select(Unit.area_m2, Unit.planned_rent).where(Unit.property_id == prop.id)).all()
    if not units or any(area is None or rent is None for area, rent in units):
        return _("Für „vermietungsbereit“ braucht jede Wohnung Fläche und Miete.")
    return None


def _needs_tenancies(prop):
    # The housing-access area replaces this with the real check once tenancies exist.
    return _("Für „vermietet“ braucht jede Wohnung ein Mietverhältnis.")


register_guard(CaseStatus.INSPECTED, _needs_inspection)
register_guard(CaseStatus.ORDER_ISSUED, _needs_order)
register_guard(CaseStatus.ACQUIRING, _needs_acquisition)
register_guard(CaseStatus.ACQUIRED, _needs_transfer)
register_guard(CaseStatus.READY_FOR_LETTING, _needs_lettable_units)
register_guard(CaseStatus.LET, _needs_tenancies)
