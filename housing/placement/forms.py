from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import Form, LocalDecimalField, MultiCheckboxField, SelectField, choices, stripped
from ..i18n import lazy_gettext as _l
from .models import (
    ConsentPurpose,
    ContactKind,
    HousingSituation,
    IncomeSource,
    LandlordKind,
    SupportCaseKind,
    SupportTopic,
    Urgency,
)


def _blank(pairs, blank=_l("– bitte wählen –")):
    return choices([("", blank), *pairs])


class ApplicantForm(Form):
    first_name = StringField(_l("Vorname"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nachname"), validators=[DataRequired(), Length(max=100)])
    birth_date = DateField(_l("Geburtsdatum"), validators=[Optional()])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-Mail"), validators=[Optional(), Length(max=254)])
    languages = StringField(_l("Sprachen"), validators=[Optional(), Length(max=200)],
                            description=_l("durch Komma getrennt, z. B. „Rumänisch, Deutsch“"))
    interpreter_needed = BooleanField(_l("Dolmetschung nötig"))
    adults = IntegerField(_l("Erwachsene"), validators=[Optional(), NumberRange(0, 15)], default=1)
    children = IntegerField(_l("Kinder"), validators=[Optional(), NumberRange(0, 15)], default=0)
    housing_situation = SelectField(_l("Aktuelle Wohnsituation"), choices=_blank(HousingSituation.choices()),
                                    validators=[Optional()])
    income_source = SelectField(_l("Einkommen"), choices=_blank(IncomeSource.choices()), validators=[Optional()])
    monthly_income = LocalDecimalField(_l("Monatliches Haushaltseinkommen (€)"), places=2, validators=[Optional()],
                                       description=_l("netto; nötig, wenn keine Transferleistung bezogen wird"))
    wbs_valid_until = DateField(_l("WBS gültig bis"), validators=[Optional()])
    wbs_persons = IntegerField(_l("WBS für Personen"), validators=[Optional(), NumberRange(1, 15)])
    urgency = SelectField(_l("Dringlichkeit"), choices=choices(Urgency.choices()), default=Urgency.NORMAL.value)
    step_free_needed = BooleanField(_l("Stufenloser Zugang nötig"))
    preferred_areas = MultiCheckboxField(_l("Wunschgebiete"))
    excluded_areas = MultiCheckboxField(_l("Ausgeschlossene Gebiete"))
    registered_on = DateField(_l("Aufgenommen am"), validators=[Optional()])
    notes = TextAreaField(_l("Notizen"), validators=[Optional(), Length(max=5000)],
                          description=_l("Keine Gesundheitsdaten und nichts über Herkunft oder Religion."))
    version = HiddenField()


class ConsentForm(Form):
    purpose = SelectField(_l("Zweck"), choices=choices(ConsentPurpose.choices()))
    given_on = DateField(_l("Erteilt am"), validators=[DataRequired()])
    expires_on = DateField(_l("Gültig bis"), validators=[Optional()])


class StatusForm(Form):
    to = SelectField(_l("Neuer Stand"), validators=[DataRequired()])
    reason = TextAreaField(_l("Begründung"), validators=[Optional(), Length(max=2000)],
                           description=_l("Pflicht bei einem Schritt zurück oder einem Abschluss."))
    version = HiddenField()


class LandlordForm(Form):
    name = StringField(_l("Name / Firma"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Art"), choices=choices(LandlordKind.choices()))
    contact_person = StringField(_l("Ansprechperson"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-Mail"), validators=[Optional(), Length(max=254)])
    address = StringField(_l("Anschrift"), validators=[Optional(), Length(max=300)])
    cooperation_since = DateField(_l("Kooperationsvereinbarung seit"), validators=[Optional()])
    notes = TextAreaField(_l("Notizen"), validators=[Optional(), Length(max=5000)])


class VacancyTermsForm(Form):
    """What an offer of a flat says: who lets it, from when, at what rent (changed on the flat's edit page)."""

    landlord_id = SelectField(_l("Vermietet von"), validators=[DataRequired()])
    available_from = DateField(_l("Frei ab"), validators=[DataRequired()])
    net_cold_rent = LocalDecimalField(_l("Nettokaltmiete (€)"), places=2, validators=[InputRequired()])
    service_charges = LocalDecimalField(_l("Kalte Nebenkosten (€)"), places=2, validators=[Optional()])
    heating_costs = LocalDecimalField(_l("Heizkosten (€)"), places=2, validators=[Optional()])
    deposit = LocalDecimalField(_l("Kaution (€)"), places=2, validators=[Optional()])
    rent_capped = BooleanField(_l("preisgebunden (WBS nötig)"))
    rent_cap_per_m2 = LocalDecimalField(_l("Mietobergrenze (€/m²)"), places=2, validators=[Optional()],
                                        description=_l("leer: der Richtwert aus den Regeln"))
    notes = TextAreaField(_l("Notizen"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()


class VacancyForm(VacancyTermsForm):
    """A flat on offer; for a landlord's flat the building and the flat are entered here too."""

    street = StringField(_l("Straße"), validators=[Optional(), Length(max=120)])
    house_number = StringField(_l("Hausnummer"), validators=[Optional(), Length(max=12)])
    postcode = StringField(_l("PLZ"), validators=[Optional(), Length(max=5)])
    social_area = SelectField(_l("Sozialraum"), validators=[Optional()])
    label = StringField(_l("Wohnung"), validators=[Optional(), Length(max=40)],
                        description=_l("z. B. „2. OG links“"))
    floor = IntegerField(_l("Geschoss"), validators=[Optional()], description=_l("0 = Erdgeschoss"))
    area_m2 = LocalDecimalField(_l("Wohnfläche (m²)"), places=2, validators=[Optional()])
    rooms = LocalDecimalField(_l("Zimmer"), places=1, validators=[Optional()])
    step_free = BooleanField(_l("stufenlos erreichbar"))
    lift = BooleanField(_l("Aufzug"))


class OfferStatusForm(Form):
    to = SelectField(_l("Nächster Schritt"), validators=[DataRequired()])
    viewing_on = DateField(_l("Besichtigung am"), validators=[Optional()])
    starts_on = DateField(_l("Mietbeginn"), validators=[Optional()])
    reason = TextAreaField(_l("Grund"), validators=[Optional(), Length(max=2000)],
                           description=_l("Pflicht bei Ablehnung oder Stornierung."))


class SupportContactForm(Form):
    contact_on = DateField(_l("Datum"), validators=[DataRequired()])
    kind = SelectField(_l("Art"), choices=choices(ContactKind.choices()))
    topics = MultiCheckboxField(_l("Themen"), choices=choices(SupportTopic.choices()))
    outcome = TextAreaField(_l("Ergebnis"), validators=[Optional(), Length(max=5000)])
    next_due_on = DateField(_l("Nächster Kontakt"), validators=[Optional()],
                            description=_l("leer: in einem Monat, solange die Nachbetreuung läuft"))


class SupportCaseForm(Form):
    kind = SelectField(_l("Anlass"), choices=choices(SupportCaseKind.choices()))
    tenancy_id = SelectField(_l("Mietverhältnis"), validators=[Optional()], filters=[stripped])
    opened_on = DateField(_l("Gemeldet am"), validators=[DataRequired()])
    description = TextAreaField(_l("Worum geht es?"), validators=[DataRequired(), Length(max=5000)])


class ResolveCaseForm(Form):
    resolved_on = DateField(_l("Geklärt am"), validators=[DataRequired()])
    outcome = TextAreaField(_l("Ergebnis"), validators=[DataRequired(), Length(max=5000)])


class KduVersionForm(Form):
    valid_from = DateField(_l("Gültig ab"), validators=[DataRequired()])
    note = StringField(_l("Quelle"), validators=[Optional(), Length(max=300)])


class HealthNoteForm(Form):
    health_note = TextAreaField(_l("Gesundheitliche Angaben"), validators=[Optional(), Length(max=2000)],
                                description=_l("Nur was die Vermittlung braucht, z. B. „nach Schlaganfall: Erdgeschoss "
                                               "oder Aufzug“. Sichtbar nur für die Wohnraumvermittlung."))
    health_note_basis = SelectField(_l("Rechtsgrundlage"), validators=[Optional()])
