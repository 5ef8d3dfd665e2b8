"""Who sees what of Viertelwerk: supervisors run their own projects and crews, admins everything;
housing officers and management see project progress, never a participant."""

from ..auth.roles import Role

CREW_ROLES = (Role.SUPERVISOR, Role.ADMIN)
PROGRESS_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.HOUSING_OFFICER, Role.MANAGEMENT)


def can_view_project(user, project) -> bool:
    if user.has_role(Role.ADMIN, Role.HOUSING_OFFICER, Role.MANAGEMENT):
        return True
    return user.has_role(Role.SUPERVISOR) and project.is_supervised_by(user)
