"""Housing access (Wohnungszugangsstrategie): applicant households, consents, landlords, flats on offer,
offers, tenancies, aftercare and landlord support (DOMAIN.md section 5)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, SmallInteger, String, Text, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import PersonName, UTCDateTime, str_enum, utcnow
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..properties.models import LabelledEnum, SocialArea, Unit


class ApplicantStatus(LabelledEnum):
    FIRST_CONTACT = "first_contact"
    REGISTERED = "registered"
    CLEARING = "clearing"
    SEARCHING = "searching"
    OFFER = "offer"
    APPROVAL_PENDING = "approval_pending"
    CONTRACT_SIGNED = "contract_signed"
    MOVED_IN = "moved_in"
    AFTERCARE = "aftercare"
    STABILISED = "stabilised"
    WITHDRAWN = "withdrawn"
    LOST_CONTACT = "lost_contact"
    AT_RISK = "at_risk"


ApplicantStatus.LABELS = {
    ApplicantStatus.FIRST_CONTACT: _l("Erstkontakt"),
    ApplicantStatus.REGISTERED: _l("aufgenommen"),
    ApplicantStatus.CLEARING: _l("Clearing"),
    ApplicantStatus.SEARCHING: _l("wohnungssuchend"),
    ApplicantStatus.OFFER: _l("Angebot"),
    ApplicantStatus.APPROVAL_PENDING: _l("Zustimmung Jobcenter ausstehend"),
    ApplicantStatus.CONTRACT_SIGNED: _l("Mietvertrag unterschrieben"),
    ApplicantStatus.MOVED_IN: _l("eingezogen"),
    ApplicantStatus.AFTERCARE: _l("Nachbetreuung"),
    ApplicantStatus.STABILISED: _l("stabilisiert"),
    ApplicantStatus.WITHDRAWN: _l("zurückgezogen"),
    ApplicantStatus.LOST_CONTACT: _l("Kontakt verloren"),
    ApplicantStatus.AT_RISK: _l("Mietverhältnis gefährdet"),
}

APPLICANT_FLOW = [
    ApplicantStatus.FIRST_CONTACT, ApplicantStatus.REGISTERED, ApplicantStatus.CLEARING, ApplicantStatus.SEARCHING,
    ApplicantStatus.OFFER, ApplicantStatus.APPROVAL_PENDING, ApplicantStatus.CONTRACT_SIGNED,
    ApplicantStatus.MOVED_IN, ApplicantStatus.AFTERCARE, ApplicantStatus.STABILISED,
]
SIDE_EXITS = [ApplicantStatus.WITHDRAWN, ApplicantStatus.LOST_CONTACT]
TENANCY_STATUSES = [ApplicantStatus.MOVED_IN, ApplicantStatus.AFTERCARE, ApplicantStatus.STABILISED,
                    ApplicantStatus.AT_RISK]


class HousingSituation(LabelledEnum):
    HOMELESS = "homeless"
    OVERCROWDED = "overcrowded"
    UNINHABITABLE = "uninhabitable"
    NOTICE = "notice"
    OTHER = "other"


HousingSituation.LABELS = {
    HousingSituation.HOMELESS: _l("wohnungslos"), HousingSituation.OVERCROWDED: _l("überbelegt"),
    HousingSituation.UNINHABITABLE: _l("für unbewohnbar erklärt"), HousingSituation.NOTICE: _l("Kündigung erhalten"),
    HousingSituation.OTHER: _l("sonstiges"),
}


class IncomeSource(LabelledEnum):
    SGB2 = "sgb2"
    SGB12 = "sgb12"
    EMPLOYED = "employed"
    OTHER = "other"


IncomeSource.LABELS = {
    IncomeSource.SGB2: _l("Bürgergeld (SGB II)"), IncomeSource.SGB12: _l("Sozialhilfe (SGB XII)"),
    IncomeSource.EMPLOYED: _l("Erwerbseinkommen"), IncomeSource.OTHER: _l("sonstiges Einkommen"),
}
TRANSFER_INCOMES = (IncomeSource.SGB2, IncomeSource.SGB12)


class Urgency(LabelledEnum):
    NORMAL = "normal"
    HIGH = "high"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return list(Urgency).index(self)


Urgency.LABELS = {Urgency.NORMAL: _l("normal"), Urgency.HIGH: _l("hoch"), Urgency.EMERGENCY: _l("Notfall")}


class HealthNoteBasis(LabelledEnum):
    """The legal basis a health note rests on (Art. 9 Abs. 2 GDPR); without one, none may be kept."""

    CONSENT = "consent"
    SOCIAL_LAW = "social_law"


HealthNoteBasis.LABELS = {
    HealthNoteBasis.CONSENT: _l("Ausdrückliche Einwilligung (Art. 9 Abs. 2 lit. a DSGVO)"),
    HealthNoteBasis.SOCIAL_LAW: _l("Erforderlich für Sozialleistungen (Art. 9 Abs. 2 lit. b DSGVO, § 67a SGB X)"),
}


class ConsentPurpose(LabelledEnum):
    PLACEMENT = "placement"
    SHARE_WITH_LANDLORD = "share_with_landlord"
    SHARE_WITH_JOBCENTER = "share_with_jobcenter"


ConsentPurpose.LABELS = {
    ConsentPurpose.PLACEMENT: _l("Wohnraumvermittlung"),
    ConsentPurpose.SHARE_WITH_LANDLORD: _l("Weitergabe an Vermietende"),
    ConsentPurpose.SHARE_WITH_JOBCENTER: _l("Weitergabe an das Jobcenter"),
}

applicant_areas = db.Table(
    "applicant_areas",
    db.Column("applicant_id", ForeignKey("applicants.id", ondelete="CASCADE"), primary_key=True),
    db.Column("social_area_id", ForeignKey("social_areas.id"), primary_key=True),
    db.Column("is_excluded", db.Boolean, nullable=False, default=False),
    Index("ix_applicant_areas_area", "social_area_id", "is_excluded"),
)


class Applicant(PersonName, db.Model):
    """An applicant household, represented by its main person. No field for ethnicity, by design."""

    __tablename__ = "applicants"
    __table_args__ = (Index("ix_applicants_advisor", "advisor_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None]
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    adults: Mapped[int] = mapped_column(SmallInteger, default=1)
    children: Mapped[int] = mapped_column(SmallInteger, default=0)
    housing_situation: Mapped[HousingSituation | None] = mapped_column(str_enum(HousingSituation))
    income_source: Mapped[IncomeSource | None] = mapped_column(str_enum(IncomeSource))
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    wbs_valid_until: Mapped[date | None]
    wbs_persons: Mapped[int | None] = mapped_column(SmallInteger)
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency), default=Urgency.NORMAL)
    urgency_rank: Mapped[int] = mapped_column(SmallInteger, default=0)  # for ranking in SQL
    step_free_needed: Mapped[bool] = mapped_column(default=False)
    registered_on: Mapped[date]
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ApplicantStatus] = mapped_column(str_enum(ApplicantStatus), default=ApplicantStatus.FIRST_CONTACT)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text)
    # Special category (Art. 9 GDPR): only advisors working the case see it, and only with its legal basis.
    health_note: Mapped[str | None] = mapped_column(Text)
    health_note_basis: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    advisor: Mapped[User | None] = relationship(lazy="joined")
    consents: Mapped[list["Consent"]] = relationship(back_populates="applicant", cascade="all, delete-orphan",
                                                     order_by="Consent.given_on", lazy="selectin")
    preferred_areas: Mapped[list[SocialArea]] = relationship(
        secondary=applicant_areas, primaryjoin=lambda: (Applicant.id == applicant_areas.c.applicant_id)
        & applicant_areas.c.is_excluded.is_(False), lazy="selectin", viewonly=True)
    excluded_areas: Mapped[list[SocialArea]] = relationship(
        secondary=applicant_areas, primaryjoin=lambda: (Applicant.id == applicant_areas.c.applicant_id)
        & applicant_areas.c.is_excluded.is_(True), lazy="selectin", viewonly=True)

    def __repr__(self) -> str:
        return f"<Applicant {self.id} {self.status}>"

    @property
    def persons(self) -> int:
        return (self.adults or 0) + (self.children or 0)

    @property
    def household_type(self) -> str:
        return household_type(self.adults or 0, self.children or 0)

    def has_consent(self, purpose: ConsentPurpose, on: date) -> bool:
        return any(consent.purpose == purpose and consent.is_valid_on(on) for consent in self.consents)

    # --- the status graph (like the property one: guards, reasons, history) ---------------------

    def move_kind(self, target: ApplicantStatus) -> str:
        current = self.status
        if target == current:
            raise Conflict(_("Der Haushalt steht bereits auf „%(status)s“.", status=target.label))
        if target in SIDE_EXITS:
            if current in SIDE_EXITS:
                raise Conflict(_("Der Fall ist bereits abgeschlossen."))
            return "exit"
        if target == ApplicantStatus.AT_RISK:
            if current not in TENANCY_STATUSES:
                raise Conflict(_("„gefährdet“ gibt es nur für ein laufendes Mietverhältnis."))
            return "exit"
        if current == ApplicantStatus.AT_RISK:
            if target not in TENANCY_STATUSES:
                raise Conflict(_("Aus „gefährdet“ geht es nur zurück in die Nachbetreuung oder nach „stabilisiert“."))
            return "forward"
        if current in SIDE_EXITS or APPLICANT_FLOW.index(target) < APPLICANT_FLOW.index(current):
            return "back"
        return "forward"

    def guard_failures(self, target: ApplicantStatus, on: date) -> list[str]:
        """What a forward move to ``target`` still lacks (DOMAIN.md section 5)."""
        failures = []
        index = APPLICANT_FLOW.index(target) if target in APPLICANT_FLOW else -1
        if index >= APPLICANT_FLOW.index(ApplicantStatus.REGISTERED):
            if (self.adults or 0) < 1:
                failures.append(_("Für „aufgenommen“ braucht der Haushalt mindestens eine erwachsene Person."))
            if not self.has_consent(ConsentPurpose.PLACEMENT, on):
                failures.append(_("Für „aufgenommen“ fehlt eine gültige Einwilligung zur Wohnraumvermittlung."))
        if index >= APPLICANT_FLOW.index(ApplicantStatus.SEARCHING):
            if self.income_source is None:
                failures.append(_("Für „wohnungssuchend“ fehlt die Einkommensquelle."))
            if self.housing_situation is None:
                failures.append(_("Für „wohnungssuchend“ fehlt die aktuelle Wohnsituation."))
        # The steps after the search follow the offer and the tenancy: by hand only where those are on record,
        # else a household could be counted as housed or stabilised without ever having had a flat.
        if target == ApplicantStatus.OFFER and not self._has(Offer, Offer.status.in_(OPEN_OFFERS)):
            failures.append(_("Für „Angebot“ braucht der Haushalt ein laufendes Angebot; es entsteht, wenn er für "
                              "eine Wohnung vorgeschlagen wird."))
        if target == ApplicantStatus.APPROVAL_PENDING and not self._has(
                Offer, Offer.status == OfferStatus.APPROVAL_PENDING):
            failures.append(_("Für „Zustimmung Jobcenter ausstehend“ braucht der Haushalt ein Angebot, das auf die "
                              "Zustimmung des Jobcenters wartet."))
        if target == ApplicantStatus.CONTRACT_SIGNED and not self._has(Tenancy):
            failures.append(_("Für „Mietvertrag unterschrieben“ braucht der Haushalt ein Mietverhältnis; es "
                              "entsteht, wenn im Angebot der Mietvertrag eingetragen wird."))
        if index > APPLICANT_FLOW.index(ApplicantStatus.CONTRACT_SIGNED) and not self._has(
                Tenancy, Tenancy.starts_on <= on):
            failures.append(_("Für „%(status)s“ braucht der Haushalt ein Mietverhältnis, das begonnen hat.",
                              status=target.label))
        return failures

    def _has(self, model, *conditions) -> bool:
        """Whether the household has an offer or tenancy (``model``) meeting ``conditions``."""
        return self.id is not None and bool(db.session.scalar(select(exists().where(
            model.applicant_id == self.id, *conditions))))

    def move_to(self, target: ApplicantStatus, *, actor, on: date, reason: str | None = None,
                check_guards: bool = True) -> "ApplicantTransition":
        target = ApplicantStatus(target)
        kind = self.move_kind(target)
        reason = (reason or "").strip() or None
        if kind in ("back", "exit") and not reason:
            raise ValidationFailed.on("reason", _("Bitte begründen Sie diesen Schritt."))
        if check_guards and kind in ("forward", "back") and target in APPLICANT_FLOW:
            failures = self.guard_failures(target, on) if kind == "forward" or self.status in SIDE_EXITS else []
            if failures:
                raise Conflict(" ".join(failures), {"to": failures})
        move = ApplicantTransition(applicant=self, from_status=self.status, to_status=target, reason=reason,
                                   actor_id=actor.id if actor is not None else None)
        db.session.add(move)
        self.status = target
        self.status_changed_at = utcnow()
        return move


# The households list's order (most urgent, then the longest waiting), for everyone's and by status.
Index("ix_applicants_status_rank", Applicant.status, Applicant.urgency_rank.desc(), Applicant.registered_on,
      Applicant.id)
Index("ix_applicants_rank", Applicant.urgency_rank.desc(), Applicant.registered_on, Applicant.id)


def household_type(adults: int, children: int) -> str:
    """The kind of household, for the tenant mix of a building (never anything about origin)."""
    if children and adults <= 1:
        return _("alleinerziehend")
    if children:
        return _("Familie mit Kindern")
    if adults == 1:
        return _("alleinstehend")
    if adults == 2:
        return _("Paar / zwei Erwachsene")
    return _("Mehrpersonenhaushalt")


class ApplicantTransition(db.Model):
    __tablename__ = "applicant_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ApplicantStatus | None] = mapped_column(str_enum(ApplicantStatus, name="from_status"))
    to_status: Mapped[ApplicantStatus] = mapped_column(str_enum(ApplicantStatus, name="to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    applicant: Mapped[Applicant] = relationship()
    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApplicantTransition {self.applicant_id}: {self.from_status} -> {self.to_status}>"


class Consent(db.Model):
    """A consent with its purpose, date, expiry and revocation (Art. 6/7 GDPR)."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_applicant_purpose", "applicant_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose))
    given_on: Mapped[date]
    expires_on: Mapped[date | None]
    revoked_on: Mapped[date | None]

    applicant: Mapped[Applicant] = relationship(back_populates="consents")

    def __repr__(self) -> str:
        return f"<Consent {self.purpose} {self.given_on}>"

    def is_valid_on(self, day: date) -> bool:
        return (self.given_on <= day and (self.expires_on is None or self.expires_on >= day)
                and (self.revoked_on is None or self.revoked_on > day))


