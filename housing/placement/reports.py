"""The offer letter to a household, in plain German (short sentences, one thing per line)."""

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from ..reports.pdf import Document, de_date, de_money, de_number, facts, para
from .models import Offer


def offer_letter_pdf(offer: Offer, advisor_name: str) -> bytes:
    applicant, vacancy = offer.applicant, offer.vacancy
    unit = vacancy.unit
    doc = Document(f"Wohnungsangebot für {applicant.name}", subtitle="Wohnraumvermittlung – Wohnungsangebot")
    floor = "Erdgeschoss" if unit.floor == 0 else (f"{unit.floor}. Stock" if unit.floor is not None else "–")
    story = [
        para(f"{applicant.name}", "body"), Spacer(1, 8 * mm),
        para("Wir haben eine Wohnung für Sie", "title"),
        para(f"Guten Tag {applicant.name},"), Spacer(1, 2 * mm),
        para("wir können Ihnen diese Wohnung anbieten. Die Wohnung passt zu Ihrem Haushalt."),
        Spacer(1, 4 * mm),
        facts([("Adresse", f"{unit.building.street} {unit.building.house_number}, {unit.building.postcode} Dortmund"),
               ("Wohnung", f"{unit.label}, {floor}"),
               ("Größe", f"{de_number(unit.area_m2)} m², {de_number(unit.rooms, 1) if unit.rooms else '–'} Zimmer"),
               ("Miete ohne Nebenkosten", de_money(vacancy.net_cold_rent)),
               ("Nebenkosten", de_money(vacancy.service_charges)),
               ("Heizung", de_money(vacancy.heating_costs)),
               ("Miete im Monat, alles zusammen", de_money(vacancy.total_rent)),
               ("Kaution", de_money(vacancy.deposit) if vacancy.deposit else "keine"),
               ("Frei ab", de_date(vacancy.available_from)),
               ("Vermieter", vacancy.landlord.name)] +
              ([("Besichtigung", de_date(offer.viewing_on))] if offer.viewing_on else []), doc.width),
        para("Was Sie jetzt tun", "h2"),
        para("1. Sehen Sie sich die Wohnung an. Wir sagen Ihnen den Termin."),
        para("2. Sagen Sie uns, ob Sie die Wohnung wollen."),
    ]
    if applicant.income_source and applicant.income_source.value in ("sgb2", "sgb12"):
        story.append(para("3. Das Jobcenter oder das Sozialamt muss der Miete zustimmen. Das machen wir mit Ihnen "
                          "zusammen. Unterschreiben Sie den Mietvertrag erst danach."))
    if vacancy.rent_capped:
        story.append(para("Für diese Wohnung brauchen Sie einen gültigen Wohnberechtigungsschein (WBS). "
                          "Bringen Sie ihn bitte mit."))
    story += [
        para("Bitte bringen Sie mit", "h2"),
        para("Ihren Ausweis, Ihren WBS (wenn Sie einen haben) und den letzten Bescheid über Ihr Einkommen."),
        Spacer(1, 6 * mm),
        para("Haben Sie Fragen? Rufen Sie uns an oder kommen Sie vorbei. Wir helfen Ihnen gern, auch mit einer "
             "Dolmetscherin oder einem Dolmetscher."),
        Spacer(1, 8 * mm),
        para("Mit freundlichen Grüßen"), Spacer(1, 4 * mm), para(advisor_name),
        para("Wohnraumvermittlung der Stadt Dortmund", "small"),
    ]
    return doc.build(story)
