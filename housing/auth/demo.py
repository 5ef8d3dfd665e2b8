from .models import User
from .roles import Role
from .services import create_user

ADMIN_EMAIL = "admin@housing.example"
OFFICER_EMAIL = "wohnungsaufsicht@housing.example"
SUPERVISOR_EMAIL = "anleitung@housing.example"
ADVISOR_EMAIL = "vermittlung@housing.example"

DEMO_USERS = [
    (Role.ADMIN, ADMIN_EMAIL, "Alexandra Becker"),
    (Role.HOUSING_OFFICER, OFFICER_EMAIL, "Jonas Wróbel"),
    (Role.SUPERVISOR, SUPERVISOR_EMAIL, "Ayşe Demir"),
    (Role.TENANT_ADVISOR, ADVISOR_EMAIL, "Mihaela Popescu"),
    (Role.MANAGEMENT, "leitung@housing.example", "Dr. Klaus Hartmann"),
]


def load(password: str) -> list[tuple[str, str, str]]:
    """One login per role; existing demo users are left as they are."""
    for role, email, name in DEMO_USERS:
        if User.by_email(email) is None:
            create_user(email, name, [role], password)
    return [(role.value, email, password) for role, email, _name in DEMO_USERS]
