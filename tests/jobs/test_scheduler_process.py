"""The scheduler for real: two ``flask --app housing scheduler`` processes started at the same time against one
database catch up on every job's latest slot, and each slot runs once, each reminder arrives once.

This test always uses a SQLite file of its own (also under ``--db=postgresql``): it needs a database the
processes share outside the test's rolled-back transaction. It runs on the real clock.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from housing.clock import utcnow
from housing.jobs.registry import JOBS
from housing.jobs.runner import latest_slot, slot_name

ROOT = Path(__file__).resolve().parents[2]

SEED = textwrap.dedent("""
    from datetime import timedelta

    from housing import create_app
    from housing.auth.models import User, UserRole
    from housing.auth.roles import Role
    from housing.clock import today
    from housing.extensions import db
    from housing.properties import services

    app = create_app()
    with app.app_context():
        officer = User(email="olga@housing.example", name="Olga Officer", password_hash="-",
                       role_links=[UserRole(role=Role.HOUSING_OFFICER)])
        db.session.add(officer)
        db.session.flush()
        prop = services.create_property({"street": "Mallinckrodtstraße", "house_number": "7", "postcode": "44147",
                                         "social_area": "nordmarkt"}, actor=officer)
        inspection = services.record_inspection(
            prop, inspected_on=today(), condition_rating=4, officer_ids=[officer.id], actor=officer,
            defects=[services.DefectInput("heating", "major", "Heizung aus", deadline=today() + timedelta(days=1))])
        db.session.commit()
        print(officer.id, inspection.defects[0].id)
""")


def flask(*args) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "housing", *args]


@pytest.fixture
def database(tmp_path):
    """A migrated SQLite file with an officer and a defect due tomorrow; returns (env, path, officer, defect)."""
    path = tmp_path / "scheduler.sqlite3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOUSING_")}
    env.update(HOUSING_ENV="development", HOUSING_SECRET_KEY="x", HOUSING_DATABASE_URL=f"sqlite:///{path}",
               HOUSING_UPLOAD_DIR=str(tmp_path / "uploads"), HOUSING_DOCUMENT_DIR=str(tmp_path / "documents"),
               PYTHONUNBUFFERED="1")
    for command in (flask("db", "upgrade"), [sys.executable, "-c", SEED]):
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    officer_id, defect_id = (int(part) for part in done.stdout.split()[-2:])
    return env, path, officer_id, defect_id


def rows(path, sql, *params):
    connection = sqlite3.connect(path, timeout=10)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def test_two_schedulers_run_each_slot_once_and_deliver_each_reminder_once(database, tmp_path):
    env, path, officer_id, defect_id = database
    expected = {name: slot_name(latest_slot(job, utcnow())) for name, job in JOBS.items()}
    logs = [tmp_path / f"scheduler-{n}.log" for n in (1, 2)]
    processes = []
    try:
        for log in logs:
            with log.open("w") as out:
                processes.append(subprocess.Popen(flask("scheduler"), env=env, cwd=ROOT, stdout=out,
                                                  stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = {(job, slot) for job, slot in rows(path, "SELECT job, slot FROM job_runs WHERE status != 'running'")}
            # Past its catch-up, each waits for the next slot (and stops on SIGTERM).
            started = all("apscheduler.scheduler: Scheduler started" in log.read_text() for log in logs)
            if started and all((name, slot) in done for name, slot in expected.items()):
                break
            if any(process.poll() is not None for process in processes):
                break
            time.sleep(0.2)
        if any(process.poll() is not None for process in processes):
            pytest.fail("A scheduler died on the other's claims:\n" + "\n".join(log.read_text() for log in logs))
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    output = "\n".join(log.read_text() for log in logs)

    runs = rows(path, "SELECT job, slot, status, summary FROM job_runs ORDER BY job, slot")
    for name, slot in expected.items():
        matching = [run for run in runs if run[0] == name and run[1] == slot]
        if len(matching) != 1 or matching[0][2] != "succeeded":
            pytest.fail(f"{name} {slot}: {matching}\n{output}")
    assert [process.returncode for process in processes] == [0, 0], output  # SIGTERM stops them cleanly
    assert output.count("Caught up:") == len(JOBS), output  # between them, one process ran each slot
    due = rows(path, "SELECT key, kind, title, link FROM notifications WHERE user_id = ?", officer_id)
    assert len(due) == 1, due
    key, kind, title, link = due[0]
    assert key.startswith(f"defect:{defect_id}:due:") and kind == "defect_deadline"
    assert title.startswith("Mangel fällig am ") and title.endswith("Heizung (§ 5), Mallinckrodtstraße 7")
    assert link.startswith("/properties/")
