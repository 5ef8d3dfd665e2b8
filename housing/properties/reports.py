"""Documents of the Ankauf pipeline: the inspection protocol for the owner and the case dossier."""

from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Spacer
from sqlalchemy import select

from ..attachments.services import files_of, path_of
from ..extensions import db
from ..reports.pdf import Document, de_date, de_money, de_number, facts, para, signatures, table
from . import services
from .models import Acquisition, Agency, Inspection, Order, Ownership, Property, Referral


def _defect_rows(inspection: Inspection) -> list:
    rows = [("Kategorie", "Schwere", "Wohnung", "Beschreibung", "Frist", "Behoben")]
    for defect in inspection.defects:
        rows.append((defect.category.label, defect.severity.label, defect.unit.label if defect.unit else "Haus",
                     defect.description, de_date(defect.deadline), de_date(defect.resolved_on)))
    if len(rows) == 1:
        rows.append(("Keine Mängel festgestellt.", "", "", "", "", ""))
    return rows


def _occupancy_rows(inspection: Inspection) -> list:
    rows = [("Wohnung", "Fläche", "Angetroffen", "Gemeldet", "Belegung")]
    for row in sorted(inspection.occupancy, key=lambda r: r.unit.label):
        rows.append((row.unit.label, f"{de_number(row.unit.area_m2)} m²" if row.unit.area_m2 else "–",
                     str(row.persons_seen), str(row.unit.persons_registered),
                     "überbelegt" if row.is_overcrowded else "in Ordnung"))
    if len(rows) == 1:
        rows.append(("Keine Belegung erfasst.", "", "", "", ""))
    return rows


def inspection_protocol_pdf(prop: Property, inspection: Inspection) -> bytes:
    """The protocol of an on-site inspection, for the owner: defects with their deadlines."""
    doc = Document(f"Protokoll der Hauskontrolle {prop.short_address}",
                   subtitle="Wohnungsaufsicht – Wohnraumstärkungsgesetz NRW (WohnStG)")
    story = [para(f"Protokoll der Hauskontrolle vom {de_date(inspection.inspected_on)}", "title"),
             facts([("Gebäude", prop.address), ("Flurstück", prop.parcel or "–"),
                    ("Prüfende", ", ".join(o.name for o in inspection.officers) or "–"),
                    ("Beteiligte Stellen", ", ".join(Agency(a).label for a in inspection.agencies) or "–"),
                    ("Zustand", f"{inspection.condition_rating} von 5 (1 = gut, 5 = unbewohnbar)"),
                    ("Überbelegung", "festgestellt" if inspection.is_overcrowded else "nicht festgestellt")],
                   doc.width),
             para("Belegung", "h2"),
             table(_occupancy_rows(inspection), [40 * mm, 25 * mm, 28 * mm, 25 * mm, doc.width - 118 * mm]),
             para("Festgestellte Mängel", "h2"),
             table(_defect_rows(inspection), [42 * mm, 18 * mm, 20 * mm, doc.width - 122 * mm, 21 * mm, 21 * mm])]
    if inspection.notes:
        story += [para("Bemerkungen", "h2"), para(inspection.notes)]
    story += [Spacer(1, 6 * mm), para(
        "Die Mängel sind bis zu den genannten Fristen zu beseitigen. Bitte teilen Sie der Wohnungsaufsicht mit, "
        "wann die Arbeiten erledigt sind. Werden Fristen nicht eingehalten, kann die Stadt Dortmund Anordnungen "
        "nach dem Wohnraumstärkungsgesetz NRW erlassen und Zwangsgelder festsetzen.")]
    story += [Spacer(1, 10 * mm), KeepTogether([signatures(doc.width, ["Wohnungsaufsicht"])])]
    return doc.build(story)


