"""Users, roles, logins and API tokens. Functions flush; the caller commits."""

import secrets

from sqlalchemy import bindparam, select
from zxcvbn import zxcvbn

from ..audit.services import pending_changes, record
from ..database import utcnow
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from . import sessions
from .models import ApiToken, User, UserRole
from .passwords import burn_verification_time, hash_password, needs_rehash, verify_password
from .roles import Role

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 means "safely unguessable" (about 10^8 guesses and more)
ZXCVBN_MAX_LENGTH = 72
TOKEN_PREFIX = "hsg_"  # noqa: S105  (a marker, not a secret)


# Words that make a password easy to guess here, besides the user's own name and address.
CONTEXT_WORDS = ("dortmund", "nordstadt", "housing", "viertelwerk", "wohnen", "stadt", "passwort")


def validate_password(password: str, *, user: User | None = None, email: str = "", name: str = "") -> None:
    """ASVS: at least 12 characters, passphrases welcome, no composition rules; common and guessable
    passwords (frequent passwords, keyboard runs, repetitions, the user's name or e-mail, the city) are
    refused, judged by zxcvbn's estimate of the guesses needed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.on(
            "password", _("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed.on(
            "password", _("Das Passwort darf höchstens %(n)d Zeichen lang sein.", n=MAX_PASSWORD_LENGTH)
        )
    personal = [email or (user.email if user else ""), name or (user.name if user else "")]
    words = [part for text in personal for part in text.lower().replace("@", " ").replace(".", " ").split()
             if len(part) > 2]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=[*CONTEXT_WORDS, *words])["score"] < MIN_PASSWORD_SCORE:
        raise ValidationFailed.on("password", _(
            "Dieses Passwort ist zu leicht zu erraten (etwa ein häufiges Passwort, eine Zahlen- oder Tastenfolge "
            "oder Ihr Name). Ein Satz aus mehreren Wörtern ist sicher und gut zu merken."))


def _parse_roles(roles) -> set[Role]:
    try:
        parsed = {Role(role) for role in roles}
    except ValueError as error:
        raise ValidationFailed.on("roles", _("Unbekannte Rolle.")) from error
    if not parsed:
        raise ValidationFailed.on("roles", _("Mindestens eine Rolle ist nötig."))
    return parsed


def create_user(email: str, name: str, roles, password: str, *, actor=None) -> User:
    """Create an active user with the given roles; the e-mail is the login and must be unique."""
    email = email.strip().lower()
    name = name.strip()
    if not name:
        raise ValidationFailed.on("name", _("Bitte einen Namen angeben."))
    if User.by_email(email) is not None:
        raise Conflict(_("Es gibt bereits ein Konto mit dieser E-Mail-Adresse."), {"email": [_("Bereits vergeben.")]})
    parsed_roles = _parse_roles(roles)
    validate_password(password, email=email, name=name)
    user = User(email=email, name=name, password_hash=hash_password(password))
    user.set_roles(parsed_roles)
    db.session.add(user)
    db.session.flush()
    created = {"email": [None, email], "name": [None, name], "roles": [None, sorted(parsed_roles)]}
    record("user.create", user, actor=actor, changes=created)
    return user


def update_user(user: User, *, name: str, roles, is_active: bool, actor) -> None:
    """Change a user's name, roles and active flag; deactivating ends the user's sessions."""
    parsed_roles = _parse_roles(roles)
    if user.id == actor.id and (not is_active or Role.ADMIN not in parsed_roles):
        raise Conflict(_("Sie können sich nicht selbst sperren oder die Administration entziehen."))
    old_roles = sorted(user.roles)
    user.name = name.strip()
    user.set_roles(parsed_roles)
    was_active = user.is_active
    user.is_active = is_active
    changes = pending_changes(user)
    if old_roles != sorted(parsed_roles):
        changes["roles"] = [old_roles, sorted(parsed_roles)]
    if was_active and not is_active:
        sessions.end_all(user, "deactivated")
    record("user.update", user, actor=actor, changes=changes)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own change: the current password is checked, other sessions end."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed.on("current_password", _("Das aktuelle Passwort stimmt nicht."))
    set_password(user, new_password, actor=user)


def set_password(user: User, new_password: str, *, actor) -> None:
    """A new password ends the user's other sessions (all of them when an admin sets it)."""
    validate_password(new_password, user=user)
    user.password_hash = hash_password(new_password)
    sessions.end_all(user, "password", keep=sessions.current() if actor is user else None)
    record("user.password", user, actor=actor)


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; failures are audited (the success is audited
    by ``record_login`` once the login is complete).

    Unknown e-mail and wrong password take the same time and leave the same trace for the caller.
    """
    user = User.by_email(email or "")
    if user is None or not user.is_active:
        burn_verification_time(password or "")
        record("login.failed", object_type="users", summary=(email or "")[:254])
        return None
    if not verify_password(user.password_hash, password or ""):
        record("login.failed", user, summary=user.email)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user: User) -> None:
    """The login is complete (password, and the second step where there is one)."""
    user.last_login_at = utcnow()
    record("login.success", user, actor=user)


def create_api_token(user: User, name: str, *, actor=None) -> tuple[ApiToken, str]:
    """Create a personal token; returns the record and the token itself, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.on("name", _("Bitte einen Namen für den Schlüssel angeben."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], token_hash=sessions.digest(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.flush()
    record("api_token.create", token, actor=actor or user, summary=name)
    return token, secret


def revoke_api_token(token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token.revoke", token, actor=actor, summary=token.name)


# Every API request asks it: built once, so a request only binds the token's digest.
_TOKEN_BY_HASH = select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash")).options(
    sessions.with_user(ApiToken.user))


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None for an unknown or revoked token."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalars(_TOKEN_BY_HASH, {"token_hash": sessions.digest(secret)}).unique().one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > sessions.TOUCH_EVERY:  # not a write per request
        token.last_used_at = now
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)))


def active_user_ids_with_role(role: Role) -> frozenset[int]:
    """Who holds ``role`` and may log in (the recipients of a team-wide reminder)."""
    return frozenset(db.session.scalars(select(UserRole.user_id).join(User, User.id == UserRole.user_id)
                                        .where(UserRole.role == role, User.is_active.is_(True))))
