import pytest
from django.urls import reverse

from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD_MARKERS = {
    Role.SALES_REP: "Your work as a sales rep",
    Role.RELATIONSHIP_MANAGER: "Your work as a relationship manager",
    Role.GENERAL_MANAGER: "Your work as general manager",
    Role.ADMIN: "Users by role",
}


def test_home_redirects_anonymous_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_dashboard(client, role):
    user = UserFactory(role=role)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert response.templates[0].name == f"dashboards/{role.slug}.html"
    html = response.content.decode()
    assert DASHBOARD_MARKERS[role] in html
    others = {marker for other, marker in DASHBOARD_MARKERS.items() if other is not role}
    assert not any(marker in html for marker in others)


def test_general_manager_dashboard_lists_the_relationship_managers_and_reps(gm_client, gm, rm, rep, make_user):
    from relationships.services import rm_profile_save

    rm_profile_save(user=rm, reports_to=gm, capacity=4)
    unprofiled = make_user(Role.RELATIONSHIP_MANAGER, username="t_rm_new")
    response = gm_client.get(reverse("home"))
    html = response.content.decode()
    assert f"@{rm.username}" in html and f"@{unprofiled.username}" in html
    assert f"@{rep.username}" in html
    assert "4 key accounts" in html
    assert 'badge text-bg-success">you<' in html
    assert "No profile yet" in html


def test_rep_dashboard_lists_no_colleagues(rep_client, rm):
    html = rep_client.get(reverse("home")).content.decode()
    assert f"@{rm.username}" not in html


def test_admin_dashboard_counts_users_per_role(admin_client, rep, rep2, rm, gm):
    response = admin_client.get(reverse("home"))
    counts = {row["role"]: row["count"] for row in response.context["role_counts"]}
    assert counts == {Role.SALES_REP: 2, Role.RELATIONSHIP_MANAGER: 1, Role.GENERAL_MANAGER: 1, Role.ADMIN: 1}


def test_user_without_role_is_told_to_ask_for_one(client):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "Your account has no role yet" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "queries"),
    [
        # session, user, groups (role), customer counts, birthdays (contacts, family members),
        # then my day: follow-ups, cadence (default rules, customer rules, one per default rule: 3), my recent
        (Role.SALES_REP, 13),
        # ... the compact my day: overdue follow-ups, cadence (2 + 3 default rules),
        # + the RM's key accounts and their plan actions due (relationships; health of several
        # key accounts is pinned in relationships/tests/test_views.py)
        (Role.RELATIONSHIP_MANAGER, 14),
        # session, user, role, customer counts, relationship managers (with profile, manager and load),
        # sales reps, + plans waiting for approval and key accounts without an RM (relationships)
        (Role.GENERAL_MANAGER, 8),
        # + users per role, recent failed logins
        (Role.ADMIN, 5),
    ],
)
def test_dashboard_query_budget(client, role, queries, django_assert_num_queries):
    from relationships.services import rm_profile_save

    boss = UserFactory(role=Role.GENERAL_MANAGER, username="boss")
    for n in range(4):
        UserFactory(role=Role.SALES_REP, username=f"extra_rep{n}")
        rm_profile_save(user=UserFactory(role=Role.RELATIONSHIP_MANAGER, username=f"extra_rm{n}"), reports_to=boss)
    client.force_login(UserFactory(role=role, is_superuser=False))
    with django_assert_num_queries(queries):
        assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_a_form_error_and_no_session(client, rep):
    response = client.post(reverse("login"), {"username": rep.username, "password": "wrong-password-1"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(rep_client):
    assert rep_client.get(reverse("logout")).status_code == 405
    response = rep_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert rep_client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short-pw-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("918273645546372819", "This password is entirely numeric."),
    ],
)
def test_password_policy_refuses_weak_passwords(rep_client, rep, new_password, message):
    response = rep_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_password_change_with_a_strong_password(rep_client, rep):
    response = rep_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "kopi-tubruk-pagi-77", "new_password2": "kopi-tubruk-pagi-77"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    rep.refresh_from_db()
    assert rep.check_password("kopi-tubruk-pagi-77")


def test_missing_page_is_a_styled_404_that_leaks_nothing(rep_client):
    response = rep_client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Traceback" not in html and "urlpatterns" not in html and "crm_project" not in html


def test_api_404_is_json(rep_client):
    response = rep_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_server_error_page_is_styled_and_leaks_nothing(client, settings, monkeypatch):
    from crm_project import views

    def explode(request):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views, "healthz", explode)
    settings.ROOT_URLCONF = "crm_project.tests.urls_explode"
    client.raise_request_exception = False
    response = client.get("/explode/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "secret internal detail" not in html
    api = client.get("/api/explode/")
    assert api.status_code == 500
    assert api.json() == {"detail": "Server error. It has been logged."}


def test_healthz_answers_without_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
