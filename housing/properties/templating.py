"""Markup the case pages repeat many times (see housing/templating.py): the case status and priority as badges,
deadlines and file lists, the case list's rows and the board's cells."""

from flask import url_for
from markupsafe import Markup, escape

from ..i18n import fmt_count, fmt_date, locale_code, ngettext, number_symbols
from ..i18n import gettext as _
from ..templating import badge, link_for
from .models import CaseStatus, Priority, Severity

STATUS_TONES = {
    CaseStatus.REPORTED: "neutral", CaseStatus.REGISTERED: "neutral", CaseStatus.INSPECTED: "warning",
    CaseStatus.OWNER_ENGAGED: "warning", CaseStatus.ORDER_ISSUED: "danger", CaseStatus.ACQUISITION_REVIEW: "warning",
    CaseStatus.ACQUIRING: "warning", CaseStatus.ACQUIRED: "success", CaseStatus.IN_RENOVATION: "success",
    CaseStatus.READY_FOR_LETTING: "success", CaseStatus.LET: "success", CaseStatus.RESOLVED_BY_OWNER: "muted",
    CaseStatus.DEMOLISHED: "muted", CaseStatus.DELISTED: "muted",
}
SEVERITY_TONES = {Severity.MINOR: "neutral", Severity.MAJOR: "warning", Severity.HAZARD: "danger"}
PRIORITY_TONES = {Priority.LOW: "muted", Priority.MEDIUM: "neutral", Priority.HIGH: "warning",
                  Priority.HIGHEST: "danger"}


_badges: dict[tuple, Markup] = {}


def _badge(value, tones: dict) -> Markup:
    """``value``'s label coloured by ``tones``, made once per value and language (a list shows a hundred)."""
    key = (locale_code(), type(value), value)
    made = _badges.get(key)
    if made is None:
        made = _badges[key] = badge(value.label, tones[value])
    return made


def status_badge(status: CaseStatus | None) -> Markup:
    return badge(_("kein Problemfall"), "muted") if status is None else _badge(status, STATUS_TONES)


def priority_badge(priority: Priority) -> Markup:
    return _badge(priority, PRIORITY_TONES)


def severity_badge(severity: Severity) -> Markup:
    return _badge(severity, SEVERITY_TONES)


def defect_list(defects, files: dict, today) -> Markup:
    """A case file's list of an inspection's defects (properties/detail.html): each with its severity, what and
    where, its deadline or when it was resolved, and its photos (``files``: by defect id)."""
    items = []
    for defect in defects:
        where = f" · {escape(defect.unit.label)}" if defect.unit else ""
        if defect.resolved_on:
            state = badge(_("behoben am %(d)s", d=fmt_date(defect.resolved_on)), "success")
        else:
            state = f"{escape(_('Frist:'))} {due(defect.deadline, today)}"
        items.append(
            f'<li class="{"is-resolved" if defect.resolved_on else ""}">{severity_badge(defect.severity)} '
            f"<strong>{escape(defect.category.label)}</strong>{where}: {escape(defect.description)} "
            f'<span class="defects__due">{state}</span>{file_list(files.get(defect.id))}</li>')
    return Markup(f'<ul class="defects">{"".join(items)}</ul>')  # noqa: S704 (every value escaped or markup)


def due(deadline, today) -> Markup:
    """A deadline with how near it is: overdue and today in red, within a week in amber (a case file shows one per
    open defect and order)."""
    if not deadline:
        return Markup("–")
    days = (deadline - today).days
    if days < 0:
        note = badge(ngettext("seit %(num)d Tag überfällig", "seit %(num)d Tagen überfällig", -days), "danger")
    elif days == 0:
        note = badge(_("heute fällig"), "danger")
    elif days <= 7:
        note = badge(ngettext("fällig in %(num)d Tag", "fällig in %(num)d Tagen", days), "warning")
    else:
        note = Markup('<span class="muted small">%s</span>') % ngettext("in %(num)d Tag", "in %(num)d Tagen", days)
    return Markup('<span class="nowrap">%s</span> %s') % (fmt_date(deadline), note)


def file_list(files) -> Markup:
    """The files filed with a record, photos as thumbnails (nothing when it has none, as most records)."""
    if not files:
        return Markup("")
    items = []
    for file in files:
        download = url_for("attachments.download", attachment_id=file.id)
        if file.has_thumbnail:
            items.append(Markup('<li><a href="%s" class="thumb"><img src="%s" alt="%s" loading="lazy"></a></li>') % (
                download, url_for("attachments.thumbnail", attachment_id=file.id), file.original_name))
        else:
            items.append(Markup('<li><a href="%s">📄 %s</a></li>') % (download, file.original_name))
    return Markup('<ul class="file-list">%s</ul>') % Markup("").join(items)


def count_cells(row, strong: bool = False) -> Markup:
    """The board's cells of one row (properties/board.html): each (count, link to the cases it counts or None) as
    the count (grouped: 1.250) linking to its cases, a muted dot for none. Several hundred per board."""
    head, tail = ('<td class="num"><strong>', "</strong></td>") if strong else ('<td class="num">', "</td>")
    dot = f'{head}<span class="muted">·</span>{tail}'
    group = number_symbols()[0]
    return Markup("".join(  # noqa: S704 (counts are integers, links escaped)
        dot if not n else f'{head}<a href="{escape(href)}">{fmt_count(n, group)}</a>{tail}' if href
        else f"{head}{fmt_count(n, group)}{tail}" for n, href in row))


def case_rows(rows) -> Markup:
    """The case list's table rows (properties/cases.html) from its column rows (views.CASE_ROW)."""
    case_url = link_for("properties.detail", "property_id")
    overcrowded = badge(_("überbelegt"), "danger")
    none = '<span class="muted">–</span>'
    return Markup("".join(  # noqa: S704 (every value escaped or markup already)
        f'<tr><td><a href="{case_url(row.id)}"><strong>{escape(row.street)} {escape(row.house_number)}'
        f'</strong></a><br><span class="muted small">{escape(row.postcode)} Dortmund</span></td>'
        f"<td>{escape(row.area)}</td><td>{status_badge(row.status)}</td>"
        f"<td>{priority_badge(row.priority)}</td>"
        f'<td class="num">{row.condition_rating or "–"}</td>'
        f"<td>{overcrowded if row.is_overcrowded else none}</td>"
        f'<td class="nowrap">{fmt_date(row.status_changed_at)}</td></tr>'
        for row in rows))

def register(app) -> None:
    app.jinja_env.globals.update(status_badge=status_badge, priority_badge=priority_badge, case_rows=case_rows,
                                  count_cells=count_cells, due=due, file_list=file_list,
                                  severity_badge=severity_badge, defect_list=defect_list)
