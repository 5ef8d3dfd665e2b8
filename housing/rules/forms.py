from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import Form, LocalDecimalField
from ..i18n import lazy_gettext as _l


class RuleVersionForm(Form):
    valid_from = DateField(_l("Gültig ab"), validators=[DataRequired()])
    value = LocalDecimalField(_l("Wert"), places=2, validators=[InputRequired()])
    note = StringField(_l("Anmerkung / Quelle"), validators=[Optional(), Length(max=300)])


class SettingsForm(Form):
    advisor_caseload_only = BooleanField(
        _l("Die Wohnraumvermittlung sieht nur Haushalte, die sie selbst betreut"),
        description=_l("Sonst sehen alle Beraterinnen und Berater alle Haushalte. "
                       "Die Administration sieht immer alle."))
