"""The benchmark's data generator: it fills an empty database with every area's records, as the ORM would
store them (the counts the database keeps agree with the rows), and refuses a database that has cases.

A SQLite file of its own (whatever ``--db``): the generator writes through a connection of its own."""

import flask_migrate
from sqlalchemy import func, select, text

from housing import create_app
from housing.extensions import db
from housing.placement.models import Applicant, Tenancy, Vacancy
from housing.properties.models import Defect, Property, Unit
from housing.renovation.models import HourEntry, Participant

from ..conftest import make_config


def test_bench_data_fills_every_area_and_refuses_a_second_time(tmp_path, tmp_path_factory):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'bench.sqlite3'}", tmp_path_factory))
    with app.app_context():
        flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["bench-data", "--scale", "0.01"])
        assert result.exit_code == 0, result.output

        engine = db.engine  # this app's file (the suite's session is bound to the test database)

        def count(model):
            with engine.connect() as connection:
                return connection.scalar(select(func.count()).select_from(model))

        assert count(Property) == 1_000
        assert count(Unit) > 2 * count(Property) and count(Defect) > 5_000
        assert count(Participant) == 20 and count(HourEntry) > 10_000
        assert count(Applicant) == 500 and count(Vacancy) == 200 and count(Tenancy) > 0
        with engine.connect() as connection:  # the stored values, as the triggers see them
            kept = set(connection.execute(text(
                "SELECT status, social_area_id, priority, cases FROM case_counts WHERE cases != 0")))
            counted = set(connection.execute(text(
                "SELECT status, social_area_id, priority, count(*) FROM properties WHERE is_problem_case "
                "GROUP BY status, social_area_id, priority")))
            deadlines = set(connection.execute(text("SELECT id, open_deadline FROM properties")))
            earliest = set(connection.execute(text(
                "SELECT p.id, (SELECT min(deadline) FROM (SELECT deadline FROM defects WHERE property_id = p.id "
                "AND resolved_on IS NULL UNION ALL SELECT deadline FROM orders WHERE property_id = p.id "
                "AND status = 'issued')) FROM properties p")))
        assert kept == counted and sum(n for *_key, n in kept) == 600  # three in five are problem cases
        assert deadlines == earliest and sum(1 for _id, due in deadlines if due) > 100  # the cases' open deadlines

        again = app.test_cli_runner().invoke(args=["bench-data", "--scale", "0.01"])
        assert again.exit_code != 0 and "already holds properties" in again.output
        assert count(Property) == 1_000
        engine.dispose()
