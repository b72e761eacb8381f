from apps.users.models import Role, User

# Most senior first: a user in several groups acts in the most senior role.
_ROLE_ORDER = (Role.ADMIN, Role.MARKETER, Role.SALES)


def user_role(*, user: User) -> Role | None:
    """The role a signed-in user acts in, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_waymark_role"):
        if user.is_superuser:
            user._waymark_role = Role.ADMIN
        else:
            names = set(user.groups.values_list("name", flat=True))
            user._waymark_role = next((r for r in _ROLE_ORDER if r.value in names), None)
    return user._waymark_role
