from flask import jsonify
from flask_login import current_user

from ..auth.roles import Role
from .core import Schema, operation, resource_response
from .openapi import build_document


class MeOut(Schema):
    id: int
    email: str
    name: str
    roles: list[Role]


@operation("/openapi.json", summary="This document", tag="meta", public=True)
def openapi_json():
    return jsonify(build_document())


@operation("/me", summary="The user the token acts for, with their roles", tag="meta", response=MeOut)
def me():
    user = current_user._get_current_object()
    return resource_response(MeOut, {"id": user.id, "email": user.email, "name": user.name,
                                     "roles": sorted(user.roles)})
