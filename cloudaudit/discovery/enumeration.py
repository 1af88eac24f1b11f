"""The web sources of host names, asked for every apex of a network scan: certificate
transparency (``ct``) and the Matrix /.well-known delegations (``wellknown``).

One HTTP client for the phase, a few domains at a time (the services rate-limit), progress
reported per domain. What comes back is evidence for each domain; the names in it are handed
to the runner, which resolves them like any other host of the scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cloudaudit._version import __version__
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import CtEvidence, WellKnownEvidence

#: Domains whose /.well-known documents are asked at once (one small request each).
_WELL_KNOWN_AT_ONCE = 16


@dataclass(frozen=True, slots=True)
class DomainFindings:
    """What the web sources said about one apex."""

    ct: CtEvidence | None = None
    well_known: tuple[WellKnownEvidence, ...] = ()


def wanted(config: ScanConfig) -> bool:
    return config.ct is not None or config.well_known


async def enumerate_domains(
    domains: Sequence[str],
    config: ScanConfig,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, DomainFindings]:
    """Ask every configured web source about every domain; failures are evidence."""
    if not domains or not wanted(config):
        return {}
    import httpx

    from cloudaudit.discovery.ct import enumerate_ct
    from cloudaudit.discovery.wellknown import fetch_matrix

    ct_slots = asyncio.Semaphore(config.ct.concurrency if config.ct else 1)
    well_known_slots = asyncio.Semaphore(_WELL_KNOWN_AT_ONCE)
    finished = 0

    async def one(client: httpx.AsyncClient, domain: str) -> tuple[str, DomainFindings]:
        nonlocal finished

        async def ct() -> CtEvidence | None:
            if config.ct is None:
                return None
            async with ct_slots:
                return await enumerate_ct(client, domain, config.ct)

        async def well_known() -> tuple[WellKnownEvidence, ...]:
            if not config.well_known:
                return ()
            async with well_known_slots:
                return await fetch_matrix(client, domain, config)

        found = DomainFindings(*await asyncio.gather(ct(), well_known()))
        finished += 1
        if progress:
            progress(finished, len(domains))
        return domain, found

    # ``fetch`` bounds each request with its own deadline and follows redirects itself, so
    # each hop is counted and recorded; proxies from the environment are honoured (these are
    # ordinary HTTPS requests).
    async with httpx.AsyncClient(
        timeout=None,
        follow_redirects=False,
        headers={"User-Agent": f"cloudaudit/{__version__}"},
        limits=httpx.Limits(max_connections=32),
    ) as client:
        results = await asyncio.gather(*(one(client, domain) for domain in domains))
    return dict(results)
