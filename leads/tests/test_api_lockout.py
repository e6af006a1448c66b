"""D7 lockouts of the legacy API that hold for every worker: the lock state and the
per-address failures are read from the database on each call, never from a process's copy.

"Another worker" is played by writing the database directly (a queryset update sends no
signal, so this process's cached user stays as it was, as another process's would). The
live multi-worker tests are in tests/test_lockout_live.py.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from leads.api.auth import IP_FAILURE_LIMIT, LOCK_AFTER_FAILURES
from leads.models import ApiLogEntry, ApiUserProfile, Lead, LoginFailureMinute
from leads.tests.factories import DEFAULT_PASSWORD, ApiUserFactory

pytestmark = pytest.mark.django_db

LOCKED = "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"


@pytest.fixture
def caller():
    return ApiUserFactory(username="6666", profile__user_level=9)


def add_lead(client, phone: str, password: str = DEFAULT_PASSWORD, **extra):
    params = {"user": "6666", "pass": password, "function": "add_lead", "source": "test"}
    return client.get("/API/lmapi.php", {**params, "phone_number": phone}, **extra)


def _lock_elsewhere(caller) -> None:
    ApiUserProfile.objects.filter(user=caller).update(
        failed_login_count=LOCK_AFTER_FAILURES, last_login_date=timezone.now()
    )


def test_a_lock_written_by_another_worker_holds_for_a_remembered_login(client, caller):
    """The password check is remembered (D6) and the user cached, yet the lock is read from
    the database: the right password is refused at once, without being checked."""
    assert add_lead(client, "7275550001").content.startswith(b"SUCCESS")
    _lock_elsewhere(caller)

    with mock.patch("leads.api.passwords.check_password") as check:
        body = add_lead(client, "7275550002").content.decode()

    assert body == LOCKED
    check.assert_not_called()
    assert Lead.objects.count() == 1


def test_a_locked_users_guesses_are_not_checked_so_a_right_one_cannot_be_told(client, caller):
    """Locked: right and wrong passwords get the same answer and neither is hashed."""
    _lock_elsewhere(caller)

    with mock.patch("leads.api.passwords.check_password") as check:
        right = add_lead(client, "7275550003").content.decode()
        wrong = add_lead(client, "7275550003", password="guess").content.decode()

    assert right == wrong == LOCKED
    check.assert_not_called()


def test_a_success_never_clears_a_lock_written_since_it_was_read(client, caller):
    """A success from a new address stamps the row (failed count back to 0), never over a
    lock another worker wrote."""
    assert add_lead(client, "7275550004").content.startswith(b"SUCCESS")
    _lock_elsewhere(caller)

    add_lead(client, "7275550005", REMOTE_ADDR="192.0.2.77")

    profile = ApiUserProfile.objects.get(user=caller)
    assert profile.failed_login_count == LOCK_AFTER_FAILURES


def test_address_failures_counted_by_other_workers_refuse_the_address(client, caller):
    """More than 50 failures from one address in 15 minutes, counted in the database by any
    worker, refuse that address whatever the user; other addresses are not refused."""
    LoginFailureMinute.objects.create(
        address="203.0.113.9",
        minute=timezone.now().replace(second=0, microsecond=0),
        failures=IP_FAILURE_LIMIT + 1,
    )

    refused = add_lead(client, "7275550006", REMOTE_ADDR="203.0.113.9").content.decode()
    other = add_lead(client, "7275550007", REMOTE_ADDR="203.0.113.10").content.decode()

    assert refused == LOCKED
    assert other.startswith("SUCCESS")


def test_address_failures_older_than_fifteen_minutes_do_not_count(client, caller):
    LoginFailureMinute.objects.create(
        address="203.0.113.9",
        minute=(timezone.now() - timedelta(minutes=17)).replace(second=0, microsecond=0),
        failures=IP_FAILURE_LIMIT + 1,
    )

    body = add_lead(client, "7275550008", REMOTE_ADDR="203.0.113.9").content.decode()

    assert body.startswith("SUCCESS")


def test_each_failure_is_counted_for_its_address_in_the_database(client, caller):
    """Wrong passwords and unknown users alike count for the address (D7)."""
    add_lead(client, "7275550009", password="nope", REMOTE_ADDR="203.0.113.20")
    client.get(
        "/API/lmapi.php",
        {"user": "nobody", "pass": "x", "function": "add_lead", "source": "test"},
        REMOTE_ADDR="203.0.113.20",
    )

    counted = LoginFailureMinute.objects.filter(address="203.0.113.20")
    assert sum(counted.values_list("failures", flat=True)) == 2


def test_the_address_limit_refuses_the_fifty_first_failure_onwards(client, caller):
    """50 failures are allowed; the 51st is counted, and from then on the address is refused
    even with the right password."""
    for _ in range(IP_FAILURE_LIMIT + 1):
        client.get(
            "/API/lmapi.php",
            {"user": "nobody", "pass": "x", "function": "add_lead", "source": "test"},
            REMOTE_ADDR="203.0.113.30",
        )

    body = add_lead(client, "7275550010", REMOTE_ADDR="203.0.113.30").content.decode()

    assert body == LOCKED


def test_the_api_log_keeps_the_forwarded_client_of_a_trusted_proxy(client, caller, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    add_lead(client, "7275550011", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7")
    add_lead(client, "7275550012", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert list(ApiLogEntry.objects.order_by("id").values_list("client_ip", flat=True)) == [
        "198.51.100.7",
        "192.0.2.1",
    ]


def test_failures_behind_a_trusted_proxy_count_for_the_forwarded_client(client, caller, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    add_lead(
        client,
        "7275550013",
        password="nope",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )

    assert list(LoginFailureMinute.objects.values_list("address", flat=True)) == ["198.51.100.8"]


def test_a_success_resets_failures_another_worker_counted(client, caller):
    """D7 counts consecutive failures: failures counted by another worker after this one
    remembered the login are reset by this worker's next success, so failures separated by
    successes never add up to a lock."""
    assert add_lead(client, "7275550011").content.startswith(b"SUCCESS")
    ApiUserProfile.objects.filter(user=caller).update(
        failed_login_count=LOCK_AFTER_FAILURES - 1, last_login_date=timezone.now()
    )

    assert add_lead(client, "7275550012").content.startswith(b"SUCCESS")

    assert ApiUserProfile.objects.get(user=caller).failed_login_count == 0