def valid_consent_clause(purpose: ConsentPurpose, day: date):
    """SQL: the applicant has a consent for ``purpose`` valid on ``day`` (looked up by applicant and purpose)."""
    return exists().where(
        Consent.applicant_id == Applicant.id, Consent.purpose == purpose, Consent.given_on <= day,
        (Consent.expires_on.is_(None)) | (Consent.expires_on >= day),
        (Consent.revoked_on.is_(None)) | (Consent.revoked_on > day))


class LandlordKind(LabelledEnum):
    PRIVATE = "private"
    COMPANY = "company"
    ASSOCIATION = "association"


LandlordKind.LABELS = {LandlordKind.PRIVATE: _l("Privatperson"), LandlordKind.COMPANY: _l("Unternehmen"),
                       LandlordKind.ASSOCIATION: _l("Wohnungsgesellschaft/-genossenschaft")}


class Landlord(db.Model):
    __tablename__ = "landlords"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[LandlordKind] = mapped_column(str_enum(LandlordKind))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    cooperation_since: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Landlord {self.id} {self.name!r}>"


class VacancyStatus(LabelledEnum):
    OPEN = "open"
    RESERVED = "reserved"
    LET = "let"
    WITHDRAWN = "withdrawn"


VacancyStatus.LABELS = {VacancyStatus.OPEN: _l("frei"), VacancyStatus.RESERVED: _l("reserviert"),
                        VacancyStatus.LET: _l("vermietet"), VacancyStatus.WITHDRAWN: _l("zurückgezogen")}


