"""``flask --app housing scheduler`` and ``flask --app housing run-job NAME``."""

import logging

import click
from flask import current_app

from .registry import JOBS


@click.command("scheduler")
def scheduler_command():
    """Run the scheduled jobs (blocking; start exactly one, e.g. as a systemd unit or its own container)."""
    from .scheduler import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(sorted(JOBS))}")
    run_forever(current_app._get_current_object())


@click.command("run-job")
@click.argument("name")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this day (YYYY-MM-DD) instead of today.")
def run_job_command(name, on):
    """Run one job by hand now (NAME as listed on the admin page)."""
    from .runner import run_by_hand

    if name not in JOBS:
        raise click.ClickException(f"Unknown job {name!r}. Jobs: {', '.join(sorted(JOBS))}")
    run = run_by_hand(name, on.date() if on else None)
    click.echo(f"{run.job}: {run.status}; {run.notifications} new messages, {run.emails} e-mails. {run.summary or ''}")
    if run.status != "succeeded":
        raise SystemExit(1)


def register(app) -> None:
    for command in (scheduler_command, run_job_command):
        app.cli.add_command(command)
