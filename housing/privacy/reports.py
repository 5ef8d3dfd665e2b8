"""The subject-access letter (Art. 15 GDPR) for the person, in plain German: short sentences, one section per kind
of data, every field and every disclosure the audit log shows."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask_babel import force_locale
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..clock import LOCAL_TZ
from ..renovation.reports import month_title
from ..reports.pdf import (
    CELL_FONT_SIZE,
    CELL_PADDING,
    FONT,
    FONT_BOLD,
    GRID,
    STYLES,
    Document,
    de_date,
    de_money,
    de_number,
    escape,
    facts,
    para,
    table,
)
from .subjects import FIELD_LABELS, Section, SubjectAccess, describe

MONEY = {"monthly_income", "net_cold_rent", "gross_cold_rent"}
RULE_NAMES = {"space": "Fläche", "rent": "Miete", "wbs": "WBS", "access": "Zugang", "area": "Gebiet"}
NUMERIC = {"hours", "present_hours", "absent_hours", "days"}
SHORT_COLUMN = 30 * mm  # a column whose content fits this keeps its natural width

PURPOSE = {
    "applicant": "Wir suchen mit Ihnen eine Wohnung, vermitteln sie und begleiten Sie nach dem Einzug "
                 "(Wohnraumvermittlung und Nachbetreuung).",
    "participant": "Ihre Beschäftigung bei Viertelwerk: Arbeitszeit, Anwesenheit, Qualifikationen und die Nachweise "
                   "für das Jobcenter und die Fördermittel.",
    "owner": "Die Akte Ihres Gebäudes bei der Wohnungsaufsicht und im Verfahren zu Problemimmobilien "
             "(Ankaufstrategie).",
}
SOURCE = {
    "applicant": "Von Ihnen selbst; mit Ihrer Einwilligung auch vom Jobcenter und von Vermietenden.",
    "participant": "Von Ihnen selbst, vom Jobcenter und von Ihrer Anleitung auf der Baustelle.",
    "owner": "Aus dem Grundbuch und von den beteiligten Behörden.",
}


def show(value, key: str = "") -> str:
    """A value as the person reads it: German dates and numbers, labels instead of codes, "–" for nothing."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, Enum):
        return str(getattr(value, "label", value.value))
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return month_title(value) if key == "month" else de_date(value)
    if isinstance(value, Decimal):
        return de_money(value) if key in MONEY else de_number(value)
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "rule" in value[0]:
            return "\n".join(f"{'✓' if item.get('passed') else '✗'} {RULE_NAMES.get(item['rule'], item['rule'])}: "
                             f"{item.get('detail', '')}" for item in value)
        return ", ".join(show(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(str(k), k)}: {show(v)}" for k, v in value.items())
    return str(value)


def _fit_widths(rows: list[list[str]], total: float) -> list[float]:
    """Column widths from the content: short columns (dates, numbers, codes) get what they need on one line, the
    rest of the page goes to the columns of text in proportion to their length; no header word is broken."""
    columns = len(rows[0])
    pad = CELL_PADDING + 2

    def line_width(text: str, font: str) -> float:
        return max((stringWidth(line, font, CELL_FONT_SIZE) for line in str(text).split("\n")), default=0)

    header_min = [max((stringWidth(word, FONT_BOLD, CELL_FONT_SIZE) for word in str(rows[0][c]).split()), default=0)
                  + pad for c in range(columns)]
    natural = [max([line_width(rows[0][c], FONT_BOLD)] + [line_width(row[c], FONT) for row in rows[1:]]) + pad
               for c in range(columns)]
    if sum(natural) <= total:
        spare = total - sum(natural)
        return [width + spare * width / sum(natural) for width in natural]
    short = [c for c in range(columns) if natural[c] <= SHORT_COLUMN]
    rest = total - sum(natural[c] for c in short)
    long_total = sum(natural[c] for c in range(columns) if c not in short)
    widths = [natural[c] if c in short else max(header_min[c], rest * natural[c] / long_total) for c in range(columns)]
    excess = sum(widths) - total
    if excess > 0:  # the header minimums took more than their share: take it from the widest columns
        widest = sorted(range(columns), key=lambda c: widths[c], reverse=True)[:2]
        for c in widest:
            widths[c] -= excess / len(widest)
    return widths


def _cell(text: str, style: str = "cell"):
    """Multi-line text as a paragraph with its line breaks; the rest as the shared table makes it."""
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style]) if "\n" in text else text


