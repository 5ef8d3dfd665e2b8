from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired


class PeriodForm(FlaskForm):
    start = DateField(_l("Von"), validators=[DataRequired(message=_l("Bitte ein Datum angeben."))])
    end = DateField(_l("Bis"), validators=[DataRequired(message=_l("Bitte ein Datum angeben."))])
