"""Two-factor login (TOTP): enrolment during login, the code step, one-time codes, recovery codes, the pending
step's five minutes, the admin's reset, optional enrolment from the profile, and who may switch it off."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.auth.models import RecoveryCode, User, UserSession
from housing.auth.roles import Role
from housing.auth.twofactor import seal, unseal
from housing.extensions import db

from ..factories import UserFactory
from .conftest import (
    WRONG_CODE,
    body,
    enrol_at_login,
    is_logged_in,
    location,
    logout,
    post_login,
    recovery_codes_on,
    secret_on,
    send_code,
    send_recovery_code,
    totp,
)

pytestmark = pytest.mark.usefixtures("two_factor_required")


@pytest.fixture
def frozen():
    """The clock stands still at the start of the next 30-second step, so a test's requests share one time step
    until it moves the clock. Not earlier than now: a signed cookie the fixtures made a moment ago would be from the
    future, and is refused."""
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now + timedelta(seconds=30 - now.second % 30), tick=False) as traveller:
        yield traveller


def audit_count(action, user) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == str(user.id)))


def test_a_required_role_enrols_during_login_and_then_logs_in_with_password_and_code(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])

    response = post_login(client, officer.email)
    assert response.status_code == 302 and location(response) == "/login/two-factor"
    assert not is_logged_in(client)
    page = body(client.get("/login/two-factor"))
    secret = secret_on(page)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn without a request elsewhere
    # The secret stays the same while the user types (a reload must not invalidate the scanned QR code).
    assert secret_on(body(client.get("/login/two-factor"))) == secret

    response = client.post("/login/two-factor", data={"code": totp(secret)})
    assert location(response) == "/profile/recovery-codes"
    codes = recovery_codes_on(body(client.get("/profile/recovery-codes")))
    assert len(codes) == len(set(codes)) == 10
    # Shown once: a reload of the page goes to the profile.
    assert location(client.get("/profile/recovery-codes")) == "/profile"
    assert is_logged_in(client)
    stored = db.session.get(User, officer.id)
    assert stored.has_two_factor and unseal(stored.totp_secret) == secret
    # Only the codes' hashes are kept.
    kept = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == officer.id)).all()
    assert len(kept) == 10 and not set(kept) & set(codes)

    logout(client)
    frozen.shift(timedelta(seconds=30))
    response = post_login(client, officer.email)
    assert location(response) == "/login/code"
    assert not is_logged_in(client)
    response = send_code(client, totp(secret))
    assert response.status_code == 302 and location(response) == "/"
    assert is_logged_in(client)
    assert audit_count("login.success", officer) == 2


def test_a_wrong_code_at_enrolment_keeps_two_factor_off(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    post_login(client, officer.email)
    secret = secret_on(body(client.get("/login/two-factor")))

    response = client.post("/login/two-factor", data={"code": totp(secret, steps=5)})

    assert response.status_code == 200
    assert "Der Code stimmt nicht" in body(response)
    assert not is_logged_in(client)
    assert not db.session.get(User, officer.id).has_two_factor


def test_a_wrong_code_is_refused_and_counted(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    frozen.shift(timedelta(seconds=30))
    post_login(client, officer.email)

    response = send_code(client, totp(secret, steps=3))

    assert response.status_code == 200
    assert WRONG_CODE in body(response)
    assert not is_logged_in(client)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.summary == "second step")) == 1
    # The right code still works afterwards.
    assert location(send_code(client, totp(secret))) == "/"


def test_the_database_holds_the_secret_sealed_under_the_configured_keys(app, client, frozen):
    """A dump or backup alone makes no login codes: the stored secret is encrypted (and authenticated) under a key
    the database does not hold; an old SECRET_KEY kept in DATA_ENCRYPTION_KEYS still opens it."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)

    stored = db.session.scalar(select(User.totp_secret).where(User.id == officer.id))
    assert secret not in stored and len(stored) > 100
    assert unseal(stored) == secret
    other_key = {**app.config, "SECRET_KEY": "another-installation", "DATA_ENCRYPTION_KEYS": ()}
    assert unseal(stored, other_key) is None
    rotated = {**app.config, "SECRET_KEY": "the-new-key",
               "DATA_ENCRYPTION_KEYS": ("the-new-key", app.config["SECRET_KEY"])}
    assert unseal(stored, rotated) == secret
    assert unseal(seal(secret, rotated), {**app.config, "SECRET_KEY": "the-new-key"}) == secret


