"""The seam between the walk and the wire: a backend answers one question at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import dns.rdata

from cloudaudit.discovery.models import Outcome, Transport


@dataclass(slots=True)
class RawRecord:
    name: str
    rtype: str
    ttl: int
    rdata: dns.rdata.Rdata


@dataclass(slots=True)
class RawAnswer:
    """One exchange with one server (or zone): the answer section, unprocessed.

    ``outcome`` is preliminary (answer/nxdomain/servfail/...); the walk turns CNAME-only
    answers into chains and decides between answer and NODATA.
    """

    outcome: Outcome
    records: list[RawRecord] = field(default_factory=list)
    resolver: str = ""
    transport: Transport = Transport.UDP
    truncated: bool = False
    attempts: int = 1
    elapsed_ms: float = 0.0
    detail: str | None = None


class DnsBackend(Protocol):
    """Asks a question and reports what came back; never raises for DNS failures."""

    async def ask(self, name: str, rdtype: str) -> RawAnswer: ...

    async def close(self) -> None: ...
