"""Viertelwerk reminders: measures ending within six weeks, months not approved (on the 3rd).

Titles carry no participant's name (they go out by e-mail); the name is in the message body in the inbox.
"""

from collections import defaultdict
from datetime import date, timedelta

from flask import url_for
from flask_babel import lazy_ngettext
from sqlalchemy import exists, func, select

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..jobs.registry import Outcome, Reminder, register_job
from .models import HourEntry, MonthLock, Participant, RenovationProject, project_supervisors

MEASURE_END_NOTICE = timedelta(weeks=6)
LOOK_BACK_MONTHS = 12


def _supervisors_by_project(project_ids) -> dict[int, frozenset[int]]:
    found = defaultdict(set)
    if project_ids:
        for project_id, user_id in db.session.execute(select(project_supervisors.c.project_id,
                                                             project_supervisors.c.user_id)
                                                      .where(project_supervisors.c.project_id.in_(project_ids))):
            found[project_id].add(user_id)
    return {project_id: frozenset(users) for project_id, users in found.items()}


def measure_end_reminders(on: date) -> Outcome:
    rows = db.session.execute(
        select(Participant.id, Participant.first_name, Participant.last_name, Participant.ends_on,
               Participant.project_id, RenovationProject.name)
        .join(RenovationProject, RenovationProject.id == Participant.project_id)
        .where(Participant.ends_on >= on, Participant.ends_on <= on + MEASURE_END_NOTICE)).all()
    supervisors = _supervisors_by_project({row.project_id for row in rows})
    reminders = [
        Reminder(supervisors.get(row.project_id, frozenset()), f"measure-end:{row.id}:{row.ends_on}", "measure_end",
                 _l("Maßnahme endet am %(date)s (Projekt %(project)s)", date=f"{row.ends_on:%d.%m.%Y}",
                    project=row.name),
                 body=f"{row.first_name} {row.last_name}",
                 link=url_for("renovation.participant", participant_id=row.id), severity="warning")
        for row in rows]
    return Outcome(reminders, f"{len(rows)} Maßnahmen enden bis {on + MEASURE_END_NOTICE:%d.%m.%Y}")


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def unapproved_month_reminders(on: date) -> Outcome:
    """Months of the past year with hours and no approval: one message per project and month to its supervisors."""
    this_month = _first_of_month(on)
    open_months = {}  # (project_id, month) -> number of participants
    first = this_month
    for _step in range(LOOK_BACK_MONTHS):
        first = _first_of_month(first - timedelta(days=1))
        following = _first_of_month(first + timedelta(days=31))
        # Who worked on which project that month, read project by project through the index by project and day,
        # then checked for an approval once per person (not once per entry).
        crews = (select(HourEntry.project_id, HourEntry.participant_id).select_from(RenovationProject)
                 .join(HourEntry, HourEntry.project_id == RenovationProject.id)
                 .where(HourEntry.worked_on >= first, HourEntry.worked_on < following)
                 .group_by(HourEntry.project_id, HourEntry.participant_id).subquery())
        locked = exists().where(MonthLock.participant_id == crews.c.participant_id, MonthLock.month == first,
                                MonthLock.unlocked_at.is_(None))
        for project_id, people in db.session.execute(
                select(crews.c.project_id, func.count()).where(~locked).group_by(crews.c.project_id)):
            open_months[(project_id, first)] = people
    project_ids = {project_id for project_id, _month in open_months}
    names = dict(db.session.execute(select(RenovationProject.id, RenovationProject.name)
                                    .where(RenovationProject.id.in_(project_ids))).all())
    supervisors = _supervisors_by_project(project_ids)
    reminders = [
        Reminder(supervisors.get(project_id, frozenset()), f"unapproved:{project_id}:{first:%Y-%m}:{this_month:%Y-%m}",
                 "unapproved_month",
                 lazy_ngettext("%(num)s Stundennachweis für %(month)s noch nicht freigegeben (Projekt %(project)s)",
                               "%(num)s Stundennachweise für %(month)s noch nicht freigegeben (Projekt %(project)s)",
                               people, month=f"{first:%m/%Y}", project=names.get(project_id, "")),
                 link=url_for("renovation.crew_month", project_id=project_id, month=f"{first:%Y-%m}"),
                 severity="warning")
        for (project_id, first), people in sorted(open_months.items())]
    return Outcome(reminders, f"{len(reminders)} offene Projektmonate")


def register_jobs() -> None:
    register_job("measure-ends", _l("Maßnahmen, die bald enden"),
                 _l("Erinnert die Anleitung 6 Wochen vor dem Ende einer Maßnahme."), {"hour": 6, "minute": 10},
                 measure_end_reminders)
    register_job("unapproved-months", _l("Nicht freigegebene Monate"),
                 _l("Am 3. jedes Monats: vergangene Monate mit Stunden, die noch nicht freigegeben sind."),
                 {"day": 3, "hour": 6, "minute": 15}, unapproved_month_reminders)
