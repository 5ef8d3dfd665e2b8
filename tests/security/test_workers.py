"""The login throttle holds across web workers: gunicorn with two worker processes, failed logins sent over
separate connections (so both workers answer some of them), and from the sixth on every answer is 429.

The server gets a database of its own (a migrated SQLite file, or a private PostgreSQL database under
``--db=postgresql``): it needs committed data, outside the test's rolled-back transaction.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from housing.database import normalise_database_url

from ..conftest import _private_postgresql_database

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "zwei.worker@housing.example"
PASSWORD = "Zwei-Prozesse-ein-Zähler"
SEED = f"""
from housing import create_app
from housing.auth.services import create_user
from housing.extensions import db

app = create_app()
with app.app_context():
    create_user({EMAIL!r}, "Wera Worker", ["housing_officer"], {PASSWORD!r})
    db.session.commit()
"""


@contextmanager
def server_database(request, tmp_path):
    if request.config.getoption("--db") == "postgresql":
        with _private_postgresql_database(normalise_database_url(os.environ["HOUSING_TEST_DATABASE_URL"])) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'workers.sqlite3'}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(request, tmp_path):
    """gunicorn -w 2 on a free port, on a migrated database with one user; yields its base URL and its log."""
    with server_database(request, tmp_path) as url:
        env = {key: value for key, value in os.environ.items() if not key.startswith("HOUSING_")}
        env.update(HOUSING_ENV="development", HOUSING_SECRET_KEY="zwei-worker-test", HOUSING_DATABASE_URL=url,
                   HOUSING_UPLOAD_DIR=str(tmp_path / "uploads"), HOUSING_DOCUMENT_DIR=str(tmp_path / "documents"))
        for command in ([sys.executable, "-m", "flask", "--app", "housing", "db", "upgrade"],
                        [sys.executable, "-c", SEED]):
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
        port = free_port()
        log = (tmp_path / "gunicorn.log").open("w")
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                    "--no-control-socket", "--access-logfile", "-",
                                    "--access-logformat", "worker=%(p)s %(m)s %(U)s %(s)s", "housing:create_app()"],
                                   env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310 (http on loopback)
                        assert answer.status == 200
                    break
                except OSError:  # not listening yet, or a worker still loading the app
                    assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                    assert time.monotonic() < deadline, "gunicorn did not answer within 15 s"
                    time.sleep(0.1)
            yield base, tmp_path / "gunicorn.log"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


class Browser:
    """Cookies kept like a browser's; every request on a new connection (urllib does not keep connections)."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def get(self, path) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 (http on loopback)

    def post(self, path, data) -> tuple[int, str]:
        encoded = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=encoded))  # noqa: S310 (http on loopback)

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_throttle_holds_across_two_workers(server):
    base, log = server
    browser = Browser(base)
    status, page = browser.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    statuses = []
    for _n in range(12):
        status, page = browser.post("/login", {"csrf_token": token, "email": EMAIL, "password": "Falsch-geraten-123"})
        statuses.append(status)
        if status == 200:
            assert "E-Mail-Adresse oder Passwort ist falsch." in page
        else:
            assert "Zu viele Versuche" in page

    assert statuses == [200] * 5 + [429] * 7
    # The right password is refused as well now, by whichever worker answers.
    status, _page = browser.post("/login", {"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    assert status == 429
    # Both workers refuse: gunicorn's access log names the worker's process id. Which worker accepts a
    # connection is the kernel's choice (on a busy machine one may take them all for a while), so keep asking,
    # up to 80 more times, until each worker has refused at least once; every answer must be a refusal.
    def refusals():
        return {worker for worker, code in re.findall(r"worker=<(\d+)> POST /login (\d+)", log.read_text())
                if code == "429"}

    for _n in range(80):
        if len(refusals()) == 2:
            break
        status, _page = browser.post("/login", {"csrf_token": token, "email": EMAIL, "password": PASSWORD})
        assert status == 429
        time.sleep(0.05)  # a worker writes its log line just after answering
    assert len(refusals()) == 2, log.read_text()[-2000:]
    # The other browser, another account: not affected by this account's failures.
    other = Browser(base)
    _status, page = other.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    status, _page = other.post("/login", {"csrf_token": token, "email": "niemand@housing.example", "password": "x"})
    assert status == 200