class Vacancy(db.Model):
    """A flat on offer: from a landlord's stock or a unit of a renovated, acquired building."""

    __tablename__ = "vacancies"
    __table_args__ = (Index("ix_vacancies_status_available", "status", "available_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"), index=True)
    available_from: Mapped[date]
    net_cold_rent: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    service_charges: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    heating_costs: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    deposit: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    rent_capped: Mapped[bool] = mapped_column(default=False)
    rent_cap_per_m2: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    status: Mapped[VacancyStatus] = mapped_column(str_enum(VacancyStatus), default=VacancyStatus.OPEN)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The unit's facts a household's flats are matched by (its living space; a step-free unit on the ground floor or
    # with a lift) and its building's social area: kept by the database (triggers on vacancies, units and
    # properties, migration 0016), so the open flats are ranked from their own rows; not loaded, never written here.
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), deferred=True)
    is_step_free_reachable: Mapped[bool | None] = mapped_column(deferred=True)
    social_area_id: Mapped[int | None] = mapped_column(deferred=True)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship(lazy="joined")
    landlord: Mapped[Landlord] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Vacancy {self.id} unit {self.unit_id} {self.status}>"

    @property
    def gross_cold_rent(self) -> Decimal:
        """Net cold rent plus cold service charges: what the KdU limits are about."""
        return self.net_cold_rent + (self.service_charges or Decimal("0"))

    @property
    def total_rent(self) -> Decimal:
        return self.gross_cold_rent + (self.heating_costs or Decimal("0"))


