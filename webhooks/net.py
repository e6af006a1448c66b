"""One HTTP try to a webhook target, safe against server-side request forgery (D19).

The target's host is resolved once per try; every address it resolves to must be public
(not loopback, private, link-local, multicast, reserved or unspecified) unless the host is in
``WEBHOOK_ALLOWED_HOSTS``; the connection then goes to the checked address (the URL is
rewritten to it, with the real host in ``Host`` and, for HTTPS, in SNI and the certificate
check), so a second DNS answer cannot send it elsewhere. Redirects are followed by hand, for
GETs only, each hop checked the same way.

httpx, not requests: its ``sni_hostname`` extension pins a TLS connection to an address while
verifying the certificate for the host name, with no adapter subclassing; its clients pool
keep-alive connections and are safe to share between threads. One client per host name keeps
a pooled TLS connection from ever serving another host that shares the address.
"""

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

ANSWER_BYTES = 1000
MAX_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "LeadHub-Webhooks/1.0"


class Refused(Exception):
    """The target is not fetched (its address is not public, or its URL is unusable)."""


@dataclass
class Answer:
    """What one try got: an HTTP status and the first bytes of the body, or an error."""

    status_code: int | None = None
    body: str = ""
    error: str = ""
    address: str = ""
    refused: bool = False
    duration_ms: int = 0


def address_public(address: str) -> bool:
    """Whether an IP address may be the target of a hook without being allowed by name."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_private
    )


def host_allowed(host: str) -> bool:
    allowed = {h.lower().strip("[]") for h in settings.WEBHOOK_ALLOWED_HOSTS}
    return host.lower().strip("[]") in allowed


def resolve_checked(host: str, port: int) -> str:
    """The address to connect to for ``host``: resolved once; Refused when any address it
    resolves to is not public and the host is not allowed by name."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {host}: {error.strerror}") from error
    addresses = [info[4][0] for info in infos]
    if not host_allowed(host):
        private = [a for a in addresses if not address_public(a)]
        if private:
            raise Refused(f"{host} resolves to a non-public address ({private[0]})")
    return addresses[0]


_clients: dict[str, httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(host: str) -> httpx.Client:
    with _clients_lock:
        client = _clients.get(host)
        if client is None:
            limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
            # No Nagle: a POST's headers and body go out as two writes, and waiting for the
            # receiver's delayed ACK between them would cost 40 ms a try.
            transport = httpx.HTTPTransport(
                limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            )
            client = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
            _clients[host] = client
        return client


def clients_close() -> None:
    """Close every pooled connection (tests; a worker that forks)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _pinned(url: str) -> tuple[str, str, str, str]:
    """(url rewritten to the checked address, Host header, host name, address)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url[:100]}")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Refused(f"bad port in {url[:100]}") from error
    address = resolve_checked(host, port)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{port}"
    host_header = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc)), host_header, host, address


def request(
    method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> Answer:
    """One try: ``method url``, all of it (redirects included) within
    ``WEBHOOK_TIMEOUT_SECONDS``; redirects of a GET are followed (checked again), at most
    MAX_REDIRECTS."""
    started = time.monotonic()
    deadline = started + settings.WEBHOOK_TIMEOUT_SECONDS
    answer = Answer()
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            pinned, host_header, host, answer.address = _pinned(url)
            answer.status_code, answer.body, location = _send(
                method, pinned, host_header, host, headers or {}, body, deadline
            )
            if method != "GET" or location is None or answer.status_code not in _REDIRECTS:
                break
            url = urljoin(url, location)
    except Refused as error:
        answer.refused, answer.error = True, str(error)
    except (OSError, httpx.HTTPError) as error:
        answer.status_code = None
        answer.error = f"{type(error).__name__}: {error}"[:300]
    answer.duration_ms = int((time.monotonic() - started) * 1000)
    return answer


def _send(method, url, host_header, host, headers, body, deadline) -> tuple[int, str, str | None]:
    all_headers = {"Host": host_header, "User-Agent": USER_AGENT, **headers}
    client = _client(host)
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.TimeoutException("no time left for the redirect")
    built = client.build_request(
        method,
        url,
        headers=all_headers,
        content=body or None,
        timeout=left,
        extensions={"sni_hostname": host},
    )
    response = client.send(built, stream=True)
    try:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= ANSWER_BYTES:
                break
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the answer took too long")
        text = b"".join(chunks)[:ANSWER_BYTES].decode("utf-8", "replace")
    finally:
        response.close()
    return response.status_code, text, response.headers.get("location")
