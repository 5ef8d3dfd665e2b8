from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..forms import Form, MultiCheckboxField, SelectField, choices
from ..i18n import LANGUAGE_NAMES
from ..i18n import lazy_gettext as _l
from .roles import Role


def role_choices():
    return choices((role.value, role.label) for role in Role)


class LoginForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class CodeForm(Form):
    code = StringField(_l("Code aus der Authenticator-App"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class RecoveryForm(Form):
    recovery_code = StringField(_l("Wiederherstellungscode"), validators=[DataRequired(), Length(max=40)],
                                render_kw={"autocomplete": "off"})


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Sprache"), choices=choices(LANGUAGE_NAMES.items()))


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Aktuelles Passwort"), validators=[DataRequired()])
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(), Length(min=12, max=128)],
        description=_l("Mindestens 12 Zeichen; ein langer Satz ist ein gutes Passwort."),
    )


class ApiTokenForm(Form):
    name = StringField(
        _l("Bezeichnung"), validators=[DataRequired(), Length(max=100)],
        description=_l("Wofür der Schlüssel dient, z. B. „GIS-Abgleich“."),
    )


class UserCreateForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(_l("Rollen"), choices=role_choices, validators=[DataRequired()])
    password = PasswordField(
        _l("Erstpasswort"), validators=[DataRequired(), Length(min=12, max=128)],
        description=_l("Mindestens 12 Zeichen. Teilen Sie es der Person auf sicherem Weg mit."),
    )


class UserEditForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(_l("Rollen"), choices=role_choices, validators=[DataRequired()])
    is_active = BooleanField(_l("Konto aktiv"))


class SetPasswordForm(Form):
    password = PasswordField(
        _l("Neues Passwort"), validators=[DataRequired(), Length(min=12, max=128)],
        description=_l("Mindestens 12 Zeichen. Alle Sitzungen der Person werden beendet."),
    )

