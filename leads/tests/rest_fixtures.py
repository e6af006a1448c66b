"""Fixtures of the JSON door's tests (``test_rest_*``): an API user's key and a client that
sends it. Imported by those modules (``from .rest_fixtures import *``)."""

import json

import pytest
from django.test import Client

from leads.models import ApiKey
from leads.tests.factories import ApiUserFactory

__all__ = ["RestClient", "key_of", "rest", "rest_user"]


def key_of(user, *, name: str = "test key", **fields) -> str:
    """A new key of ``user`` (who has an API profile), as the caller sends it."""
    _row, key = ApiKey.objects.create_key(name=name, profile=user.api_profile, **fields)
    return key


class RestClient:
    """Django's test client speaking JSON with an API key."""

    def __init__(self, key: str) -> None:
        self.client = Client()
        self.key = key

    def _headers(self, headers: dict | None) -> dict:
        return {"HTTP_AUTHORIZATION": f"Api-Key {self.key}", **(headers or {})}

    def post(self, path: str, body, *, headers: dict | None = None, **params):
        query = "&".join(f"{name}={value}" for name, value in params.items())
        return self.client.post(
            f"{path}?{query}" if query else path,
            json.dumps(body),
            content_type="application/json",
            **self._headers(headers),
        )

    def get(self, path: str, *, headers: dict | None = None, **params):
        return self.client.get(path, params, **self._headers(headers))

    def delete(self, path: str, *, headers: dict | None = None):
        return self.client.delete(path, **self._headers(headers))


@pytest.fixture
def rest_user(db):
    """An API user who may add leads (level 8, modify_leads 1, every function)."""
    return ApiUserFactory(username="restuser")


@pytest.fixture
def rest(rest_user) -> RestClient:
    return RestClient(key_of(rest_user))
