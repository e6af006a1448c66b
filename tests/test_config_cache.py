"""The process-local configuration cache: what a change costs to become visible."""

import pytest
from django.core.cache import cache

from leadhub.db import config_cache


@pytest.fixture
def clock(monkeypatch):
    """A settable stand-in for the monotonic clock the cache reads."""
    now = [1000.0]
    monkeypatch.setattr(config_cache.time, "monotonic", lambda: now[0])
    return now


def _loader(values):
    return lambda: values.pop(0)


def test_a_change_in_this_process_is_seen_at_once(clock):
    values = ["old", "new"]
    assert config_cache.cached("key", _loader(values)) == "old"

    config_cache.invalidate()

    assert config_cache.cached("key", _loader(values)) == "new"


def test_another_process_change_is_seen_within_the_generation_check_interval(clock):
    values = ["old", "new"]
    assert config_cache.cached("key", _loader(values)) == "old"
    # Another process bumps the shared generation; this process's entries stay as they are.
    cache.incr(config_cache.GENERATION_KEY)

    clock[0] += config_cache.GENERATION_CHECK_SECONDS / 2
    assert config_cache.cached("key", _loader(values)) == "old"
    clock[0] += config_cache.GENERATION_CHECK_SECONDS
    assert config_cache.cached("key", _loader(values)) == "new"


def test_entries_are_reloaded_after_max_age_without_any_change(clock):
    values = ["first", "second"]
    assert config_cache.cached("key", _loader(values)) == "first"

    clock[0] += config_cache.MAX_AGE + 0.1

    assert config_cache.cached("key", _loader(values)) == "second"
