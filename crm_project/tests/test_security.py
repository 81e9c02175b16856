import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from crm_project.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
BASE_DIR = Path(settings.BASE_DIR)


def _form_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _admin_login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def _api_login(client, username, password, ip="10.0.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


LOGIN_PATHS = {"form": _form_login, "admin": _admin_login, "api": _api_login}


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_five_failures_lock_out_username_and_address_on_every_login_path(client, admin, path):
    login = LOGIN_PATHS[path]
    for _attempt in range(4):
        response = login(client, admin.username, "not-the-password")
        assert response.status_code in (200, 400)
    assert login(client, admin.username, "not-the-password").status_code == 429  # the fifth failure locks
    locked = login(client, admin.username, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The same username from another address, and another username from
    # this address, are not locked.
    assert login(client, admin.username, PASSWORD, ip="10.0.0.2").status_code in (200, 302)


def test_lockout_counts_failures_across_login_paths(client, admin):
    for login in (_form_login, _admin_login, _api_login, _form_login, _api_login):
        login(client, admin.username, "not-the-password")
    assert _form_login(client, admin.username, PASSWORD).status_code == 429
    assert _api_login(client, admin.username, PASSWORD).status_code == 429


def test_four_failures_then_success_resets_the_count(client, rep):
    for _attempt in range(4):
        _form_login(client, rep.username, "not-the-password")
    assert _form_login(client, rep.username, PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        _form_login(client, rep.username, "not-the-password")
    assert _form_login(client, rep.username, PASSWORD).status_code == 302


def test_pages_send_security_headers_and_a_strict_csp(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-inline'" not in directives["style-src"]
    nonce = next(token for token in script_src if token.startswith("'nonce-"))[7:-1]
    assert len(nonce) >= 16
    html = response.content.decode()
    assert f'nonce="{nonce}"' in html  # htmx is loaded with the request's nonce
    assert "<script>" not in html  # no inline script without a nonce
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_api_docs_page_runs_under_the_csp(client):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def _deploy_env(**extra):
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        {
            "DEBUG": "false",
            "HTTPS": "true",
            "SECRET_KEY": "k" * 10 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0ZyXwVuTsRqPoNmLkJiHg",
            "ALLOWED_HOSTS": "relasi.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://relasi.example.com",
        }
    )
    env.update(extra)
    return env


def _check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_passes_with_production_variables():
    result = _check_deploy(_deploy_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_with_the_development_secret_key():
    env = _deploy_env()
    del env["SECRET_KEY"]
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_cookies_are_secure_and_prefixed():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=_deploy_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split()[-7:] == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "__Host-language",
        "True",
        "True",
        "True",
        "31536000",
    ]