class OfferStatus(LabelledEnum):
    PROPOSED = "proposed"
    VIEWING = "viewing"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    APPROVAL_PENDING = "approval_pending"
    CONTRACT_SIGNED = "contract_signed"
    CANCELLED = "cancelled"


OfferStatus.LABELS = {
    OfferStatus.PROPOSED: _l("vorgeschlagen"), OfferStatus.VIEWING: _l("Besichtigung"),
    OfferStatus.ACCEPTED: _l("angenommen"), OfferStatus.DECLINED: _l("abgelehnt"),
    OfferStatus.APPROVAL_PENDING: _l("Zustimmung Jobcenter ausstehend"),
    OfferStatus.CONTRACT_SIGNED: _l("Mietvertrag unterschrieben"), OfferStatus.CANCELLED: _l("storniert"),
}
OPEN_OFFERS = (OfferStatus.PROPOSED, OfferStatus.VIEWING, OfferStatus.ACCEPTED, OfferStatus.APPROVAL_PENDING)
OFFER_MOVES = {
    OfferStatus.PROPOSED: (OfferStatus.VIEWING, OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.CANCELLED),
    OfferStatus.VIEWING: (OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.CANCELLED),
    OfferStatus.ACCEPTED: (OfferStatus.APPROVAL_PENDING, OfferStatus.CONTRACT_SIGNED, OfferStatus.CANCELLED),
    OfferStatus.APPROVAL_PENDING: (OfferStatus.CONTRACT_SIGNED, OfferStatus.CANCELLED),
    OfferStatus.DECLINED: (),
    OfferStatus.CONTRACT_SIGNED: (),
    OfferStatus.CANCELLED: (),
}


