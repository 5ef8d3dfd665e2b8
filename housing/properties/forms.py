from flask_wtf.file import MultipleFileField  # keeps only real uploads: a text value posted as "photos" is ignored
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form, LocalDecimalField, MultiCheckboxField, SelectField, choices, stripped
from ..i18n import lazy_gettext as _l
from .models import (
    AcquisitionMethod,
    Agency,
    Buyer,
    CaseStatus,
    DefectCategory,
    OrderStatus,
    OrderType,
    OwnerKind,
    Priority,
    ReferralSource,
    Severity,
    TransferType,
)


def _with_blank(pairs, blank=_l("– bitte wählen –")):
    return choices([("", blank), *pairs])


class PropertyForm(Form):
    street = StringField(_l("Straße"), validators=[DataRequired(), Length(max=120)])
    house_number = StringField(_l("Hausnummer"), validators=[DataRequired(), Length(max=12)])
    # Five digits: the service says so ("Die Postleitzahl hat fünf Ziffern."); WTForms' own message for an exact
    # length has no German in its catalog.
    postcode = StringField(_l("PLZ"), validators=[DataRequired()], default="44147",
                           render_kw={"maxlength": 5, "inputmode": "numeric"})
    social_area = SelectField(_l("Sozialraum"), validators=[DataRequired()])
    parcel = StringField(_l("Flurstück"), validators=[Optional(), Length(max=120)],
                         description=_l("Gemarkung / Flur / Flurstück, z. B. „Dortmund / 12 / 345“"))
    year_built = IntegerField(_l("Baujahr"), validators=[Optional()])
    floor_area_m2 = LocalDecimalField(_l("Wohnfläche gesamt (m²)"), places=2, validators=[Optional()])
    priority = SelectField(_l("Priorität"), choices=choices(Priority.choices()), default=Priority.MEDIUM.value)
    version = HiddenField()


class NewCaseForm(PropertyForm):
    """A new problem case: the building and the referral that brought it in, in one step."""

    received_on = DateField(_l("Meldung eingegangen am"), validators=[DataRequired()])
    source = SelectField(_l("Quelle der Meldung"), validators=[DataRequired()],
                         choices=_with_blank(ReferralSource.choices()))
    text = TextAreaField(_l("Was wurde gemeldet?"), validators=[DataRequired(), Length(max=5000)])


class ReferralForm(Form):
    received_on = DateField(_l("Eingegangen am"), validators=[DataRequired()])
    source = SelectField(_l("Quelle"), validators=[DataRequired()], choices=_with_blank(ReferralSource.choices()))
    text = TextAreaField(_l("Inhalt"), validators=[DataRequired(), Length(max=5000)])


class UnitForm(Form):
    label = StringField(_l("Bezeichnung"), validators=[DataRequired(), Length(max=40)],
                        description=_l("z. B. „EG links“ oder „2. OG rechts“"))
    floor = IntegerField(_l("Geschoss"), validators=[Optional()], description=_l("0 = Erdgeschoss"))
    area_m2 = LocalDecimalField(_l("Wohnfläche (m²)"), places=2, validators=[Optional()])
    rooms = LocalDecimalField(_l("Zimmer"), places=1, validators=[Optional()])
    persons_registered = IntegerField(_l("Gemeldete Personen"), validators=[Optional()], default=0)
    step_free = BooleanField(_l("Stufenlos erreichbar"))
    lift = BooleanField(_l("Aufzug"))
    planned_rent = LocalDecimalField(_l("Geplante Nettokaltmiete (€)"), places=2, validators=[Optional()])


