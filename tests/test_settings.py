"""Production settings: `manage.py check --deploy` is clean with the documented env vars."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


def production_env() -> dict[str, str]:
    """The environment the README's production section documents."""
    env = {
        name: value
        for name, value in os.environ.items()
        # DEBUG must be unset; PYTEST_VERSION switches settings to test-friendly storage.
        if name not in {"DEBUG", "PYTEST_VERSION", "SECURE_COOKIES"}
    }
    env.update(
        SECRET_KEY="".join(secrets.choice(SECRET_KEY_ALPHABET) for _ in range(50)),
        ALLOWED_HOSTS="example.com",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
    )
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_env():
    result = check_deploy(production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output.upper(), output


def test_check_deploy_flags_the_development_secret_key():
    """Without SECRET_KEY the development fallback is used, and the deploy check says so."""
    env = production_env()
    del env["SECRET_KEY"]
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_a_malformed_trusted_proxy_stops_the_start():
    """TRUSTED_PROXIES is checked at start: a typo must not silently trust nobody (or all)."""
    result = check_deploy({**production_env(), "TRUSTED_PROXIES": "10.0.0.0/8,10.0.0.300"})
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def backends(env: dict[str, str]) -> list[str]:
    """The default cache's, the tasks' and the remembered API logins' backends the settings
    choose in ``env``."""
    code = (
        "import leadhub.settings as s; "
        "print(s.CACHES['default']['BACKEND']); print(s.TASKS['default']['BACKEND']); "
        "print(s.CACHES[s.API_LOGINS_CACHE]['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_redis_url_alone_moves_the_cache_and_the_queues_and_passes_the_deploy_check():
    """Many boxes are configuration: REDIS_URL in the environment, no settings.py edit."""
    env = {**production_env(), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    env.pop("RQ_REDIS_URL", None)

    assert backends(env) == [
        "django.core.cache.backends.redis.RedisCache",
        "django_tasks_rq.RQBackend",
        "django.core.cache.backends.redis.RedisCache",
    ]
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_empty_rq_redis_url_keeps_the_queues_in_the_database():
    env = {**production_env(), "REDIS_URL": "redis://127.0.0.1:6379/0", "RQ_REDIS_URL": ""}

    assert backends(env) == [
        "django.core.cache.backends.redis.RedisCache",
        "django_tasks_db.DatabaseBackend",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_one_box_shares_remembered_api_logins_between_its_workers_through_files():
    """Without Redis the cache stays per process, but remembered API logins are files every
    worker of the box reads (leads/api/passwords.py)."""
    env = {**production_env()}
    env.pop("REDIS_URL", None)
    env.pop("RQ_REDIS_URL", None)

    assert backends(env) == [
        "leadhub.cache.LocalMemoryCache",
        "django_tasks_db.DatabaseBackend",
        "django.core.cache.backends.filebased.FileBasedCache",
    ]