def test_a_login_code_checked_while_keys_change_seals_the_secret_anew_under_the_first_key(app, client, frozen):
    """SECRET_KEY changed with the old one kept in DATA_ENCRYPTION_KEYS: each user's next code moves their secret
    to the new key, after which the old key can be dropped from the list."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    frozen.shift(timedelta(seconds=30))
    old_key, new_key = app.config["SECRET_KEY"], "n" * 64
    app.config["DATA_ENCRYPTION_KEYS"] = (new_key, old_key)
    try:
        post_login(client, officer.email)
        assert location(send_code(client, totp(secret))) == "/"
    finally:
        app.config["DATA_ENCRYPTION_KEYS"] = ()

    stored = db.session.scalar(select(User.totp_secret).where(User.id == officer.id))
    assert unseal(stored, {"SECRET_KEY": new_key}) == secret
    assert unseal(stored, {"SECRET_KEY": old_key}) is None


def test_the_keys_may_be_written_as_one_comma_separated_string_and_must_be_long(tmp_path):
    from housing import ConfigurationError, create_app
    from housing.auth.twofactor import data_keys

    assert data_keys({"SECRET_KEY": "s", "DATA_ENCRYPTION_KEYS": "a" * 32 + ", " + "b" * 32}) == ("a" * 32, "b" * 32)
    assert data_keys({"SECRET_KEY": "s", "DATA_ENCRYPTION_KEYS": ()}) == ("s",)
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_KEYS"):
        create_app({"ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/k.sqlite3",
                    "DATA_ENCRYPTION_KEYS": "new,old"})


def test_a_secret_no_configured_key_opens_refuses_codes_and_leaves_the_recovery_codes(app, client, frozen):
    """After a SECRET_KEY change without the old key kept, the authenticator's codes cannot be checked: refused
    like a wrong code (not an error page), and a recovery code still logs in."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, codes = enrol_at_login(client, officer)
    logout(client)
    frozen.shift(timedelta(seconds=30))
    db.session.execute(User.__table__.update().where(User.id == officer.id).values(
        totp_secret=seal(secret, {**app.config, "SECRET_KEY": "a-key-long-gone", "DATA_ENCRYPTION_KEYS": ()})))
    db.session.commit()

    post_login(client, officer.email)
    response = send_code(client, totp(secret))
    assert response.status_code == 200 and WRONG_CODE in body(response)
    assert not is_logged_in(client)
    assert location(send_recovery_code(client, codes[0])) == "/"


