from apps.users.selectors import user_role


def role(request):
    """`role` in every template, for navigation by role."""
    return {"role": user_role(user=request.user)}