class OwnershipForm(Form):
    kind = SelectField(_l("Art"), choices=choices(OwnerKind.choices()), validators=[DataRequired()])
    name = StringField(_l("Name / Firma"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Anschrift"), validators=[Optional(), Length(max=300)])
    contact = StringField(_l("Kontakt"), validators=[Optional(), Length(max=200)])
    registered_on = DateField(_l("Im Grundbuch eingetragen am"), validators=[DataRequired()])
    land_register_ref = StringField(_l("Grundbuchblatt"), validators=[Optional(), Length(max=120)])


class DefectRowForm(Form):
    class Meta:
        csrf = False

    category = SelectField(_l("Kategorie"), choices=_with_blank(DefectCategory.choices()), validators=[Optional()])
    severity = SelectField(_l("Schwere"), choices=_with_blank(Severity.choices()), validators=[Optional()])
    unit_id = SelectField(_l("Wohnung"), validators=[Optional()], filters=[stripped])
    description = TextAreaField(_l("Beschreibung"), validators=[Optional(), Length(max=2000)])
    deadline = DateField(_l("Frist"), validators=[Optional()])
    photos = MultipleFileField(_l("Fotos"))
    staged = HiddenField()  # tokens of photos already accepted in an earlier, rejected submission

    def is_empty(self) -> bool:
        return not (self.category.data or self.severity.data or (self.description.data or "").strip())


class InspectionForm(Form):
    inspected_on = DateField(_l("Datum der Kontrolle"), validators=[DataRequired()])
    condition_rating = SelectField(
        _l("Zustand"), validators=[DataRequired()],
        choices=_with_blank([("1", _l("1 – gut")), ("2", _l("2 – leichte Mängel")), ("3", _l("3 – erhebliche Mängel")),
                             ("4", _l("4 – schwere Mängel")), ("5", _l("5 – unbewohnbar"))]),
    )
    officer_ids = MultiCheckboxField(_l("Prüfende"), coerce=int)
    agencies = MultiCheckboxField(_l("Beteiligte Stellen"), choices=choices(Agency.choices()))
    notes = TextAreaField(_l("Notizen"), validators=[Optional(), Length(max=5000)])
    defects = FieldList(FormField(DefectRowForm), min_entries=3)
    photos = MultipleFileField(_l("Fotos zur Kontrolle"))
    staged = HiddenField()


class ResolveDefectForm(Form):
    resolved_on = DateField(_l("Behoben am"), validators=[DataRequired()])


class OrderForm(Form):
    type = SelectField(_l("Art der Anordnung"), choices=_with_blank(OrderType.choices()), validators=[DataRequired()])
    status = SelectField(_l("Stand"), choices=choices(OrderStatus.choices()), default=OrderStatus.DRAFT.value)
    reference = StringField(_l("Aktenzeichen"), validators=[Optional(), Length(max=60)])
    issued_on = DateField(_l("Erlassen am"), validators=[Optional()])
    deadline = DateField(_l("Frist"), validators=[Optional()])
    vacate_by = DateField(_l("Räumung bis"), validators=[Optional()],
                          description=_l("Nur bei Unbewohnbarkeitserklärung (§ 9 WohnStG)"))
    description = TextAreaField(_l("Inhalt"), validators=[Optional(), Length(max=5000)])
    fines_total = LocalDecimalField(_l("Festgesetzte Zwangsgelder (€)"), places=2, validators=[Optional()])
    fines_note = StringField(_l("Zwangsgelder: Anmerkung"), validators=[Optional(), Length(max=300)])
    documents = MultipleFileField(_l("Dokumente"))


class AcquisitionForm(Form):
    method = SelectField(_l("Weg"), choices=_with_blank(AcquisitionMethod.choices()), validators=[DataRequired()])
    buyer = SelectField(_l("Erwerber"), choices=_with_blank(Buyer.choices()), validators=[DataRequired()])
    appraisal_value = LocalDecimalField(_l("Verkehrswertgutachten (€)"), places=2, validators=[Optional()])
    asking_price = LocalDecimalField(_l("Kaufpreisforderung (€)"), places=2, validators=[Optional()])
    agreed_price = LocalDecimalField(_l("Vereinbarter Kaufpreis (€)"), places=2, validators=[Optional()])
    council_decision_ref = StringField(_l("Ratsbeschluss: Drucksache"), validators=[Optional(), Length(max=60)])
    council_decision_on = DateField(_l("Ratsbeschluss vom"), validators=[Optional()])
    preemption_notice_on = DateField(_l("Kaufvertrag mitgeteilt am"), validators=[Optional()],
                                     description=_l("Vorkaufsrecht: die Frist endet drei Monate danach."))
    notarised_on = DateField(_l("Beurkundet am"), validators=[Optional()])
    transferred_on = DateField(_l("Übergabe (Besitz, Nutzen, Lasten) am"), validators=[Optional()])
    transfer_type = SelectField(_l("Art der Übertragung"), choices=_with_blank(TransferType.choices(), _l("–")),
                                validators=[Optional()])
    documents = MultipleFileField(_l("Dokumente"))


class TransitionForm(Form):
    to = SelectField(_l("Neuer Stand"), validators=[DataRequired()])
    reason = TextAreaField(_l("Begründung"), validators=[Optional(), Length(max=2000)],
                           description=_l("Pflicht bei einem Schritt zurück oder wenn der Fall endet."))
    version = HiddenField()


class CaseFilterForm(Form):
    class Meta:
        csrf = False

    # The search matches the street from its beginning, a house number, or a postcode: the placeholder says so.
    q = StringField(_l("Adresse"), validators=[Optional(), Length(max=120)],
                    render_kw={"placeholder": _l("Straßenanfang, Hausnr. oder PLZ")})
    status = SelectField(_l("Stand"), choices=_with_blank(CaseStatus.choices(), _l("alle")), validators=[Optional()],
                         filters=[stripped])
    social_area = SelectField(_l("Sozialraum"), validators=[Optional()], filters=[stripped])
    priority = SelectField(_l("Priorität"), choices=_with_blank(Priority.choices(), _l("alle")),
                           validators=[Optional()], filters=[stripped])
    overcrowded = BooleanField(_l("nur überbelegt"))
    overdue = BooleanField(_l("nur mit überschrittener Frist"))
    sort = SelectField(_l("Sortierung"), choices=choices([
        ("address", _l("Adresse")), ("status", _l("Stand")), ("priority", _l("Priorität")),
        ("updated", _l("zuletzt geändert")),
    ]), default="address", validators=[Optional()], filters=[stripped])



class HandOverForm(Form):
    name = StringField(_l("Projektname"), validators=[Optional(), Length(max=160)],
                       description=_l("leer lassen für „Sanierung <Adresse>“"))
    starts_on = DateField(_l("Beginn"), validators=[DataRequired()])
    planned_end_on = DateField(_l("Geplantes Ende"), validators=[DataRequired()])
    labour_budget = LocalDecimalField(_l("Budget Personal (€)"), places=2, validators=[Optional()])
    material_budget = LocalDecimalField(_l("Budget Material (€)"), places=2, validators=[Optional()])


class SocialAreaForm(Form):
    slug = StringField(_l("Kürzel"), validators=[DataRequired(), Length(max=60)],
                       description=_l("Kleinbuchstaben, Ziffern und Bindestriche; wird in Schnittstellen verwendet."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    district = StringField(_l("Stadtbezirk"), validators=[DataRequired(), Length(max=120)])
    is_active = BooleanField(_l("in Auswahllisten anbieten"), default=True)
