"""The seam between the walk and the wire: a backend answers one question at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.CNAME

from cloudaudit.discovery.models import Outcome, Transport


@dataclass(slots=True)
class RawRecord:
    """One answer record: owner (lower case, no final dot), type, TTL, presentation text,
    and for a CNAME its target (lower case, no final dot) so chains are walked without
    re-parsing the text."""

    name: str
    rtype: str
    ttl: int
    value: str
    target: str | None = None


def raw_record(name: str, ttl: int, rdata: dns.rdata.Rdata) -> RawRecord:
    """A RawRecord from a record dnspython parsed (network fallback path, zone files)."""
    rtype = dns.rdatatype.to_text(rdata.rdtype)
    target = None
    if isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME):
        target = rdata.target.to_text(omit_final_dot=True).lower()
    return RawRecord(name, rtype, ttl, rdata.to_text(), target)


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
    #: The authority section held an SOA: a negative answer is final (RFC 2308), so a CNAME
    #: chain that ends without data is complete rather than cut short.
    negative_soa: bool = False
    #: AA was set: the server answered as an authority for the name (RFC 1035 section 4.1.1).
    authoritative: bool = False


class DnsBackend(Protocol):
    """Asks a question and reports what came back; never raises for DNS failures."""

    async def ask(self, name: str, rdtype: str) -> RawAnswer: ...

    async def referral(self, name: str, parent_servers: Sequence[str]) -> RawAnswer:
        """The NS set the parent zone delegates ``name`` to, asked of the parent's own
        servers without recursion: what a resolver is told before it reaches the child, so
        known even when the child's servers are lame. Records are the NS records found
        and the glue addresses the parent gives for them."""
        ...

    async def ask_server(self, name: str, rdtype: str, address: str) -> RawAnswer:
        """``name``/``rdtype`` asked of one authoritative server directly, without
        recursion; ``authoritative`` says whether it answered as an authority."""
        ...

    async def close(self) -> None: ...
