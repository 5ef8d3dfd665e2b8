"""Markup that pages repeat many times, written in Python: a Jinja macro call costs about as much as the rest of a
table row, and a list of fifty rows calls a few of them per row."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import request, url_for
from markupsafe import Markup, escape


def badge(text, tone: str = "neutral") -> Markup:
    """A coloured label (``badge--neutral``, ``success``, ``warning``, ``danger``, ``muted``)."""
    return Markup('<span class="badge badge--%s">%s</span>') % (tone, text)  # noqa: S704 (both escaped by %)


def link_for(endpoint: str, key: str) -> Callable[[object], str]:
    """The link of a list's row by its id, from one ``url_for``: each one costs about as much as the rest of a
    row (the endpoint's path has the id as its only varying part)."""
    marker = 987654321  # an id's place, found once in the built path
    head, tail = url_for(endpoint, **{key: marker}).split(str(marker), 1)
    return lambda value: f"{head}{escape(value)}{tail}"


REQUIRED = ' <span class="required" aria-hidden="true">*</span>'


def form_field(field, class_: str = "", autofocus: bool = False) -> Markup:
    """A form's field with its label, help and errors, as the ``field`` macro of _macros/forms.html writes it (an
    input, select, text area or check box; a group of check boxes goes to the macro): a list's filter bar draws
    seven, and the macro's call costs about as much as the field itself."""
    if field.type == "MultiCheckboxField":
        raise TypeError("a group of check boxes is drawn by the field macro")
    errors = field.errors
    help_id = f"{field.id}-help" if field.description else False
    aria = {"aria-describedby": help_id, "aria-invalid": "true" if errors else False}
    if field.type == "BooleanField":
        control = f'<label class="checkbox">{field(**aria)} <span>{escape(field.label.text)}</span></label>'
    else:
        control = (f'{field.label(class_="field__label")}{REQUIRED if field.flags.required else ""}\n'
                   f'{field(class_="input", autofocus=autofocus is True, **aria)}')
    help_text = f'<p class="field__help" id="{escape(help_id)}">{escape(field.description)}</p>' if help_id else ""
    error_text = "".join(f'<p class="field__error">{escape(error)}</p>' for error in errors)
    return Markup(  # noqa: S704 (the label and control are markup, the rest escaped)
        f'<div class="field{" field--error" if errors else ""} {escape(class_)}">\n{control}\n{help_text}{error_text}'
        "\n</div>")


_paths: dict[tuple, str] = {}


def path_for(endpoint: str, **values) -> str:
    """``url_for`` of a link every page's shell draws (the navigation, the stylesheet), built once per process and
    script root: a dozen of them cost as much as a small page's own content."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    try:
        return _paths[key]
    except KeyError:
        path = _paths[key] = url_for(endpoint, **values)
        return path


def page_path() -> str:
    """Where the shell's language switch returns to: this page; or, for a page drawn in answer to a POST (a form
    refused and shown again), the page the form was sent from, as its own address takes POST only."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path.startswith("/"):
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return path_for("main.index")


def register(app) -> None:
    app.jinja_env.globals.update(badge=badge, link_for=link_for, path_for=path_for,
                                 form_field=form_field, page_path=page_path)

