from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .roles import Role


def roles_required(*roles: Role):
    """Let in a logged-in user holding any of ``roles``; others get 403 (anonymous users go to login)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorator
