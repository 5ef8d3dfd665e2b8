"""The jobs the areas register: what runs when, and what a reminder is.

A job is a function ``run(on: date) -> Outcome``: it looks at the data as of Dortmund's day ``on`` and returns
the reminders to deliver (the runner makes sure each reaches each inbox once) and a short summary for the
admin page. Schedules are cron fields in Dortmund's time zone.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Reminder:
    """One message to some users. ``key`` names the thing and the occasion; with the same key a user gets it once.
    ``title``/``body`` may be lazy strings: they are rendered in each recipient's language."""

    recipients: frozenset[int]
    key: str
    kind: str
    title: object
    body: object = None
    link: str | None = None
    severity: str = "info"


@dataclass
class Outcome:
    reminders: list[Reminder] = field(default_factory=list)
    summary: str = ""


@dataclass(frozen=True)
class Job:
    name: str
    label: object  # lazy string
    description: object
    # CronTrigger fields in Dortmund's time: hour, minute and for monthly jobs day. Keep clear of 02:00-03:00,
    # which a daylight-saving change skips or repeats.
    schedule: dict
    run: Callable[[date], Outcome]

    @property
    def schedule_text(self) -> str:
        from flask_babel import gettext as _

        hour, minute = self.schedule.get("hour", 0), self.schedule.get("minute", 0)
        clock = f"{int(hour):02d}:{int(minute):02d}"
        if "day" in self.schedule:
            return _("monatlich am %(day)s. um %(time)s Uhr", day=self.schedule["day"], time=clock)
        return _("täglich um %(time)s Uhr", time=clock)


JOBS: dict[str, Job] = {}


def register_job(name: str, label, description, schedule: dict, run: Callable[[date], Outcome]) -> None:
    JOBS[name] = Job(name, label, description, schedule, run)


def job_named(name: str) -> Job | None:
    return JOBS.get(name)
