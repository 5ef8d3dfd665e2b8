"""Named permission rules, shared by views (the check) and templates (what to show).

The server always checks; a template hiding a button is never the protection.
"""

from .roles import Role


def can_manage_users(user) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


def can_read_audit_log(user) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


RULES = {
    "manage_users": can_manage_users,
    "read_audit_log": can_read_audit_log,
}


def register_rule(name: str, rule) -> None:
    """Areas add their own rules here so templates can ask ``can('rule_name')``."""
    RULES[name] = rule


def can(user, rule_name: str, *args) -> bool:
    return bool(RULES[rule_name](user, *args))