def dossier_pdf(prop: Property) -> bytes:
    """The whole case file: summary, owners, timeline, inspections with defects and photos, orders, acquisition."""
    doc = Document(f"Fallakte {prop.short_address}", subtitle="Ankaufstrategie – Problemimmobilien")
    owners = db.session.scalars(select(Ownership).where(Ownership.property_id == prop.id)
                                .order_by(Ownership.registered_on)).all()
    story = [para(f"Fallakte {prop.address}", "title"),
             facts([("Verfahrensstand", prop.status.label if prop.status else "kein Problemfall"),
                    ("Priorität", prop.priority.label), ("Sozialraum", prop.social_area.name),
                    ("Flurstück", prop.parcel or "–"), ("Baujahr", str(prop.year_built or "–")),
                    ("Wohnfläche", f"{de_number(prop.floor_area_m2)} m²" if prop.floor_area_m2 else "–"),
                    ("Zustand", f"{prop.condition_rating} von 5" if prop.condition_rating else "–"),
                    ("Überbelegung", "ja" if prop.is_overcrowded else "nein"),
                    ("Eigentümer", "; ".join(f"{o.owner.name} ({o.owner.kind.label}) seit {de_date(o.registered_on)}"
                                             + (f" bis {de_date(o.ended_on)}" if o.ended_on else "")
                                             for o in owners) or "nicht ermittelt")], doc.width)]
    units = services.units_of(prop)
    if units:
        story += [para("Wohnungen", "h2"), table(
            [("Wohnung", "Fläche", "Zimmer", "gemeldet", "angetroffen", "Belegung")] + [
                (u.label, f"{de_number(u.area_m2)} m²" if u.area_m2 else "–", de_number(u.rooms, 1) if u.rooms else "–",
                 str(u.persons_registered), str(u.persons_seen if u.persons_seen is not None else "–"),
                 "überbelegt" if u.is_overcrowded else "in Ordnung") for u in units],
            [38 * mm, 22 * mm, 18 * mm, 22 * mm, 28 * mm, doc.width - 128 * mm])]
    story += [para("Verlauf", "h2"), table([("Datum", "Ereignis")] + [
        (de_date(item.at), item.text) for item in services.timeline(prop)], [24 * mm, doc.width - 24 * mm])]
    referrals = db.session.scalars(select(Referral).where(Referral.property_id == prop.id)).all()
    if referrals:
        story += [para("Meldungen", "h2"), table([("Eingang", "Quelle", "Inhalt")] + [
            (de_date(r.received_on), r.source.label, r.text) for r in referrals],
            [24 * mm, 34 * mm, doc.width - 58 * mm])]
    inspections = db.session.scalars(select(Inspection).where(Inspection.property_id == prop.id)
                                     .order_by(Inspection.inspected_on)).all()
    photos = files_of("defect", [d.id for i in inspections for d in i.defects])
    for inspection in inspections:
        story += [para(f"Hauskontrolle vom {de_date(inspection.inspected_on)} – Zustand {inspection.condition_rating}",
                       "h2"),
                  table(_defect_rows(inspection), [34 * mm, 20 * mm, 22 * mm, doc.width - 120 * mm, 22 * mm,
                                                   22 * mm])]
        images = [Image(str(path_of(f, thumbnail=True)), width=40 * mm, height=30 * mm, kind="proportional")
                  for d in inspection.defects for f in photos.get(d.id, []) if f.has_thumbnail
                  and path_of(f, thumbnail=True).exists()]
        if images:
            story.append(Spacer(1, 2 * mm))
            story.append(table([images[i:i + 4] + [""] * (4 - len(images[i:i + 4]))
                                for i in range(0, len(images), 4)], [doc.width / 4] * 4, header_rows=0,
                               zebra=False))
    orders = db.session.scalars(select(Order).where(Order.property_id == prop.id).order_by(Order.id)).all()
    if orders:
        story += [para("Anordnungen", "h2"), table([("Art", "Stand", "Erlassen", "Frist", "Zwangsgelder")] + [
            (o.type.label, o.status.label, de_date(o.issued_on), de_date(o.deadline), de_money(o.fines_total))
            for o in orders], [70 * mm, 24 * mm, 24 * mm, 24 * mm, doc.width - 142 * mm], numeric_cols=(4,))]
    for a in db.session.scalars(select(Acquisition).where(Acquisition.property_id == prop.id)):
        story += [para("Erwerb", "h2"), facts([
            ("Weg / Erwerber", f"{a.method.label} / {a.buyer.label}"),
            ("Verkehrswert / Forderung / Kaufpreis",
             f"{de_money(a.appraisal_value) or '–'} / {de_money(a.asking_price) or '–'} / "
             f"{de_money(a.agreed_price) or '–'}"),
            ("Ratsbeschluss", f"{a.council_decision_ref}, {de_date(a.council_decision_on)}"
             if a.council_decision_ref else "–"),
            ("Vorkaufsrecht: Mitteilung / Frist",
             f"{de_date(a.preemption_notice_on)} / {de_date(a.preemption_deadline)}"
             if a.preemption_notice_on else "–"),
            ("Beurkundung / Übergabe", f"{de_date(a.notarised_on) or '–'} / {de_date(a.transferred_on) or '–'}"),
        ], doc.width)]
    return doc.build(story)
