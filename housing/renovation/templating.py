"""Markup the Viertelwerk lists repeat in every row, written in Python (see housing/templating.py): the reports page
shows a bar for each of a few hundred projects."""

from markupsafe import Markup, escape

from ..i18n import fmt_number
from . import bp


@bp.app_template_global("progress_bar")
def progress_bar(percent: int | None) -> Markup:
    """A native progress bar: no inline styles, which the Content-Security-Policy forbids; over 100 % marked."""
    if percent is None:
        return Markup('<progress class="bar" max="100" value="0" title="– %">– %</progress>')
    percent = int(percent)  # a number only: nothing to escape
    over = " bar--over" if percent > 100 else ""
    return Markup(f'<progress class="bar{over}" max="100" value="{min(percent, 100)}" '  # noqa: S704
                  f'title="{percent} %">{percent} %</progress>')


@bp.app_template_global("project_hour_rows")
def project_hour_rows(projects, detail_url: str) -> Markup:
    """The reports page's table rows per project (project with a link to its work packages, building, planned,
    worked, share, people), written here in one go: the overview has a row for each of a few hundred projects, and
    a Jinja row of six cells costs several times as much."""
    link = escape(detail_url)
    return Markup("".join(  # noqa: S704 (every text escaped; numbers formatted)
        f'<tr><td><a href="{link}{int(r.project_id)}">{escape(r.project_name)}</a></td><td>{escape(r.address)}</td>'
        f'<td class="num">{escape(fmt_number(r.planned_hours, 0))}</td><td class="num">{escape(fmt_number(r.booked))}'
        f'</td><td>{progress_bar(r.share)}</td><td class="num">{int(r.people)}</td></tr>' for r in projects))
