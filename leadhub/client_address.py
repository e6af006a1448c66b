"""The address of the client behind a request, for IP lists, lockouts and logs.

``X-Forwarded-For`` is believed only when the connection comes from a trusted proxy
(``TRUSTED_PROXIES``): anyone else can write whatever they like into it. Each proxy appends
the address it received the request from, so the client is the right-most address that is not
itself a trusted proxy; addresses further left were written by that client and are ignored.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of ``TRUSTED_PROXIES`` entries (addresses or CIDRs); ValueError if invalid."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in proxies)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or, when that is a trusted proxy, the
    right-most ``X-Forwarded-For`` entry that is not a trusted proxy.

    An entry that is not an IP address ends the walk and the nearest proxy's address is used,
    so a malformed header never yields an address anyone chose.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return remote
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = hop.strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return client
        if not _trusted(hop, networks):
            return hop
        client = hop
    return client
