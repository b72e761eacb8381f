from apps.users.models import Role
from apps.users.selectors import user_role


def test_role_fixtures_act_in_their_roles(marketer, sales_rep, admin_member):
    assert user_role(user=marketer) == Role.MARKETER
    assert user_role(user=sales_rep) == Role.SALES
    assert user_role(user=admin_member) == Role.ADMIN
    assert admin_member.has_perm("nurture.delete_touch")
    assert not sales_rep.has_perm("campaigns.change_campaign")
