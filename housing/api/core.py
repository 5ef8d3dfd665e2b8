"""Bearer-token authentication, request parsing, cursor pages and the OpenAPI description.

An area declares an endpoint once with ``@operation(...)``: the route, who may call it, the
pydantic models of its query, body and response. The same declaration checks the call and
describes it in ``/api/v1/openapi.json``, so the document cannot drift from the code.
"""

import json
from dataclasses import dataclass, field
from functools import wraps

from flask import abort, current_app, g, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import pagination
from ..auth.services import user_for_token
from ..database import MAX_ID, commit_bookkeeping
from ..errors import json_error
from ..extensions import csrf, db, login_manager
from ..i18n import gettext as _
from ..pagination import InvalidCursor, SortKey
from . import bp

csrf.exempt(bp)  # no cookies here: a bearer token cannot be sent by another site's form


class Schema(BaseModel):
    """Base of the API's models: unknown fields are refused, decimals and dates travel as strings."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    roles: frozenset | None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    paged: bool = False
    status: int = 200
    public: bool = False
    content_type: str = "application/json"
    errors: tuple[int, ...] = field(default=())
    # Further successful answers: {status: model}, e.g. a batch's 200 beside a single create's 201.
    responses: dict[int, type[BaseModel]] = field(default_factory=dict)


OPERATIONS: dict[str, Operation] = {}


def operation(rule, method="GET", *, summary, tag, roles=None, query=None, body=None, response=None,
              paged=False, status=200, public=False, content_type="application/json", errors=(), responses=None):
    """Declare an API endpoint: route, access, the models it reads and writes, and its description.

    The view receives ``query=`` and ``body=`` (parsed models) when declared and returns a
    Flask response or a ``(data, status)`` pair; ``roles=None`` means any authenticated user.
    """

    def decorator(view):
        endpoint = view.__name__

        @wraps(view)
        def wrapped(**kwargs):
            if roles is not None and not current_user.has_role(*roles):
                abort(403)  # the JSON error, audited like a refused page
            if query is not None:
                kwargs["query"] = _parse(query, request.args.to_dict(flat=True), "query")
            if body is not None:
                payload = _json_body()
                if not isinstance(payload, dict):  # also malformed JSON
                    return json_error(400, "bad_request", _("Der Inhalt muss ein JSON-Objekt sein."))
                kwargs["body"] = _parse(body, payload, "body")
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint, wrapped, methods=[method])
        OPERATIONS[f"api.{endpoint}"] = Operation(
            rule=rule, method=method, endpoint=f"api.{endpoint}", summary=summary, tag=tag,
            roles=frozenset(roles) if roles is not None else None, query=query, body=body, response=response,
            paged=paged, status=status, public=public, content_type=content_type, errors=tuple(errors),
            responses=dict(responses or {}),
        )
        wrapped.api_public = public
        return wrapped

    return decorator


class OneOf:
    """A body that is one of several models, chosen by ``choose(payload)``: errors then name the fields of
    the model that applies, not of every alternative (e.g. one hour entry, or ``{"entries": [...]}``)."""

    def __init__(self, choose, *models):
        self.choose = choose
        self.models = models


class InvalidInput(Exception):
    def __init__(self, fields):
        self.fields = fields


def _json_body():
    """The request's JSON, or None when there is none or it cannot be read (also when nested too deep)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _parse(model, data, location):
    if isinstance(model, OneOf):
        model = model.choose(data)
    # Neither database takes these: PostgreSQL refuses text with NUL, and integers beyond an id's range.
    refused = {path or location: [_("Das Steuerzeichen NUL ist nicht erlaubt.")]
               for path in _paths(data, lambda value: isinstance(value, str) and "\x00" in value)}
    if refused:
        raise InvalidInput(refused)
    try:
        parsed = model.model_validate(data) if location == "query" else validate_json(model, data)
    except ValidationError as error:
        raise InvalidInput(field_messages(error, location)) from None
    refused = {path or location: [_("Der Wert ist zu groß.")] for path in _paths(
        parsed.model_dump(warnings=False), lambda value: isinstance(value, int) and abs(value) > MAX_ID)}
    if refused:
        raise InvalidInput(refused)
    return parsed


def validate_json(model, data):
    """``data`` (parsed JSON) read as the document describes it: strictly typed, so ``"5"`` is no integer, ``0`` no
    date and ``1`` no boolean; decimals may come as numbers or strings (API.md)."""
    return model.model_validate_json(json.dumps(data), strict=True)