def test_a_code_cannot_be_used_twice(app, client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    # The enrolment code's step is spent: the same code does not log in again.
    logout(client)
    post_login(client, officer.email)
    response = send_code(client, totp(secret))
    assert WRONG_CODE in body(response) and not is_logged_in(client)

    frozen.shift(timedelta(seconds=30))
    code = totp(secret)
    assert location(send_code(client, code)) == "/"
    # Someone who watched the code being typed, in the same time step, in another browser:
    other = app.test_client()
    post_login(other, officer.email)
    response = send_code(other, code)
    assert WRONG_CODE in body(response)
    assert not is_logged_in(other)
    # An older code (within the clock-drift window) is refused too once a newer one was used.
    response = send_code(other, totp(secret, steps=-1))
    assert WRONG_CODE in body(response)
    assert not is_logged_in(other)


def test_a_code_a_step_early_or_late_is_accepted_but_not_two(client, frozen):
    """Phones' clocks drift: one time step (30 s) either way is accepted, two are not."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    frozen.shift(timedelta(minutes=2))
    post_login(client, officer.email)
    assert location(send_code(client, totp(secret, steps=1))) == "/"
    logout(client)
    frozen.shift(timedelta(minutes=2))
    post_login(client, officer.email)
    assert location(send_code(client, totp(secret, steps=-1))) == "/"
    logout(client)
    frozen.shift(timedelta(minutes=2))
    post_login(client, officer.email)

    for steps in (2, -2):
        response = send_code(client, totp(secret, steps=steps))
        assert response.status_code == 200 and WRONG_CODE in body(response)
    assert not is_logged_in(client)


def test_a_recovery_code_logs_in_once(app, client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    _secret, codes = enrol_at_login(client, officer)
    logout(client)

    post_login(client, officer.email)
    response = send_recovery_code(client, codes[3].upper())
    assert response.status_code == 302 and location(response) == "/"
    assert "noch 9 übrig" in body(client.get("/"))
    logout(client)

    post_login(client, officer.email)
    response = send_recovery_code(client, codes[3])
    assert response.status_code == 200 and WRONG_CODE in body(response)
    assert not is_logged_in(client)
    assert audit_count("two_factor.recovery_code", officer) == 1


def test_the_second_step_expires_after_five_minutes(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    frozen.shift(timedelta(seconds=30))
    post_login(client, officer.email)
    assert client.get("/login/code").status_code == 200

    frozen.shift(timedelta(minutes=5, seconds=1))
    response = send_code(client, totp(secret))

    assert response.status_code == 302 and location(response) == "/login"
    assert not is_logged_in(client)
    assert "Bitte melden Sie sich erneut an." in body(client.get("/login"))


def test_the_enrolment_step_expires_after_five_minutes(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    post_login(client, officer.email)
    secret = secret_on(body(client.get("/login/two-factor")))

    frozen.shift(timedelta(minutes=5, seconds=1))
    response = client.post("/login/two-factor", data={"code": totp(secret)})

    assert location(response) == "/login"
    assert not is_logged_in(client)
    assert not db.session.get(User, officer.id).has_two_factor


def test_without_the_password_step_there_is_no_code_step(client):
    assert location(client.get("/login/code")) == "/login"
    assert location(client.post("/login/code", data={"totp-code": "123456"})) == "/login"
    assert location(client.get("/login/two-factor")) == "/login"


def test_the_admins_reset_ends_the_sessions_and_forces_a_new_enrolment(app, client, admin_client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    old_secret, _codes = enrol_at_login(client, officer)
    assert is_logged_in(client)

    response = admin_client.post(f"/admin/users/{officer.id}/two-factor/reset")

    assert response.status_code == 302
    assert not is_logged_in(client)
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == officer.id, UserSession.ended_at.is_(None))) == 0
    assert not db.session.get(User, officer.id).has_two_factor
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == officer.id)) == 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "two_factor.reset")).one()
    assert event.actor_id == admin_client.user.id and event.object_id == str(officer.id)

    frozen.shift(timedelta(seconds=30))
    response = post_login(client, officer.email)
    assert location(response) == "/login/two-factor"
    # The old authenticator entry is worthless now.
    send_code(client, totp(old_secret))
    assert not is_logged_in(client)
    new_secret = secret_on(body(client.get("/login/two-factor")))
    assert new_secret != old_secret


def test_the_admin_page_offers_the_reset_only_for_an_enrolled_user(client, admin_client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    assert f"/admin/users/{officer.id}/two-factor/reset" not in body(admin_client.get(f"/admin/users/{officer.id}"))
    enrol_at_login(client, officer)

    assert f"/admin/users/{officer.id}/two-factor/reset" in body(admin_client.get(f"/admin/users/{officer.id}"))


def test_management_is_not_forced_to_enrol(client):
    manager = UserFactory(roles=[Role.MANAGEMENT])

    response = post_login(client, manager.email)

    assert location(response) == "/"
    assert is_logged_in(client)


def test_management_enrols_from_the_profile_and_then_needs_the_code(client, frozen):
    manager = UserFactory(roles=[Role.MANAGEMENT])
    post_login(client, manager.email)
    page = body(client.get("/profile/two-factor"))
    secret = secret_on(page)

    response = client.post("/profile/two-factor", data={"code": totp(secret, steps=4)})
    assert response.status_code == 200 and "Der Code stimmt nicht" in body(response)
    assert not db.session.get(User, manager.id).has_two_factor
    assert secret_on(body(response)) == secret

    response = client.post("/profile/two-factor", data={"code": totp(secret)})
    assert location(response) == "/profile/recovery-codes"
    assert len(recovery_codes_on(body(client.get("/profile/recovery-codes")))) == 10
    assert location(client.get("/profile/two-factor")) == "/profile"  # enrolled already
    logout(client)

    frozen.shift(timedelta(seconds=30))
    assert location(post_login(client, manager.email)) == "/login/code"
    assert location(send_code(client, totp(secret))) == "/"


def test_management_may_switch_two_factor_off_again(client, frozen):
    manager = UserFactory(roles=[Role.MANAGEMENT])
    post_login(client, manager.email)
    secret = secret_on(body(client.get("/profile/two-factor")))
    client.post("/profile/two-factor", data={"code": totp(secret)})

    response = client.post("/profile/two-factor/off")

    assert location(response) == "/profile"
    assert is_logged_in(client)  # the current session stays
    assert not db.session.get(User, manager.id).has_two_factor
    logout(client)
    assert location(post_login(client, manager.email)) == "/"


def test_a_required_role_cannot_switch_two_factor_off(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    enrol_at_login(client, officer)

    response = client.post("/profile/two-factor/off", follow_redirects=True)

    assert "Für Ihre Rolle ist die Anmeldung in zwei Schritten vorgeschrieben." in body(response)
    assert db.session.get(User, officer.id).has_two_factor
    assert is_logged_in(client)


def test_the_profile_shows_the_recovery_codes_left_and_no_switch_off_for_a_required_role(client, frozen):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    _secret, codes = enrol_at_login(client, officer)
    logout(client)
    post_login(client, officer.email)
    send_recovery_code(client, codes[0])

    page = body(client.get("/profile"))

    assert "noch 9 Wiederherstellungscodes" in page
    assert "/profile/two-factor/off" not in page



@pytest.mark.parametrize(("target", "expected"), [("/profile", "/profile"), ("//evil.example", "/"),
                                                  ("https://evil.example/x", "/")])
def test_the_page_asked_for_is_reached_after_the_code_but_never_another_site(client, frozen, target, expected):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    frozen.shift(timedelta(seconds=30))
    post_login(client, officer.email, next=target)

    assert location(send_code(client, totp(secret))) == expected


@pytest.mark.parametrize(("target", "expected"), [("/cases", "/cases"), ("//evil.example", "/")])
def test_after_the_enrolment_the_codes_page_leads_to_the_page_asked_for_only_on_this_site(client, target, expected):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    post_login(client, officer.email, next=target)
    secret = secret_on(body(client.get("/login/two-factor")))
    client.post("/login/two-factor", data={"code": totp(secret)})

    page = body(client.get("/profile/recovery-codes"))

    assert f'href="{expected}"' in page
    assert "evil.example" not in page


def test_passing_the_password_step_again_does_not_reset_the_count_of_wrong_codes(client, frozen):
    """Someone who knows the password but not the phone cannot start over to get five new tries."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    for wrong_codes in (2, 3):
        assert location(post_login(client, officer.email)) == "/login/code"
        for _n in range(wrong_codes):
            assert send_code(client, totp(secret, steps=9)).status_code == 200

    assert post_login(client, officer.email).status_code == 429