class Offer(db.Model):
    """A household proposed for a flat; keeps the rule results as they were when it was made."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_vacancy_status", "vacancy_id", "status"),
                      Index("ix_offers_applicant_status", "applicant_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"))
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"))
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.PROPOSED)
    viewing_on: Mapped[date | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    rule_snapshot: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    applicant: Mapped[Applicant] = relationship(lazy="joined")
    vacancy: Mapped[Vacancy] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.status}>"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_OFFERS


class Tenancy(db.Model):
    __tablename__ = "tenancies"
    __table_args__ = (Index("ix_tenancies_unit", "unit_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"), index=True)
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancies.id"), index=True)  # a landlord's tenancies
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    net_cold_rent: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    aftercare_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    applicant: Mapped[Applicant] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Tenancy {self.id} unit {self.unit_id}>"

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class ContactKind(LabelledEnum):
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    OFFICE = "office"


ContactKind.LABELS = {ContactKind.HOME_VISIT: _l("Hausbesuch"), ContactKind.PHONE: _l("Telefonat"),
                      ContactKind.OFFICE: _l("Termin im Büro")}


class SupportTopic(LabelledEnum):
    ARREARS = "arrears"
    NEIGHBOURS = "neighbours"
    AUTHORITIES = "authorities"
    MAINTENANCE = "maintenance"


SupportTopic.LABELS = {SupportTopic.ARREARS: _l("Mietrückstände"), SupportTopic.NEIGHBOURS: _l("Nachbarschaft"),
                       SupportTopic.AUTHORITIES: _l("Behörden"), SupportTopic.MAINTENANCE: _l("Instandhaltung")}


class SupportContact(db.Model):
    """An aftercare contact in a tenancy, with the next one due."""

    __tablename__ = "support_contacts"
    __table_args__ = (
        Index("ix_support_contacts_next_due", "next_due_on"),
        # A tenancy's contacts, and its latest one.
        Index("ix_support_contacts_tenancy_contact", "tenancy_id", "contact_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenancy_id: Mapped[int] = mapped_column(ForeignKey("tenancies.id", ondelete="CASCADE"))
    contact_on: Mapped[date]
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(Text)
    next_due_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<SupportContact {self.id} {self.contact_on}>"


class SupportCaseKind(LabelledEnum):
    ARREARS = "arrears"
    CONFLICT = "conflict"
    DAMAGE = "damage"
    COMMUNICATION = "communication"


SupportCaseKind.LABELS = {SupportCaseKind.ARREARS: _l("Mietrückstand"), SupportCaseKind.CONFLICT: _l("Konflikt"),
                          SupportCaseKind.DAMAGE: _l("Schaden"), SupportCaseKind.COMMUNICATION: _l("Kommunikation")}


class LandlordSupportCase(db.Model):
    """A landlord's call for help when a tenancy creaks."""

    __tablename__ = "landlord_support_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"), index=True)
    tenancy_id: Mapped[int | None] = mapped_column(ForeignKey("tenancies.id", ondelete="SET NULL"), index=True)
    kind: Mapped[SupportCaseKind] = mapped_column(str_enum(SupportCaseKind))
    description: Mapped[str] = mapped_column(Text)
    opened_on: Mapped[date]
    resolved_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(Text)

    landlord: Mapped[Landlord] = relationship(lazy="joined")
    tenancy: Mapped[Tenancy | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<LandlordSupportCase {self.id} {self.kind}>"

