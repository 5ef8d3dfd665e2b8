"""The API's readable reference: the OpenAPI document rendered as a page, for the people who write the
integrations (GIS, reporting, the Jobcenter interface). Built from the same document, so it cannot drift."""

from flask import Blueprint, render_template

from .openapi import build_document

bp = Blueprint("api_reference", __name__)

METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


def _type(schema: dict) -> str:
    """A short, readable type: "integer", "string (date)", "array of Unit", "Unit or Order", "enum: a, b"."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema or "oneOf" in schema:
        options = [_type(option) for option in schema.get("anyOf", schema.get("oneOf"))]
        nullable = "null" in options
        text = " or ".join(option for option in options if option != "null")
        return f"{text} (nullable)" if nullable else text
    if "enum" in schema:
        return "enum: " + ", ".join(str(value) for value in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if kind == "object" and set(schema.get("properties", {})) == {"items", "next_cursor"}:
        return f"page of {_type(schema['properties']['items'].get('items', {}))}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind or "object"


def _operations(document: dict) -> dict[str, list[dict]]:
    by_tag: dict[str, list[dict]] = {}
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            body = entry.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            by_tag.setdefault(entry["tags"][0], []).append({
                "method": method.upper(), "path": path, "id": entry["operationId"], "summary": entry["summary"],
                "roles": entry.get("x-roles"), "public": entry.get("security") == [],
                "parameters": entry.get("parameters", []), "body": _type(body) if body else None,
                "responses": [(code, response["description"],
                               _type(response.get("content", {}).get("application/json", {}).get("schema", {}))
                               if "application/json" in response.get("content", {}) else
                               next(iter(response.get("content", {})), ""))
                              for code, response in entry["responses"].items()],
            })
    for operations in by_tag.values():
        operations.sort(key=lambda op: (op["path"], METHOD_ORDER.get(op["method"].lower(), 9)))
    return dict(sorted(by_tag.items()))


@bp.route("/api-reference")
def reference():
    """Public like /api/v1/openapi.json: it describes the interface, never data."""
    document = build_document()
    schemas = {name: schema for name, schema in sorted(document["components"]["schemas"].items())
               if schema.get("type") == "object" or "properties" in schema or "enum" in schema}
    return render_template("api/reference.html", document=document, operations=_operations(document),
                           schemas=schemas, type_of=_type)
