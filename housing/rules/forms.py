from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import LocalDecimalField


class RuleVersionForm(FlaskForm):
    valid_from = DateField(_l("Gültig ab"), validators=[DataRequired()])
    value = LocalDecimalField(_l("Wert"), places=2, validators=[DataRequired()])
    note = StringField(_l("Anmerkung / Quelle"), validators=[Optional(), Length(max=300)])
