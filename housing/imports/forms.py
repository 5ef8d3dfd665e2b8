from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField
from wtforms.validators import DataRequired

from ..forms import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from .kinds import KINDS


class ImportForm(Form):
    kind = SelectField(_l("Art der Liste"), choices=choices((name, kind.label) for name, kind in KINDS.items()),
                       validators=[DataRequired()])
    file = FileField(_l("Datei"), validators=[FileRequired(_l("Bitte eine Datei wählen."))],
                     description=_l("CSV (Semikolon oder Komma, UTF-8 oder Windows-1252) oder Excel (.xlsx); "
                                    "die erste Zeile enthält die Spaltenüberschriften."),
                     render_kw={"accept": ".csv,.txt,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    dry_run = BooleanField(_l("Probelauf: nur prüfen, nichts speichern"), default=True)
