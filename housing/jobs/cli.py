"""``flask --app housing scheduler`` and ``flask --app housing run-job NAME``."""

import logging

import click
from flask import current_app

from .registry import JOBS


@click.command("scheduler")
@click.option("--once", is_flag=True,
              help="Only catch up: run each job's latest slot that has no run yet, then exit instead of waiting.")
def scheduler_command(once):
    """Run the scheduled jobs (blocking; start exactly one, e.g. as a systemd unit or its own container)."""
    from .scheduler import catch_up_missed, run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    if once:
        runs = catch_up_missed(app)
        click.echo(f"Caught up on {len(runs)} slots; the others had run already.")
        if any(status != "succeeded" for _job, _slot, status in runs):
            raise SystemExit(1)
        return
    click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(sorted(JOBS))}")
    run_forever(app)


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
