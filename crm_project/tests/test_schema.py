"""The OpenAPI schema is valid, and the whole API is fuzzed against it.

Every endpoint added later is picked up by the schemathesis run automatically.
"""

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm_project.roles import Role
from crm_project.tests.factories import UserFactory


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/auth/token/" in text
    assert "/api/v1/me/" in text


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert client.get("/api/docs/").status_code == 200


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from crm_project.wsgi import application

    # Like Django's test client: the WSGI app must not close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def gm_token(db):
    from rest_framework.authtoken.models import Token

    user = UserFactory(role=Role.GENERAL_MANAGER, username="fuzz_gm")
    return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def media_root(settings, tmp_path):
    # Files uploaded while fuzzing (training certificates) land in a throwaway folder.
    settings.MEDIA_ROOT = tmp_path / "media"


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, gm_token, media_root):
    case.call_and_validate(
        headers={"Authorization": f"Token {gm_token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
