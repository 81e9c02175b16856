import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm_project.models import IdempotencyRecord
from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
GROUPS = "/api/test/groups/"


def test_token_for_username_and_password(rep):
    response = APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=rep).key}
    again = APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": PASSWORD})
    assert again.json()["token"] == response.json()["token"]


def test_token_refused_with_field_messages(rep):
    response = APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with the given username and password."]}
    missing = APIClient().post("/api/v1/auth/token/", {"username": rep.username})
    assert missing.status_code == 400
    assert missing.json() == {"password": ["This field is required."]}


def test_token_refused_for_inactive_user():
    user = UserFactory(role=Role.SALES_REP, is_active=False)
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize("role", list(Role))
def test_me_answers_user_and_role(api_client_for, role):
    user = UserFactory(role=role, first_name="Sari", last_name="Dewi")
    response = api_client_for(user).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id
    assert body["username"] == user.username
    assert body["first_name"] == "Sari"
    assert body["role"] == role.slug
    assert body["role_name"] == role.label
    assert body["language"] == "en"


def test_me_in_indonesian(api_client_for, gm):
    response = api_client_for(gm).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.json()["role_name"] == "Manajer umum"
    assert response.json()["language"] == "id"


def test_me_with_a_session_works_too(rep_client, rep):
    assert rep_client.get("/api/v1/me/").json()["username"] == rep.username


def test_unauthenticated_api_answers_401_with_a_json_error():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_bad_token_answers_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/me/").status_code == 401


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_lists_are_paginated_with_a_capped_page_size(api_client_for, gm):
    Group.objects.bulk_create([Group(name=f"g{n:03d}") for n in range(230)])
    client = api_client_for(gm)
    first = client.get(GROUPS, {"page_size": 10, "ordering": "-name", "search": "g0"}).json()
    assert first["count"] == 100
    assert [g["name"] for g in first["results"]] == [f"g{n:03d}" for n in range(99, 89, -1)]
    assert first["previous"] is None
    assert "page=2" in first["next"]
    capped = client.get(GROUPS, {"page_size": 100000}).json()
    assert len(capped["results"]) == 200
    assert client.get(GROUPS, {"page": 99}).status_code == 404


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_same_idempotency_key_and_body_replays_and_creates_nothing(api_client_for, gm):
    client = api_client_for(gm)
    first = client.post(GROUPS, {"name": "Telephony"}, HTTP_IDEMPOTENCY_KEY="call-42")
    second = client.post(GROUPS, {"name": "Telephony"}, HTTP_IDEMPOTENCY_KEY="call-42")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Group.objects.filter(name="Telephony").count() == 1


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_same_idempotency_key_with_another_body_answers_422(api_client_for, gm):
    client = api_client_for(gm)
    client.post(GROUPS, {"name": "Telephony"}, HTTP_IDEMPOTENCY_KEY="call-43")
    response = client.post(GROUPS, {"name": "Web shop"}, HTTP_IDEMPOTENCY_KEY="call-43")
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert not Group.objects.filter(name="Web shop").exists()


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_idempotency_keys_belong_to_one_user(api_client_for, gm, admin):
    api_client_for(gm).post(GROUPS, {"name": "ERP"}, HTTP_IDEMPOTENCY_KEY="k1")
    response = api_client_for(admin).post(GROUPS, {"name": "ERP 2"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201
    assert Group.objects.filter(name__startswith="ERP").count() == 2


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_a_failed_create_keeps_no_key_so_the_client_can_fix_and_retry(api_client_for, gm):
    client = api_client_for(gm)
    bad = client.post(GROUPS, {"name": ""}, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert bad.status_code == 400
    assert bad.json() == {"name": ["This field may not be blank."]}
    assert not IdempotencyRecord.objects.exists()
    good = client.post(GROUPS, {"name": "Fixed"}, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert good.status_code == 201


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_an_overlong_idempotency_key_is_a_field_error(api_client_for, gm):
    response = api_client_for(gm).post(GROUPS, {"name": "X"}, HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": ["Give a key of 1 to 255 characters."]}


@pytest.mark.urls("crm_project.tests.api_fixtures")
def test_without_a_key_every_post_creates(api_client_for, gm):
    client = api_client_for(gm)
    client.post(GROUPS, {"name": "A"})
    assert client.post(GROUPS, {"name": "A"}).status_code == 400  # unique name: a plain duplicate
    assert Group.objects.filter(name="A").count() == 1


@pytest.mark.urls("crm_project.tests.api_fixtures")
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_never_create_two_rows(gm):
    token = Token.objects.create(user=gm).key
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            statuses.append(client.post(GROUPS, {"name": "Race"}, HTTP_IDEMPOTENCY_KEY="race-1").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201, 201, 201]
    assert Group.objects.filter(name="Race").count() == 1
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1


def test_idempotency_purge_drops_only_expired_records(gm, celery_eager):
    from datetime import timedelta

    from django.utils import timezone

    from crm_project.tasks import purge_idempotency_records

    old = IdempotencyRecord.objects.create(
        user=gm, key="old", method="POST", path="/x/", request_hash="h", status_code=201
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyRecord.objects.create(user=gm, key="new", method="POST", path="/x/", request_hash="h", status_code=201)
    assert purge_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
