import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm_project.roles import Role

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `UserFactory(role=Role.X)` puts them in that role's group."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    last_name = factory.Faker("last_name", locale="id_ID")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs) -> None:
        if not create or extracted is None:
            return
        self.groups.add(Group.objects.get(name=extracted.value))
        if extracted is Role.ADMIN:
            self.is_staff = True
            self.save(update_fields=["is_staff"])