def _table(rows: list[list[str]], width: float, numeric=()):
    widths = _fit_widths(rows, width)
    return table([rows[0]] + [[_cell(text) for text in row] for row in rows[1:]], widths, numeric_cols=numeric)


def _section_body(section: Section, width: float) -> list:
    story = []
    if section.intro:
        story.append(para(section.intro, "small"))
    if not section.rows:
        return story + [para(section.empty, "small")]
    if section.layout == "records":
        return story + _records(section, width)
    keys = [key for key, _label in section.columns]
    rows = [[label for _key, label in section.columns]]
    rows += [[show(row.get(key), key) for key in keys] for row in section.rows]
    numeric = [index for index, key in enumerate(keys) if key in NUMERIC or key in MONEY]
    return story + [_table(rows, width, numeric)]


def _facts(pairs, width: float) -> Table:
    """Like the shared ``facts``, keeping the line breaks of a value (the rule check: one rule a line)."""
    rows = [[Paragraph(escape(label), STYLES["small"]), Paragraph(escape(value).replace("\n", "<br/>"),
                                                                   STYLES["cell"])] for label, value in pairs]
    result = Table(rows, colWidths=[45 * mm, width - 45 * mm], hAlign="LEFT")
    result.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return result


def _records(section: Section, width: float) -> list:
    """One block per record (an offer with its rule check reads better as a list than squeezed into a table)."""
    story = []
    for index, row in enumerate(section.rows):
        block = _facts([(label, show(row.get(key), key)) for key, label in section.columns], width)
        story += [Spacer(1, 2 * mm), KeepTogether(block)] if index else [KeepTogether(block)]
    return story


def _who(row: dict) -> str:
    if row["actor_name"] and row["actor_email"]:
        return f"{row['actor_name']}\n{row['actor_email']}"
    return row["actor_name"] or row["actor_email"] or "das System (automatisch)"


def _event_rows(rows: list[dict]) -> list[list[str]]:
    """One line per event; a day's hour entries by one person in one line ("Stunden eingetragen (5 Einträge)")."""
    lines, grouped = [], {}
    for row in rows:
        if row["record_type"] == "hour_entries":
            day = row["occurred_at"].astimezone(LOCAL_TZ).date()
            key = (day, row["actor_email"], row["action"])
            if key in grouped:
                grouped[key][1] += 1
                continue
            grouped[key] = [len(lines), 1]
            lines.append([de_date(day), _who(row), row["description"]])
            continue
        lines.append([show(row["occurred_at"]), _who(row), describe(row)])
    for (_day, _email, _action), (index, count) in grouped.items():
        if count > 1:
            lines[index][2] += f" ({count} Einträge)"
    return lines


def _events_table(rows: list[dict], width: float):
    lines = [[_cell(text) for text in line] for line in _event_rows(rows)]
    return table([["Wann", "Wer", "Was"], *lines], [30 * mm, 60 * mm, width - 90 * mm])


def subject_access_pdf(access: SubjectAccess, issuer: str | None = None) -> bytes:
    """The letter to the person; German whatever the admin's interface language."""
    with force_locale("de"):
        return _build(access, issuer)


def _paragraphs(*texts: str) -> list:
    story = []
    for text in texts:
        story += [para(text), Spacer(1, 1.5 * mm)]
    return story


