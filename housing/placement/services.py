"""Rules of housing access: households and consents, landlords and flats on offer, offers, tenancies,
aftercare and landlord support. Functions validate, change, audit and flush; the caller commits."""

from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, func, or_, select

from ..audit.services import pending_changes, record
from ..auth.roles import Role
from ..clock import today, utcnow
from ..database import fits
from ..errors import Conflict, FieldErrors, ValidationFailed
from ..extensions import db
from ..i18n import fmt_money, fmt_number
from ..i18n import gettext as _
from ..properties.models import CaseStatus, Property, SocialArea, Unit, register_guard
from ..properties.services import check_version
from ..rules.registry import RENT_CAP_PER_M2
from ..rules.services import rule_value
from .counts import TenancyFigures
from .matching import Figures, evaluate
from .models import (
    OFFER_MOVES,
    OPEN_OFFERS,
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    Consent,
    ConsentPurpose,
    ContactKind,
    HealthNoteBasis,
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

MAX_HOUSEHOLD = 15
# An advisor cannot decide over the legal minimum living space or the WBS of a rent-capped flat; a failed
# rent, access, area or upper-size rule is shown and kept with the offer (the Jobcenter settles the rent).
AFTERCARE_PERIOD = relativedelta(months=6)


def _money(errors, field, value, column, *, required=False, positive=False):
    """An amount for ``column``: not negative (above 0 if ``positive``) and small enough for the column."""
    if value in (None, ""):
        if required:
            errors.add(field, _("Pflichtangabe fehlt."))
        return None
    value = Decimal(value)
    if value < 0 or (positive and value == 0):
        message = _("Der Betrag muss größer als 0 sein.") if positive else _("Der Wert darf nicht negativ sein.")
        errors.add(field, message)
    elif not fits(value, column):
        errors.add(field, _("Der Wert ist zu groß."))
    return value


# --- applicant households ---------------------------------------------------------------------------------

APPLICANT_FIELDS = ("first_name", "last_name", "birth_date", "phone", "email", "languages", "interpreter_needed",
                    "adults", "children", "housing_situation", "income_source", "monthly_income", "wbs_valid_until",
                    "wbs_persons", "urgency", "step_free_needed", "registered_on", "advisor_id", "notes")


def _areas(slugs, errors, field) -> list[SocialArea]:
    slugs = [slug for slug in (slugs or []) if slug]
    areas = list(db.session.scalars(select(SocialArea).where(SocialArea.slug.in_(slugs)))) if slugs else []
    unknown = set(slugs) - {area.slug for area in areas}
    if unknown:
        errors.add(field, _("Unbekannter Sozialraum: %(slugs)s.", slugs=", ".join(sorted(unknown))))
    return areas


def _validate_applicant(data: dict, errors: FieldErrors) -> dict:
    clean = {}
    for field in ("first_name", "last_name"):
        value = " ".join(str(data.get(field) or "").split())
        if not value:
            errors.add(field, _("Pflichtangabe fehlt."))
        clean[field] = value[:100]
    birth = data.get("birth_date")
    if birth is not None and not date(1900, 1, 1) <= birth <= today():
        errors.add("birth_date", _("Bitte ein plausibles Geburtsdatum angeben."))
    clean["birth_date"] = birth
    clean["phone"] = (data.get("phone") or "").strip()[:40] or None
    clean["email"] = errors.email("email", data.get("email"))
    languages = data.get("languages") or []
    if isinstance(languages, str):
        languages = [part.strip() for part in languages.split(",")]
    clean["languages"] = [language[:40] for language in languages if language][:10]
    clean["interpreter_needed"] = bool(data.get("interpreter_needed"))
    adults = data.get("adults")
    children = data.get("children") or 0
    adults = 0 if adults in (None, "") else int(adults)
    children = int(children)
    if adults < 0 or children < 0:
        errors.add("adults", _("Der Wert darf nicht negativ sein."))
    elif adults + children == 0:
        errors.add("adults", _("Ein Haushalt hat mindestens eine Person."))
    elif adults + children > MAX_HOUSEHOLD:
        errors.add("children", _("Mehr als %(n)s Personen in einem Haushalt sind nicht plausibel; bitte prüfen.",
                                 n=MAX_HOUSEHOLD))
    clean["adults"], clean["children"] = adults, children
    clean["housing_situation"] = errors.enum("housing_situation", HousingSituation, data.get("housing_situation"),
                                       required=False)
    clean["income_source"] = errors.enum("income_source", IncomeSource, data.get("income_source"), required=False)
    clean["monthly_income"] = _money(errors, "monthly_income", data.get("monthly_income"), Applicant.monthly_income)
    clean["wbs_valid_until"] = data.get("wbs_valid_until")
    wbs_persons = data.get("wbs_persons")
    clean["wbs_persons"] = None if wbs_persons in (None, "") else int(wbs_persons)
    if clean["wbs_persons"] is not None and not 1 <= clean["wbs_persons"] <= MAX_HOUSEHOLD:
        errors.add("wbs_persons", _("Bitte zwischen 1 und %(n)s Personen angeben.", n=MAX_HOUSEHOLD))
    if clean["wbs_valid_until"] and clean["wbs_persons"] is None:
        errors.add("wbs_persons", _("Für wie viele Personen gilt der WBS?"))
    clean["urgency"] = errors.enum("urgency", Urgency, data.get("urgency") or Urgency.NORMAL)
    clean["step_free_needed"] = bool(data.get("step_free_needed"))
    clean["registered_on"] = data.get("registered_on") or today()
    if clean["registered_on"] > today():
        errors.add("registered_on", _("Das Datum darf nicht in der Zukunft liegen."))
    clean["advisor_id"] = data.get("advisor_id")
    clean["notes"] = (data.get("notes") or "").strip() or None
    return clean


def set_health_note(applicant: Applicant, note: str | None, basis: str | None, *, actor) -> None:
    """The restricted health note (e.g. "needs a ground-floor flat after a stroke"): kept only with its legal
    basis; the audit log records that it changed, never what it says."""
    note = (note or "").strip()[:2000] or None
    errors = FieldErrors()
    parsed = errors.enum("health_note_basis", HealthNoteBasis, basis, required=note is not None)
    errors.raise_if_any()
    old = applicant.health_note
    applicant.health_note, applicant.health_note_basis = note, (parsed.value if note and parsed else None)
    if old != applicant.health_note:
        record("applicant.health_note", applicant, actor=actor,
               summary="gelöscht" if note is None else ("angelegt" if old is None else "geändert"))


def _refuse_overlap(preferred: list[SocialArea], excluded: list[SocialArea], errors: FieldErrors) -> None:
    both = sorted(area.name for area in set(preferred) & set(excluded))
    if both:
        errors.add("excluded_areas", _("Ein Gebiet kann nicht zugleich Wunschgebiet und ausgeschlossen sein: "
                                       "%(areas)s.", areas=", ".join(both)))


def _set_areas(applicant: Applicant, preferred: list[SocialArea], excluded: list[SocialArea]) -> None:
    db.session.execute(applicant_areas.delete().where(applicant_areas.c.applicant_id == applicant.id))
    rows = [{"applicant_id": applicant.id, "social_area_id": a.id, "is_excluded": False} for a in preferred]
    rows += [{"applicant_id": applicant.id, "social_area_id": a.id, "is_excluded": True} for a in excluded]
    if rows:
        db.session.execute(applicant_areas.insert(), rows)
    db.session.expire(applicant, ["preferred_areas", "excluded_areas"])


def create_applicant(data: dict, *, actor) -> Applicant:
    """Register a household at first contact; the advisor defaults to the one who registers it."""
    errors = FieldErrors()
    clean = _validate_applicant(data, errors)
    preferred = _areas(data.get("preferred_areas"), errors, "preferred_areas")
    excluded = _areas(data.get("excluded_areas"), errors, "excluded_areas")
    _refuse_overlap(preferred, excluded, errors)
    errors.raise_if_any()
    if clean["advisor_id"] is None and actor is not None and actor.has_role(Role.TENANT_ADVISOR):
        clean["advisor_id"] = actor.id
    applicant = Applicant(**clean, urgency_rank=clean["urgency"].rank, status=ApplicantStatus.FIRST_CONTACT)
    db.session.add(applicant)
    db.session.flush()
    _set_areas(applicant, preferred, excluded)
    # The history starts at first contact.
    db.session.add(ApplicantTransition(applicant=applicant, from_status=None, to_status=ApplicantStatus.FIRST_CONTACT,
                                       actor_id=actor.id if actor else None))
    record("applicant.create", applicant, actor=actor)
    return applicant


def update_applicant(applicant: Applicant, data: dict, *, actor, version: int | None = None) -> Applicant:
    check_version(applicant, version)
    merged = {field: getattr(applicant, field) for field in APPLICANT_FIELDS}
    merged.update({key: value for key, value in data.items() if key in APPLICANT_FIELDS})
    errors = FieldErrors()
    clean = _validate_applicant(merged, errors)
    preferred = _areas(data["preferred_areas"], errors, "preferred_areas") if "preferred_areas" in data else None
    excluded = _areas(data["excluded_areas"], errors, "excluded_areas") if "excluded_areas" in data else None
    _refuse_overlap(preferred if preferred is not None else applicant.preferred_areas,
                    excluded if excluded is not None else applicant.excluded_areas, errors)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(applicant, key, value)
    applicant.urgency_rank = applicant.urgency.rank
    changes = pending_changes(applicant)
    db.session.flush()
    if preferred is not None or excluded is not None:
        _set_areas(applicant, preferred if preferred is not None else applicant.preferred_areas,
                   excluded if excluded is not None else applicant.excluded_areas)
        changes["areas"] = [None, {"preferred": [a.slug for a in preferred or []],
                                   "excluded": [a.slug for a in excluded or []]}]
    if changes:
        record("applicant.update", applicant, actor=actor, changes=changes)
    return applicant


def transition_applicant(applicant: Applicant, target, *, actor, reason: str | None = None,
                         version: int | None = None):
    """Move a household along its status graph (guards, reasons and history live on the model)."""
    check_version(applicant, version)
    try:
        target = ApplicantStatus(target)
    except ValueError:
        raise ValidationFailed.on("to", _("Unbekannter Status „%(value)s“.", value=target)) from None
    previous = applicant.status
    move = applicant.move_to(target, actor=actor, on=today(), reason=reason)
    db.session.flush()
    record("applicant.transition", applicant, actor=actor, summary=move.reason, changes={"status": [previous, target]})
    return move


def add_consent(applicant: Applicant, data: dict, *, actor) -> Consent:
    errors = FieldErrors()
    purpose = errors.enum("purpose", ConsentPurpose, data.get("purpose"))
    given_on, expires_on = data.get("given_on"), data.get("expires_on")
    if given_on is None:
        errors.add("given_on", _("Pflichtangabe fehlt."))
    elif given_on > today():
        errors.add("given_on", _("Das Datum darf nicht in der Zukunft liegen."))
    if expires_on and given_on and expires_on < given_on:
        errors.add("expires_on", _("Der Ablauf kann nicht vor der Erteilung liegen."))
    errors.raise_if_any()
    consent = Consent(applicant=applicant, purpose=purpose, given_on=given_on, expires_on=expires_on)
    db.session.add(consent)
    db.session.flush()
    record("consent.give", applicant, actor=actor, summary=f"{purpose.value} {given_on} – {expires_on or ''}")
    return consent


def revoke_consent(consent: Consent, *, actor, revoked_on: date | None = None) -> Consent:
    """Revocation stops the processing it covered: without a placement consent the household leaves matching."""
    if consent.revoked_on is not None:
        raise Conflict(_("Diese Einwilligung ist bereits widerrufen."))
    revoked_on = revoked_on or today()
    if revoked_on > today():
        raise ValidationFailed.on("revoked_on", _("Das Datum darf nicht in der Zukunft liegen."))
    if revoked_on < consent.given_on:
        raise ValidationFailed.on("revoked_on", _("Ein Widerruf kann nicht vor der Erteilung liegen."))
    consent.revoked_on = revoked_on
    record("consent.revoke", consent.applicant, actor=actor, summary=consent.purpose.value)
    return consent


def caseload(user, *, statuses=None, everyone: bool = False):
    """An advisor's households (or everyone's), the most urgent and longest waiting first."""
    stmt = select(Applicant).order_by(Applicant.urgency_rank.desc(), Applicant.registered_on, Applicant.id)
    if not everyone:
        stmt = stmt.where(Applicant.advisor_id == user.id)
    if statuses:
        stmt = stmt.where(Applicant.status.in_(statuses))
    return stmt


# --- landlords and flats on offer -----------------------------------------------------------------------


def save_landlord(landlord: Landlord | None, data: dict, *, actor) -> Landlord:
    errors = FieldErrors()
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors.add("name", _("Pflichtangabe fehlt."))
    kind = errors.enum("kind", LandlordKind, data.get("kind"))
    since = data.get("cooperation_since")
    if since and since > today():
        errors.add("cooperation_since", _("Das Datum darf nicht in der Zukunft liegen."))
    email = errors.email("email", data.get("email"))
    errors.raise_if_any()
    clash = db.session.scalar(select(Landlord.id).where(func.lower(Landlord.name) == name.lower()))
    if clash is not None and (landlord is None or clash != landlord.id):
        raise Conflict(_("Diese Vermieterin / diesen Vermieter gibt es schon."),
                       {"name": [_("Diese Vermieterin / diesen Vermieter gibt es schon.")]})
    if landlord is None:
        landlord = Landlord()
        db.session.add(landlord)
    landlord.name, landlord.kind, landlord.cooperation_since = name[:200], kind, since
    for field, limit in (("contact_person", 200), ("phone", 40), ("address", 300)):
        setattr(landlord, field, (data.get(field) or "").strip()[:limit] or None)
    landlord.email = email
    landlord.notes = (data.get("notes") or "").strip() or None
    changes = pending_changes(landlord)
    db.session.flush()
    record("landlord.save", landlord, actor=actor, changes=changes)
    return landlord


VACANCY_FIELDS = ("landlord_id", "available_from", "net_cold_rent", "service_charges", "heating_costs", "deposit",
                  "rent_capped", "rent_cap_per_m2", "notes")


def _validate_vacancy(unit: Unit, data: dict, errors: FieldErrors) -> dict:
    clean = {}
    landlord = db.session.get(Landlord, int(data["landlord_id"])) if data.get("landlord_id") else None
    if landlord is None:
        errors.add("landlord_id", _("Bitte die Vermieterin / den Vermieter wählen."))
    clean["landlord_id"] = landlord.id if landlord else None
    clean["available_from"] = data.get("available_from")
    if clean["available_from"] is None:
        errors.add("available_from", _("Pflichtangabe fehlt."))
    clean["net_cold_rent"] = _money(errors, "net_cold_rent", data.get("net_cold_rent"), Vacancy.net_cold_rent,
                                    required=True, positive=True)
    for field in ("service_charges", "heating_costs"):
        clean[field] = _money(errors, field, data.get(field), getattr(Vacancy, field)) or Decimal("0")
    clean["deposit"] = _money(errors, "deposit", data.get("deposit"), Vacancy.deposit)
    if clean["deposit"] and clean["net_cold_rent"] and clean["deposit"] > 3 * clean["net_cold_rent"]:
        errors.add("deposit", _("Die Kaution darf höchstens drei Nettokaltmieten betragen (§ 551 BGB)."))
    clean["rent_capped"] = bool(data.get("rent_capped"))
    clean["rent_cap_per_m2"] = None
    if clean["rent_capped"]:
        cap = _money(errors, "rent_cap_per_m2", data.get("rent_cap_per_m2"), Vacancy.rent_cap_per_m2, positive=True)
        clean["rent_cap_per_m2"] = cap or rule_value(RENT_CAP_PER_M2)
    if unit.area_m2 is None:
        errors.add("unit_id", _("Für diese Wohnung fehlt die Wohnfläche."))
    elif (clean["rent_capped"] and clean["net_cold_rent"]
          and clean["net_cold_rent"] > clean["rent_cap_per_m2"] * unit.area_m2):
        errors.add("net_cold_rent", _(
            "Preisgebunden: höchstens %(cap)s je m² × %(area)s m² = %(max)s netto kalt.",
            cap=fmt_money(clean["rent_cap_per_m2"]), area=fmt_number(unit.area_m2),
            max=fmt_money((clean["rent_cap_per_m2"] * unit.area_m2).quantize(Decimal("0.01")))))
    clean["notes"] = (data.get("notes") or "").strip() or None
    return clean


def create_vacancy(unit: Unit, data: dict, *, actor) -> Vacancy:
    """Offer a flat; one open or reserved offer per unit at a time."""
    errors = FieldErrors()
    clean = _validate_vacancy(unit, data, errors)
    errors.raise_if_any()
    running = db.session.scalar(select(Vacancy.id).where(
        Vacancy.unit_id == unit.id, Vacancy.status.in_([VacancyStatus.OPEN, VacancyStatus.RESERVED])))
    if running is not None:
        raise Conflict(_("Diese Wohnung ist bereits im Angebot."), {"unit_id": [_("Bereits angeboten.")]})
    vacancy = Vacancy(unit_id=unit.id, **clean)
    db.session.add(vacancy)
    db.session.flush()
    record("vacancy.create", vacancy, actor=actor, summary=f"unit {unit.id}")
    return vacancy


def update_vacancy(vacancy: Vacancy, data: dict, *, actor, version: int | None = None) -> Vacancy:
    check_version(vacancy, version)
    if vacancy.status in (VacancyStatus.LET, VacancyStatus.WITHDRAWN):
        raise Conflict(_("Eine vermietete oder zurückgezogene Wohnung wird nicht mehr geändert."))
    wanted = data.get("status")
    if wanted not in (None, "", vacancy.status, vacancy.status.value, VacancyStatus.WITHDRAWN,
                      VacancyStatus.WITHDRAWN.value):
        raise Conflict(_("„reserviert“ und „vermietet“ ergeben sich aus den Angeboten; von Hand lässt sich eine "
                         "Wohnung nur zurückziehen."), {"status": [_("Nur „zurückgezogen“ ist hier möglich.")]})
    merged = {field: getattr(vacancy, field) for field in VACANCY_FIELDS}
    merged.update({key: value for key, value in data.items() if key in VACANCY_FIELDS})
    errors = FieldErrors()
    clean = _validate_vacancy(vacancy.unit, merged, errors)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(vacancy, key, value)
    if data.get("status") == VacancyStatus.WITHDRAWN.value or data.get("status") == VacancyStatus.WITHDRAWN:
        withdraw_vacancy(vacancy, actor=actor, reason=data.get("reason") or _("zurückgezogen"))
    changes = pending_changes(vacancy)
    if changes:
        record("vacancy.update", vacancy, actor=actor, changes=changes)
    return vacancy


def withdraw_vacancy(vacancy: Vacancy, *, actor, reason: str) -> None:
    vacancy.status = VacancyStatus.WITHDRAWN
    for offer in open_offers_of(vacancy):
        _close_offer(offer, reason, actor=actor)


def city_landlord(buyer_label: str, *, actor) -> Landlord:
    """The landlord record of a buyer of acquired buildings (Stadt Dortmund, DOGEWO21, Viertelwerk)."""
    landlord = db.session.scalar(select(Landlord).where(Landlord.name == buyer_label))
    return landlord or save_landlord(None, {"name": buyer_label, "kind": LandlordKind.ASSOCIATION.value}, actor=actor)


def offer_renovated_units(prop: Property, data: dict, *, actor) -> list[Vacancy]:
    """One click from a building that is ready for letting: every unit not yet on offer becomes a vacancy,
    let by the buyer, at the planned rent."""
    from ..properties.models import Acquisition

    if prop.status != CaseStatus.READY_FOR_LETTING:
        raise Conflict(_("Wohnungen werden angeboten, wenn das Gebäude „vermietungsbereit“ ist."))
    acquisition = db.session.scalar(select(Acquisition).where(Acquisition.property_id == prop.id)
                                    .order_by(Acquisition.transferred_on.desc()))
    landlord = city_landlord(acquisition.buyer.label if acquisition else _("Stadt Dortmund"), actor=actor)
    offered = set(db.session.scalars(select(Vacancy.unit_id).where(
        Vacancy.status.in_([VacancyStatus.OPEN, VacancyStatus.RESERVED, VacancyStatus.LET]))))
    created = []
    for unit in db.session.scalars(select(Unit).where(Unit.property_id == prop.id).order_by(Unit.label)):
        if unit.id in offered:
            continue
        created.append(create_vacancy(unit, {
            "landlord_id": landlord.id, "available_from": data.get("available_from") or today(),
            "net_cold_rent": unit.planned_rent, "service_charges": data.get("service_charges_per_m2", Decimal("2.20"))
            * unit.area_m2 if unit.area_m2 else None, "heating_costs": Decimal("1.30") * unit.area_m2
            if unit.area_m2 else None, "rent_capped": data.get("rent_capped", True),
        }, actor=actor))
    if not created:
        raise Conflict(_("Alle Wohnungen dieses Gebäudes sind bereits im Angebot oder vermietet."))
    return created


# --- offers --------------------------------------------------------------------------------------------------


def open_offers_of(vacancy: Vacancy) -> list[Offer]:
    return list(db.session.scalars(select(Offer).where(Offer.vacancy_id == vacancy.id,
                                                       Offer.status.in_(OPEN_OFFERS))))


def propose(applicant: Applicant, vacancy: Vacancy, *, actor) -> Offer:
    """Propose a household for a flat; the rule results are kept with the offer as they are now.

    The space and WBS rules must hold; a failed rent, access or area rule is the advisor's decision."""
    if vacancy.status != VacancyStatus.OPEN:
        raise Conflict(_("Diese Wohnung ist nicht mehr frei (%(status)s).", status=vacancy.status.label))
    if applicant.status not in (ApplicantStatus.SEARCHING, ApplicantStatus.OFFER):
        raise Conflict(_("Angebote gibt es für wohnungssuchende Haushalte (jetzt: %(status)s).",
                         status=applicant.status.label))
    if not applicant.has_consent(ConsentPurpose.PLACEMENT, today()):
        raise Conflict(_("Ohne gültige Einwilligung zur Wohnraumvermittlung kein Angebot."))
    duplicate = db.session.scalar(select(Offer.id).where(Offer.applicant_id == applicant.id,
                                                         Offer.vacancy_id == vacancy.id, Offer.status.in_(OPEN_OFFERS)))
    if duplicate is not None:
        raise Conflict(_("Dieser Haushalt hat für diese Wohnung schon ein laufendes Angebot."))
    figures = Figures.on_day(vacancy.available_from)
    results = evaluate(applicant, vacancy, figures)
    too_small = vacancy.unit.area_m2 is None or vacancy.unit.area_m2 < figures.min_area * applicant.persons
    hard = [result for result in results if not result.passed and (
        result.rule == "wbs" or (result.rule == "space" and too_small))]
    if hard:
        raise Conflict(_("Dieses Angebot ist nicht möglich: %(reason)s", reason=" ".join(r.detail for r in hard)),
                       {"vacancy_id": [r.detail for r in hard]})
    snapshot = [result.as_dict() for result in results]
    offer = Offer(applicant=applicant, vacancy=vacancy, rule_snapshot=snapshot, created_by_id=actor.id)
    db.session.add(offer)
    if applicant.status == ApplicantStatus.SEARCHING:
        applicant.move_to(ApplicantStatus.OFFER, actor=actor, on=today())
    db.session.flush()
    record("offer.create", offer, actor=actor, summary=f"applicant {applicant.id}, vacancy {vacancy.id}")
    return offer


def _move_offer(offer: Offer, target: OfferStatus, *, actor, reason: str | None = None) -> None:
    if target not in OFFER_MOVES[offer.status]:
        raise Conflict(_("Von „%(current)s“ geht es nicht nach „%(target)s“.", current=offer.status.label,
                         target=target.label))
    previous = offer.status
    offer.status = target
    offer.status_changed_at = utcnow()
    if reason:
        offer.decline_reason = reason.strip()[:2000]
    record("offer.transition", offer, actor=actor, summary=reason, changes={"status": [previous, target]})


def transition_offer(offer: Offer, target, *, actor, reason: str | None = None, viewing_on: date | None = None,
                     starts_on: date | None = None) -> Offer:
    """Viewing, acceptance or decline (with a reason), the Jobcenter's approval, the contract."""
    try:
        target = OfferStatus(target)
    except ValueError:
        raise ValidationFailed.on("to", _("Unbekannter Status „%(value)s“.", value=target)) from None
    if target in (OfferStatus.DECLINED, OfferStatus.CANCELLED) and not (reason or "").strip():
        raise ValidationFailed.on("reason", _("Bitte einen Grund angeben."))
    errors = FieldErrors()
    errors.day("viewing_on", viewing_on)
    errors.day("starts_on", starts_on)  # aftercare runs six months from it
    errors.raise_if_any()
    applicant, vacancy = offer.applicant, offer.vacancy
    if target == OfferStatus.VIEWING:
        offer.viewing_on = viewing_on or offer.viewing_on or today()
    _move_offer(offer, target, actor=actor, reason=reason)
    if target == OfferStatus.ACCEPTED:
        vacancy.status = VacancyStatus.RESERVED
        for other in open_offers_of(vacancy):
            if other.id != offer.id:
                _close_offer(other, _("Die Wohnung wurde an einen anderen Haushalt vergeben."), actor=actor)
    elif target == OfferStatus.APPROVAL_PENDING:
        applicant.move_to(ApplicantStatus.APPROVAL_PENDING, actor=actor, on=today(), check_guards=False)
    elif target == OfferStatus.CONTRACT_SIGNED:
        if applicant.status != ApplicantStatus.APPROVAL_PENDING:
            applicant.move_to(ApplicantStatus.APPROVAL_PENDING, actor=actor, on=today(), check_guards=False)
        applicant.move_to(ApplicantStatus.CONTRACT_SIGNED, actor=actor, on=today(), check_guards=False)
        vacancy.status = VacancyStatus.LET
        for other in db.session.scalars(select(Offer).where(
                Offer.applicant_id == applicant.id, Offer.id != offer.id, Offer.status.in_(OPEN_OFFERS))):
            _close_offer(other, _("Der Haushalt hat eine andere Wohnung gefunden."), actor=actor)
        start_tenancy(offer, starts_on or max(vacancy.available_from, today()), actor=actor)
    elif target in (OfferStatus.DECLINED, OfferStatus.CANCELLED):
        _release(offer, reason, actor=actor)
    db.session.flush()
    return offer


def _close_offer(offer: Offer, reason: str, *, actor) -> None:
    """Cancel an offer that another step ended (another household got the flat, or this one another flat)."""
    _move_offer(offer, OfferStatus.CANCELLED, actor=actor, reason=reason)
    _release(offer, reason, actor=actor)


def _release(offer: Offer, reason: str, *, actor) -> None:
    """After an offer ended: its flat opens again when nothing holds it; its household searches again when it
    has no other offer running."""
    vacancy, applicant = offer.vacancy, offer.applicant
    if vacancy.status == VacancyStatus.RESERVED and not any(
            o.id != offer.id and o.status in (OfferStatus.ACCEPTED, OfferStatus.APPROVAL_PENDING)
            for o in open_offers_of(vacancy)):
        vacancy.status = VacancyStatus.OPEN
    if applicant.status in (ApplicantStatus.OFFER, ApplicantStatus.APPROVAL_PENDING) and not _other_open_offers(
            applicant, offer):
        applicant.move_to(ApplicantStatus.SEARCHING, actor=actor, on=today(), check_guards=False,
                          reason=_("Angebot beendet: %(reason)s", reason=reason))


def _other_open_offers(applicant: Applicant, offer: Offer) -> bool:
    return bool(db.session.scalar(select(func.count(Offer.id)).where(
        Offer.applicant_id == applicant.id, Offer.id != offer.id, Offer.status.in_(OPEN_OFFERS))))


# --- tenancies and aftercare ---------------------------------------------------------------------------------


def start_tenancy(offer: Offer, starts_on: date, *, actor) -> Tenancy:
    """The contract is signed: the tenancy starts, aftercare is due for six months."""
    vacancy = offer.vacancy
    tenancy = Tenancy(unit_id=vacancy.unit_id, applicant_id=offer.applicant_id, vacancy_id=vacancy.id,
                      offer_id=offer.id, starts_on=starts_on, net_cold_rent=vacancy.net_cold_rent,
                      aftercare_until=starts_on + AFTERCARE_PERIOD)
    db.session.add(tenancy)
    db.session.flush()
    record("tenancy.create", tenancy, actor=actor, summary=f"unit {vacancy.unit_id}")
    _let_building_when_full(vacancy.unit.property_id, actor=actor)
    return tenancy


def move_in(tenancy: Tenancy, *, actor, on: date | None = None) -> None:
    applicant = tenancy.applicant
    applicant.move_to(ApplicantStatus.MOVED_IN, actor=actor, on=on or today(), check_guards=False)
    record("tenancy.move_in", tenancy, actor=actor)


def add_support_contact(tenancy: Tenancy, data: dict, *, actor) -> SupportContact:
    """An aftercare contact; the next one is due in a month unless the advisor says otherwise."""
    errors = FieldErrors()
    contact_on = data.get("contact_on")
    if contact_on is None:
        errors.add("contact_on", _("Pflichtangabe fehlt."))
    elif contact_on > today():
        errors.add("contact_on", _("Das Datum darf nicht in der Zukunft liegen."))
    elif contact_on < tenancy.starts_on - timedelta(days=30):
        errors.add("contact_on", _("Nachbetreuung beginnt mit dem Mietverhältnis."))
    kind = errors.enum("kind", ContactKind, data.get("kind"))
    topics = []
    for topic in data.get("topics") or []:
        value = errors.enum("topics", SupportTopic, topic)
        if value:
            topics.append(value.value)
    next_due = data.get("next_due_on")
    if next_due and contact_on and next_due <= contact_on:
        errors.add("next_due_on", _("Der nächste Kontakt muss nach diesem liegen."))
    errors.raise_if_any()
    if next_due is None and contact_on + relativedelta(months=1) <= (tenancy.aftercare_until or contact_on):
        next_due = contact_on + relativedelta(months=1)
    contact = SupportContact(tenancy_id=tenancy.id, contact_on=contact_on, kind=kind, topics=topics,
                             outcome=(data.get("outcome") or "").strip() or None, next_due_on=next_due,
                             created_by_id=actor.id if actor else None)
    db.session.add(contact)
    applicant = tenancy.applicant
    if applicant.status in (ApplicantStatus.CONTRACT_SIGNED, ApplicantStatus.MOVED_IN):
        if applicant.status == ApplicantStatus.CONTRACT_SIGNED:
            applicant.move_to(ApplicantStatus.MOVED_IN, actor=actor, on=contact_on, check_guards=False)
        applicant.move_to(ApplicantStatus.AFTERCARE, actor=actor, on=contact_on, check_guards=False)
    db.session.flush()
    record("support_contact.create", contact, actor=actor, summary=f"tenancy {tenancy.id}")
    return contact


AFTERCARE_STATUSES = (ApplicantStatus.CONTRACT_SIGNED, ApplicantStatus.MOVED_IN, ApplicantStatus.AFTERCARE,
                      ApplicantStatus.AT_RISK)
FIRST_CONTACT_AFTER = 14  # days: without a contact yet, the first is due two weeks after the start
DUE_SHOWN_AHEAD = timedelta(days=7)
NONE_PLANNED = date.max  # the latest contact planned no next one


def _days_after(day_column, days: int):
    """SQL: the date ``days`` after a date column, on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return day_column + days
    return func.date(day_column, f"+{days} days", type_=Date)


def _aftercare_next_due():
    """SQL: when a tenancy's next aftercare contact is due: the date its latest contact named (of two on a day the
    one recorded last, as in the reminder job), NONE_PLANNED if that named none, two weeks after the start while
    there is no contact. One lookup in the index by tenancy and day per tenancy, whatever its number of contacts."""
    latest = (select(func.coalesce(SupportContact.next_due_on, NONE_PLANNED))
              .where(SupportContact.tenancy_id == Tenancy.id)
              .order_by(SupportContact.contact_on.desc(), SupportContact.id.desc()).limit(1)
              .correlate(Tenancy).scalar_subquery())
    return func.coalesce(latest, _days_after(Tenancy.starts_on, FIRST_CONTACT_AFTER), type_=Date)


def _aftercare_due(user, on: date, everyone: bool, *columns):
    """SQL: the running tenancies in aftercare whose next contact is due by a week from ``on``."""
    households = select(Applicant.id).where(Applicant.status.in_(AFTERCARE_STATUSES))
    if not everyone:
        households = households.where(Applicant.advisor_id == user.id)
    return select(*columns).where(Tenancy.applicant_id.in_(households),
                                  func.coalesce(Tenancy.ends_on, on) >= on,  # running
                                  _aftercare_next_due() <= on + DUE_SHOWN_AHEAD)


def aftercare_due(user, on: date, *, everyone: bool = False, limit: int | None = None) -> list[tuple[Tenancy, date]]:
    """Tenancies whose next aftercare contact is due (the latest contact's next date, or the start), the most
    urgent first; with ``limit`` only that many (the tenancies are read for those only)."""
    next_due = _aftercare_next_due().label("next_due")
    due = _aftercare_due(user, on, everyone, Tenancy.id, next_due).order_by(next_due, Tenancy.id).limit(limit)
    rows = db.session.execute(due).all()
    tenancies = {tenancy.id: tenancy for tenancy in db.session.scalars(
        select(Tenancy).where(Tenancy.id.in_([tenancy_id for tenancy_id, _day in rows])))} if rows else {}
    return [(tenancies[tenancy_id], day) for tenancy_id, day in rows]


def aftercare_due_count(on: date) -> int:
    """How many tenancies' next aftercare contact is due by a week from ``on`` (everyone's): counted in the index of
    the tenancies' figures the database keeps (counts.TenancyFigures: the same next day due, the household's
    status, the end), without reading a tenancy or a contact."""
    return db.session.scalar(select(func.count()).select_from(TenancyFigures).where(
        TenancyFigures.status.in_([status.value for status in AFTERCARE_STATUSES]),
        TenancyFigures.next_due_on <= on + DUE_SHOWN_AHEAD,
        or_(TenancyFigures.ends_on.is_(None), TenancyFigures.ends_on >= on)))  # running


def open_support_case(landlord: Landlord, data: dict, *, actor) -> LandlordSupportCase:
    """A landlord calls because a tenancy creaks; an at-risk tenancy can open one."""
    errors = FieldErrors()
    kind = errors.enum("kind", SupportCaseKind, data.get("kind"))
    description = (data.get("description") or "").strip()
    if not description:
        errors.add("description", _("Bitte kurz beschreiben, worum es geht."))
    opened_on = data.get("opened_on") or today()
    if opened_on > today():
        errors.add("opened_on", _("Das Datum darf nicht in der Zukunft liegen."))
    tenancy = db.session.get(Tenancy, int(data["tenancy_id"])) if data.get("tenancy_id") else None
    if data.get("tenancy_id") and (tenancy is None or tenancy.vacancy_id is None
                                   or db.session.get(Vacancy, tenancy.vacancy_id).landlord_id != landlord.id):
        errors.add("tenancy_id", _("Dieses Mietverhältnis gehört nicht zu diesem Vermieter."))
    errors.raise_if_any()
    case_ = LandlordSupportCase(landlord_id=landlord.id, tenancy_id=tenancy.id if tenancy else None, kind=kind,
                                description=description, opened_on=opened_on)
    db.session.add(case_)
    db.session.flush()
    record("landlord_support.open", case_, actor=actor, summary=kind.value)
    return case_


def resolve_support_case(case_: LandlordSupportCase, data: dict, *, actor) -> LandlordSupportCase:
    errors = FieldErrors()
    resolved_on = data.get("resolved_on") or today()
    if resolved_on < case_.opened_on:
        errors.add("resolved_on", _("Die Klärung kann nicht vor der Meldung liegen."))
    outcome = (data.get("outcome") or "").strip()
    if not outcome:
        errors.add("outcome", _("Bitte das Ergebnis festhalten."))
    errors.raise_if_any()
    case_.resolved_on, case_.outcome = resolved_on, outcome
    record("landlord_support.resolve", case_, actor=actor)
    return case_


# --- the Ankauf pipeline's last step: a building is let when every unit has a tenancy ------------------------


def _unlet_units(property_id: int, on: date) -> int:
    active = select(Tenancy.unit_id).where(Tenancy.starts_on <= on + timedelta(days=90),
                                           or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= on))
    return db.session.scalar(select(func.count(Unit.id)).where(Unit.property_id == property_id,
                                                               Unit.id.not_in(active))) or 0


def _needs_tenancies(prop) -> str | None:
    total = db.session.scalar(select(func.count(Unit.id)).where(Unit.property_id == prop.id))
    if not total or _unlet_units(prop.id, today()):
        return _("Für „vermietet“ braucht jede Wohnung ein Mietverhältnis.")
    return None


def _let_building_when_full(property_id: int, *, actor) -> None:
    prop = db.session.get(Property, property_id)
    if prop.status == CaseStatus.READY_FOR_LETTING and not _needs_tenancies(prop):
        prop.move_to(CaseStatus.LET, actor=actor, reason=_("Alle Wohnungen sind vermietet."))
        record("property.transition", prop, actor=actor, changes={"status": [CaseStatus.READY_FOR_LETTING,
                                                                           CaseStatus.LET]})


def register_pipeline_guard() -> None:
    """Replace the Ankauf area's placeholder for "let" with the real check on tenancies."""
    from ..properties import models as property_models

    guards = property_models.GUARDS.get(CaseStatus.LET, [])
    guards[:] = [guard for guard in guards if guard.__name__ != "_needs_tenancies" or guard is _needs_tenancies]
    register_guard(CaseStatus.LET, _needs_tenancies)


