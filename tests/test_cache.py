"""The cache backend (leadhub/cache.py): Django's memory cache without memcached key checks."""

import warnings

from django.core.cache import cache, caches
from django.core.cache.backends.base import CacheKeyWarning

from leadhub.cache import LocalMemoryCache


def test_the_default_cache_is_the_local_memory_cache():
    assert isinstance(caches["default"], LocalMemoryCache)


def test_any_key_is_stored_and_read_without_memcached_warnings():
    """Keys memcached would refuse (spaces, control characters, over 250 characters) are
    plain dictionary keys here; skipping their checks must not change what is stored."""
    keys = ["with space", "tab\tand\x7f", "k" * 300]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for number, key in enumerate(keys):
            cache.set(key, number, 30)
        assert [cache.get(key) for key in keys] == [0, 1, 2]
        cache.delete_many(keys)
        assert cache.get_many(keys) == {}
