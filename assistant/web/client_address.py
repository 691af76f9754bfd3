"""Who a request comes from, for the per-address rate limits: the connection's peer, or, when
the peer is a configured proxy, the address that proxy saw.

``X-Forwarded-For`` is honoured only from the proxies in ``ASSISTANT_TRUSTED_PROXIES``: anyone
else could write any address there and so get a fresh bucket with every request. The header is
read from the right (the hop nearest this server) past every trusted proxy; the first address
that is not a trusted proxy is the client. Addresses a client wrote further left are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.5`` or ``10.0.0.0/24`` (IPv4 or IPv6) -> networks; a bad value raises."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def _is_trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    """The address a request is counted against (see the module's docstring)."""
    peer = request.client.host if request.client else "unknown"
    if not proxies or not _is_trusted(peer, proxies):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _is_trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # not an address: the proxy's chain is broken, count the proxy
                return peer
    return peer  # only proxies in the chain (or no header): the request is the proxy's own
