"""A log line cannot be forged: whatever a user types (a login e-mail, a path, a form value) reaches a log
record only with its line breaks and other control characters escaped, the development server's request
log included."""

import logging
import socket
import threading
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import make_server

from housing.auth.roles import Role
from housing.logs import neutralise

from .checks import assert_answered, send
from .conftest import fuzz_settings
from .strategies import CONTROL, INVISIBLE, nasty_text

LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
FORGED = "\nINFO housing: login.success admin@stadt-dortmund.example"


def breaking_text():
    """Text with at least one line break (or another control character) somewhere in it."""
    return st.builds(lambda head, char, tail: head + char + tail, nasty_text(), st.sampled_from(CONTROL + INVISIBLE
                     + list(LINE_BREAKS) + [FORGED]), st.text(max_size=30))


def assert_one_line(records) -> None:
    for record in records:
        message = record.getMessage()
        assert len(message.splitlines()) <= 1, f"{record.name}: {message!r}"
        assert not any(char in message for char in LINE_BREAKS), f"{record.name}: {message!r}"


@fuzz_settings(50)
@given(text=st.one_of(breaking_text(), st.text()))
def test_neutralised_text_is_one_line_and_keeps_its_printable_characters(text):
    shown = neutralise(text)

    assert len(shown.splitlines()) <= 1
    assert not any(char in shown for char in LINE_BREAKS)
    for char in set(text):
        if char.isprintable():
            assert shown.count(char) >= text.count(char)
    if len(text.splitlines()) <= 1 and all(char.isprintable() or char == "\t" for char in text):
        assert shown == text


@fuzz_settings(25)
@given(text=breaking_text())
def test_log_arguments_with_line_breaks_stay_on_one_line(caplog, text):
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("housing.test").warning("Login failed for %s from %s", text, text)
        logging.getLogger("housing.test").info("Payload %(value)s", {"value": text})
        logging.getLogger("housing.test").error("Refused: %s", ValueError(text))

    assert len(caplog.records) == 3
    assert_one_line(caplog.records)


@pytest.fixture
def logged_in(world):
    return world.client(Role.HOUSING_OFFICER)


def test_requests_with_line_breaks_in_e_mail_path_and_form_log_one_line_each(app, world, logged_in, caplog):
    client = app.test_client()

    @fuzz_settings(20)
    @given(text=breaking_text())
    def check(text):
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            for response, url in [
                (send(client, "POST", "/login", data={"email": text, "password": text}), "/login"),
                (send(logged_in, "GET", "/" + quote(text, safe="")), "/<text>"),
                (send(logged_in, "GET", "/cases/" + quote(text, safe="") + "/x"), "/cases/<text>/x"),
                (send(logged_in, "POST", "/cases/new", data={"street": text, "house_number": "1", "postcode": "44147",
                                                              "social_area": "nordmarkt", "text": text,
                                                              "source": "police", "received_on": "2026-01-05"}),
                 "/cases/new"),
            ]:
                assert_answered(response, url)
        assert_one_line(caplog.records)

    check()


def _raw_request(port: int, request_line: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("target", [
    b"/cases%0AINFO%20forged", b"/cases%0D%0A127.0.0.1%20-%20-%20%22GET%20/admin%20HTTP/1.1%22%20200",
    b"/%E2%80%A8forged", b"/%E2%80%A9x%C2%85y", b"/%1B%5B31mred", b"/%00", b"/caf%C3%A9?q=%0Aforged",
    b"/\xe2\x80\xa8raw", b"/a\x85b",
])
def test_the_development_servers_request_log_escapes_the_path(app, caplog, target):
    """The request log of ``flask run`` (werkzeug) names the decoded path: a line break in it must not start a
    line of its own."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            answer = _raw_request(server.server_port, b"GET " + target + b" HTTP/1.1")
            thread.join(timeout=10)
    finally:
        server.server_close()

    assert answer.startswith(b"HTTP/1.")
    records = [record for record in caplog.records if record.name == "werkzeug"]
    assert records, "the request was not logged"
    assert_one_line(records)


def test_gunicorns_access_log_keeps_its_dash_for_a_missing_header_and_escapes_the_others(caplog):
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms({"h": "10.0.0.7", "r": "GET / HTTP/1.1", "s": 200, "{user-agent}i": "curl" + FORGED})
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info(
            '%(h)s "%(r)s" %(s)s %({X-Forwarded-For}i)s "%({User-Agent}i)s"', atoms)

    assert caplog.records[-1].getMessage() == (
        '10.0.0.7 "GET / HTTP/1.1" 200 - "curl\\nINFO housing: login.success admin@stadt-dortmund.example"')
