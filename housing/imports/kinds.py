"""What each kind of list holds: its columns (the API's field names, with the German headers people write),
how a row names the records it refers to, its natural key, and the service that saves it.

Rows are saved by the same services (and checked by the same pydantic models of ``api.py``) as the pages
and the API: one set of rules. An existing record with the row's natural key is left as it is and counted
as skipped; after the first import the application is the master of the data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from ..api.core import field_messages
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..placement import services as placement
from ..placement.api import ApplicantIn, LandlordIO, VacancyIn
from ..placement.models import Applicant, HousingSituation, IncomeSource, Landlord, LandlordKind, Urgency, Vacancy
from ..properties import services as buildings
from ..properties.api import PropertyIn, UnitIn
from ..properties.models import Owner, OwnerKind, Ownership, Priority, Property, SocialArea, Unit
from ..renovation import hours, participants
from ..renovation.api import HourEntryIn, ParticipantIn
from ..renovation.models import Absence, FundingBasis, HourEntry, Participant, RenovationProject
from .cells import boolean, choice, day, decimal, integer, listing, normalise, text


@dataclass(frozen=True)
class Column:
    name: str  # the API's field name
    parse: Callable
    aliases: tuple[str, ...] = ()  # German headers as people write them
    required: bool = False
    help: object = ""  # what it holds, for the documentation and the upload page
    example: str = ""


@dataclass
class Row:
    number: int
    values: dict
    errors: dict

    def get(self, name, default=None):
        value = self.values.get(name)
        return default if value is None else value

    def add(self, field: str, message: str) -> None:
        if message not in self.errors.setdefault(field, []):
            self.errors[field].append(message)

    def failed(self, *names) -> bool:
        return any(name in self.errors for name in names)


def person_key(last_name, first_name, birth_date) -> tuple:
    return (" ".join(str(last_name or "").split()).casefold(), " ".join(str(first_name or "").split()).casefold(),
            birth_date)


def _validated(model, row: Row, data: dict) -> dict:
    """The row checked by the API's input model (types, lengths, ranges), as the service expects it.

    A refused value is noted on the row and left out, so the service still checks the rest of the row and
    the report lists every problem of the row at once (the row counts as failed all the same)."""
    data = dict(data)
    while True:
        try:
            return model.model_validate(data).model_dump()
        except PydanticValidationError as error:
            fields = field_messages(error)
        refused = {name.split(".")[0] for name in fields} & set(data)
        if not refused:  # something required is missing: the service cannot run
            raise ValidationFailed(_("Die Angaben sind ungültig."), fields)
        for name, messages in fields.items():
            if name.split(".")[0] in refused:
                for message in messages:
                    row.add(name, message)
        data = {name: value for name, value in data.items() if name not in refused}


def _present(row: Row, names) -> dict:
    return {name: row.values[name] for name in names if row.values.get(name) is not None}


class Kind:
    """One kind of list. An instance lives for one import and caches what it looked up."""

    name: str
    label: object
    columns: tuple[Column, ...]
    # Groups of columns of which one alternative must be in the header, e.g. property_id, or the address.
    alternatives: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # A service's or reference's field name -> the columns of the file it comes from.
    field_columns: dict[str, tuple[str, ...]] = {}
    # The columns of the natural key (a key twice in the file is reported on them).
    key_columns: tuple[str, ...] = ()
    key_help: object = ""
    existing_help: object = _l("Ein vorhandener Datensatz bleibt unverändert und wird als übersprungen gezählt.")
    requires: object = ""

    def __init__(self, actor):
        self.actor = actor

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """Normalised header -> column name."""
        table = {}
        for column in cls.columns:
            for alias in (column.name, *column.aliases):
                table[normalise(alias)] = column.name
        return table

    @classmethod
    def column(cls, name: str) -> Column:
        return next(column for column in cls.columns if column.name == name)

    def order(self, rows: list[Row]) -> list[Row]:
        """The order in which the rows are saved (the file's, unless a kind needs another)."""
        return rows

    def resolve(self, row: Row) -> bool:
        """Look up the records the row names; False (with messages on the row) when one is missing."""
        return True

    def keys(self, row: Row) -> list[tuple]:
        """The row's natural key(s); empty when a part of the key is missing or unreadable."""
        raise NotImplementedError

    def exists(self, key: tuple) -> bool:
        raise NotImplementedError

    def create(self, row: Row):
        raise NotImplementedError

    def remember(self, row: Row, keys: list[tuple], record) -> None:
        """A row was saved: later rows may find what it created."""

    # --- references shared by several kinds -------------------------------------------------------------

    def _social_areas(self) -> dict[str, str]:
        if not hasattr(self, "_areas"):
            self._areas, self._area_records = {}, {}
            for area in db.session.scalars(select(SocialArea)):
                self._areas[normalise(area.name)] = self._areas[normalise(area.slug)] = area.slug
                self._area_records[area.slug] = area
        return self._areas

    def area_slug(self, value: str | None) -> str | None:
        """A social area by its name ("Nordmarkt") or slug ("nordmarkt"); unknown text is passed on as it is,
        for the service to refuse."""
        if value is None:
            return None
        return self._social_areas().get(normalise(value), value)

    def property_of(self, row: Row) -> Property | None:
        """The building a row names by ``property_id`` or by street, house number and postcode."""
        if not hasattr(self, "_properties"):
            self._properties = {}
        if row.get("property_id") is not None:
            prop = db.session.get(Property, row.get("property_id"))
            if prop is None:
                row.add("property_id", _("Kein Gebäude mit der ID %(id)s.", id=row.get("property_id")))
            return prop
        if row.failed("property_id", "street", "house_number", "postcode"):
            return None
        missing = [name for name in ("street", "house_number", "postcode") if row.get(name) is None]
        for name in missing:
            row.add(name, _("Pflichtangabe fehlt."))
        if missing:
            return None
        key = Property.make_address_key(row.get("street"), row.get("house_number"), row.get("postcode"))
        if key not in self._properties:
            self._properties[key] = db.session.scalar(select(Property).where(Property.address_key == key))
        prop = self._properties[key]
        if prop is None:
            row.add("property", _("Kein Gebäude mit der Adresse „%(street)s %(number)s, %(postcode)s“. "
                                  "Bitte zuerst die Gebäude importieren.", street=row.get("street"),
                                  number=row.get("house_number"), postcode=row.get("postcode")))
        return prop


def _address_columns(required: bool = False) -> tuple[Column, ...]:
    return (
        Column("street", text, ("Straße", "Strasse", "Str."), required=required, help=_l("Straße"),
               example="Mallinckrodtstraße"),
        Column("house_number", text, ("Hausnr.", "Hausnummer", "Haus-Nr.", "Nr."), required=required,
               help=_l("Hausnummer, z. B. 12, 12a oder 12-14"), example="112a"),
        Column("postcode", text, ("PLZ", "Postleitzahl"), required=required, help=_l("fünfstellig"),
               example="44147"),
    )


PROPERTY_REFERENCE = (
    Column("property_id", integer, ("Gebäude-ID", "Objekt-ID"), help=_l("die ID des Gebäudes (statt der Adresse)"),
           example="17"),
    *_address_columns(),
)
PROPERTY_ALTERNATIVES = (("property_id",), ("street", "house_number", "postcode"))
PROPERTY_FIELDS = {"property": ("property_id", "street", "house_number", "postcode")}


# --- properties ---------------------------------------------------------------------------------------------


class Properties(Kind):
    name = "properties"
    label = _l("Gebäude")
    key_columns = ("street", "house_number", "postcode")
    columns = (
        *_address_columns(required=True),
        Column("social_area", text, ("Sozialraum",), required=True,
               help=_l("Name oder Kürzel, z. B. Nordmarkt oder nordmarkt"), example="Nordmarkt"),
        Column("parcel", text, ("Flurstück", "Gemarkung/Flur/Flurstück", "Parzelle"),
               help=_l("Gemarkung, Flur, Flurstück"), example="Dortmund, Flur 12, Flurstück 345"),
        Column("year_built", integer, ("Baujahr",), help=_l("ganze Zahl"), example="1908"),
        Column("floor_area_m2", decimal, ("Wohnfläche", "Fläche (m²)", "Fläche", "Gesamtfläche", "Gesamtwohnfläche"),
               help=_l("m², Dezimalkomma"), example="640,5"),
        Column("problem_case", boolean, ("Problemimmobilie", "Problemfall"),
               help=_l("ja/nein; leer: ja (ein Problemfall, Status „gemeldet“)"), example="ja"),
        Column("priority", choice(Priority, {"höchste": "highest", "sehr hoch": "highest"}), ("Priorität",),
               help=_l("niedrig, mittel, hoch, höchste (oder low … highest); leer: mittel"), example="hoch"),
    )
    key_help = _l("Adresse: Straße, Hausnummer und PLZ („Mallinckrodtstr. 12“ und „Mallinckrodtstraße 12“ sind "
                  "ein Gebäude)")

    def keys(self, row):
        if row.failed("street", "house_number", "postcode") or None in (
                row.get("street"), row.get("house_number"), row.get("postcode")):
            return []
        return [(Property.make_address_key(row.get("street"), row.get("house_number"), row.get("postcode")),)]

    def exists(self, key):
        if not hasattr(self, "_keys"):
            self._keys = set(db.session.scalars(select(Property.address_key)))
        return key[0] in self._keys

    def create(self, row):
        data = _present(row, ("street", "house_number", "postcode", "parcel", "year_built", "floor_area_m2",
                              "problem_case", "priority"))
        if row.get("social_area") is not None:
            data["social_area"] = self.area_slug(row.get("social_area"))
        data = _validated(PropertyIn, row, data)
        # The area itself rather than its slug: the service then need not look it up again for every row.
        data["social_area"] = self._area_records.get(data["social_area"], data["social_area"])
        try:
            return buildings.create_property(data, actor=self.actor)
        except ValidationFailed as error:
            if "social_area" in error.fields and row.get("social_area") is not None:  # say which one
                error.fields["social_area"] = [_("Unbekannter Sozialraum „%(value)s“.", value=row.get("social_area"))
                                               if message == _("Unbekannter Sozialraum.") else message
                                               for message in error.fields["social_area"]]
            raise


# --- units -------------------------------------------------------------------------------------------------


class Units(Kind):
    name = "units"
    label = _l("Wohnungen")
    key_columns = (*PROPERTY_FIELDS["property"], "label")
    columns = (
        *PROPERTY_REFERENCE,
        Column("label", text, ("Wohnung", "Bezeichnung", "Lage", "Wohnungsbezeichnung", "Einheit"), required=True,
               help=_l("Bezeichnung im Haus, eindeutig je Gebäude"), example="2. OG links"),
        Column("floor", integer, ("Geschoss", "Etage", "Stockwerk"), help=_l("ganze Zahl, EG = 0, Keller = -1"),
               example="2"),
        Column("area_m2", decimal, ("Wohnfläche", "Fläche (m²)", "Fläche", "qm"), help=_l("m², Dezimalkomma"),
               example="54,3"),
        Column("rooms", decimal, ("Zimmer", "Räume", "Zimmeranzahl"), help=_l("auch halbe, z. B. 2,5"),
               example="2,5"),
        Column("persons_registered", integer, ("gemeldete Personen", "Personen gemeldet", "gemeldet"),
               help=_l("gemeldete Personen"), example="3"),
        Column("persons_seen", integer, ("angetroffene Personen", "Personen angetroffen", "angetroffen"),
               help=_l("bei der letzten Kontrolle angetroffene Personen"), example="6"),
        Column("step_free", boolean, ("barrierefrei", "stufenlos"), help=_l("ja/nein"), example="nein"),
        Column("lift", boolean, ("Aufzug", "Fahrstuhl"), help=_l("ja/nein"), example="nein"),
        Column("planned_rent", decimal, ("geplante Miete", "Planmiete"), help=_l("€ netto kalt im Monat"),
               example="395,00"),
    )
    alternatives = (PROPERTY_ALTERNATIVES,)
    field_columns = PROPERTY_FIELDS
    key_help = _l("Gebäude und Bezeichnung der Wohnung")
    requires = _l("Die Gebäude gibt es schon (Import „Gebäude“ oder von Hand).")

    def resolve(self, row):
        row.values["_property"] = self.property_of(row)
        return row.values["_property"] is not None

    def keys(self, row):
        if row.get("_property") is None or row.get("label") is None:
            return []
        return [(row.get("_property").id, row.get("label"))]

    def exists(self, key):
        if not hasattr(self, "_labels"):
            self._labels = {}
        if key[0] not in self._labels:
            self._labels[key[0]] = set(db.session.scalars(select(Unit.label).where(Unit.property_id == key[0])))
        return key[1] in self._labels[key[0]]

    def create(self, row):
        data = _present(row, ("label", "floor", "area_m2", "rooms", "persons_registered", "persons_seen",
                              "step_free", "lift", "planned_rent"))
        return buildings.add_unit(row.get("_property"), _validated(UnitIn, row, data), actor=self.actor)

    def remember(self, row, keys, record):
        self._labels.setdefault(keys[0][0], set()).add(record.label)


# --- owners ------------------------------------------------------------------------------------------------

OWNER_KINDS = {"Person": "person", "privat": "person", "Privateigentümer": "person", "Firma": "company",
               "Unternehmen": "company", "GmbH": "company", "Erben": "heirs", "Erbengemeinschaft": "heirs",
               "unbekannt": "unknown"}


class Owners(Kind):
    name = "owners"
    label = _l("Eigentümer")
    key_columns = (*PROPERTY_FIELDS["property"], "name", "address", "land_register_ref", "registered_on")
    columns = (
        *PROPERTY_REFERENCE,
        Column("kind", choice(OwnerKind, OWNER_KINDS), ("Art", "Eigentümerart", "Typ"), required=True,
               help=_l("Privatperson, Gesellschaft, Erbengemeinschaft, unbekannt (oder person, company, heirs, "
                       "unknown)"), example="Gesellschaft"),
        Column("name", text, ("Eigentümer", "Eigentümerin", "Eigentümer/in", "Name"), required=True,
               help=_l("Name oder Firma; bei „unbekannt“ darf sie fehlen"), example="Nordstadt Invest Ltd."),
        Column("address", text, ("Anschrift", "Adresse", "Eigentümeranschrift"), help=_l("Anschrift des Eigentümers"),
               example="Rheinlanddamm 5, 44139 Dortmund"),
        Column("contact", text, ("Kontakt",), help=_l("Telefon, E-Mail, Vertretung"), example="Hausverwaltung Kaya"),
        Column("registered_on", day, ("eingetragen am", "Eintragung", "Eintragungsdatum", "Datum der Eintragung"),
               required=True, help=_l("Datum der Eintragung im Grundbuch"), example="14.03.2019"),
        Column("land_register_ref", text, ("Grundbuchblatt", "Grundbuch", "Grundbuchstelle"),
               help=_l("Grundbuchblatt"), example="Dortmund Blatt 12345"),
    )
    alternatives = (PROPERTY_ALTERNATIVES,)
    field_columns = PROPERTY_FIELDS
    key_help = _l("Gebäude mit Name und Anschrift des Eigentümers, oder Gebäude mit Grundbuchblatt und "
                  "Eintragungsdatum")
    existing_help = _l("Eine vorhandene Eintragung bleibt unverändert (übersprungen). Derselbe Eigentümer "
                       "(Name und Anschrift) wird für mehrere Gebäude nur einmal angelegt.")
    requires = _l("Die Gebäude gibt es schon. Je Gebäude werden die Zeilen nach dem Eintragungsdatum gespeichert, "
                  "die jüngste Eintragung ist der aktuelle Eigentümer.")

    def order(self, rows):
        from datetime import date

        return sorted(rows, key=lambda row: row.get("registered_on") or date.max)

    def _name(self, row) -> str:
        return row.get("name") or (str(_("unbekannt")) if row.get("kind") == OwnerKind.UNKNOWN.value else "")

    def resolve(self, row):
        row.values["_property"] = self.property_of(row)
        return row.values["_property"] is not None

    def keys(self, row):
        prop = row.get("_property")
        if prop is None:
            return []
        keys = []
        if row.get("land_register_ref") and row.get("registered_on"):
            keys.append((prop.id, "ref", row.get("land_register_ref").casefold(), row.get("registered_on")))
        if self._name(row):
            keys.append((prop.id, "owner", self._name(row).casefold(), (row.get("address") or "").casefold()))
        return keys

    def _known(self, property_id: int) -> set:
        if not hasattr(self, "_ownerships"):
            self._ownerships = {}
        if property_id not in self._ownerships:
            known = set()
            for ref, registered_on, name, address in db.session.execute(
                    select(Ownership.land_register_ref, Ownership.registered_on, Owner.name, Owner.address)
                    .join(Owner).where(Ownership.property_id == property_id)):
                if ref:
                    known.add((property_id, "ref", ref.casefold(), registered_on))
                known.add((property_id, "owner", name.casefold(), (address or "").casefold()))
            self._ownerships[property_id] = known
        return self._ownerships[property_id]

    def exists(self, key):
        return key in self._known(key[0])

    def _owner(self, row) -> Owner | None:
        """An owner already recorded with the same name and address (a company owning several buildings)."""
        if row.get("kind") in (None, OwnerKind.UNKNOWN.value) or not row.get("name"):
            return None
        if not hasattr(self, "_owners"):
            self._owners = {}
            for owner_id, name, address in db.session.execute(select(Owner.id, Owner.name, Owner.address)):
                self._owners.setdefault((name.casefold(), (address or "").casefold()), owner_id)
        owner_id = self._owners.get((row.get("name").casefold(), (row.get("address") or "").casefold()))
        return db.session.get(Owner, owner_id) if owner_id else None

    def create(self, row):
        data = _present(row, ("kind", "name", "address", "contact", "registered_on", "land_register_ref"))
        owner = self._owner(row)
        if owner is not None:
            data["owner"] = owner
        return buildings.add_ownership(row.get("_property"), data, actor=self.actor)

    def remember(self, row, keys, record):
        self._known(keys[0][0]).update(keys)
        owner = record.owner
        if owner.kind != OwnerKind.UNKNOWN and hasattr(self, "_owners"):
            self._owners.setdefault((owner.name.casefold(), (owner.address or "").casefold()), owner.id)


# --- participants ------------------------------------------------------------------------------------------

FUNDING = {"16i": "sgb2_16i", "§16i": "sgb2_16i", "§ 16i SGB II": "sgb2_16i", "Teilhabe am Arbeitsmarkt": "sgb2_16i",
           "16e": "sgb2_16e", "§16e": "sgb2_16e", "§ 16e SGB II": "sgb2_16e", "16d": "sgb2_16d", "§16d": "sgb2_16d",
           "§ 16d SGB II": "sgb2_16d", "AGH": "sgb2_16d", "Arbeitsgelegenheit": "sgb2_16d", "sonstige": "other",
           "sonstiges": "other"}


def _person_columns(required: bool, birth_required: bool = True) -> tuple[Column, ...]:
    return (
        Column("last_name", text, ("Nachname", "Familienname"), required=required, help=_l("Nachname"),
               example="Ştefănescu"),
        Column("first_name", text, ("Vorname",), required=required, help=_l("Vorname"), example="Ionuţ"),
        Column("birth_date", day, ("Geburtsdatum", "geb.", "geboren am"), required=required and birth_required,
               help=_l("TT.MM.JJJJ oder JJJJ-MM-TT"), example="17.04.1986"),
    )


class Participants(Kind):
    name = "participants"
    label = _l("Teilnehmende")
    key_columns = ("last_name", "first_name", "birth_date")
    columns = (
        *_person_columns(required=True),
        Column("jobcenter_ref", text, ("Jobcenter-Kennzeichen", "Kundennummer", "BG-Nummer"),
               help=_l("Jobcenter-Kundennummer"), example="352D123456"),
        Column("funding_basis", choice(FundingBasis, FUNDING), ("Förderung", "Förderart", "Rechtsgrundlage"),
               required=True, help=_l("16i, 16e, 16d (AGH) oder sonstige; auch sgb2_16i …"), example="16i"),
        Column("starts_on", day, ("Beginn", "Maßnahmebeginn", "Eintritt"), required=True,
               help=_l("Beginn der Maßnahme"), example="01.09.2025"),
        Column("ends_on", day, ("Ende", "Maßnahmeende", "Austritt"), required=True, help=_l("Ende der Maßnahme"),
               example="31.08.2027"),
        Column("weekly_hours", decimal, ("Wochenstunden", "Stunden/Woche", "Std./Woche"), required=True,
               help=_l("vertragliche Stunden je Woche, 1 bis 40"), example="30"),
        Column("project_id", integer, ("Projekt-ID",), help=_l("die ID des Sanierungsprojekts"), example="3"),
        Column("project", text, ("Projekt", "Sanierungsprojekt", "Baustelle"),
               help=_l("der Name des Sanierungsprojekts (statt der ID)"), example="Sanierung Schleswiger Straße 28"),
        Column("safety_briefing_on", day, ("Sicherheitsunterweisung", "Unterweisung", "Unterweisung am"),
               help=_l("Datum der Sicherheitsunterweisung (vorher keine Arbeitsstunden)"), example="01.09.2025"),
        Column("phone", text, ("Telefon", "Tel."), help=_l("Telefonnummer"), example="0231 123456"),
        Column("email", text, ("E-Mail", "Mail"), help=_l("E-Mail-Adresse"), example=""),
    )
    alternatives = ((("project_id",), ("project",)),)
    field_columns = {"project_id": ("project_id", "project")}
    key_help = _l("Nachname, Vorname und Geburtsdatum")
    requires = _l("Das Sanierungsprojekt gibt es schon; importiert wird als Administration oder von der "
                  "Anleitung des Projekts.")

    def resolve(self, row):
        if row.get("project_id") is not None or row.failed("project"):
            return True  # an unknown id is refused by the service
        name = row.get("project")
        if name is None:
            row.add("project_id", _("Pflichtangabe fehlt."))
            return False
        if not hasattr(self, "_projects"):
            self._projects = {}
            for project_id, project_name in db.session.execute(select(RenovationProject.id, RenovationProject.name)):
                self._projects.setdefault(normalise(project_name), []).append(project_id)
        found = self._projects.get(normalise(name), [])
        if len(found) != 1:
            row.add("project_id", _("Kein Sanierungsprojekt „%(name)s“.", name=name) if not found else
                    _("Mehrere Sanierungsprojekte heißen „%(name)s“; bitte die Projekt-ID angeben.", name=name))
            return False
        row.values["project_id"] = found[0]
        return True

    def keys(self, row):
        if None in (row.get("last_name"), row.get("first_name"), row.get("birth_date")):
            return []
        return [person_key(row.get("last_name"), row.get("first_name"), row.get("birth_date"))]

    def exists(self, key):
        if not hasattr(self, "_keys"):
            self._keys = {person_key(*names) for names in db.session.execute(
                select(Participant.last_name, Participant.first_name, Participant.birth_date))}
        return key in self._keys

    def create(self, row):
        data = _present(row, ("first_name", "last_name", "birth_date", "jobcenter_ref", "funding_basis", "starts_on",
                              "ends_on", "weekly_hours", "project_id", "safety_briefing_on", "phone", "email"))
        return participants.create_participant(_validated(ParticipantIn, row, data), actor=self.actor)

    def remember(self, row, keys, record):
        self._keys.add(keys[0])


# --- hour entries ------------------------------------------------------------------------------------------

ABSENCES = {"k": "sick", "u": "vacation", "s": "training", "f": "unexcused", "Krankheit": "sick",
            "Fortbildung": "training", "Fehlzeit": "unexcused"}


class HourEntries(Kind):
    name = "hour-entries"
    label = _l("Arbeitsstunden")
    key_columns = ("participant_id", "last_name", "first_name", "birth_date", "date", "work_package_id",
                   "work_package", "absence")
    columns = (
        Column("participant_id", integer, ("Teilnehmenden-ID", "TN-ID"),
               help=_l("die ID der Person (statt Name und Geburtsdatum)"), example="12"),
        *_person_columns(required=False),
        Column("date", day, ("Datum", "Tag", "Arbeitstag"), required=True, help=_l("TT.MM.JJJJ oder JJJJ-MM-TT"),
               example="12.01.2026"),
        Column("hours", decimal, ("Stunden", "Std.", "Arbeitsstunden"), required=True,
               help=_l("in Viertelstunden, z. B. 7,5; höchstens 10 am Tag"), example="7,5"),
        Column("work_package_id", integer, ("Arbeitspaket-ID",), help=_l("die ID des Arbeitspakets"), example="5"),
        Column("work_package", text, ("Arbeitspaket", "Gewerk"),
               help=_l("das Gewerk des Arbeitspakets im Projekt der Person; leer: ihr Standard-Arbeitspaket"),
               example="Trockenbau"),
        Column("activity", text, ("Tätigkeit", "Taetigkeit"), help=_l("was getan wurde"),
               example="Wände gespachtelt"),
        Column("absence", choice(Absence, ABSENCES), ("Abwesenheit", "Fehlgrund"),
               help=_l("krank, Urlaub, Schulung, unentschuldigt (oder K, U, S, F); leer: gearbeitet"), example=""),
    )
    alternatives = ((("participant_id",), ("last_name", "first_name", "birth_date")),)
    field_columns = {"participant_id": ("participant_id", "last_name", "first_name", "birth_date"),
                     "work_package_id": ("work_package_id", "work_package")}
    key_help = _l("Person, Tag und Arbeitspaket (eine Abwesenheit je Tag) – der eindeutige Eintrag des "
                  "Stundennachweises")
    requires = _l("Die Teilnehmenden und ihre Arbeitspakete gibt es schon. Gesperrte (freigegebene) Monate "
                  "nehmen keine Stunden an.")

    def _participant(self, row) -> Participant | None:
        if not hasattr(self, "_people"):
            self._people = {}
        if row.get("participant_id") is not None:
            person = db.session.get(Participant, row.get("participant_id"))
            if person is None or not person.can_be_seen_by(self.actor):
                row.add("participant_id", _("Unbekannte Teilnehmende."))
                return None
            return person
        if row.failed("last_name", "first_name", "birth_date"):
            return None
        missing = [name for name in ("last_name", "first_name", "birth_date") if row.get(name) is None]
        for name in missing:
            row.add(name, _("Pflichtangabe fehlt."))
        if missing:
            return None
        birth = row.get("birth_date")
        if birth not in self._people:
            self._people[birth] = list(db.session.scalars(select(Participant).where(Participant.birth_date == birth)))
        key = person_key(row.get("last_name"), row.get("first_name"), birth)
        found = [p for p in self._people[birth] if person_key(p.last_name, p.first_name, p.birth_date) == key
                 and p.can_be_seen_by(self.actor)]
        if len(found) != 1:
            row.add("participant_id", _("Keine teilnehmende Person „%(name)s“, geboren am %(birth)s.",
                                        name=f"{row.get('first_name')} {row.get('last_name')}",
                                        birth=birth.strftime("%d.%m.%Y")) if not found else
                    _("Mehrere Teilnehmende mit diesem Namen und Geburtsdatum; bitte die ID angeben."))
            return None
        return found[0]

    def _package_id(self, row, person: Participant) -> int | None:
        if row.get("absence") is not None:
            return None
        if row.get("work_package_id") is not None:
            return row.get("work_package_id")
        name = row.get("work_package")
        if name is None:
            return person.default_work_package_id
        matches = [package.id for package in person.project.work_packages
                   if normalise(name) in (normalise(package.trade), normalise(package.title))]
        if len(matches) != 1:
            row.add("work_package_id", _("Kein Arbeitspaket „%(name)s“ im Projekt „%(project)s“.", name=name,
                                         project=person.project.name) if not matches else
                    _("Mehrere Arbeitspakete heißen „%(name)s“; bitte die Arbeitspaket-ID angeben.", name=name))
            return None
        return matches[0]

    def resolve(self, row):
        if row.failed("work_package_id", "work_package", "absence"):
            return False
        person = self._participant(row)
        if person is None:
            return False
        row.values["participant_id"] = person.id
        row.values["_participant"] = person
        row.values["work_package_id"] = self._package_id(row, person)
        return not row.failed("work_package_id")

    def keys(self, row):
        if row.get("_participant") is None or row.get("date") is None:
            return []
        if row.get("absence") is None and row.get("work_package_id") is None:
            return []
        slot = "absence" if row.get("absence") is not None else str(row.get("work_package_id"))
        return [(row.get("participant_id"), row.get("date"), slot)]

    def exists(self, key):
        if not hasattr(self, "_slots"):
            self._slots = {}
        if key[0] not in self._slots:
            self._slots[key[0]] = set(db.session.execute(
                select(HourEntry.worked_on, HourEntry.slot).where(HourEntry.participant_id == key[0])).all())
        return (key[1], key[2]) in self._slots[key[0]]

    def create(self, row):
        data = _validated(HourEntryIn, row, _present(row, ("participant_id", "work_package_id", "date", "hours",
                                                           "activity", "absence")))
        return hours.create_entry(hours.EntryInput(
            data["participant_id"], data["date"], hours=data["hours"], work_package_id=data["work_package_id"],
            activity=data["activity"], absence=data["absence"].value if data["absence"] else None), actor=self.actor)

    def remember(self, row, keys, record):
        self._slots.setdefault(keys[0][0], set()).add((keys[0][1], keys[0][2]))


# --- applicants --------------------------------------------------------------------------------------------

SITUATIONS = {"obdachlos": "homeless", "unbewohnbar": "uninhabitable", "Kündigung": "notice",
              "sonstige": "other"}
INCOMES = {"Bürgergeld": "sgb2", "SGB II": "sgb2", "ALG II": "sgb2", "Sozialhilfe": "sgb12", "SGB XII": "sgb12",
           "Grundsicherung": "sgb12", "erwerbstätig": "employed", "Arbeit": "employed", "Lohn": "employed",
           "sonstige": "other", "sonstiges": "other"}
URGENCIES = {"dringend": "high", "eilig": "high", "Notlage": "emergency"}


class Applicants(Kind):
    name = "applicants"
    label = _l("Haushalte (Wohnungssuchende)")
    key_columns = ("last_name", "first_name", "birth_date")
    columns = (
        *_person_columns(required=True, birth_required=False),
        Column("adults", integer, ("Erwachsene",), help=_l("Erwachsene im Haushalt; leer: 1"), example="2"),
        Column("children", integer, ("Kinder",), help=_l("Kinder im Haushalt; leer: 0"), example="3"),
        Column("languages", listing, ("Sprachen", "Sprache"), help=_l("durch Komma getrennt"),
               example="Rumänisch, Deutsch"),
        Column("interpreter_needed", boolean, ("Dolmetscher", "Dolmetschung", "Dolmetscher nötig"),
               help=_l("ja/nein"), example="ja"),
        Column("housing_situation", choice(HousingSituation, SITUATIONS), ("Wohnsituation",),
               help=_l("wohnungslos, überbelegt, für unbewohnbar erklärt, Kündigung erhalten, sonstiges"),
               example="überbelegt"),
        Column("income_source", choice(IncomeSource, INCOMES), ("Einkommensart", "Einkommensquelle"),
               help=_l("Bürgergeld (SGB II), Sozialhilfe (SGB XII), Erwerbseinkommen, sonstiges"),
               example="Bürgergeld"),
        Column("monthly_income", decimal, ("Monatseinkommen", "Einkommen (monatlich)", "Nettoeinkommen"),
               help=_l("€ im Monat"), example="1.250,00"),
        Column("wbs_valid_until", day, ("WBS gültig bis",), help=_l("Wohnberechtigungsschein gültig bis"),
               example="31.03.2027"),
        Column("wbs_persons", integer, ("WBS Personen", "WBS für Personen"), help=_l("Personenzahl laut WBS"),
               example="5"),
        Column("urgency", choice(Urgency, URGENCIES), ("Dringlichkeit",), help=_l("normal, hoch, Notfall"),
               example="hoch"),
        Column("preferred_areas", listing, ("bevorzugte Sozialräume", "Wunschgebiete", "Wunsch-Sozialräume"),
               help=_l("Sozialräume (Name oder Kürzel), durch Komma getrennt"), example="Nordmarkt, Hafen"),
        Column("excluded_areas", listing, ("ausgeschlossene Sozialräume", "nicht in"),
               help=_l("Sozialräume (Name oder Kürzel), durch Komma getrennt"), example="Eving"),
        Column("step_free_needed", boolean, ("barrierefrei nötig", "stufenlos nötig"), help=_l("ja/nein"),
               example="nein"),
        Column("registered_on", day, ("registriert am", "Aufnahme", "erfasst am", "Anmeldedatum"),
               help=_l("leer: heute"), example="02.06.2026"),
        Column("phone", text, ("Telefon", "Tel."), help=_l("Telefonnummer"), example="0176 1234567"),
        Column("email", text, ("E-Mail", "Mail"), help=_l("E-Mail-Adresse"), example=""),
    )
    key_help = _l("Nachname, Vorname und Geburtsdatum (ohne Geburtsdatum: der Name eines Haushalts ohne "
                  "Geburtsdatum)")
    existing_help = _l("Ein vorhandener Haushalt bleibt unverändert (übersprungen). Neue Haushalte beginnen im "
                       "Status „Erstkontakt“; Einwilligungen werden auf der Seite des Haushalts erfasst.")

    def keys(self, row):
        if None in (row.get("last_name"), row.get("first_name")) or row.failed("birth_date"):
            return []
        return [person_key(row.get("last_name"), row.get("first_name"), row.get("birth_date"))]

    def exists(self, key):
        if not hasattr(self, "_keys"):
            self._keys = {person_key(*names) for names in db.session.execute(
                select(Applicant.last_name, Applicant.first_name, Applicant.birth_date))}
        return key in self._keys

    def create(self, row):
        data = _present(row, ("first_name", "last_name", "birth_date", "adults", "children", "languages",
                              "interpreter_needed", "housing_situation", "income_source", "monthly_income",
                              "wbs_valid_until", "wbs_persons", "urgency", "step_free_needed", "registered_on"))
        for field in ("preferred_areas", "excluded_areas"):
            if row.get(field):
                data[field] = [self.area_slug(area) for area in row.get(field)]
        contact = _present(row, ("phone", "email"))
        return placement.create_applicant({**_validated(ApplicantIn, row, data), **contact}, actor=self.actor)

    def remember(self, row, keys, record):
        self._keys.add(keys[0])


# --- landlords ---------------------------------------------------------------------------------------------

LANDLORD_KINDS = {"privat": "private", "Person": "private", "Firma": "company", "Gesellschaft": "company",
                  "GmbH": "company", "Wohnungsgesellschaft": "association", "Genossenschaft": "association",
                  "Wohnungsbaugesellschaft": "association", "Wohnungsgenossenschaft": "association"}


class Landlords(Kind):
    name = "landlords"
    label = _l("Vermieter")
    key_columns = ("name",)
    columns = (
        Column("name", text, ("Vermieter", "Vermieterin", "Vermieter/in", "Name"), required=True,
               help=_l("Name oder Firma, eindeutig"), example="Wohnungsgenossenschaft Nordstadt eG"),
        Column("kind", choice(LandlordKind, LANDLORD_KINDS), ("Art", "Vermieterart", "Typ"), required=True,
               help=_l("Privatperson, Unternehmen, Wohnungsgesellschaft/-genossenschaft (oder private, company, "
                       "association)"), example="Genossenschaft"),
        Column("cooperation_since", day, ("Kooperation seit", "Kooperationsvereinbarung", "Vereinbarung vom"),
               help=_l("Datum der Kooperationsvereinbarung"), example="01.04.2024"),
        Column("contact_person", text, ("Ansprechpartner", "Ansprechpartnerin", "Ansprechperson", "Kontaktperson"),
               help=_l("Ansprechperson"), example="Małgorzata Nowak"),
        Column("phone", text, ("Telefon", "Tel."), help=_l("Telefonnummer"), example="0231 987654"),
        Column("email", text, ("E-Mail", "Mail"), help=_l("E-Mail-Adresse"), example="vermietung@example.org"),
        Column("address", text, ("Anschrift", "Adresse"), help=_l("Anschrift"),
               example="Borsigplatz 1, 44145 Dortmund"),
    )
    key_help = _l("Name (Groß-/Kleinschreibung egal)")

    def keys(self, row):
        return [(row.get("name").casefold(),)] if row.get("name") else []

    def exists(self, key):
        if not hasattr(self, "_names"):
            self._names = {" ".join(name.split()).casefold() for name in db.session.scalars(select(Landlord.name))}
        return key[0] in self._names

    def create(self, row):
        data = _validated(LandlordIO, row, _present(row, ("name", "kind", "cooperation_since", "contact_person",
                                                          "phone", "email")))
        data.pop("id", None)
        data.update(_present(row, ("address",)))
        return placement.save_landlord(None, data, actor=self.actor)

    def remember(self, row, keys, record):
        self._names.add(keys[0][0])


# --- vacancies ---------------------------------------------------------------------------------------------


class Vacancies(Kind):
    name = "vacancies"
    label = _l("Wohnungsangebote")
    key_columns = ("unit_id", "street", "house_number", "postcode", "label", "available_from")
    columns = (
        Column("unit_id", integer, ("Wohnungs-ID",), help=_l("die ID der Wohnung (statt Adresse und Bezeichnung)"),
               example="41"),
        *_address_columns(),
        Column("label", text, ("Wohnung", "Bezeichnung", "Lage", "Wohnungsbezeichnung", "Einheit"),
               help=_l("Bezeichnung der Wohnung im Haus"), example="2. OG links"),
        Column("landlord_id", integer, ("Vermieter-ID",), help=_l("die ID des Vermieters (statt des Namens)"),
               example="4"),
        Column("landlord", text, ("Vermieter", "Vermieterin", "Vermieter/in"), help=_l("Name des Vermieters"),
               example="Wohnungsgenossenschaft Nordstadt eG"),
        Column("available_from", day, ("verfügbar ab", "frei ab", "Bezug ab", "bezugsfrei ab"), required=True,
               help=_l("TT.MM.JJJJ oder JJJJ-MM-TT"), example="01.02.2027"),
        Column("net_cold_rent", decimal, ("Kaltmiete", "Nettokaltmiete", "Miete kalt", "Grundmiete"), required=True,
               help=_l("€ im Monat"), example="395,00"),
        Column("service_charges", decimal, ("Nebenkosten", "kalte Nebenkosten", "Betriebskosten", "NK"),
               help=_l("kalte Nebenkosten, € im Monat; leer: 0"), example="130,00"),
        Column("heating_costs", decimal, ("Heizkosten", "HK"), help=_l("€ im Monat; leer: 0"), example="70,00"),
        Column("deposit", decimal, ("Kaution",), help=_l("höchstens drei Nettokaltmieten"), example="1.185,00"),
        Column("rent_capped", boolean, ("preisgebunden", "WBS erforderlich", "WBS nötig", "öffentlich gefördert"),
               help=_l("ja/nein: nur mit Wohnberechtigungsschein"), example="ja"),
        Column("rent_cap_per_m2", decimal, ("Mietobergrenze je m²", "Höchstmiete je m²"),
               help=_l("€ je m²; leer bei preisgebundenen Wohnungen: der Wert der Regeltabelle"), example=""),
        Column("notes", text, ("Bemerkung", "Bemerkungen", "Hinweise"), help=_l("freier Text"), example=""),
    )
    alternatives = ((("unit_id",), ("street", "house_number", "postcode", "label")),
                    (("landlord_id",), ("landlord",)))
    field_columns = {"unit_id": ("unit_id", "street", "house_number", "postcode", "label"),
                     "property": ("street", "house_number", "postcode"),
                     "landlord_id": ("landlord_id", "landlord")}
    key_help = _l("Wohnung und „verfügbar ab“")
    existing_help = _l("Ein vorhandenes Angebot bleibt unverändert (übersprungen). Eine Wohnung hat höchstens ein "
                       "offenes Angebot zur Zeit.")
    requires = _l("Gebäude, Wohnungen (mit Wohnfläche) und Vermieter gibt es schon.")

    def _unit(self, row) -> Unit | None:
        if row.get("unit_id") is not None:
            unit = db.session.get(Unit, row.get("unit_id"))
            if unit is None:
                row.add("unit_id", _("Keine Wohnung mit der ID %(id)s.", id=row.get("unit_id")))
            return unit
        prop = self.property_of(row)
        if prop is None:
            return None
        if row.get("label") is None:
            if not row.failed("label"):
                row.add("label", _("Pflichtangabe fehlt."))
            return None
        if not hasattr(self, "_units"):
            self._units = {}
        if prop.id not in self._units:
            self._units[prop.id] = {unit.label.casefold(): unit for unit in buildings.units_of(prop)}
        unit = self._units[prop.id].get(row.get("label").casefold())
        if unit is None:
            row.add("unit_id", _("Keine Wohnung „%(label)s“ in %(address)s.", label=row.get("label"),
                                 address=prop.short_address))
        return unit

    def _landlord_id(self, row) -> int | None:
        if row.get("landlord_id") is not None:
            return row.get("landlord_id")  # an unknown id is refused by the service
        if row.failed("landlord"):
            return None
        if row.get("landlord") is None:
            row.add("landlord_id", _("Pflichtangabe fehlt."))
            return None
        if not hasattr(self, "_landlords"):
            self._landlords = {" ".join(name.split()).casefold(): landlord_id for landlord_id, name in
                               db.session.execute(select(Landlord.id, Landlord.name))}
        landlord_id = self._landlords.get(row.get("landlord").casefold())
        if landlord_id is None:
            row.add("landlord_id", _("Kein Vermieter „%(name)s“. Bitte zuerst die Vermieter importieren.",
                                     name=row.get("landlord")))
        return landlord_id

    def resolve(self, row):
        unit = self._unit(row)
        landlord_id = self._landlord_id(row)
        row.values["_unit"], row.values["landlord_id"] = unit, landlord_id
        return unit is not None and landlord_id is not None

    def keys(self, row):
        if row.get("_unit") is None or row.get("available_from") is None:
            return []
        return [(row.get("_unit").id, row.get("available_from"))]

    def exists(self, key):
        if not hasattr(self, "_offers"):
            self._offers = {}
        if key[0] not in self._offers:
            self._offers[key[0]] = set(db.session.scalars(select(Vacancy.available_from)
                                                          .where(Vacancy.unit_id == key[0])))
        return key[1] in self._offers[key[0]]

    def create(self, row):
        unit = row.get("_unit")
        data = _validated(VacancyIn, row, {"unit_id": unit.id, **_present(
            row, ("landlord_id", "net_cold_rent", "service_charges", "heating_costs", "deposit", "rent_capped",
                  "rent_cap_per_m2", "available_from"))})
        data.update(_present(row, ("notes",)))
        return placement.create_vacancy(unit, data, actor=self.actor)

    def remember(self, row, keys, record):
        self._offers.setdefault(keys[0][0], set()).add(keys[0][1])


KINDS: dict[str, type[Kind]] = {kind.name: kind for kind in (
    Properties, Units, Owners, Participants, HourEntries, Applicants, Landlords, Vacancies)}
