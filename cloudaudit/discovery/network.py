"""A lean asyncio DNS client: one UDP socket per resolver, ID multiplexing, TCP on truncation.

dnspython's resolver layers cost more Python work per query than the network does, so this
backend keeps only what a scan needs: dnspython builds and parses the wire messages, one
connected UDP socket per resolver carries every query (matched back by message ID and
question), a truncated answer (TC) is retried over TCP (RFC 7766), and timeouts are retried
on the next resolver. Failures come back as outcomes, never as exceptions.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import time
from collections.abc import Sequence
from typing import cast

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.resolver

from cloudaudit.discovery.interface import RawAnswer, RawRecord
from cloudaudit.discovery.models import Outcome, Transport
from cloudaudit.errors import InputError

_RCODE_OUTCOME = {
    dns.rcode.NOERROR: Outcome.ANSWER,
    dns.rcode.NXDOMAIN: Outcome.NXDOMAIN,
    dns.rcode.SERVFAIL: Outcome.SERVFAIL,
    dns.rcode.REFUSED: Outcome.REFUSED,
    dns.rcode.FORMERR: Outcome.FORMERR,
}
_UDP_PAYLOAD = 1232  # EDNS buffer size recommended by DNS Flag Day 2020


def parse_resolver(text: str) -> tuple[str, int]:
    """``IP``, ``IP:PORT`` or ``[IPv6]:PORT`` → (address, port); raises InputError."""
    value = text.strip()
    host, port = value, 53
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise InputError(f"bad resolver {text!r}", field="--resolver")
            port = int(rest[1:])
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
        if not port_text.isdigit():
            raise InputError(f"bad resolver port in {text!r}", field="--resolver")
        port = int(port_text)
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError as exc:
        raise InputError(f"resolver {text!r} is not an IP address", field="--resolver") from exc
    if not 0 < port < 65536:
        raise InputError(f"resolver port out of range in {text!r}", field="--resolver")
    return address, port


def system_resolvers() -> list[str]:
    """The resolvers from /etc/resolv.conf (what the operating system would use)."""
    try:
        return [str(ns) for ns in dns.resolver.Resolver().nameservers]
    except dns.exception.DNSException:
        return []


class _UdpChannel(asyncio.DatagramProtocol):
    """A connected UDP socket; replies are routed to waiting futures by message ID."""

    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython's selector transport is not a DatagramTransport subclass before 3.12.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) < 12:
            return  # shorter than a DNS header: noise, the query will time out
        waiter = self.pending.get(int.from_bytes(data[:2], "big"))
        if waiter is not None and not waiter.done():
            waiter.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable on a connected socket: nobody is listening. Fail fast.
        for waiter in self.pending.values():
            if not waiter.done():
                waiter.set_exception(exc)

    def new_id(self) -> int:
        while True:
            query_id = secrets.randbelow(65536)
            if query_id not in self.pending:
                return query_id


class _RateLimiter:
    """A token bucket shared by every query of a scan."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next_slot = time.monotonic()
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            delay = self.next_slot - now
            self.next_slot = max(now, self.next_slot) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class NetworkBackend:
    """Asks recursive resolvers over UDP (TCP when truncated), with retries and a rate cap."""

    def __init__(
        self,
        resolvers: Sequence[str],
        *,
        timeout: float = 2.0,
        retries: int = 2,
        concurrency: int = 256,
        rate_limit: float | None = None,
    ) -> None:
        servers = [parse_resolver(r) for r in resolvers] or [
            parse_resolver(r) for r in system_resolvers()
        ]
        if not servers:
            raise InputError("no resolver given and none found in /etc/resolv.conf")
        self.servers = servers
        self.timeout = timeout
        self.retries = retries
        self.semaphore = asyncio.Semaphore(concurrency)
        self.rate = _RateLimiter(rate_limit) if rate_limit else None
        self.channels: dict[tuple[str, int], _UdpChannel] = {}
        self.channel_lock = asyncio.Lock()
        self.queries_sent = 0

    @staticmethod
    def label(server: tuple[str, int]) -> str:
        address, port = server
        host = f"[{address}]" if ":" in address else address
        return host if port == 53 else f"{host}:{port}"

    async def _channel(self, server: tuple[str, int]) -> _UdpChannel:
        channel = self.channels.get(server)
        if channel is not None and channel.transport and not channel.transport.is_closing():
            return channel
        async with self.channel_lock:  # many first queries at once must share one socket
            channel = self.channels.get(server)
            if channel is None or channel.transport is None or channel.transport.is_closing():
                loop = asyncio.get_running_loop()
                _, channel = await loop.create_datagram_endpoint(_UdpChannel, remote_addr=server)
                self.channels[server] = channel
        return channel

    async def ask(self, name: str, rdtype: str) -> RawAnswer:
        async with self.semaphore:
            return await self._ask(name, rdtype)

    async def _ask(self, name: str, rdtype: str) -> RawAnswer:
        started = time.perf_counter()
        query = dns.message.make_query(
            name, rdtype, use_edns=0, payload=_UDP_PAYLOAD, flags=dns.flags.RD
        )
        attempts = 0
        last_detail = "no answer"
        outcome = Outcome.TIMEOUT
        server = self.servers[0]
        for attempt in range(self.retries + 1):
            server = self.servers[attempt % len(self.servers)]
            attempts += 1
            if self.rate:
                await self.rate.wait()
            try:
                response, transport, truncated = await self._exchange(query, server)
            except TimeoutError:
                outcome, last_detail = Outcome.TIMEOUT, f"no answer within {self.timeout:g}s"
                continue
            except OSError as exc:
                outcome, last_detail = Outcome.NETWORK_ERROR, exc.strerror or str(exc)
                continue
            except dns.exception.DNSException as exc:
                outcome, last_detail = Outcome.MALFORMED, str(exc) or type(exc).__name__
                continue
            return _to_raw(
                response,
                resolver=self.label(server),
                transport=transport,
                truncated=truncated,
                attempts=attempts,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        return RawAnswer(
            outcome=outcome,
            resolver=self.label(server),
            attempts=attempts,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            detail=last_detail,
        )

    async def _exchange(
        self, query: dns.message.Message, server: tuple[str, int]
    ) -> tuple[dns.message.Message, Transport, bool]:
        channel = await self._channel(server)
        query.id = channel.new_id()
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        channel.pending[query.id] = waiter
        self.queries_sent += 1
        try:
            assert channel.transport is not None
            channel.transport.sendto(query.to_wire())
            async with asyncio.timeout(self.timeout):
                while True:
                    wire = await waiter
                    response = dns.message.from_wire(wire, ignore_trailing=True)
                    if query.is_response(response):
                        break
                    # Same ID, different question: a stray or spoofed reply. Keep waiting.
                    waiter = asyncio.get_running_loop().create_future()
                    channel.pending[query.id] = waiter
        finally:
            channel.pending.pop(query.id, None)
        if response.flags & dns.flags.TC:
            self.queries_sent += 1
            address, port = server
            tcp_response = await dns.asyncquery.tcp(query, address, port=port, timeout=self.timeout)
            return tcp_response, Transport.TCP, True
        return response, Transport.UDP, False

    async def close(self) -> None:
        for channel in self.channels.values():
            if channel.transport is not None:
                channel.transport.close()
        self.channels.clear()


def _to_raw(
    response: dns.message.Message,
    *,
    resolver: str,
    transport: Transport,
    truncated: bool,
    attempts: int,
    elapsed_ms: float,
) -> RawAnswer:
    rcode = response.rcode()
    outcome = _RCODE_OUTCOME.get(rcode, Outcome.SERVFAIL)
    records = [
        RawRecord(
            name=rrset.name.to_text(omit_final_dot=True).lower(),
            rtype=dns.rdatatype.to_text(rrset.rdtype),
            ttl=rrset.ttl,
            rdata=rdata,
        )
        for rrset in response.answer
        for rdata in rrset
    ]
    detail = (
        None
        if outcome is not Outcome.SERVFAIL or rcode == dns.rcode.SERVFAIL
        else (f"rcode {dns.rcode.to_text(rcode)}")
    )
    return RawAnswer(
        outcome=outcome,
        records=records,
        resolver=resolver,
        transport=transport,
        truncated=truncated,
        attempts=attempts,
        elapsed_ms=elapsed_ms,
        detail=detail,
    )
