"""What must hold across processes, tried with real ones against one database of their own (a migrated SQLite
file, or a private PostgreSQL database under ``--db=postgresql``; they need committed data, outside the test's
rolled-back transaction):

- gunicorn with two worker processes: the login throttle counts for both; two people saving the same record at
  the same moment (a page's form, the API's PATCH) store one save whole, and the other is told of the conflict;
- two job processes started at the same moment (``run-job``, ``scheduler --once``): each slot runs once, each
  reminder reaches each inbox once, and both end cleanly.

Requests go on separate connections (urllib keeps none), so the kernel hands them to either worker; gunicorn's
access log names the worker that answered, and a race is repeated until both workers took part in one.
"""

import html
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from housing.clock import utcnow
from housing.database import normalise_database_url
from housing.jobs.registry import JOBS
from housing.jobs.runner import latest_slot, slot_name

from ..conftest import database_of_its_own

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "zwei.worker@housing.example"
PASSWORD = "Zwei-Prozesse-ein-Zähler"
OTHER_EMAIL = "zweite.kollegin@housing.example"
OTHER_PASSWORD = "Gleichzeitig-gespeichert-7"
# Two officers (both inspected the building, so both are reminded of its defect), a case with a defect due the
# day after the seed's day, and an API token for each officer.
SEED = textwrap.dedent(f"""
    import json
    from datetime import timedelta

    from housing import create_app
    from housing.auth.services import create_api_token, create_user
    from housing.clock import today
    from housing.extensions import db
    from housing.properties import services

    app = create_app()
    with app.app_context():
        officers = [create_user({EMAIL!r}, "Wera Worker", ["housing_officer"], {PASSWORD!r}),
                    create_user({OTHER_EMAIL!r}, "Zora Zweite", ["housing_officer"], {OTHER_PASSWORD!r})]
        prop = services.create_property({{"street": "Mallinckrodtstraße", "house_number": "7", "postcode": "44147",
                                         "social_area": "nordmarkt"}}, actor=officers[0])
        deadline = today() + timedelta(days=1)
        inspection = services.record_inspection(
            prop, inspected_on=today(), condition_rating=4, officer_ids=[o.id for o in officers], actor=officers[0],
            defects=[services.DefectInput("heating", "major", "Heizung aus", deadline=deadline)])
        tokens = [create_api_token(officer, "Gleichzeitig")[1] for officer in officers]
        db.session.commit()
        print(json.dumps({{"officers": [o.id for o in officers], "property": prop.id,
                          "defect": inspection.defects[0].id, "deadline": deadline.isoformat(), "tokens": tokens}}))
""")
# The answers to the one who saved second: the version check before the save (the other's save was committed
# already), or the row changed between load and save (a form shows itself again with either; the API answers 409).
STALE_FORM = "Der Datensatz wurde inzwischen von jemand anderem geändert."
RACED = "Jemand anderes hat diesen Datensatz gerade geändert."
TIMEOUT = 60  # seconds for one request or process step, on a busy two-core machine


@dataclass
class Database:
    url: str
    env: dict
    seed: dict

    def rows(self, sql, **params) -> list[tuple]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql), params)]
        finally:
            engine.dispose()


def flask(*args) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "housing", *args]


