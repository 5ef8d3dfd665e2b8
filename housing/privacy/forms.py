from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from .subjects import KINDS


class SubjectSearchForm(Form):
    """Sent by POST: a name typed here must not end up in a URL, the browser history or a proxy's log."""

    kind = SelectField(_l("Art"), choices=choices((slug, kind.label) for slug, kind in KINDS.items()))
    query = StringField(_l("Name oder Nummer"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Vor- oder Nachname (auch ohne Akzente) oder die Nummer der Akte"))


class RetentionPreviewForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    on = DateField(_l("Lauf am"), validators=[Optional()])
