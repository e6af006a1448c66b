"""The cache backend: Django's per-process memory cache, without memcached's key checks."""

from django.core.cache.backends.locmem import LocMemCache


class LocalMemoryCache(LocMemCache):
    """LocMemCache that skips ``validate_key``: those checks only warn about keys memcached
    would refuse (over 250 characters, spaces, control characters), and they loop over every
    character of every key in Python, which made up half of a cache read on the API's hot
    path (two reads per request: the caller's address and its verified password, D6/D7).
    Django documents overriding ``validate_key`` in a subclass of a built-in backend for
    backends that accept any key, as this one does."""

    def validate_key(self, key: str) -> None:
        return None
