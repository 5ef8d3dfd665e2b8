"""The city-scale benchmark (`make bench`): every role's main pages and API calls under concurrent load.

For each database (SQLite and PostgreSQL) it fills a fresh database with ``flask --app housing bench-data``,
starts the app under gunicorn with several workers on loopback, logs in one user per role and drives each page
with ``--clients`` concurrent clients for ``--seconds``: requests per second, p50/p95/p99 latency, SQL queries
per request (the app's X-Query-Count header, on for the benchmark only) and the peak memory of every worker.
``/healthz`` (one trivial query) is the ceiling of the stack; every page's throughput is given as a share of it.
The same pages are also requested once on a small data set (scale/100): the query counts must be the same.
The programme report, built in the background, is timed from request to finished PDF.

    python bench/run.py [--scale 1] [--databases sqlite,postgresql] [--clients 8] [--seconds 8] [--reuse]

Writes bench/results/benchmark.md (tables, targets, the machine) and bench/results/benchmark.png (a chart).
"""

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PASSWORD = "Bench-Nordstadt-2026"  # noqa: S105 (the bench logins, see housing/benchdata)
TARGET_P95_MS = 100
TARGET_LIST_SHARE = 1 / 3


@dataclass
class Page:
    """A page or API call of one role; ``paths`` are cycled through (different cases, filters, months)."""

    name: str
    role: str
    paths: list[str]
    is_list: bool = False  # lists and boards must reach a third of /healthz's throughput
    api: bool = False


@dataclass
class Measurement:
    page: Page
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    large_queries: int | None = None  # the most any path needs, asked one at a time (as on the small data set)
    small_queries: int | None = None

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def query_range(self) -> tuple[int, int]:
        """Fewest and most queries of the page's requests, leaving out counts seen in under 1 % of them (the
        once-a-minute bookkeeping of a login's or token's last use)."""
        seen = Counter(self.queries)
        usual = [count for count, times in seen.items() if times * 100 >= len(self.queries)]
        return (min(usual), max(usual)) if usual else (0, 0)


# --- databases ------------------------------------------------------------------------------------------------


def postgresql_server() -> str:
    return os.environ.get("BENCH_POSTGRESQL_URL") or os.environ.get("HOUSING_TEST_DATABASE_URL") or \
        "postgresql://postgres@127.0.0.1:5432/postgres"


