"""The login throttle: five failures per account and twenty per address within 15 minutes, then 429 until the
window has passed; the same answer for accounts that do not exist; the second step counts too."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.auth.models import LoginFailure
from housing.auth.roles import Role
from housing.extensions import db

from ..factories import PASSWORD, UserFactory
from .conftest import (
    LOGIN_FAILED,
    TOO_MANY,
    body,
    enrol_at_login,
    is_logged_in,
    location,
    logout,
    other_app,
    post_login,
    send_code,
    sharing_connection,
    totp,
)

WRONG = "Falsches-Passwort-123"


@pytest.fixture
def clock():
    """Time that moves only when the test moves it (the throttle window is measured on it)."""
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now + timedelta(seconds=30 - now.second % 30), tick=False) as traveller:
        yield traveller


def fail(client, email, times, address=None):
    environ = {"REMOTE_ADDR": address} if address else {}
    for _n in range(times):
        response = client.post("/login", data={"email": email, "password": WRONG}, environ_base=environ)
        assert response.status_code == 200 and LOGIN_FAILED in body(response)


def test_five_wrong_passwords_block_the_account_even_for_the_right_one(client, clock):
    user = UserFactory(email="gesperrt@housing.example")
    fail(client, user.email, 5)

    response = post_login(client, user.email)

    assert response.status_code == 429
    page = body(response)
    assert TOO_MANY in page and "Bitte warten Sie einige Minuten" in page
    assert '<html lang="de">' in page
    assert not is_logged_in(client)
    # Whatever the case of the typed address.
    assert post_login(client, "GESPERRT@housing.example").status_code == 429
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.throttled")) == 2


def test_four_wrong_passwords_do_not_block(client, clock):
    user = UserFactory()
    fail(client, user.email, 4)

    assert location(post_login(client, user.email)) == "/"


def test_an_unknown_email_gets_exactly_the_answers_of_a_known_one(client, clock):
    UserFactory(email="bekannt@housing.example")
    known, unknown = [], []
    for _n in range(7):
        known.append(client.post("/login", data={"email": "bekannt@housing.example", "password": WRONG}))
        unknown.append(client.post("/login", data={"email": "unbekannt@housing.example", "password": WRONG}))

    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * 5 + [429] * 2
    for one, other in zip(known, unknown, strict=True):
        assert body(one).replace("bekannt@", "X@") == body(other).replace("unbekannt@", "X@")
    # The refusal says nothing about how long: the same page a minute later and at the end of the window.
    clock.shift(timedelta(minutes=13))
    later = post_login(client, "bekannt@housing.example")
    assert later.status_code == 429 and body(later) == body(known[-1]) == body(unknown[-1])


def test_twenty_failures_from_one_address_block_it_for_every_account(app, client, clock):
    users = [UserFactory() for _n in range(6)]
    for user in users[:5]:
        fail(client, user.email, 4, address="10.1.2.3")  # never five for one account

    blocked = client.post("/login", data={"email": users[5].email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert blocked.status_code == 429
    assert TOO_MANY in body(blocked)
    # Another address is not affected, for the same account.
    other = app.test_client()
    response = other.post("/login", data={"email": users[5].email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert location(response) == "/"


def test_the_block_ends_when_the_window_has_passed(client, clock):
    user = UserFactory()
    fail(client, user.email, 5)
    clock.shift(timedelta(minutes=14, seconds=59))
    assert post_login(client, user.email).status_code == 429

    clock.shift(timedelta(seconds=2))
    response = post_login(client, user.email)

    assert location(response) == "/"
    assert is_logged_in(client)


def test_failures_spread_over_more_than_the_window_do_not_add_up(client, clock):
    user = UserFactory()
    fail(client, user.email, 3)
    clock.shift(timedelta(minutes=16))
    fail(client, user.email, 4)

    assert location(post_login(client, user.email)) == "/"


def test_a_successful_login_clears_the_accounts_count_but_not_the_addresss(client, clock):
    user = UserFactory()
    fail(client, user.email, 4)
    assert location(post_login(client, user.email)) == "/"
    logout(client)
    fail(client, user.email, 4)

    assert location(post_login(client, user.email)) == "/"
    kinds = db.session.execute(select(LoginFailure.kind, func.count()).group_by(LoginFailure.kind)).all()
    assert dict(kinds) == {"address": 8}  # the account's were cleared again by the second login


def test_refused_attempts_while_blocked_do_not_extend_the_block(client, clock):
    user = UserFactory()
    fail(client, user.email, 5)
    for _minute in range(14):
        clock.shift(timedelta(minutes=1))
        assert post_login(client, user.email, WRONG).status_code == 429

    clock.shift(timedelta(minutes=1, seconds=1))
    assert location(post_login(client, user.email)) == "/"


@pytest.mark.usefixtures("two_factor_required")
def test_wrong_codes_at_the_second_step_count_towards_the_block(client, clock):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    secret, _codes = enrol_at_login(client, officer)
    logout(client)
    clock.shift(timedelta(seconds=30))
    post_login(client, officer.email)
    for _n in range(5):
        assert send_code(client, totp(secret, steps=7)).status_code == 200

    response = send_code(client, totp(secret))

    assert response.status_code == 429 and TOO_MANY in body(response)
    assert not is_logged_in(client)
    # The password step is blocked as well now.
    assert post_login(client, officer.email).status_code == 429


@pytest.mark.usefixtures("two_factor_required")
def test_wrong_recovery_codes_count_towards_the_block(client, clock):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    _secret, codes = enrol_at_login(client, officer)
    logout(client)
    post_login(client, officer.email)
    for n in range(5):
        response = client.post("/login/code", data={"recovery-recovery_code": f"0000000{n}-00000000"})
        assert response.status_code == 200

    response = client.post("/login/code", data={"recovery-recovery_code": codes[0]})

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(client, clock):
    """Without a proxy configured, X-Forwarded-For is anyone's to write: it must not make one address many."""
    users = [UserFactory() for _n in range(6)]
    for n, user in enumerate(users[:5]):
        for m in range(4):
            client.post("/login", data={"email": user.email, "password": WRONG},
                        headers={"X-Forwarded-For": f"10.0.{n}.{m}"})

    response = client.post("/login", data={"email": users[5].email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "10.9.9.9"})

    assert response.status_code == 429


