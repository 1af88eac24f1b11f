"""Plain-HTTP requests that show a deprovisioned resource behind a live CNAME.

Some vendors keep answering DNS for a name whose app, shop or bucket is gone and show an
error page instead ("No such app", "The specified bucket does not exist"); whoever creates
the resource again receives the organisation's traffic. For each of the organisation's names
whose CNAME chain reaches such a vendor, one GET to the address it resolves to, with the name
as Host, tells whether that page is shown. Bounded: one request per name, a timeout, no
redirects followed, at most ``_MAX_BODY`` bytes read; failures are recorded, never raised.
Only globally routable addresses are asked unless the configuration allows others: a public
name pointing at a private or loopback address must not make the scanner probe its own network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from cloudaudit.discovery.config import ScanConfig, TakeoverProbe
from cloudaudit.discovery.models import HostEvidence, HttpProbe

if TYPE_CHECKING:
    import httpx

_MAX_BODY = 64 * 1024


def probe_targets(
    hosts: Iterable[HostEvidence], probes: Sequence[TakeoverProbe]
) -> list[tuple[HostEvidence, str]]:
    """Each host that resolves and whose CNAME chain reaches a vendor with an error page,
    with the text to look for there (the first vendor's, in catalogue order)."""
    compiled = [(re.compile(probe.regex), probe.fingerprint) for probe in probes]
    targets = []
    for host in hosts:
        if not host.addresses or not host.cname_chain:
            continue
        names = [hop.target for hop in host.cname_chain]
        fingerprint = next(
            (text for pattern, text in compiled if any(pattern.search(n) for n in names)), None
        )
        if fingerprint is not None:
            targets.append((host, fingerprint))
    return targets


def probe_address(host: HostEvidence, allow_private: bool) -> str | None:
    """The first of the host's addresses the scanner may send a request to."""
    for address in host.addresses:
        if allow_private or ipaddress.ip_address(address).is_global:
            return address
    return None


async def probe_hosts(
    hosts: Sequence[tuple[HostEvidence, str]], config: ScanConfig
) -> tuple[HttpProbe, ...]:
    """One GET per (host, fingerprint) to the host's first public address, the name as Host."""
    import httpx

    limits = httpx.Limits(max_connections=min(32, config.concurrency))
    async with httpx.AsyncClient(
        timeout=config.timeout, follow_redirects=False, limits=limits, trust_env=False
    ) as client:
        return tuple(
            await asyncio.gather(
                *(_probe(client, host, fingerprint, config) for host, fingerprint in hosts)
            )
        )


async def _probe(
    client: httpx.AsyncClient, host: HostEvidence, fingerprint: str, config: ScanConfig
) -> HttpProbe:
    import httpx

    port = config.http_port
    address = probe_address(host, config.http_probe_private)
    if address is None:
        return HttpProbe(
            hostname=host.hostname,
            address=", ".join(host.addresses),
            url=f"http://{host.hostname}/",
            error="not asked: no globally routable address",
        )
    netloc = f"[{address}]" if ":" in address else address
    url = f"http://{netloc}:{port}/"
    shown = f"http://{host.hostname}/" if port == 80 else f"http://{host.hostname}:{port}/"
    try:
        async with client.stream("GET", url, headers={"Host": host.hostname}) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= _MAX_BODY:
                    break
    except httpx.HTTPError as exc:
        return HttpProbe(
            hostname=host.hostname, address=address, url=shown, error=str(exc) or type(exc).__name__
        )
    text = body[:_MAX_BODY].decode("utf-8", errors="replace")
    return HttpProbe(
        hostname=host.hostname,
        address=address,
        url=shown,
        status=response.status_code,
        fingerprint=fingerprint if fingerprint in text else None,
    )
