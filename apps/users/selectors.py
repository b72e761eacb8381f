from apps.users.models import Role, User

# Most senior first: a user in several groups acts in the most senior role.
_ROLE_ORDER = (Role.ADMIN, Role.MANAGER, Role.MARKETER, Role.SALES)
# Roles whose write permission on a deal (and what hangs off it) reaches only the ones they own.
OWNERSHIP_BOUND_ROLES = {Role.SALES}
# Roles that sell: a rep's pages (my deals, my tasks, my handoffs) are theirs.
SELLING_ROLES = {Role.SALES, Role.MANAGER}


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


def user_ids_by_login() -> dict[str, int]:
    """Active users' ids under their lower-cased email, username and full name, for imports
    whose owner column holds any of these (CRMs export the owner's name). A name two users
    share is left out rather than guessed."""
    ids: dict[str, int] = {}
    shared: set[str] = set()
    for pk, *names in User.objects.filter(is_active=True).values_list(
        "pk", "email", "username", "first_name", "last_name"
    ):
        email, username, first, last = (name.strip().lower() for name in names)
        for key in {email, username, f"{first} {last}".strip()} - {""}:
            if ids.get(key, pk) != pk:
                shared.add(key)
            ids[key] = pk
    return {key: pk for key, pk in ids.items() if key not in shared}


def bound_to_own_records(*, user: User) -> bool:
    """A sales rep writes only deals they own; a sales manager or an admin writes any."""
    return user_role(user=user) in OWNERSHIP_BOUND_ROLES


def user_sells(*, user: User) -> bool:
    return user_role(user=user) in SELLING_ROLES