def database_url(kind: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{DATA / (name + '.sqlite3')}"
    parts = urllib.parse.urlsplit(postgresql_server())
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def recreate(kind: str, name: str) -> None:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (DATA / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urllib.parse.urlsplit(postgresql_server().replace("postgresql+psycopg://", "postgresql://"))
    with psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def app_env(url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOUSING_")}
    env.update(HOUSING_ENV="production", HOUSING_SECRET_KEY="bench-" + "x" * 32, HOUSING_DATABASE_URL=url,
               HOUSING_TRUSTED_HOSTS="*", HOUSING_QUERY_COUNT_HEADER="1",
               # The bench logs in with a password only; a second factor costs nothing per request after login.
               HOUSING_TWO_FACTOR_REQUIRED_ROLES="",
               HOUSING_UPLOAD_DIR=str(DATA / "uploads"), HOUSING_DOCUMENT_DIR=str(DATA / "documents"))
    return env


def flask(env: dict, *args: str, echo: bool = True) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "housing", *args], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    if echo and done.stdout.strip():
        print("   " + done.stdout.strip().replace("\n", "\n   "), flush=True)
    return done.stdout


def prepare(kind: str, name: str, scale: float, reuse: bool) -> tuple[str, float]:
    """A migrated database with the bench data; returns its URL and the seconds it took to fill."""
    url = database_url(kind, name)
    marker = DATA / f"{name}.{kind}.done"
    env = app_env(url)
    if reuse and marker.exists() and marker.read_text() == f"{scale}":
        print(f"-- {kind}: reusing {name} (scale {scale})", flush=True)
        flask(env, "db", "upgrade", echo=False)  # migrations added since it was filled
        return url, 0.0
    marker.unlink(missing_ok=True)
    print(f"-- {kind}: filling {name} at scale {scale}", flush=True)
    started = time.monotonic()
    recreate(kind, name)
    flask(env, "db", "upgrade", echo=False)
    flask(env, "bench-data", "--scale", str(scale), echo=scale >= 0.1)
    marker.write_text(f"{scale}")
    return url, time.monotonic() - started


# --- the server -----------------------------------------------------------------------------------------------


class Server:
    def __init__(self, url: str, workers: int):
        self.url, self.workers = url, workers
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = open(DATA / "gunicorn.log", "a")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",  # noqa: S108 (heartbeat file)
             "--timeout", "120", "wsgi:app"],
            env=app_env(url), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body, _headers = request(self.port, "GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start; see {DATA / 'gunicorn.log'}")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_memory_mb(self) -> list[float]:
        """VmHWM (peak resident memory) of each worker, in MB."""
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return peaks

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def request(port: int, method: str, path: str, *, headers: dict | None = None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


class Login:
    """One role's session cookie (read off Set-Cookie by hand: the cookie is Secure, the bench speaks plain http on
    loopback) and, for the API, a personal token."""

    def __init__(self, port: int, email: str, env: dict):
        self.port = port
        status, body, headers = request(port, "GET", "/login")
        cookies = self._cookies(headers)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
        status, body, headers = request(port, "POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": self._header(cookies)})
        if status != 302:
            sys.exit(f"login of {email} failed ({status}): {body[:300]!r}")
        cookies.update(self._cookies(headers))
        # The first page after the login puts the form token in the session, and a browser keeps the cookie it
        # sets; without it, every request of the run would make a new token and set the cookie again.
        status, body, headers = request(port, "GET", "/", headers={"Cookie": self._header(cookies)})
        cookies.update(self._cookies(headers))
        self.cookies = cookies
        self.token = flask(env, "create-token", email, "--name", "Benchmark", echo=False).strip()

    @staticmethod
    def _cookies(headers) -> dict:
        found = {}
        for value in headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            found[name] = rest.split(";", 1)[0]
        return found

    @staticmethod
    def _header(cookies: dict) -> str:
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    def remember(self, headers) -> None:
        """Take the cookies a response sets (a form's CSRF token lives in the session cookie)."""
        self.cookies.update(self._cookies(headers))

    def headers(self, api: bool) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if api else {"Cookie": self._header(self.cookies)}


def drive(port: int, page: Page, login: Login | None, clients: int, seconds: float) -> Measurement:
    """``clients`` threads request the page's paths in turn for ``seconds`` (after a short warm-up)."""
    measurement = Measurement(page)
    headers = login.headers(page.api) if login else {}
    lock = threading.Lock()
    stop_at = [0.0]
    warm_until = time.monotonic() + 1.0
    stop_at[0] = warm_until + seconds

    def client(number: int):
        n = number
        while True:
            path = page.paths[n % len(page.paths)]
            n += clients
            started = time.monotonic()
            if started >= stop_at[0]:
                return
            try:
                status, body, answer = request(port, "GET", path, headers=headers)
            except OSError as error:
                status, body, answer = 0, str(error).encode(), {}
            elapsed = time.monotonic() - started
            if started < warm_until:
                continue
            with lock:
                if status != 200:
                    measurement.errors.append(f"{status} {path}: {body[:200]!r}")
                else:
                    measurement.latencies.append(elapsed)
                    measurement.queries.append(int(answer.get("X-Query-Count", -1)))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    measurement.seconds = seconds
    return measurement


def query_counts(port: int, page: Page, login: Login | None) -> int:
    """The largest number of queries any of the page's paths runs (no load). Each path is asked twice and the
    second answer counts: the first may carry a login's or token's "last used" (written once a minute)."""
    counts = []
    for path in page.paths:
        for _attempt in range(2):
            status, body, answer = request(port, "GET", path, headers=login.headers(page.api) if login else {})
            if status != 200:
                sys.exit(f"{page.name}: {path} answered {status}: {body[:300]!r}")
        counts.append(int(answer["X-Query-Count"]))
    return max(counts)


# --- what is requested ----------------------------------------------------------------------------------------


def dortmund_today() -> date:
    from housing.clock import today

    return today()


def pages(url: str) -> list[Page]:
    """Every role's main pages, with ids picked from the data: cases in several stages, the busiest projects, open
    flats and searching households."""
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(ROOT))
    from housing.database import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    month = dortmund_today().replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    with engine.connect() as connection:
        def ids(sql, **params):
            return [row[0] for row in connection.execute(text(sql), params)]

        cases = ids("SELECT id FROM properties WHERE is_problem_case AND status IN ('inspected', 'order_issued', "
                    "'in_renovation', 'let', 'resolved_by_owner') ORDER BY id LIMIT 40")
        areas = ids("SELECT slug FROM social_areas ORDER BY id LIMIT 8")
        supervisor = ids("SELECT id FROM users WHERE email = 'bench-anleitung@housing.example'")[0]
        projects = ids("SELECT p.id FROM renovation_projects p JOIN project_supervisors s ON s.project_id = p.id "
                       "WHERE s.user_id = :user ORDER BY (SELECT count(*) FROM participants t WHERE t.project_id = "
                       "p.id AND t.ends_on >= :month AND t.starts_on <= :month) DESC, p.id LIMIT 5",
                       user=supervisor, month=last_month)
        people = ids("SELECT id FROM participants WHERE project_id IN (SELECT project_id FROM project_supervisors "
                     "WHERE user_id = :user) AND starts_on <= :month AND ends_on >= :month ORDER BY id LIMIT 20",
                     user=supervisor, month=last_month)
        flats = ids("SELECT id FROM vacancies WHERE status = 'open' ORDER BY id LIMIT 20")
        households = ids("SELECT id FROM applicants WHERE status = 'searching' ORDER BY id LIMIT 20")
    engine.dispose()
    statuses = ["inspected", "owner_engaged", "order_issued", "acquisition_review", "in_renovation", "let"]
    sorts = ["address", "status", "priority", "updated"]
    lm = f"{last_month:%Y-%m}"
    return [
        Page("Fallliste", "officer", [f"/cases?sort={sort}" for sort in sorts], is_list=True),
        Page("Fallliste gefiltert", "officer", [
            f"/cases?status={status}&social_area={areas[n % len(areas)]}&sort={sorts[n % len(sorts)]}"
            for n, status in enumerate(statuses)] + ["/cases?overdue=y", "/cases?overcrowded=y&priority=high",
                                                     "/cases?q=Mallinckrodt"], is_list=True),
        Page("Board", "officer", ["/cases/board"], is_list=True),
        Page("Board gefiltert", "officer", [f"/cases/board?social_area={area}" for area in areas], is_list=True),
        Page("Hausakte mit Verlauf", "officer", [f"/properties/{case}" for case in cases]),
        Page("API Häuserliste", "officer", [f"/api/v1/properties?status={status}" for status in statuses],
             is_list=True, api=True),
        Page("API Verlauf eines Hauses", "officer", [f"/api/v1/properties/{case}/timeline" for case in cases],
             api=True),
        Page("Crew-Blatt", "supervisor", [f"/viertelwerk/projects/{project}/sheet" for project in projects]),
        Page("Crew-Monat", "supervisor", [f"/viertelwerk/projects/{project}/months/{lm}" for project in projects]),
        Page("Monat einer Person", "supervisor",
             [f"/viertelwerk/participants/{person}/months/{lm}" for person in people]),
        Page("API Stunden eines Monats", "supervisor",
             [f"/api/v1/hour-entries?participant_id={person}&month={lm}" for person in people], api=True),
        Page("Wohnung: passende Haushalte", "advisor", [f"/placement/flats/{flat}" for flat in flats]),
        Page("Haushalt: passende Wohnungen", "advisor", [f"/placement/households/{h}" for h in households]),
        Page("API Kandidaten einer Wohnung", "advisor", [f"/api/v1/vacancies/{flat}/candidates" for flat in flats],
             api=True),
        Page("API Wohnungen eines Haushalts", "advisor",
             [f"/api/v1/applicants/{h}/vacancies" for h in households], api=True),
        Page("Haushaltsliste", "advisor", ["/placement/households?all=1", "/placement/households?status=searching"],
             is_list=True),
        Page("Wohnungsliste", "advisor", ["/placement/flats"], is_list=True),
        Page("Programmbericht (Seite)", "management", ["/documents/programme"]),
        Page("Übersicht Wohnungszugang", "management", ["/placement/overview"]),
        Page("Viertelwerk-Auswertung", "management", [f"/viertelwerk/reports?from={lm}-01"]),
        Page("Startseite", "officer", ["/"]),
        # For comparison, no target of its own: a logged-in page with nothing but the shell (the officer's inbox
        # is empty), what every HTML page costs before its own content.
        Page("Leerer Posteingang (nur die Seite)", "officer", ["/inbox"]),
    ]


