"""A lean asyncio DNS client: one UDP socket per resolver, ID multiplexing, TCP on truncation.

dnspython's resolver layers cost more Python work per query than the network does, so this
backend keeps only what a scan needs: dnspython builds and parses the wire messages, one
connected UDP socket per resolver carries every query (matched back by message ID and
question), a truncated answer (TC) is retried over TCP (RFC 7766), and timeouts are retried
on the next resolver. Failures come back as outcomes, never as exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import socket
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

from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.interface import RawAnswer, RawRecord, raw_record
from cloudaudit.discovery.models import Outcome, Transport
from cloudaudit.discovery.wire import (
    FAST_TYPES,
    HostAnswer,
    answers_question,
    query_wire,
    question_wire,
    read_host_answer,
)
from cloudaudit.errors import InputError

_RCODE_OUTCOME: dict[int, Outcome] = {
    dns.rcode.NOERROR: Outcome.ANSWER,
    dns.rcode.NXDOMAIN: Outcome.NXDOMAIN,
    dns.rcode.SERVFAIL: Outcome.SERVFAIL,
    dns.rcode.REFUSED: Outcome.REFUSED,
    dns.rcode.FORMERR: Outcome.FORMERR,
}
_RECEIVE_BUFFER = 1 << 20
#: How often a channel fails the queries whose deadline has passed (a timeout's precision).
_SWEEP_INTERVAL = 0.05


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
    """A connected UDP socket; replies are routed to waiting futures by message ID.

    Timeouts are deadlines checked by one sweep every 50 ms while queries are
    outstanding, not a timer per query: with hundreds in flight, scheduling and cancelling a
    timer each cost 15 to 25 % of a warm discovery.
    """

    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.deadlines: dict[int, float] = {}
        self.sweeper: asyncio.TimerHandle | None = None
        self.transport: asyncio.DatagramTransport | None = None

    def expect(self, query_id: int, waiter: asyncio.Future[bytes], deadline: float) -> None:
        self.pending[query_id] = waiter
        self.deadlines[query_id] = deadline
        if self.sweeper is None:
            self.sweeper = waiter.get_loop().call_later(_SWEEP_INTERVAL, self._sweep)

    def forget(self, query_id: int) -> None:
        self.pending.pop(query_id, None)
        self.deadlines.pop(query_id, None)

    def _sweep(self) -> None:
        self.sweeper = None
        if not self.deadlines:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        for query_id, deadline in self.deadlines.items():
            if deadline > now:
                break  # one timeout per backend: deadlines are in the order queries were sent
            waiter = self.pending.get(query_id)
            if waiter is not None and not waiter.done():
                waiter.set_exception(TimeoutError())
        self.sweeper = loop.call_later(_SWEEP_INTERVAL, self._sweep)

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
        self.channels: dict[tuple[tuple[str, int], int], _UdpChannel] = {}
        self.sockets_per_server = max(1, min(16, concurrency // 32))
        self.next_slot = 0
        self.channel_lock = asyncio.Lock()
        self.queries_sent = 0

    @classmethod
    def from_config(cls, config: ScanConfig) -> NetworkBackend:
        return cls(
            config.resolvers,
            timeout=config.timeout,
            retries=config.retries,
            concurrency=config.concurrency,
            rate_limit=config.rate_limit,
        )

    @staticmethod
    def label(server: tuple[str, int]) -> str:
        address, port = server
        host = f"[{address}]" if ":" in address else address
        return host if port == 53 else f"{host}:{port}"

    async def _channel(self, server: tuple[str, int]) -> _UdpChannel:
        # Queries rotate over a few sockets per server: each adds its own receive buffer (a
        # burst of answers to hundreds of queries overflows one) and its own source port,
        # which a spoofed answer would have to guess besides the message ID.
        self.next_slot = (self.next_slot + 1) % self.sockets_per_server
        key = (server, self.next_slot)
        channel = self.channels.get(key)
        if channel is not None and channel.transport and not channel.transport.is_closing():
            return channel
        async with self.channel_lock:  # many first queries at once must share one socket
            channel = self.channels.get(key)
            if channel is None or channel.transport is None or channel.transport.is_closing():
                loop = asyncio.get_running_loop()
                transport, channel = await loop.create_datagram_endpoint(
                    _UdpChannel, remote_addr=server
                )
                sock = transport.get_extra_info("socket")
                with contextlib.suppress(OSError):  # capped by net.core.rmem_max
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
                self.channels[key] = channel
        return channel

    async def ask(self, name: str, rdtype: str) -> RawAnswer:
        async with self.semaphore:
            return await self._ask(name, rdtype)

    async def _ask(self, name: str, rdtype: str) -> RawAnswer:
        started = time.perf_counter()
        try:
            question = question_wire(name, rdtype)
        except ValueError as exc:
            return RawAnswer(outcome=Outcome.MALFORMED, detail=f"cannot ask for {name!r}: {exc}")
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
                reply, transport = await self._exchange(question, rdtype, server)
            except TimeoutError:
                outcome, last_detail = Outcome.TIMEOUT, f"no answer within {self.timeout:g}s"
                continue
            except OSError as exc:
                outcome, last_detail = Outcome.NETWORK_ERROR, exc.strerror or str(exc)
                continue
            except dns.exception.DNSException as exc:
                outcome, last_detail = Outcome.MALFORMED, str(exc) or type(exc).__name__
                continue
            rcode_outcome = _RCODE_OUTCOME.get(reply.rcode, Outcome.SERVFAIL)
            unusual = rcode_outcome is Outcome.SERVFAIL and reply.rcode != dns.rcode.SERVFAIL
            return RawAnswer(
                outcome=rcode_outcome,
                records=reply.records,
                resolver=self.label(server),
                transport=transport,
                truncated=transport is Transport.TCP,
                negative_soa=reply.negative_soa,
                attempts=attempts,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                detail=f"rcode {dns.rcode.to_text(dns.rcode.Rcode.make(reply.rcode))}"
                if unusual
                else None,
            )
        return RawAnswer(
            outcome=outcome,
            resolver=self.label(server),
            attempts=attempts,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            detail=last_detail,
        )

    async def _exchange(
        self, question: bytes, rdtype: str, server: tuple[str, int]
    ) -> tuple[HostAnswer, Transport]:
        channel = await self._channel(server)
        query_id = channel.new_id()
        wire = query_wire(query_id, question)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bytes] = loop.create_future()
        channel.expect(query_id, waiter, loop.time() + self.timeout)
        self.queries_sent += 1
        try:
            assert channel.transport is not None
            channel.transport.sendto(wire)
            while not answers_question(reply := await waiter, query_id, question):
                # Same ID, different question: a stray or spoofed reply. Keep waiting, to
                # the same deadline.
                waiter = loop.create_future()
                channel.pending[query_id] = waiter
        finally:
            channel.forget(query_id)
        answer = _read_answer(reply, question, rdtype)
        if not answer.truncated:
            return answer, Transport.UDP
        self.queries_sent += 1
        address, port = server
        query = dns.message.from_wire(wire)
        response = await dns.asyncquery.tcp(query, address, port=port, timeout=self.timeout)
        return _read_answer(response.to_wire(), question, rdtype), Transport.TCP

    async def referral(self, name: str, parent_servers: Sequence[str]) -> RawAnswer:
        if not parent_servers:
            return RawAnswer(
                outcome=Outcome.NETWORK_ERROR, detail="no address for the parent's name servers"
            )
        return await self._ask_directly(name, "NS", parent_servers, referral=True)

    async def ask_server(self, name: str, rdtype: str, address: str) -> RawAnswer:
        return await self._ask_directly(name, rdtype, [address], referral=False)

    async def _ask_directly(
        self, name: str, rdtype: str, addresses: Sequence[str], *, referral: bool
    ) -> RawAnswer:
        """One question without recursion to authoritative servers, the next address after a
        failure. A referral keeps the NS set for ``name`` wherever the server put it and the
        glue addresses of those name servers; otherwise the answer section is kept."""
        started = time.perf_counter()
        try:
            query = dns.message.make_query(name, rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return RawAnswer(outcome=Outcome.MALFORMED, detail=f"cannot ask for {name!r}: {exc}")
        query.flags &= ~dns.flags.RD
        outcome, detail, attempts = Outcome.TIMEOUT, "no answer", 0
        for address in addresses[: self.retries + 1]:
            attempts += 1
            if self.rate:
                await self.rate.wait()
            self.queries_sent += 1
            try:
                async with self.semaphore:
                    response, used_tcp = await dns.asyncquery.udp_with_fallback(
                        query, address, timeout=self.timeout
                    )
            except (TimeoutError, dns.exception.Timeout):
                outcome, detail = Outcome.TIMEOUT, f"{address}: no answer within {self.timeout:g}s"
                continue
            except OSError as exc:
                outcome, detail = Outcome.NETWORK_ERROR, f"{address}: {exc.strerror or exc}"
                continue
            except dns.exception.DNSException as exc:
                outcome, detail = Outcome.MALFORMED, f"{address}: {exc or type(exc).__name__}"
                continue
            return RawAnswer(
                outcome=_RCODE_OUTCOME.get(int(response.rcode()), Outcome.SERVFAIL),
                records=_referral_records(response, name) if referral else _answer(response),
                resolver=address,
                transport=Transport.TCP if used_tcp else Transport.UDP,
                truncated=used_tcp,
                attempts=attempts,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                detail="asked without recursion",
                authoritative=bool(response.flags & dns.flags.AA),
            )
        return RawAnswer(
            outcome=outcome,
            attempts=attempts,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            detail=detail,
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            if channel.transport is not None:
                channel.transport.close()
            if channel.sweeper is not None:
                channel.sweeper.cancel()
        self.channels.clear()


def _answer(response: dns.message.Message) -> list[RawRecord]:
    return [
        raw_record(rrset.name.to_text(omit_final_dot=True).lower(), rrset.ttl, rdata)
        for rrset in response.answer
        for rdata in rrset
    ]


def _referral_records(response: dns.message.Message, name: str) -> list[RawRecord]:
    """The NS set for ``name`` (answer or authority section) and the glue for those servers."""
    owner = dns.name.from_text(name)
    ns = [
        (rrset, rdata)
        for section in (response.answer, response.authority)
        for rrset in section
        if rrset.rdtype == dns.rdatatype.NS and rrset.name == owner
        for rdata in rrset
    ]
    servers = {rdata.target for _, rdata in ns}
    glue = [
        (rrset, rdata)
        for rrset in response.additional
        if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) and rrset.name in servers
        for rdata in rrset
    ]
    return [
        raw_record(rrset.name.to_text(omit_final_dot=True).lower(), rrset.ttl, rdata)
        for rrset, rdata in [*ns, *glue]
    ]


def _read_answer(reply: bytes, question: bytes, rdtype: str) -> HostAnswer:
    """The lean reader for address questions; dnspython's full parser for everything else."""
    if rdtype in FAST_TYPES:
        answer = read_host_answer(reply, question)
        if answer is not None:
            return answer
    response = dns.message.from_wire(reply, ignore_trailing=True)
    records = [
        raw_record(rrset.name.to_text(omit_final_dot=True).lower(), rrset.ttl, rdata)
        for rrset in response.answer
        for rdata in rrset
    ]
    soa = any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority)
    return HostAnswer(int(response.rcode()), bool(response.flags & dns.flags.TC), records, soa)
