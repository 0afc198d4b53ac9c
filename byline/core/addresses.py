"""The address a request came from, for rate limits, log-in throttling and payment providers.

Behind a reverse proxy every request arrives from the proxy, so the client's address must come from the
proxy's X-Forwarded-For (or X-Real-IP). A client can send those headers too, so they are believed only
when BYLINE_BEHIND_PROXY is set and the request's immediate hop (REMOTE_ADDR) is one of
BYLINE_TRUSTED_PROXIES (default: loopback). Proxies append the address they saw on the right of
X-Forwarded-For, so the list is read from the right, passing over trusted proxies: the first address that
is not one is the client. Everything to its left was written by the client and is ignored.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"
IPV6_BUCKET_PREFIX = 64


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: IPAddress) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _client(request: HttpRequest) -> IPAddress | None:
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not settings.BEHIND_PROXY or not _trusted(remote):
        return remote
    forwarded = [_parse(part) for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address is not None]
    real_ip = _parse(request.META.get("HTTP_X_REAL_IP", ""))
    if not forwarded and real_ip is not None:
        forwarded = [real_ip]
    for address in reversed(forwarded):
        if not _trusted(address):
            return address
    # Every hop is a trusted proxy (a client on the proxy's own machine): the first hop is the client.
    return forwarded[0] if forwarded else remote


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ("" when the server gave none that parses)."""
    address = _client(request)
    return str(address) if address is not None else ""


def client_bucket(request: HttpRequest) -> str:
    """What per-address limits count against: the IPv4 address, or the /64 an IPv6 address belongs to
    (one household or server holds a whole /64, and could otherwise take a fresh address per request)."""
    address = _client(request)
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_BUCKET_PREFIX}", strict=False))
    return str(address)
