"""leadhub.client_address: X-Forwarded-For is believed only from a trusted proxy."""

import pytest
from django.test import RequestFactory

from leadhub.client_address import client_address


def _address(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _address("192.0.2.1", "198.51.100.7") == "192.0.2.1"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_choose_its_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _address("192.0.2.1", "198.51.100.7") == "192.0.2.1"


def test_a_trusted_proxy_gives_the_client_it_received_the_request_from(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _address("10.0.0.5", "198.51.100.7") == "198.51.100.7"


def test_the_right_most_untrusted_address_wins_over_what_the_client_wrote(settings):
    """A client may send its own X-Forwarded-For; proxies append to it, so only the entries
    right of the first untrusted one (from the right) were written by trusted proxies."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.1"]
    assert _address("10.0.0.5", "1.2.3.4, 198.51.100.7, 172.16.0.1") == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, garbage"])
def test_a_missing_or_malformed_header_gives_the_nearest_proxy(settings, forwarded):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _address("10.0.0.5", forwarded) == "10.0.0.5"


def test_ipv6_proxies_and_clients(settings):
    settings.TRUSTED_PROXIES = ["::1", "fd00::/8"]
    assert _address("::1", "2001:db8::7, fd00::2") == "2001:db8::7"
