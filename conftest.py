"""Fixtures shared by every app's tests: a user and a logged-in client per role."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm_project.roles import Role
from crm_project.tests.factories import UserFactory


def pytest_configure(config):
    from django.conf import settings

    # Hashing stays the real thing in production; tests only need it fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache; one test's requests must not
    # throttle the next one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def make(role: Role | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def rep(make_user):
    return make_user(Role.SALES_REP, username="t_rep")


@pytest.fixture
def rep2(make_user):
    return make_user(Role.SALES_REP, username="t_rep2")


@pytest.fixture
def rm(make_user):
    return make_user(Role.RELATIONSHIP_MANAGER, username="t_rm")


@pytest.fixture
def gm(make_user):
    return make_user(Role.GENERAL_MANAGER, username="t_gm")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, username="t_admin")


@pytest.fixture
def users_by_role(rep, rm, gm, admin):
    return {Role.SALES_REP: rep, Role.RELATIONSHIP_MANAGER: rm, Role.GENERAL_MANAGER: gm, Role.ADMIN: admin}


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep_client(rep):
    return _logged_in(rep)


@pytest.fixture
def rep2_client(rep2):
    return _logged_in(rep2)


@pytest.fixture
def rm_client(rm):
    return _logged_in(rm)


@pytest.fixture
def gm_client(gm):
    return _logged_in(gm)


@pytest.fixture
def admin_client(admin):
    return _logged_in(admin)


@pytest.fixture
def api_client_for(db):
    """An API client that authenticates with the user's token, as integrations do."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def pytest_collection_modifyitems(config, items):
    """Worker tests need a real broker and worker (.ci/run starts both).

    Without CELERY_BROKER_URL they are deselected, and said so, rather than
    skipped: `make test` on a laptop needs no services.
    """
    import os

    if os.environ.get("CELERY_BROKER_URL"):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("worker") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
        print(
            f"\n{len(deselected)} worker test(s) deselected: set CELERY_BROKER_URL and start `make worker` to run them"
        )


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_worker_test(request):
    """Outside `worker` tests, tasks sent by the code under test run in-process even when
    CELERY_BROKER_URL is set (CI), so that they see the test's uncommitted rows."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from crm_project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_eager():
    """Run tasks in-process for this test, even when a broker is configured."""
    from crm_project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
