from wtforms import DateField
from wtforms.validators import DataRequired

from ..forms import Form, plausible_day
from ..i18n import lazy_gettext as _l


class PeriodForm(Form):
    start = DateField(_l("Von"), validators=[DataRequired(message=_l("Bitte ein Datum angeben.")), plausible_day])
    end = DateField(_l("Bis"), validators=[DataRequired(message=_l("Bitte ein Datum angeben.")), plausible_day])
