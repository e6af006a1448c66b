"""SSRF safety (D19): targets resolving to non-public addresses are refused unless allowed
by name; the host is resolved once per try and the connection goes to the checked address;
redirects are followed for GETs only, each hop checked again."""

import socket

import pytest
from django.utils import timezone

from webhooks import net
from webhooks.delivery import deliveries_send
from webhooks.models import Delivery
from webhooks.outbox import new_lead_url_delivery, outbox_add

from .receiver import Reply


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),  # loopback
        ("10.1.2.3", False),  # private
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # link-local (cloud metadata)
        ("100.64.0.1", False),  # shared address space
        ("224.0.0.1", False),  # multicast
        ("240.0.0.1", False),  # reserved
        ("0.0.0.0", False),  # unspecified
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
    ],
)
def test_which_addresses_are_public(address, public):
    assert net.address_public(address) is public


@pytest.fixture
def fake_dns(monkeypatch):
    """Names ending in .test resolve to the address given here; lookups are counted."""
    table: dict[str, str] = {}
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table, lookups


def test_a_loopback_target_is_refused_unless_allowed(receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    answer = net.request("GET", receiver.url("/private"))
    assert answer.refused and "non-public" in answer.error
    assert receiver.requests == []
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert net.request("GET", receiver.url("/private")).status_code == 200


def test_a_name_resolving_to_a_private_address_is_refused(fake_dns, settings):
    table, _ = fake_dns
    table["intranet.test"] = "10.0.0.7"
    settings.WEBHOOK_ALLOWED_HOSTS = []
    answer = net.request("GET", "http://intranet.test/admin")
    assert answer.refused and "10.0.0.7" in answer.error


def test_an_allowed_name_is_resolved_once_and_the_checked_address_is_used(
    fake_dns, receiver, settings
):
    table, lookups = fake_dns
    table["hooks.test"] = "127.0.0.1"
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.test"]
    answer = net.request("GET", f"http://hooks.test:{receiver.port}/x")
    assert (answer.status_code, answer.address) == (200, "127.0.0.1")
    assert lookups == ["hooks.test"]
    assert receiver.requests[0].headers["Host"] == f"hooks.test:{receiver.port}"


def test_a_redirect_into_a_private_range_is_not_followed(fake_dns, receiver, settings):
    table, _ = fake_dns
    table["hooks.test"] = "127.0.0.1"
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.test"]
    receiver.replies.append(Reply(302, b"", {"Location": "http://169.254.169.254/latest/"}))
    answer = net.request("GET", f"http://hooks.test:{receiver.port}/x")
    assert answer.refused and "169.254.169.254" in answer.error


def test_redirects_of_a_get_are_followed_and_of_a_post_not(receiver):
    receiver.replies.append(Reply(302, b"", {"Location": "/final"}))
    assert net.request("GET", receiver.url("/start")).status_code == 200
    assert [r.path for r in receiver.requests] == ["/start", "/final"]
    receiver.replies.append(Reply(307, b"", {"Location": "/final"}))
    assert net.request("POST", receiver.url("/event"), body=b"{}").status_code == 307
    assert [r.path for r in receiver.requests][-1] == "/event"


@pytest.mark.django_db
def test_a_refused_delivery_is_logged_as_refused_and_never_retried(receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    outbox_add(
        [new_lead_url_delivery(receiver.url("/x"), lead_id=1, list_id=1, now=timezone.now())]
    )
    while deliveries_send():
        pass
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries) == (Delivery.Status.REFUSED, 1)
    assert "non-public" in delivery.attempts.get().error
    assert receiver.requests == []


def test_urls_that_are_not_http_are_refused():
    assert net.request("GET", "file:///etc/passwd").refused
    assert net.request("GET", "gopher://example.com/").refused
