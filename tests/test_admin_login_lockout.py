"""Admin logins are limited (django-axes, counted in the database): after the configured number
of failures the right password is refused too, and the address counted is the one
leadhub.client_address gives (X-Forwarded-For only from a trusted proxy)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
PASSWORD = "a-long-admin-password"


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)


def _login(client, password: str, **extra):
    return client.post(
        LOGIN_URL, {"username": "boss", "password": password, "next": "/admin/"}, **extra
    )


def test_the_right_password_signs_in_before_any_failure(client, admin_user):
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_admin_login_locks_after_the_configured_failures(client, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    answers = [_login(client, "wrong").status_code for _ in range(3)]

    response = _login(client, PASSWORD)

    # The form again with its error twice; the third failure locks.
    assert answers == [200, 200, 429]

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    _login(client, "wrong")
    _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()

    _login(client, "wrong")
    _login(client, "wrong")

    assert _login(client, PASSWORD).status_code == 302


def test_admin_failures_are_counted_for_the_forwarded_client_of_a_trusted_proxy(
    client, admin_user, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    _login(client, "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    _login(client, "wrong", REMOTE_ADDR="192.0.2.4", HTTP_X_FORWARDED_FOR="198.51.100.9")

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))

    assert addresses == {"198.51.100.9", "192.0.2.4"}
