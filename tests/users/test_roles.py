from django.contrib.auth.models import Group

from apps.users.models import Role
from apps.users.roles import ROLE_PERMISSIONS
from apps.users.selectors import user_role


def test_role_fixtures_act_in_their_roles(marketer, sales_rep, admin_member):
    assert user_role(user=marketer) == Role.MARKETER
    assert user_role(user=sales_rep) == Role.SALES
    assert user_role(user=admin_member) == Role.ADMIN
    assert admin_member.has_perm("nurture.delete_touch")
    assert not sales_rep.has_perm("campaigns.change_campaign")


def test_each_role_group_holds_every_permission_its_grant_names(db):
    for role, grants in ROLE_PERMISSIONS.items():
        wanted = {
            f"{dotted.split('.')[0]}.{action}_{dotted.split('.')[1]}"
            for dotted, actions in grants.items()
            for action in actions
        }
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert held == wanted, role