def offer_flat(data: dict, *, actor) -> Vacancy:
    """A landlord's flat: the building (an ordinary one, not a problem case) and the flat are found by address
    and label or created, then offered. All or nothing."""
    from ..properties import services as buildings

    errors = FieldErrors()
    for field in ("street", "house_number", "postcode", "social_area", "label"):
        if not (data.get(field) or "").strip():
            errors.add(field, _("Pflichtangabe fehlt."))
    if data.get("area_m2") in (None, ""):
        errors.add("area_m2", _("Für ein Wohnungsangebot ist die Fläche nötig."))
    errors.raise_if_any()
    key = Property.make_address_key(data["street"], data["house_number"], data["postcode"])
    prop = db.session.scalar(select(Property).where(Property.address_key == key))
    if prop is None:
        prop = buildings.create_property({**data, "problem_case": False}, actor=actor)
    unit = db.session.scalar(select(Unit).where(Unit.property_id == prop.id, Unit.label == data["label"].strip()))
    if unit is None:
        unit = buildings.add_unit(prop, {"label": data["label"], "floor": data.get("floor"),
                                         "area_m2": data.get("area_m2"), "rooms": data.get("rooms"),
                                         "step_free": data.get("step_free"), "lift": data.get("lift")}, actor=actor)
    return create_vacancy(unit, data, actor=actor)
