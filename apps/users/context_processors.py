from apps.users.selectors import SELLING_ROLES, user_role


def role(request):
    """`role` in every template, for navigation by role; `sells` for a rep or sales manager."""
    role = user_role(user=request.user)
    return {"role": role, "sells": role in SELLING_ROLES}
