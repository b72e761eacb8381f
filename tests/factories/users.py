import factory
from django.contrib.auth.models import Group

from apps.users.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    """`UserFactory(role=Role.SALES)` puts the user in that role's group."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@waymark.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("waymark-pass")

    @factory.post_generation
    def role(self, create, extracted: Role | None, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == Role.ADMIN and not self.is_staff:
                self.is_staff = True
                self.save(update_fields=["is_staff"])
