"""Every form of the pages, fuzzed: a valid submission with a few fields replaced by hostile values, dropped,
or sent twice. Never a 500; a refusal re-renders the form (or flashes) with the typed text escaped; what is
stored renders on every page that shows it, escaped, and exports neutralise formulas."""

import io
from importlib import import_module

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FileField,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
)

from housing.extensions import db

from ..factories import png_bytes
from .checks import assert_answered, assert_html_safe, assert_page_renders, send
from .conftest import fuzz_settings
from .routes import FORM_ROUTES
from .strategies import BIG_NUMBERS, date_text, nasty_text, number_text

SELECT_JUNK = ["", "unknown", "0", "-1", "99999999999999999999", "None", "__proto__"]
BOOL_VALUES = ["y", "", "on", "false", "0", "n", "None"]
FILE_CONTENTS = [png_bytes(), b"%PDF-1.4\n%\xe2\xe3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", b"", b"\x00" * 64,
                 b"<svg onload=alert(1)>", b"GIF89a" + b"\x00" * 20]


def kind_of(field) -> str:
    """What sort of values a field takes, by its WTForms class."""
    for cls, kind in ((MultipleFileField, "files"), (FileField, "files"), (BooleanField, "bool"),
                      (DateField, "date"), (DecimalField, "decimal"), (IntegerField, "integer"),
                      (SelectMultipleField, "multi"), (SelectField, "select"), (HiddenField, "hidden")):
        if isinstance(field, cls):
            return kind
    return "text"


def form_fields(app, dotted: str | None, prefix: str = "") -> dict[str, str]:
    """The leaf fields of a form class by HTML name (``defects-0-category``), with their kind."""
    if not dotted:
        return {}
    module, name = dotted.rsplit(".", 1)
    form_class = getattr(import_module(module), name)
    found = {}

    def walk(form):
        for field in form:
            if isinstance(field, FieldList):
                for entry in field.entries:
                    if isinstance(entry, FormField):
                        walk(entry.form)
                    else:
                        found[entry.name] = kind_of(entry)
            elif isinstance(field, FormField):
                walk(field.form)
            elif field.type != "CSRFTokenField":
                found[field.name] = kind_of(field)

    with app.test_request_context():
        walk(form_class(meta={"csrf": False}, prefix=prefix))
    return found


def value_of(kind: str):
    """A hostile value for a field of ``kind`` (sometimes one of another kind: a wrong type)."""
    typed = {
        "text": nasty_text(),
        "hidden": st.one_of(number_text(), nasty_text()),
        "integer": st.one_of(st.sampled_from(BIG_NUMBERS), number_text()),
        "decimal": st.one_of(st.sampled_from(BIG_NUMBERS), number_text()),
        "date": date_text(),
        "week": st.one_of(st.sampled_from(["2026-W53", "2026-W00", "0001-W01", "9999-W52", "-1-W1", "2026-W"]),
                          nasty_text()),
        "cell": st.one_of(st.sampled_from(["K", "u 4", "S 99", "F 1e308", "7,5", "24", "0", "-3", "K -1",
                                           "²", "١٢", "10,25", "7.333", "NaN", "k 1e999"]), number_text()),
        "select": st.one_of(st.sampled_from(SELECT_JUNK), number_text(), nasty_text()),
        "multi": st.lists(st.one_of(st.sampled_from(SELECT_JUNK), nasty_text()), max_size=4),
        "bool": st.one_of(st.sampled_from(BOOL_VALUES), nasty_text()),
    }[kind]
    return st.one_of(typed, typed, typed, nasty_text())


@st.composite
def submissions(draw, route, world, app):
    """The route's valid submission with one to three fields replaced, dropped or doubled."""
    data = route.valid(world)
    by_hand = route.by_hand(world) if callable(route.by_hand) else route.by_hand
    prefix = route.prefix(world) if callable(route.prefix) else route.prefix
    kinds = {**form_fields(app, route.form, prefix), **by_hand}
    kinds = {name: kind for name, kind in kinds.items() if kind != "files"}
    names = sorted(set(kinds) | set(data))
    chosen = draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=min(3, len(names)))) \
        if names else []
    for name in chosen:
        action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "double"]))
        kind = kinds.get(name, "text")
        if action == "drop":
            data.pop(name, None)
        elif action == "double":
            data[name] = [draw(value_of(kind)) if kind != "multi" else "x", draw(st.sampled_from(["", "1", "x"]))]
        else:
            data[name] = draw(value_of(kind))
    form = MultiDict()
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            form.add(name, item)
    for name in route.files:
        for _ in range(draw(st.integers(0, 2))):
            filename = draw(st.one_of(st.sampled_from(["foto.png", "plan.pdf", "x.exe", "../../etc/passwd", ""]),
                                      nasty_text()))
            content = draw(st.sampled_from(FILE_CONTENTS))
            form.add(name, FileStorage(io.BytesIO(content), filename=filename))
    return form


def assert_document_built(location: str) -> None:
    """A document accepted for building (built in the request in the tests) was built, not failed."""
    from housing.documents.models import DocumentBuild

    if location.startswith("/documents/") and location.removeprefix("/documents/").isdigit():
        build = db.session.get(DocumentBuild, int(location.removeprefix("/documents/")))
        assert build.status == "done", f"{build} for {location}"


@pytest.mark.parametrize("route", FORM_ROUTES, ids=lambda route: route.id)
def test_form_survives_hostile_input(app, world, route):
    client = world.client(route.role) if route.role else app.test_client()
    url = route.url(world)

    @fuzz_settings(15)
    @given(data=st.data())
    def check(data):
        form = data.draw(submissions(route, world, app), label="form")
        response = send(client, "POST", url, data=form,
                        content_type="multipart/form-data" if route.files else None)
        assert_answered(response, url)
        assert_html_safe(response, url)
        if response.status_code in (302, 303):
            location = response.headers["Location"]
            assert_document_built(location)
            shown = [location] if location.startswith("/") and "/download" not in location else []
            for page in dict.fromkeys(shown + route.pages(world)):
                assert_page_renders(client, page)

    check()
