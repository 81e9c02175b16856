import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crm_project.demo import DEMO_PASSWORD
from crm_project.roles import Role, role_of

pytestmark = pytest.mark.django_db
User = get_user_model()

EXPECTED = {
    "admin": Role.ADMIN,
    "gm": Role.GENERAL_MANAGER,
    "rm": Role.RELATIONSHIP_MANAGER,
    "rm2": Role.RELATIONSHIP_MANAGER,
    "rep": Role.SALES_REP,
    "rep2": Role.SALES_REP,
}


def test_no_demo_users_exist_without_the_demo_command():
    assert not User.objects.filter(username__in=EXPECTED).exists()


def test_demo_command_creates_a_user_per_role_with_the_documented_password(capsys):
    call_command("demo")
    for username, role in EXPECTED.items():
        user = User.objects.get(username=username)
        assert role_of(user) is role
        assert user.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    reports = User.objects.get(username="gm").direct_reports.order_by("user__username")
    # The GM raised both capacities to hold the six key accounts each manages (rm is full).
    assert [(p.user.username, p.capacity) for p in reports] == [("rm", 6), ("rm2", 7)]
    assert not User.objects.get(username="gm").is_staff
    out = capsys.readouterr().out
    assert "relasi-demo-2026" in out
    assert all(f"  {name:<6}" in out for name in EXPECTED)


def test_demo_command_is_idempotent_and_keeps_changed_passwords():
    call_command("demo")
    rep = User.objects.get(username="rep")
    rep.set_password("a-new-secret-pass-1")
    rep.save()
    call_command("demo")
    assert User.objects.filter(username__in=EXPECTED).count() == 6
    assert User.objects.get(username="rep").check_password("a-new-secret-pass-1")
    assert User.objects.get(username="rep").groups.count() == 1
    assert User.objects.get(username="gm").direct_reports.count() == 2