def _paths(value, wrong, path: str = ""):
    """The field paths ("entries.3.activity") of the values in ``value`` (and its keys) for which ``wrong`` holds."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield from [child] if wrong(key) else _paths(item, wrong, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, wrong, f"{path}.{index}" if path else str(index))
    elif wrong(value) and not isinstance(value, bool):
        yield path


def field_messages(error: ValidationError, location: str = "body") -> dict[str, list[str]]:
    """pydantic's errors as ``{"field.path": ["German message", ...]}``."""
    fields: dict[str, list[str]] = {}
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or location
        fields.setdefault(name, []).append(_german_message(problem))
    return fields


PYDANTIC_MESSAGES = {
    "missing": lambda p: _("Pflichtangabe fehlt."),
    "extra_forbidden": lambda p: _("Unbekanntes Feld."),
    "int_parsing": lambda p: _("Eine ganze Zahl wird erwartet."),
    "int_type": lambda p: _("Eine ganze Zahl wird erwartet."),
    "decimal_parsing": lambda p: _("Eine Zahl wird erwartet."),
    "decimal_type": lambda p: _("Eine Zahl wird erwartet."),
    "date_from_datetime_parsing": lambda p: _("Ein Datum im Format JJJJ-MM-TT wird erwartet."),
    "date_parsing": lambda p: _("Ein Datum im Format JJJJ-MM-TT wird erwartet."),
    "date_type": lambda p: _("Ein Datum im Format JJJJ-MM-TT wird erwartet."),
    "string_type": lambda p: _("Ein Text wird erwartet."),
    "bool_parsing": lambda p: _("true oder false wird erwartet."),
    "bool_type": lambda p: _("true oder false wird erwartet."),
    "enum": lambda p: _("Erlaubt sind: %(values)s.", values=p.get("ctx", {}).get("expected", "")),
    "literal_error": lambda p: _("Erlaubt sind: %(values)s.", values=p.get("ctx", {}).get("expected", "")),
    "string_too_long": lambda p: _("Höchstens %(n)s Zeichen.", n=p.get("ctx", {}).get("max_length")),
    "string_too_short": lambda p: _("Mindestens %(n)s Zeichen.", n=p.get("ctx", {}).get("min_length")),
    "greater_than_equal": lambda p: _("Mindestens %(n)s.", n=p.get("ctx", {}).get("ge")),
    "greater_than": lambda p: _("Größer als %(n)s erforderlich.", n=p.get("ctx", {}).get("gt")),
    "less_than_equal": lambda p: _("Höchstens %(n)s.", n=p.get("ctx", {}).get("le")),
    "less_than": lambda p: _("Kleiner als %(n)s erforderlich.", n=p.get("ctx", {}).get("lt")),
}


def _german_message(problem) -> str:
    translate = PYDANTIC_MESSAGES.get(problem["type"])
    return translate(problem) if translate else _("Ungültiger Wert.")


@bp.errorhandler(InvalidInput)
def _invalid_input(error):
    return json_error(422, "invalid", _("Die Angaben sind ungültig."), error.fields)


@bp.before_request
def authenticate_bearer():
    """Only a bearer token authenticates here; a browser's session cookie is ignored on purpose."""
    view = current_app.view_functions.get(request.endpoint)
    header = request.headers.get("Authorization", "")
    user = None
    if header.startswith("Bearer "):
        user = user_for_token(header[len("Bearer "):].strip())
        if user is not None and db.session.dirty:
            commit_bookkeeping()  # last_used_at
    login_manager._update_request_context_with_user(user)
    g.api_user = user
    if user is None and not getattr(view, "api_public", False) and request.endpoint in OPERATIONS:
        response = json_error(401, "unauthorized", _("Ein gültiger API-Schlüssel wird benötigt."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="housing"'
        return response
    return None


# --- cursor pages ------------------------------------------------------------------------


class PageQuery(Schema):
    """``?cursor=&limit=``; list endpoints extend it with their filters (unknown parameters are ignored)."""

    model_config = ConfigDict(extra="ignore")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


def keyset_page(stmt, id_column, limit: int, cursor: str | None):
    """One page of ``stmt`` by ascending id after the cursor: constant cost however deep the page."""
    try:
        return pagination.keyset_page(stmt, [SortKey(id_column)], limit, cursor)
    except InvalidCursor:
        raise InvalidInput({"cursor": [_("Ungültiger Cursor.")]}) from None


def page_response(items, next_cursor, schema):
    return jsonify(items=[schema.model_validate(item).model_dump(mode="json") for item in items],
                   next_cursor=next_cursor)


def resource_response(schema, obj, status=200):
    response = jsonify(schema.model_validate(obj).model_dump(mode="json"))
    response.status_code = status
    return response
