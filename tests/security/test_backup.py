"""The backup and its restore check as production runs them (deploy/backup.sh, deploy/restore-check.sh): a dump of
a database with records and an uploaded photo, restored into another database, checked and compared table by
table; the rotation, the hard-linked file copies and the check's refusals.

PostgreSQL only: the scripts are pg_dump/pg_restore tooling (SQLite installations copy their file).
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from housing.database import normalise_database_url

from ..conftest import _private_postgresql_database

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE_CHECK = ROOT / "deploy" / "restore-check.sh"

SEED = textwrap.dedent("""
    import io
    from datetime import date, timedelta

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from housing import create_app
    from housing.attachments import services as attachments
    from housing.auth.services import create_user
    from housing.clock import today
    from housing.extensions import db
    from housing.properties import services

    app = create_app()
    with app.app_context():
        officer = create_user("sicherung@housing.example", "Şükrü Łukasiewicz", ["housing_officer"],
                              "Gesichert-und-geprüft-42")
        prop = services.create_property({"street": "Mallinckrodtstraße", "house_number": "7", "postcode": "44147",
                                         "social_area": "nordmarkt"}, actor=officer)
        services.add_referral(prop, {"received_on": today(), "source": "residents",
                                     "text": "Zeile eins\\nZeile zwei mit | und \\\\ und ; und 'Anführung'"},
                              actor=officer)
        services.record_inspection(
            prop, inspected_on=today(), condition_rating=4, officer_ids=[officer.id], actor=officer,
            defects=[services.DefectInput("heating", "major", "Heizung aus", deadline=today() + timedelta(days=1))])
        photo = io.BytesIO()
        Image.new("RGB", (640, 480), (200, 30, 30)).save(photo, "PNG")
        photo.seek(0)
        attachments.store(FileStorage(photo, "hof.png"), actor=officer, property_id=prop.id,
                          subject_type="property", subject_id=prop.id)
        db.session.commit()
""")


@pytest.fixture
def databases(request):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the backup scripts are PostgreSQL tooling (pg_dump, pg_restore); run with --db=postgresql")
    server = normalise_database_url(os.environ["HOUSING_TEST_DATABASE_URL"])
    with _private_postgresql_database(server) as live, _private_postgresql_database(server) as scratch:
        if live == server or scratch == server:
            pytest.skip("the test role may not create databases")
        yield live, scratch


def run(command, env, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def table_digests(url) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows (as text, sorted)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars().all()
            digest = "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM public.{} t"
            return {table: tuple(connection.execute(text(digest.format(f'"{table}"'))).one())  # noqa: S608 (catalog)
                    for table in tables}
    finally:
        engine.dispose()


def next_second():
    """backup.sh names a backup by the second it starts; wait for the clock's next one."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)


def test_a_backup_restores_into_another_database_with_every_row_and_file(databases, tmp_path):
    live, scratch = databases
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HOUSING_", "BACKUP_", "RESTORE_"))}
    env.update(HOUSING_ENV="development", HOUSING_SECRET_KEY="sicherung", HOUSING_DATABASE_URL=live,
               HOUSING_UPLOAD_DIR=str(tmp_path / "uploads"), HOUSING_DOCUMENT_DIR=str(tmp_path / "documents"),
               BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP="2", RESTORE_CHECK_DATABASE_URL=scratch,
               FLASK=f"{sys.executable} -m flask")
    (tmp_path / "documents").mkdir()
    for command in ([sys.executable, "-m", "flask", "--app", "housing", "db", "upgrade"], [sys.executable, "-c", SEED]):
        done = run(command, env)
        assert done.returncode == 0, done.stderr

    done = run([str(BACKUP)], env)

    assert done.returncode == 0, done.stdout + done.stderr
    stamp = (tmp_path / "backups" / "latest").read_text().strip()
    backup = tmp_path / "backups" / stamp
    assert f"backup: done, {backup}" in done.stdout
    rows = dict(line.split("|") for line in (backup / "rows.txt").read_text().splitlines())
    assert rows["users"] == "1" and rows["attachments"] == "1" and rows["referrals"] == "1", rows
    copied = sorted(path.relative_to(backup / "uploads").parts[0]
                    for path in (backup / "uploads").rglob("*") if path.is_file())
    assert copied == ["files", "thumbnails"]  # the photo and its thumbnail
    assert not list((tmp_path / "backups").glob(".partial-*"))

    done = run([str(RESTORE_CHECK)], env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"restore-check: checking the backup {backup}" in done.stdout
    assert "as at the backup; 1 users" in done.stdout
    assert "schema at the code's head revision" in done.stdout and "(head)" in done.stdout
    assert "all 2 stored files and thumbnails the database names are in the backup" in done.stdout
    assert done.stdout.rstrip().endswith("restore-check: passed")
    assert table_digests(scratch) == table_digests(live)

    # Two more backups: the oldest goes (BACKUP_KEEP=2); unchanged files are hard links to the previous copy.
    for _n in range(2):
        next_second()
        done = run([str(BACKUP)], env)
        assert done.returncode == 0, done.stdout + done.stderr
    kept = sorted(path.name for path in (tmp_path / "backups").iterdir() if path.name[0].isdigit())
    assert len(kept) == 2 and stamp not in kept
    assert (tmp_path / "backups" / "latest").read_text().strip() == kept[-1]
    photos = [next(path for path in (tmp_path / "backups" / name / "uploads" / "files").rglob("*") if path.is_file())
              for name in kept]
    assert photos[0].stat().st_ino == photos[1].stat().st_ino

    # The check runs again on its own scratch copy, and finds a file missing from the newest backup.
    photos[1].unlink()
    done = run([str(RESTORE_CHECK)], env)
    assert done.returncode == 1
    assert "FAILED: 1 files the database names are missing" in done.stderr, done.stderr
    assert "files/" in done.stderr

    # It never empties the live database: named as such, or (unnamed) because it holds tables the check did not make.
    refused = run([str(RESTORE_CHECK)], {**env, "RESTORE_CHECK_DATABASE_URL": live})
    assert refused.returncode == 1 and "is the live database" in refused.stderr, refused.stderr
    unnamed = {key: value for key, value in env.items() if key != "HOUSING_DATABASE_URL"}
    refused = run([str(RESTORE_CHECK)], {**unnamed, "RESTORE_CHECK_DATABASE_URL": live})
    assert refused.returncode == 1 and "was not filled by this script; refusing to empty it" in refused.stderr
    assert table_digests(live)["users"][0] == 1


def test_the_scripts_say_what_is_missing(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HOUSING_", "BACKUP_", "RESTORE_"))}

    done = run([str(BACKUP)], env)
    assert done.returncode != 0 and "set BACKUP_DIR" in done.stderr

    done = run([str(BACKUP)], {**env, "BACKUP_DIR": str(tmp_path), "HOUSING_UPLOAD_DIR": str(tmp_path),
                               "HOUSING_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert done.returncode == 1 and "no PostgreSQL URL" in done.stderr

    done = run([str(RESTORE_CHECK)], {**env, "BACKUP_DIR": str(tmp_path)})
    assert done.returncode != 0 and "set RESTORE_CHECK_DATABASE_URL" in done.stderr

    done = run([str(RESTORE_CHECK)], {**env, "BACKUP_DIR": str(tmp_path),
                                      "RESTORE_CHECK_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert done.returncode == 1 and "no backup in" in done.stderr
