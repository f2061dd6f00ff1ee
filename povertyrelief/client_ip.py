"""The one answer to "which address did this request come from", used by the
login lockout (django-axes), the security log, the audit trail and the
personal-data access log.

Behind nginx every request reaches gunicorn from the proxy's own address, so
the client is named in ``X-Forwarded-For``. That header is written by whoever
sends the request, so it is believed only when the peer (REMOTE_ADDR) is one
of ``settings.TRUSTED_PROXIES``; then the entries are read from the right,
skipping trusted proxies, and the first other address is the client. What a
client writes to the left of that is never used.
"""

import ipaddress
from functools import lru_cache

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_networks() -> tuple:
    """The configured proxies as networks (a plain address is a /32 or /128)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> IPAddress | None:
    """An address from REMOTE_ADDR or one X-Forwarded-For entry; None if it is
    not one. IPv4 inside IPv6 (``::ffff:10.0.0.1``) reads as IPv4."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def _forwarded_for(request) -> list[str]:
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [entry for entry in (part.strip() for part in header.split(",")) if entry]


def client_ip(request) -> str | None:
    """The client's address as a string, or None without a usable REMOTE_ADDR."""
    if request is None:
        return None
    peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return None
    networks = trusted_networks()
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    for entry in reversed(_forwarded_for(request)):
        address = _parse(entry)
        if address is None:
            # A trusted proxy writes addresses; anything else means the header
            # is not what the proxy wrote. Keep the last trusted hop.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def came_through_trusted_proxy(request) -> bool:
    peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
    networks = trusted_networks()
    return peer is not None and bool(networks) and _is_trusted(peer, networks)


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware, with the address (and port) taken the
    same way as everywhere else rather than from the first, client-written
    X-Forwarded-For entry."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request) -> int | None:
        if not came_through_trusted_proxy(request):
            return None
        try:
            return int(request.headers.get("X-Forwarded-Port", ""))
        except ValueError:
            return None
