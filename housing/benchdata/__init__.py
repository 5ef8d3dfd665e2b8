"""The benchmark's data set: ``flask --app housing bench-data --scale N`` (see bench/README.md)."""

import time

import click
from sqlalchemy import func, select, text

from ..extensions import db


def register(app) -> None:
    app.cli.add_command(bench_data_command)


@click.command("bench-data")
@click.option("--scale", type=click.FloatRange(min=0.001, max=20), default=1.0, show_default=True,
              help="1 = 100,000 properties, 1,000,000 defects, 2,000,000 hour entries, 50,000 households.")
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same data.")
def bench_data_command(scale, seed):
    """Fill an empty, migrated database with a city-scale data set for the benchmark (five years of every area)."""
    from ..properties.models import Property
    from .generator import PASSWORD, generate

    started = time.monotonic()

    def progress(message):
        click.echo(f"[{time.monotonic() - started:6.1f} s] {message}")

    with db.engine.begin() as connection:  # the check and the rows in one transaction
        if connection.scalar(select(func.count(Property.id))):
            raise click.ClickException("The database already holds properties; bench-data fills an empty one only.")
        counts = generate(connection, scale, seed=seed, progress=progress)
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does some time after a bulk load, done now so the benchmark measures the steady state:
        # the visibility map lets index-only scans skip the table (a fresh COPY has none), and fresh statistics.
        progress("VACUUM ANALYZE")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    total = sum(counts.values())
    progress(f"{total:,} rows written".replace(",", "."))
    for table, count in sorted(counts.items(), key=lambda item: -item[1]):
        click.echo(f"  {table:<24} {count:>12,}".replace(",", "."))
    click.echo(f"Logins: bench-admin@, bench-leitung@, bench-wohnungsaufsicht@, bench-anleitung@, "
               f"bench-vermittlung@housing.example / {PASSWORD}")
