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
from .models import FundingBasis, ProjectStatus, QualificationKind


class ProjectForm(Form):
    name = StringField(_l("Projektname"), validators=[DataRequired(), Length(max=160)])
    status = SelectField(_l("Stand"), choices=choices(ProjectStatus.choices()))
    starts_on = DateField(_l("Beginn"), validators=[DataRequired()])
    planned_end_on = DateField(_l("Geplantes Ende"), validators=[DataRequired()])
    completed_on = DateField(_l("Abgeschlossen am"), validators=[Optional()])
    labour_budget = LocalDecimalField(_l("Budget Personal (€)"), places=2, validators=[Optional()])
    material_budget = LocalDecimalField(_l("Budget Material (€)"), places=2, validators=[Optional()])
    supervisor_ids = MultiCheckboxField(_l("Anleitung"), coerce=int)


class WorkPackageForm(Form):
    trade = StringField(_l("Gewerk"), validators=[DataRequired(), Length(max=80)],
                        description=_l("z. B. Entkernung, Trockenbau, Maler, Sanitär, Elektro (Fachfirma)"))
    description = StringField(_l("Beschreibung"), validators=[Optional(), Length(max=300)])
    planned_hours = LocalDecimalField(_l("Geplante Stunden"), places=2, validators=[Optional()])
    progress_percent = IntegerField(_l("Fortschritt (%)"), validators=[Optional(), NumberRange(0, 100)], default=0)
    by_specialist_firm = BooleanField(_l("durch Fachfirma"))


class MaterialCostForm(Form):
    booked_on = DateField(_l("Datum"), validators=[DataRequired()])
    description = StringField(_l("Material"), validators=[DataRequired(), Length(max=200)])
    supplier = StringField(_l("Lieferant"), validators=[Optional(), Length(max=120)])
    work_package_id = SelectField(_l("Arbeitspaket"), validators=[Optional()], filters=[stripped])
    amount = LocalDecimalField(_l("Betrag (€)"), places=2, validators=[InputRequired()])


class ParticipantForm(Form):
    first_name = StringField(_l("Vorname"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nachname"), validators=[DataRequired(), Length(max=100)])
    birth_date = DateField(_l("Geburtsdatum"), validators=[DataRequired()])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-Mail"), validators=[Optional(), Length(max=254)])
    jobcenter_ref = StringField(_l("Jobcenter-Kundennummer"), validators=[Optional(), Length(max=40)])
    funding_basis = SelectField(_l("Förderung"), choices=choices(FundingBasis.choices()))
    starts_on = DateField(_l("Maßnahme ab"), validators=[DataRequired()])
    ends_on = DateField(_l("Maßnahme bis"), validators=[DataRequired()])
    weekly_hours = LocalDecimalField(_l("Wochenstunden laut Vertrag"), places=2, validators=[InputRequired()])
    project_id = SelectField(_l("Projekt"), validators=[DataRequired()])
    default_work_package_id = SelectField(_l("Übliches Arbeitspaket"), validators=[Optional()], filters=[stripped])
    safety_briefing_on = DateField(_l("Sicherheitsunterweisung am"), validators=[Optional()],
                                   description=_l("Ohne Unterweisung können keine Arbeitsstunden erfasst werden."))
    version = HiddenField()


class QualificationForm(Form):
    kind = SelectField(_l("Art"), choices=choices(QualificationKind.choices()))
    name = StringField(_l("Bezeichnung"), validators=[Optional(), Length(max=120)],
                       description=_l("z. B. „Staplerschein“, „Erste Hilfe“"))
    obtained_on = DateField(_l("Erworben am"), validators=[DataRequired()])
    valid_until = DateField(_l("Gültig bis"), validators=[Optional()])


class UnlockForm(Form):
    reason = TextAreaField(_l("Begründung"), validators=[DataRequired(), Length(max=2000)])