@pytest.fixture
def behind_a_proxy(app, database_url, tmp_path_factory):
    """The app behind one reverse proxy (TRUSTED_PROXIES = 1), on the test's connection."""
    proxied = other_app(app, database_url, tmp_path_factory, TRUSTED_PROXIES=1)
    with sharing_connection(app, proxied):
        yield proxied
    with proxied.app_context():
        db.engine.dispose()


def test_behind_a_trusted_proxy_the_address_limit_is_per_client(behind_a_proxy, clock):
    users = [UserFactory() for _n in range(7)]
    client = behind_a_proxy.test_client()
    proxy = {"REMOTE_ADDR": "192.168.10.1"}
    for user in users[:5]:
        for _n in range(4):
            client.post("/login", data={"email": user.email, "password": WRONG}, environ_base=proxy,
                        headers={"X-Forwarded-For": "10.1.2.3"})

    blocked = client.post("/login", data={"email": users[5].email, "password": PASSWORD}, environ_base=proxy,
                          headers={"X-Forwarded-For": "10.1.2.3"})
    other = behind_a_proxy.test_client().post("/login", data={"email": users[6].email, "password": PASSWORD},
                                              environ_base=proxy, headers={"X-Forwarded-For": "10.4.5.6"})

    assert blocked.status_code == 429
    assert location(other) == "/"
    keys = set(db.session.scalars(select(LoginFailure.key).where(LoginFailure.kind == "address")))
    assert keys == {"10.1.2.3"}
    assert db.session.scalars(select(AuditEvent.ip_address).where(AuditEvent.action == "login.success")).one() \
        == "10.4.5.6"