@pytest.fixture
def database(request, tmp_path, tmp_path_factory):
    """A migrated database of the test's own with the seed's records; the environment for processes on it."""
    with database_of_its_own(request, tmp_path_factory) as url:
        env = {key: value for key, value in os.environ.items() if not key.startswith("HOUSING_")}
        env.update(HOUSING_ENV="development", HOUSING_SECRET_KEY="zwei-worker-test", HOUSING_DATABASE_URL=url,
                   HOUSING_UPLOAD_DIR=str(tmp_path / "uploads"), HOUSING_DOCUMENT_DIR=str(tmp_path / "documents"),
                   PYTHONUNBUFFERED="1")
        for command in (flask("db", "upgrade"), [sys.executable, "-c", SEED]):
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=2 * TIMEOUT)
            assert done.returncode == 0, done.stderr
        yield Database(normalise_database_url(url), env, json.loads(done.stdout.splitlines()[-1]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    base: str
    log: Path

    def workers_of(self, tag: str) -> list[str]:
        """The worker processes that answered the requests sent with ``X-Race: tag``."""
        return re.findall(rf"worker=<(\d+)> \S+ \S+ \d+ race={re.escape(tag)}\n", self.log.read_text())


@pytest.fixture
def server(database, tmp_path):
    """gunicorn -w 2 on a free port on the test's database; its access log names the worker of each answer."""
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
         "--access-logfile", "-", "--access-logformat", "worker=%(p)s %(m)s %(U)s %(s)s race=%({x-race}i)s",
         "housing:create_app()"],
        env=database.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310 (http on loopback)
                    assert answer.status == 200
                break
            except OSError:  # not listening yet, or a worker still loading the app
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"gunicorn did not answer within {TIMEOUT} s"
                time.sleep(0.1)
        yield Server(base, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Browser:
    """Cookies kept like a browser's; every request on a new connection (urllib does not keep connections)."""

    def __init__(self, base, headers=None):
        self.base = base
        self.headers = headers or {}
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def get(self, path) -> tuple[int, str]:
        return self.open("GET", path)

    def post(self, path, data, headers=None) -> tuple[int, str]:
        return self.open("POST", path, urllib.parse.urlencode(data).encode(), headers)

    def open(self, method, path, data=None, headers=None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data, method=method,  # noqa: S310 (loopback)
                                         headers={**self.headers, **(headers or {})})
        try:
            with self.opener.open(request, timeout=TIMEOUT) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    def log_in(self, email, password) -> "Browser":
        _status, page = self.get("/login")
        status, _page = self.post("/login", {"csrf_token": csrf_token(page), "email": email, "password": password})
        assert status == 302, f"login of {email} answered {status}"
        return self


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def at_once(*calls):
    """Run the calls in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 (re-raised in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    if errors:
        raise errors[0]
    return results


def race_until_both_workers_answered(server, race, rounds=25):
    """Run ``race(tag)`` round by round until both workers answered one round's two requests (which worker takes
    a connection is the kernel's choice); every round must hold on its own."""
    for number in range(1, rounds + 1):
        tag = f"{number}"
        race(tag)
        deadline = time.monotonic() + TIMEOUT
        while len(server.workers_of(tag)) < 2:  # a worker writes its log line just after answering
            assert time.monotonic() < deadline, server.log.read_text()[-2000:]
            time.sleep(0.05)
        if len(set(server.workers_of(tag))) == 2:
            return
    pytest.fail(f"in {rounds} rounds no race reached both workers:\n{server.log.read_text()[-3000:]}")


# --- the login throttle ----------------------------------------------------------------------------------------


def test_the_throttle_holds_across_two_workers(server):
    browser = Browser(server.base)
    status, page = browser.get("/login")
    token = csrf_token(page)

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
        return {worker for worker, code in re.findall(r"worker=<(\d+)> POST /login (\d+)", server.log.read_text())
                if code == "429"}

    for _n in range(80):
        if len(refusals()) == 2:
            break
        status, _page = browser.post("/login", {"csrf_token": token, "email": EMAIL, "password": PASSWORD})
        assert status == 429
        time.sleep(0.05)  # a worker writes its log line just after answering
    assert len(refusals()) == 2, server.log.read_text()[-2000:]
    # The other browser, another account: not affected by this account's failures.
    other = Browser(server.base)
    _status, page = other.get("/login")
    status, _page = other.post("/login", {"csrf_token": csrf_token(page), "email": "niemand@housing.example",
                                          "password": "x"})
    assert status == 200


# --- two saves of the same record at the same moment ------------------------------------------------------------

PROPERTY_ROW = "SELECT parcel, year_built, floor_area_m2, priority, version FROM properties WHERE id = :id"
PRIORITY_RANKS = {"low": 1, "medium": 2, "high": 3, "highest": 4}


def stored(database) -> tuple:
    parcel, year_built, floor_area, priority, version = database.rows(PROPERTY_ROW, id=database.seed["property"])[0]
    return parcel, year_built, None if floor_area is None else float(floor_area), priority, version


def updates_audited(database) -> int:
    return database.rows("SELECT count(*) FROM audit_events WHERE action = 'property.update' AND object_id = :id",
                         id=str(database.seed["property"]))[0][0]


def changes(tag: str, who: int) -> dict:
    """What person ``who`` (0 or 1) types in round ``tag``: every field differs between the two."""
    return {"parcel": f"Dortmund / {tag} / {who}", "year_built": 1950 + who, "floor_area_m2": 300.5 + who,
            "priority": ("high", "low")[who]}


def as_stored(values: dict, version: int) -> tuple:
    return (values["parcel"], values["year_built"], values["floor_area_m2"], PRIORITY_RANKS[values["priority"]],
            version)


def test_two_workers_saving_the_same_form_at_once_store_one_save_whole_and_tell_the_other(database, server):
    people = [Browser(server.base).log_in(EMAIL, PASSWORD), Browser(server.base).log_in(OTHER_EMAIL, OTHER_PASSWORD)]
    edit = f"/properties/{database.seed['property']}/edit"

    def race(tag):
        forms = [person.get(edit) for person in people]
        versions = [re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1) for _s, page in forms]
        assert versions[0] == versions[1] == str(stored(database)[-1])
        audited = updates_audited(database)
        typed = [changes(tag, who) for who in (0, 1)]
        answers = at_once(*(
            lambda who=who: people[who].post(edit, {
                "csrf_token": csrf_token(forms[who][1]), "street": "Mallinckrodtstraße", "house_number": "7",
                "postcode": "44147", "social_area": "nordmarkt", "version": versions[who],
                **{key: str(value).replace(".", ",") for key, value in typed[who].items()}}, {"X-Race": tag})
            for who in (0, 1)))

        saved = [who for who, (status, _page) in enumerate(answers) if status == 302]
        assert len(saved) == 1, [(status, page[-3000:]) for status, page in answers]
        winner, loser = saved[0], 1 - saved[0]
        status, page = answers[loser]
        # Either way the form again, with what was typed and why it was not saved.
        assert status == 200 and (STALE_FORM in page or RACED in page), (status, page)
        assert html.escape(typed[loser]["parcel"], quote=True) in page
        # The winner's save, whole: nothing of the other's, the version counted once, one audit entry.
        assert stored(database) == as_stored(typed[winner], int(versions[winner]) + 1)
        assert updates_audited(database) == audited + 1
        # The other reloads and sees the winner's values.
        _status, page = people[loser].get(edit)
        assert f'value="{typed[winner]["parcel"]}"' in page

    race_until_both_workers_answered(server, race)


def test_two_workers_patching_the_same_record_through_the_api_at_once_store_one_change(database, server):
    clients = [Browser(server.base, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
               for token in database.seed["tokens"]]
    path = f"/api/v1/properties/{database.seed['property']}"

    def race(tag):
        versions = [json.loads(client.get(path)[1])["version"] for client in clients]
        assert versions[0] == versions[1] == stored(database)[-1]
        typed = [changes(tag, who) for who in (0, 1)]
        answers = at_once(*(
            lambda who=who: clients[who].open("PATCH", path, json.dumps({**typed[who], "version": versions[who]})
                                              .encode(), {"X-Race": tag})
            for who in (0, 1)))

        saved = [who for who, (status, _body) in enumerate(answers) if status == 200]
        assert len(saved) == 1, answers
        winner, loser = saved[0], 1 - saved[0]
        status, body = answers[loser]
        error = json.loads(body)["error"]
        assert status == 409 and error["code"] == "conflict", answers
        assert error["message"].startswith(STALE_FORM) or error["message"].startswith(RACED), error
        assert json.loads(answers[winner][1])["version"] == versions[winner] + 1
        assert stored(database) == as_stored(typed[winner], versions[winner] + 1)

    race_until_both_workers_answered(server, race)


# --- two job processes at the same moment ------------------------------------------------------------------------

# Imports the app, says "ready" and waits for a line on stdin before it runs the flask command of its arguments:
# the start line reaches both processes at once, so their runs overlap instead of one finishing while the other
# is still importing.
LAUNCHER = textwrap.dedent("""
    import sys
    from flask.cli import main
    from housing import create_app

    create_app()
    print("ready", flush=True)
    sys.stdin.readline()
    main()
""")


def first_line(process) -> str:
    """The process's first line of output ("" if it said nothing within the time)."""
    line = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(2 * TIMEOUT)
    return line[0] if line else ""


def started_together(env, *commands) -> list[tuple[int, str]]:
    """Start one process per flask command (argument lists after ``flask --app housing``), release them together
    once all are ready, and return each one's exit status and output."""
    processes = [subprocess.Popen([sys.executable, "-c", LAUNCHER, "--app", "housing", *command], env=env, cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for command in commands]
    try:
        for process in processes:
            line = first_line(process)
            assert line.strip() == "ready", f"a process did not start: {line}{process.stdout.read() if line else ''}"
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=2 * TIMEOUT)[0] for process in processes]
        return [(process.returncode, output) for process, output in zip(processes, outputs, strict=True)]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


def reminders(database) -> list[tuple]:
    return database.rows("SELECT user_id, key FROM notifications ORDER BY user_id, key")


def test_two_run_job_processes_at_once_both_run_and_deliver_each_reminder_once(database):
    seed = database.seed
    on = (date.fromisoformat(seed["deadline"]) - timedelta(days=1)).isoformat()
    command = ["run-job", "property-deadlines", "--date", on]

    done = started_together(database.env, command, command)

    output = "\n".join(text for _code, text in done)
    assert [code for code, _text in done] == [0, 0], output
    # Each run by hand has a slot of its own (a manual run never blocks another); the inboxes dedupe.
    runs = database.rows("SELECT slot, status, notifications FROM job_runs WHERE job = 'property-deadlines'")
    assert len(runs) == 2 and all(slot.startswith("manual:") and status == "succeeded" for slot, status, _n in runs)
    expected = sorted((officer, f"defect:{seed['defect']}:due:{seed['deadline']}") for officer in seed["officers"])
    assert reminders(database) == expected
    assert sum(n for _slot, _status, n in runs) == len(expected), runs  # between them, each delivered once
    counts = sorted(int(n) for n in re.findall(r"property-deadlines: succeeded; (\d+) new messages", output))
    assert len(counts) == 2 and sum(counts) == len(expected), output


def test_two_schedulers_catching_up_at_once_run_each_slot_once(database):
    before = {name: slot_name(latest_slot(job, utcnow())) for name, job in JOBS.items()}

    done = started_together(database.env, ["scheduler", "--once"], ["scheduler", "--once"])

    after = {name: slot_name(latest_slot(job, utcnow())) for name, job in JOBS.items()}
    outputs = [text for _code, text in done]
    assert [code for code, _text in done] == [0, 0], "\n".join(outputs)
    runs = database.rows("SELECT job, slot, status FROM job_runs ORDER BY job, slot")
    assert {job for job, _slot, _status in runs} == set(JOBS)
    for job, slot, status in runs:
        assert slot in (before[job], after[job]) and status == "succeeded", (job, slot, status)
        # One process ran the slot; the other found it claimed and said so (or, had a slot begun between the two
        # processes' looks at the clock, ran the newer one: then that slot is the one it caught up on).
        ran = [output for output in outputs if f"Caught up: {job} {slot} (succeeded)" in output]
        assert len(ran) == 1, outputs
    for output in outputs:
        assert "Traceback" not in output, output
        for job in JOBS:
            assert re.search(rf"Caught up: {job} |Job {job} slot \S+: already claimed", output), (job, output)
        assert re.search(r"Caught up on \d+ slots; the others had run already\.", output), output
    caught_up = sum(int(re.search(r"Caught up on (\d+) slots", output).group(1)) for output in outputs)
    assert caught_up == len(runs)
    # The defect due tomorrow: in each officer's inbox once, whichever process delivered it.
    seed = database.seed
    due = [(user, key) for user, key in reminders(database) if key.startswith(f"defect:{seed['defect']}:")]
    assert sorted(user for user, _key in due) == sorted(seed["officers"]), due
    assert len({key for _user, key in due}) == 1, due
