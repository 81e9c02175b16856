import pytest
from django.contrib.auth.models import AnonymousUser, Group

from crm_project.roles import Role, role_of, roles_sync
from crm_project.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_migrations_create_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Sales rep",
        "Relationship manager",
        "General manager",
        "Admin",
    }


def test_admin_group_holds_every_permission_and_reps_cannot_manage_users():
    admin = Group.objects.get(name="Admin")
    rep = Group.objects.get(name="Sales rep")
    assert admin.permissions.filter(codename="change_user").exists()
    assert not rep.permissions.filter(content_type__app_label="auth").exists()


def test_roles_sync_is_idempotent():
    before = {g.name: set(g.permissions.values_list("id", flat=True)) for g in Group.objects.all()}
    roles_sync()
    roles_sync()
    after = {g.name: set(g.permissions.values_list("id", flat=True)) for g in Group.objects.all()}
    assert before == after
    assert Group.objects.filter(name__in=[r.value for r in Role]).count() == 4


@pytest.mark.parametrize("role", list(Role))
def test_role_of_answers_the_group_role(role):
    assert role_of(UserFactory(role=role)) is role


def test_superuser_is_admin_without_group():
    assert role_of(UserFactory(is_superuser=True)) is Role.ADMIN


def test_strongest_role_wins_when_user_is_in_two_groups():
    user = UserFactory(role=Role.SALES_REP)
    user.groups.add(Group.objects.get(name="General manager"))
    assert role_of(user) is Role.GENERAL_MANAGER


def test_no_role_for_anonymous_inactive_or_groupless_users():
    assert role_of(AnonymousUser()) is None
    assert role_of(None) is None
    assert role_of(UserFactory()) is None
    assert role_of(UserFactory(role=Role.GENERAL_MANAGER, is_active=False)) is None


def test_role_of_costs_one_query_then_none(django_assert_num_queries):
    user = UserFactory(role=Role.RELATIONSHIP_MANAGER)
    with django_assert_num_queries(1):
        role_of(user)
        role_of(user)
        role_of(user)


def test_role_slugs_are_the_api_values():
    assert [role.slug for role in Role] == ["sales_rep", "relationship_manager", "general_manager", "admin"]
