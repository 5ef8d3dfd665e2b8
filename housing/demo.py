"""Demo data: each area contributes a loader; ``load_all`` runs them in order (each is idempotent)."""

DEMO_PASSWORD = "Nordstadt-Demo-2026"  # noqa: S105  (printed demo logins, development only)


def load_all() -> list[tuple[str, str, str]]:
    """Load every area's demo records; returns the demo logins as (role, e-mail, password)."""
    from .auth.demo import ADMIN_EMAIL, ADVISOR_EMAIL, OFFICER_EMAIL, SUPERVISOR_EMAIL
    from .auth.demo import load as load_users
    from .placement.demo import load as load_households
    from .properties.demo import load as load_cases
    from .renovation.demo import load as load_crews

    logins = load_users(DEMO_PASSWORD)
    load_cases(OFFICER_EMAIL)
    load_crews(SUPERVISOR_EMAIL, ADMIN_EMAIL, DEMO_PASSWORD)
    load_households(ADVISOR_EMAIL)
    return logins