def _build(access: SubjectAccess, issuer: str | None) -> bytes:
    doc = Document(f"Auskunft über Ihre Daten – {access.name}", issuer=issuer,
                   subtitle="Auskunft nach Artikel 15 Datenschutz-Grundverordnung (DSGVO)")
    width = doc.width
    slug = access.kind.slug
    story = [
        para(access.name), Spacer(1, 6 * mm),
        para("Auskunft über Ihre gespeicherten Daten", "title"),
        para(f"Guten Tag {access.name},"), Spacer(1, 2 * mm),
        para("Sie haben gefragt, welche Daten wir über Sie speichern. Hier ist unsere Antwort. "
             "Sie finden darin alle Daten, die wir über Sie gespeichert haben. "
             "Und Sie sehen, wer Ihre Daten angesehen, geändert oder bekommen hat."),
        Spacer(1, 4 * mm),
        facts([("Stand der Auskunft", show(access.generated_at)),
               ("Ihr Aktenzeichen", f"{access.kind.label} Nr. {access.subject_id}"),
               ("Wofür wir die Daten brauchen", PURPOSE[slug]),
               ("Woher die Daten kommen", SOURCE[slug])], width),
    ]
    number = 1

    def heading(text: str) -> list:
        """A numbered heading that never ends a page on its own."""
        nonlocal number
        number += 1
        return [CondPageBreak(30 * mm), para(f"{number - 1}. {text}", "h2")]

    story += [*heading("Ihre Angaben"),
              _facts([(label, show(access.record.get(key), key)) for key, label in access.fields], width)]
    for section in access.sections:
        story += heading(section.title) + _section_body(section, width)

    story += heading("Dateien")
    if access.attachments:
        rows = [["Datei", "Art", "Größe", "Gespeichert am", "Von"]]
        rows += [[a["original_name"], a["content_type"], f"{de_number(Decimal(a['size_bytes']) / 1024, 0)} KB",
                  show(a["uploaded_at"]), a.get("uploaded_by_name") or "–"] for a in access.attachments]
        story.append(_table(rows, width))
    else:
        story.append(para("Zu Ihnen sind keine Dateien gespeichert.", "small"))

    seen = [row for row in access.events if row["category"] != "document"]
    story += [*heading("Wer Ihre Daten angesehen oder geändert hat"),
              para("Jeder Zugriff auf Ihre Daten wird protokolliert. Hier steht jeder Eintrag: wann, wer und was.",
                   "small")]
    story.append(_events_table(seen, width) if seen else para("Keine Einträge.", "small"))

    story += [*heading("Dokumente und Exporte mit Ihren Daten"),
              para("Diese Dokumente enthielten Ihre Daten, zum Beispiel ein Brief oder ein Nachweis als PDF.",
                   "small")]
    story.append(_events_table(access.documents, width) if access.documents else para("Keine.", "small"))

    if access.list_exports:
        story += [*heading("Exporte ganzer Listen"),
                  para("Diese Exporte enthielten eine ganze Liste, zum Beispiel alle Haushalte einer Beratung. "
                       "Ihre Daten können darin gewesen sein. Das Protokoll sagt nicht, welche Personen genau.",
                       "small"),
                  _events_table(access.list_exports, width)]

    if access.retention:
        story += [*heading("Wie lange wir Ihre Daten speichern"), para(access.retention["text"])]

    story += [KeepTogether([
        *heading("Ihre Rechte"),
        *_paragraphs(
            "Sind Daten falsch? Dann berichtigen wir sie (Artikel 16 DSGVO).",
            "Brauchen wir Daten nicht mehr? Dann können Sie verlangen, dass wir sie löschen (Artikel 17) oder "
            "nur noch eingeschränkt nutzen (Artikel 18).",
            "Sie können einer Verarbeitung widersprechen (Artikel 21). Eine Einwilligung können Sie jederzeit "
            "widerrufen. Das gilt dann ab dem Widerruf.",
            "Sie können sich bei der Aufsicht für den Datenschutz beschweren: Landesbeauftragte für Datenschutz "
            "und Informationsfreiheit Nordrhein-Westfalen (LDI NRW), Kavalleriestraße 2–4, 40213 Düsseldorf."),
        Spacer(1, 3 * mm),
        para("Haben Sie Fragen zu dieser Auskunft? Sprechen Sie uns an. Wir erklären sie Ihnen gern, auch mit einer "
             "Dolmetscherin oder einem Dolmetscher."),
    ])]
    return doc.build(story)
