from wtforms import DateField, StringField, ValidationError
from wtforms.validators import Length, Optional

from ..forms import Form, plausible_day
from ..i18n import lazy_gettext as _l


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Aktion"), validators=[Optional(), Length(max=60)])
    actor = StringField(_l("Wer (E-Mail)"), validators=[Optional(), Length(max=254)])
    object_type = StringField(_l("Datensatzart"), validators=[Optional(), Length(max=60)])
    object_id = StringField(_l("Datensatz-Nr."), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("Von"), validators=[Optional(), plausible_day])
    date_to = DateField(_l("Bis"), validators=[Optional(), plausible_day])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("„Bis“ liegt vor „Von“."))
