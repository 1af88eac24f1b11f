"""Zone transfers (AXFR, RFC 5936) asked of a domain's own name servers, and the names an
allowed transfer adds to the scan.

A server that hands its zone to anyone exposes every name in it, including the ones nobody
could guess. dnspython's transfer state machine (``dns.xfr.Inbound``) checks the messages and
builds the zone, but the TCP stream is read here, so that reading stops at a record cap, a
byte cap and an overall deadline: a huge or hostile server costs bounded memory and time, and
every attempt ends in an outcome kept as evidence, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.xfr
import dns.zone

from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import TransferOutcome, ZoneTransfer
from cloudaudit.inventory.load import zone_hosts

_DENIED: dict[int, TransferOutcome] = {
    dns.rcode.REFUSED: TransferOutcome.REFUSED,
    dns.rcode.NOTAUTH: TransferOutcome.NOTAUTH,
}


@dataclass(frozen=True, slots=True)
class TransferLimits:
    """How long one transfer may take and how much of it is read. ``answer_timeout`` bounds
    the connection and the first message, so a server that drops TCP or never answers costs
    no more than a lookup does; ``timeout`` bounds the whole transfer."""

    timeout: float
    max_records: int
    max_bytes: int
    answer_timeout: float | None = None
    port: int = 53

    @classmethod
    def from_config(cls, config: ScanConfig) -> TransferLimits:
        return cls(
            config.axfr_timeout,
            config.axfr_max_records,
            config.axfr_max_bytes,
            answer_timeout=min(config.timeout, config.axfr_timeout),
        )


@dataclass(frozen=True, slots=True)
class Transferred:
    """One attempt as evidence, and the host names of the zone when the whole of it came
    back (the zone itself is dropped at once: only its names join the scan)."""

    attempt: ZoneTransfer
    names: tuple[str, ...] = ()


@dataclass(slots=True)
class _Progress:
    """What has been read so far, still known when the deadline cancels the reading."""

    records: int = 0
    bytes_read: int = 0


class _Stopped(Exception):
    """The reading ended early for a reason that is an outcome, not a fault."""

    def __init__(self, outcome: TransferOutcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


async def transfer(domain: str, host: str, address: str, limits: TransferLimits) -> Transferred:
    """AXFR of ``domain`` from ``address`` (a name server of ``host``), over TCP."""
    started = time.perf_counter()
    progress = _Progress()
    zone: dns.zone.Zone | None = None
    outcome, detail = TransferOutcome.ALLOWED, None
    try:
        zone = await asyncio.wait_for(_read_zone(domain, address, limits, progress), limits.timeout)
    except _Stopped as stop:
        outcome, detail = stop.outcome, stop.detail
    except TimeoutError:
        outcome = TransferOutcome.TIMEOUT
        detail = f"no complete transfer within {limits.timeout:g}s"
    except asyncio.IncompleteReadError:
        outcome = TransferOutcome.NETWORK_ERROR
        detail = f"the server closed the connection after {progress.records} records"
    except OSError as exc:
        outcome, detail = TransferOutcome.NETWORK_ERROR, exc.strerror or str(exc)
    except Exception as exc:
        # Whatever a hostile server sends is evidence: dnspython reports bad messages as
        # DNSException, names outside the zone as KeyError or ValueError from the zone, and
        # none of them may end the scan.
        outcome = TransferOutcome.MALFORMED
        detail = str(exc) or type(exc).__name__
    attempt = ZoneTransfer(
        domain=domain,
        host=host,
        address=address,
        outcome=outcome,
        records=progress.records,
        bytes_read=progress.bytes_read,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        detail=detail,
    )
    if zone is None or outcome is not TransferOutcome.ALLOWED:
        return Transferred(attempt)
    return Transferred(attempt, tuple(transferred_names(zone)))


async def _read_zone(
    domain: str, address: str, limits: TransferLimits, progress: _Progress
) -> dns.zone.Zone:
    origin = dns.name.from_text(domain)
    zone = dns.zone.Zone(origin, relativize=False)
    query = dns.message.make_query(origin, dns.rdatatype.AXFR)
    wire = query.to_wire()
    first_answer = limits.answer_timeout or limits.timeout
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, limits.port), first_answer
        )
    except TimeoutError:
        raise _Stopped(TransferOutcome.TIMEOUT, f"no connection within {first_answer:g}s") from None
    try:
        writer.write(len(wire).to_bytes(2, "big") + wire)  # RFC 1035 section 4.2.2 framing
        await writer.drain()
        with dns.xfr.Inbound(zone, dns.rdatatype.AXFR) as inbound:
            first, done = True, False
            while not done:
                prefix = reader.readexactly(2)
                try:
                    size = int.from_bytes(
                        await asyncio.wait_for(prefix, first_answer) if first else await prefix,
                        "big",
                    )
                except TimeoutError:
                    raise _Stopped(
                        TransferOutcome.TIMEOUT, f"no answer within {first_answer:g}s"
                    ) from None
                progress.bytes_read += 2 + size
                if progress.bytes_read > limits.max_bytes:
                    raise _Stopped(
                        TransferOutcome.TOO_LARGE,
                        f"stopped after {progress.records} records: more than "
                        f"{limits.max_bytes} bytes",
                    )
                message = dns.message.from_wire(
                    await reader.readexactly(size),
                    xfr=True,
                    origin=zone.from_wire_origin(),
                    multi=True,
                )
                if not query.is_response(message, xfr_continuation=not first):
                    raise _Stopped(
                        TransferOutcome.MALFORMED, "a message that does not answer the transfer"
                    )
                rcode = message.rcode()
                if rcode != dns.rcode.NOERROR:
                    text = dns.rcode.to_text(rcode)
                    if first:
                        outcome = _DENIED.get(rcode, TransferOutcome.DENIED)
                        raise _Stopped(outcome, f"rcode {text}: the server refuses the transfer")
                    raise _Stopped(
                        TransferOutcome.MALFORMED,
                        f"rcode {text} after {progress.records} records",
                    )
                first = False
                progress.records += sum(len(rrset) for rrset in message.answer)
                if progress.records > limits.max_records:
                    raise _Stopped(
                        TransferOutcome.TOO_LARGE,
                        f"stopped after {progress.records} records: more than {limits.max_records}",
                    )
                done = inbound.process_message(message)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return zone


def transferred_names(zone: dns.zone.Zone) -> list[str]:
    """The owners of a transferred zone that join the scan as hosts: those with an address
    or CNAME, as a zone-file audit finds them."""
    return zone_hosts(zone)


def names_from_transfers(transfers: Iterable[Transferred]) -> list[str]:
    """Every host name the allowed transfers of one domain show, each once, sorted."""
    return sorted({name for t in transfers for name in t.names})
