"""Builds the OpenAPI 3.1 document from the declared operations (``core.OPERATIONS``)."""

import re

from flask import current_app

from .core import OPERATIONS, OneOf

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        }
    },
}

ERROR_DESCRIPTIONS = {
    400: "Malformed JSON",
    401: "No or invalid token",
    403: "The role lacks the permission",
    404: "Missing or not yours to know",
    409: "State conflict (failed guard, duplicate, locked, stale version)",
    422: "Invalid values",
}

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        converter, name = match.group(1) or "string", match.group(2)
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return "/api/v1" + _CONVERTER.sub(replace, rule), params


def _register(components: dict, model, mode: str = "serialization") -> dict:
    """Put a model's schema (and the models it uses) into the components; returns a reference to it.

    A body that is one of several models (``OneOf``) is described with ``anyOf``."""
    if isinstance(model, OneOf):
        return {"anyOf": [_register(components, member, mode) for member in model.models]}
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for def_name, definition in schema.pop("$defs", {}).items():
        components[def_name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(components: dict, model) -> list[dict]:
    """The query model's fields as parameters; the enums they use go into the components like bodies' do."""
    schema = model.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_document() -> dict:
    components: dict = {"Error": ERROR_SCHEMA}
    paths: dict = {}
    for op in sorted(OPERATIONS.values(), key=lambda o: (o.rule, o.method)):
        path, params = _path(op.rule)
        if op.query is not None:
            params += _query_parameters(components, op.query)
        responses: dict = {}
        if op.response is not None:
            ref = _register(components, op.response)
            if op.paged:
                ref = {
                    "type": "object",
                    "required": ["items", "next_cursor"],
                    "properties": {"items": {"type": "array", "items": ref},
                                   "next_cursor": {"type": ["string", "null"]}},
                }
            responses[str(op.status)] = {"description": "OK", "content": {"application/json": {"schema": ref}}}
        elif op.content_type != "application/json":
            responses[str(op.status)] = {
                "description": "OK",
                "content": {op.content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        else:
            responses[str(op.status)] = {"description": "OK", "content": {"application/json": {"schema": {}}}}
        for status, model in op.responses.items():
            responses[str(status)] = {"description": "OK",
                                      "content": {"application/json": {"schema": _register(components, model)}}}
        codes = set(op.errors)
        if not op.public:
            codes |= {401}
        if op.roles is not None:
            codes |= {403}
        if op.body is not None:
            codes |= {400, 422}
        if op.query is not None:
            codes |= {422}
        if params and any(p["in"] == "path" for p in params):
            codes |= {404}
        for code in sorted(codes):
            responses[str(code)] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        entry = {
            "operationId": op.endpoint.removeprefix("api."),
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _register(components, op.body, mode="validation")}},
            }
        if op.public:
            entry["security"] = []
        if op.roles is not None:
            entry["x-roles"] = sorted(str(role) for role in op.roles)
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "housing API",
            "version": "1",
            "description": f"{current_app.config['ORGANISATION_NAME']}: Ankauf, Viertelwerk and Wohnungszugang. "
                           "Errors carry German messages.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