ROLE_EMAILS = {"officer": "bench-wohnungsaufsicht", "supervisor": "bench-anleitung", "advisor": "bench-vermittlung",
               "management": "bench-leitung"}


def logins(port: int, env: dict) -> dict[str, Login]:
    return {role: Login(port, f"{name}@housing.example", env) for role, name in ROLE_EMAILS.items()}


def programme_build_seconds(port: int, login: Login, url: str) -> float:
    """Ask for the programme report over the last full year and wait for the finished PDF."""
    from sqlalchemy import create_engine, text

    from housing.database import normalise_database_url

    status, body, headers = request(port, "GET", "/documents/programme", headers=login.headers(False))
    login.remember(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
    end = dortmund_today() - timedelta(days=1)
    form = urllib.parse.urlencode({"csrf_token": token, "start": (end - timedelta(days=364)).isoformat(),
                                   "end": end.isoformat()})
    started = time.monotonic()
    status, body, headers = request(port, "POST", "/documents/programme", body=form, headers={
        **login.headers(False), "Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        sys.exit(f"the programme report was not started ({status}): {body[:300]!r}")
    build_id = int(headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    engine = create_engine(normalise_database_url(url))
    try:
        while time.monotonic() - started < 600:
            with engine.connect() as connection:
                state = connection.execute(text("SELECT status FROM document_builds WHERE id = :id"),
                                           {"id": build_id}).scalar()
            if state in ("done", "failed"):
                if state == "failed":
                    sys.exit("the programme report failed; see bench/data/gunicorn.log")
                return time.monotonic() - started
            time.sleep(0.2)
    finally:
        engine.dispose()
    sys.exit("the programme report took longer than ten minutes")


def small_scale(scale: float) -> float:
    return max(0.01, round(scale / 100, 4))


# --- one database ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    kind: str
    fill_seconds: float
    healthz: Measurement
    measurements: list[Measurement]
    memory_mb: list[float]
    programme_seconds: float
    workers: int
    counts: dict


def table_counts(url: str) -> dict:
    from sqlalchemy import create_engine, text

    from housing.database import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        counts = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608 (fixed)
                  for table in ("properties", "units", "defects", "participants", "hour_entries", "applicants",
                                "vacancies")}
    engine.dispose()
    return counts


def bench_database(kind: str, args) -> Run:
    DATA.mkdir(parents=True, exist_ok=True)
    small_url, _small_fill = prepare(kind, "housing_bench_small", small_scale(args.scale), args.reuse)
    url, fill_seconds = prepare(kind, "housing_bench", args.scale, args.reuse)

    print(f"-- {kind}: query counts on the small data set", flush=True)
    server = Server(small_url, args.workers)
    try:
        roles = logins(server.port, app_env(small_url))
        small = {page.name: query_counts(server.port, page, roles[page.role]) for page in pages(small_url)}
    finally:
        server.stop()

    print(f"-- {kind}: {args.clients} clients, {args.seconds:g} s per page, {args.workers} workers", flush=True)
    server = Server(url, args.workers)
    try:
        roles = logins(server.port, app_env(url))
        healthz = drive(server.port, Page("/healthz", "-", ["/healthz"]), None, args.clients, args.seconds)
        print(f"   {'/healthz':<34} {healthz.rps:7.0f}/s  p95 {healthz.percentile(0.95):6.1f} ms", flush=True)
        measurements = []
        for page in pages(url):
            # Every path asked alone first (nothing cold in the measurement): its statements, compared with the small
            # data set's. Under load a request may send one more (SQLite retries a commit that met another's).
            large = query_counts(server.port, page, roles[page.role])
            measurement = drive(server.port, page, roles[page.role], args.clients, args.seconds)
            measurement.large_queries, measurement.small_queries = large, small[page.name]
            measurements.append(measurement)
            low, high = measurement.query_range
            print(f"   {page.name:<34} {measurement.rps:7.0f}/s  p95 {measurement.percentile(0.95):6.1f} ms  "
                  f"{low}–{high} queries  {len(measurement.errors)} errors", flush=True)
            for error in measurement.errors[:3]:
                print(f"      {error}", flush=True)
        programme_seconds = programme_build_seconds(server.port, roles["management"], url)
        print(f"   programme report (background) {programme_seconds:.1f} s", flush=True)
        memory = server.peak_memory_mb()
    finally:
        server.stop()
    return Run(kind, fill_seconds, healthz, measurements, memory, programme_seconds, args.workers, table_counts(url))


# --- the report -----------------------------------------------------------------------------------------------


def verdicts(run: Run, measurement: Measurement) -> list[str]:
    """What this page misses, if anything."""
    misses = []
    if measurement.errors or not measurement.latencies:
        misses.append(f"{len(measurement.errors)} errors")
    if measurement.percentile(0.95) >= TARGET_P95_MS:
        misses.append(f"p95 ≥ {TARGET_P95_MS} ms")
    if measurement.page.is_list and measurement.rps < TARGET_LIST_SHARE * run.healthz.rps:
        misses.append("< 1/3 of /healthz")
    # A page's paths may differ in shape (a case with inspections reads its defects, one without does not), but the
    # most any of them needs must not grow with the data.
    if measurement.small_queries != measurement.large_queries:
        misses.append(f"up to {measurement.large_queries} queries on large data, {measurement.small_queries} on small")
    return misses


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    psql = shutil.which("psql")
    postgres = subprocess.run([psql, "--version"], capture_output=True, text=True).stdout.strip() if psql else "–"  # noqa: S603
    import sqlite3

    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {postgres}")


def markdown(runs: list[Run], args) -> tuple[str, bool]:
    lines = [
        "# Benchmark", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} with `python bench/run.py --scale {args.scale:g} --clients "
        f"{args.clients} --seconds {args.seconds:g} --workers {args.workers}` (`make bench`).", "",
        f"Machine: {machine()}. Clients and server share it.", "",
        f"Targets: every page p95 < {TARGET_P95_MS} ms at {args.clients} concurrent clients; lists and boards at "
        f"least a third of `/healthz`'s throughput; the most queries any request of a page needs the same on the "
        f"small data set (scale {small_scale(args.scale):g}) as on the large one.", "",
    ]
    all_met = True
    for run in runs:
        counts = ", ".join(f"{table} {count:,}".replace(",", ".") for table, count in run.counts.items())
        lines += [f"## {run.kind}", "",
                  f"Data: {counts}" + (f" (filled in {run.fill_seconds / 60:.1f} min)." if run.fill_seconds else "."),
                  f"gunicorn with {run.workers} sync workers; peak memory per worker: "
                  f"{', '.join(f'{mb:.0f} MB' for mb in run.memory_mb)}.",
                  f"`/healthz` (ceiling): {run.healthz.rps:.0f} requests/s, p95 {run.healthz.percentile(0.95):.1f} ms.",
                  f"Programme report over a year, built in the background: {run.programme_seconds:.1f} s from request "
                  "to finished PDF.", "",
                  "| page | role | req/s | share of /healthz | p50 ms | p95 ms | p99 ms | queries (large) | "
                  "queries (small) | under load | target |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for m in run.measurements:
            misses = verdicts(run, m)
            all_met &= not misses
            low, high = m.query_range
            share = m.rps / run.healthz.rps if run.healthz.rps else 0
            kind = " (list)" if m.page.is_list else ""
            lines.append(f"| {m.page.name} | {m.page.role} | {m.rps:.0f} | {share:.0%}{kind}"
                         f" | {m.percentile(0.5):.1f} | {m.percentile(0.95):.1f} | {m.percentile(0.99):.1f} | "
                         f"{m.large_queries} | {m.small_queries} | {low if low == high else f'{low}–{high}'} | "
                         f"{'met' if not misses else 'MISSED: ' + ', '.join(misses)} |")
        lines.append("")
    lines.append(f"**{'Every target met.' if all_met else 'Some targets missed (see the last column).'}**")
    return "\n".join(lines) + "\n", all_met


def chart(runs: list[Run], path: Path, clients: int) -> None:
    """p95 per page and database as horizontal bars, with the 100 ms target as a line."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = ROOT / "housing" / "reports" / "fonts"
    font = ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 15)
    bold = ImageFont.truetype(str(fonts / "DejaVuSans-Bold.ttf"), 18)
    names = [m.page.name for m in runs[0].measurements]
    colours = {"sqlite": (0, 94, 150), "postgresql": (214, 120, 30)}
    row, bar, left, width = 12 + 16 * len(runs), 14, 300, 560
    height = 90 + row * len(names) + 40
    image = Image.new("RGB", (left + width + 120, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 15), f"p95 latency per page at {clients} concurrent clients (ms)", font=bold, fill="black")
    scale_max = max(TARGET_P95_MS * 1.5, max(m.percentile(0.95) for run in runs for m in run.measurements) * 1.05)

    def x(ms):
        return left + width * min(ms, scale_max) / scale_max

    for n, (kind, colour) in enumerate((k, c) for k, c in colours.items() if any(r.kind == k for r in runs)):
        draw.rectangle((left + 200 * n, 48, left + 200 * n + 14, 62), fill=colour)
        draw.text((left + 200 * n + 20, 46), kind, font=font, fill="black")
    top = 80
    for i, name in enumerate(names):
        y = top + i * row
        draw.text((20, y + 4), name, font=font, fill="black")
        for k, run in enumerate(runs):
            m = run.measurements[i]
            p95 = m.percentile(0.95)
            draw.rectangle((left, y + 4 + k * 16, x(p95), y + 4 + k * 16 + bar), fill=colours.get(run.kind, "grey"))
            draw.text((x(p95) + 6, y + 2 + k * 16), f"{p95:.0f}", font=font, fill="black")
    target = x(TARGET_P95_MS)
    draw.line((target, top - 6, target, top + row * len(names)), fill=(200, 0, 0), width=2)
    draw.text((target - 40, top + row * len(names) + 6), f"target {TARGET_P95_MS} ms", font=font, fill=(200, 0, 0))
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    # As docs/deployment.md recommends for a host: two sync workers per core.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled at this scale")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    started = time.monotonic()
    runs = [bench_database(kind.strip(), args) for kind in args.databases.split(",") if kind.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    text, all_met = markdown(runs, args)
    (RESULTS / "benchmark.md").write_text(text)
    chart(runs, RESULTS / "benchmark.png", args.clients)
    print(f"\nWrote {RESULTS / 'benchmark.md'} and benchmark.png in {(time.monotonic() - started) / 60:.1f} min.")
    print("Every target met." if all_met else "Some targets missed: see bench/results/benchmark.md.")
    sys.exit(0 if all_met else 1)


if __name__ == "__main__":
    main()
