"""Remembered API password checks (D6, leads/api/passwords.py): one hash per user per period
for the site, refreshed off the request path before it ends, dropped when the user changes.

Hashes are counted with a spy hasher; time is moved by replacing the module's clock.
"""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from leads.api import passwords
from leads.tests.factories import DEFAULT_PASSWORD, ApiUserFactory


class SpyHasher(MD5PasswordHasher):
    """MD5, counting every password verification."""

    algorithm = "spy_md5"
    verified = 0

    def verify(self, password, encoded):
        SpyHasher.verified += 1
        return super().verify(password, encoded)


@pytest.fixture
def user(db, settings):
    settings.PASSWORD_HASHERS = ["leads.tests.test_api_passwords.SpyHasher"]
    passwords.forget_all_in_process()
    user = ApiUserFactory()
    SpyHasher.verified = 0
    return user


@pytest.fixture
def clock(monkeypatch):
    """The module's clock, moved by hand."""
    now = SimpleNamespace(value=1_000_000.0)
    monkeypatch.setattr(passwords, "time", SimpleNamespace(time=lambda: now.value))
    return now


@pytest.fixture
def background(monkeypatch):
    """Refresh jobs, queued instead of run, so a test decides when the thread runs them."""
    jobs = []
    monkeypatch.setattr(
        passwords, "run_in_background", lambda function, *args: jobs.append((function, args))
    )
    return jobs


def another_worker() -> None:
    """What another process sees: the shared cache, none of this process's copies."""
    passwords.forget_all_in_process()


def test_the_first_check_hashes_and_later_ones_do_not(user, clock, background):
    """D6: one hash, then the remembered check answers."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 1


def test_a_wrong_password_is_hashed_every_time_and_never_remembered(user, clock, background):
    """Only a success is remembered: a wrong password never matches from memory."""
    assert not passwords.password_matches(user, "wrong")
    assert not passwords.password_matches(user, "wrong")
    assert SpyHasher.verified == 2
    assert passwords.password_matches(user, DEFAULT_PASSWORD)


def test_another_worker_uses_the_shared_entry_without_hashing(user, clock, background):
    """One hash per user per period for the whole site, not per worker process."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    another_worker()
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 1


def test_the_shared_entry_holds_no_password(user, clock, background):
    """Only digests are kept, never the password."""
    passwords.password_matches(user, DEFAULT_PASSWORD)
    entry = passwords.shared_cache().get(passwords._user_key(user.pk))
    assert entry and DEFAULT_PASSWORD not in repr(entry)


def test_near_its_end_a_check_is_refreshed_in_the_background(user, clock, settings, background):
    """In the last fifth of the period the request answers from memory at once and leaves
    the hash to the refresh thread, which extends the entry by a full period."""
    period = settings.LMAPI_AUTH_CACHE_SECONDS
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    clock.value += period * 0.5
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert background == []  # not near the end yet
    clock.value += period * 0.35
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 1  # the requests did not hash
    assert len(background) == 1  # one refresh queued, however many requests
    function, args = background.pop()
    function(*args)
    assert SpyHasher.verified == 2
    clock.value += period * 0.5  # past the first entry's end, within the refreshed one
    another_worker()
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 2
    assert background == []


def test_one_worker_refreshes_and_the_others_adopt_its_result(user, clock, settings, background):
    """Refreshes from several processes near the end hash once for the site."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    clock.value += settings.LMAPI_AUTH_CACHE_SECONDS * 0.9
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    another_worker()
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert len(background) == 2  # each process queued its own refresh
    for function, args in background:
        function(*args)
    assert SpyHasher.verified == 2  # the first and one refresh


def test_a_refresh_claimed_by_another_worker_is_not_hashed_again(user, clock, settings, background):
    """While one process holds the refresh claim, another process's refresh does not hash."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    clock.value += settings.LMAPI_AUTH_CACHE_SECONDS * 0.9
    passwords.shared_cache().add(
        f"{passwords._user_key(user.pk)}:refresh", 1, 30
    )  # held by another process
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    function, args = background.pop()
    function(*args)
    assert SpyHasher.verified == 1


def test_an_entry_past_its_end_is_hashed_again(user, clock, settings, background):
    """A user idle for a whole period is checked again (in-process copies end with it)."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    clock.value += settings.LMAPI_AUTH_CACHE_SECONDS + 1
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 2


def test_a_new_password_drops_the_remembered_check_at_once(user, clock, background):
    """Changing the password: the old one fails at once, in every process."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    user.set_password("another-secret-1")
    user.save()
    assert passwords.shared_cache().get(passwords._user_key(user.pk)) is None
    assert not passwords.password_matches(user, DEFAULT_PASSWORD)
    assert passwords.password_matches(user, "another-secret-1")


@pytest.mark.parametrize("change", ["user", "profile"])
def test_saving_the_user_or_its_profile_drops_its_remembered_checks(
    user, clock, background, change
):
    """Any change of the user (deactivation, rename, API rights) drops the shared entry and
    this process's copies, so the next check hashes again."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    if change == "user":
        user.is_active = False
        user.save()
    else:
        user.api_profile.save()
    assert passwords.shared_cache().get(passwords._user_key(user.pk)) is None
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 2


def test_deleting_the_user_drops_its_remembered_checks(user, clock, background):
    """A deleted user leaves nothing remembered behind."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    user_id = user.pk
    user.delete()
    assert passwords.shared_cache().get(passwords._user_key(user_id)) is None
    assert not passwords._local


def test_the_refresh_thread_runs_jobs_in_the_background(user):
    """run_in_background runs its job on another thread (the real executor)."""
    import threading

    done = threading.Event()
    seen = []
    passwords.run_in_background(lambda: (seen.append(threading.current_thread()), done.set()))
    assert done.wait(10)
    assert seen[0] is not threading.current_thread()


_OTHER_WORKER = """
import sys
from types import SimpleNamespace

import django

django.setup()
from leads.api import passwords


def no_hash(*args, **kwargs):
    raise SystemExit("the other worker hashed the password")


passwords.check_password = no_hash
user = SimpleNamespace(pk=int(sys.argv[1]), password=sys.argv[2])
print("remembered" if passwords.password_matches(user, sys.argv[3]) else "refused")
"""


def test_another_process_of_the_box_adopts_the_check_without_hashing(user, settings):
    """A check verified by one worker is read by a new process of the same box (the file
    cache every worker shares; Redis with REDIS_URL): no second hash per worker, and none
    after a restart within the period."""
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert SpyHasher.verified == 1

    def other_worker(password: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _OTHER_WORKER, str(user.pk), user.password, password],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "leadhub.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert other_worker(DEFAULT_PASSWORD) == "remembered"
    # A wrong password is never adopted: that process must hash it (and here may not).
    with pytest.raises(AssertionError, match="hashed the password"):
        other_worker("not-the-password")


def test_a_shared_cache_it_cannot_write_costs_a_hash_not_the_request(
    user, clock, background, settings, tmp_path, caplog
):
    """A cache folder the process cannot use (made by another user, a file in its way, a
    full disk): the check still answers, this process still remembers it, a warning says
    why the other workers will hash too."""
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    settings.CACHES = {
        **settings.CACHES,
        settings.API_LOGINS_CACHE: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(in_the_way / "api-logins"),
        },
    }

    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert passwords.password_matches(user, DEFAULT_PASSWORD)
    assert not passwords.password_matches(user, "not-the-password")
    assert SpyHasher.verified == 2
    assert "the shared cache's set failed" in caplog.text
