"""Zone transfers: the names a transferred zone adds to a scan (pure), and transfers from
servers that stall or send garbage on loopback, which end in an outcome, never a crash."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dns.message
import dns.rrset
import dns.zone
import pytest

from cloudaudit.discovery.axfr import (
    TransferLimits,
    Transferred,
    names_from_transfers,
    transfer,
    transferred_names,
)
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import TransferOutcome, ZoneTransfer
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import inventory_from_domains

ZONE = """$ORIGIN corp.example.
@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
@ 300 IN NS ns1
@ 300 IN A 192.0.2.1
@ 300 IN MX 10 mail
ns1 300 IN A 127.0.0.1
mail 300 IN AAAA 2001:db8::25
jenkins-7q 300 IN CNAME build.ci.example.
*.preview 300 IN A 192.0.2.3
_dmarc 300 IN TXT "v=DMARC1; p=none"
selector1._domainkey 300 IN CNAME selector1-corp.dkim.example.
child 300 IN NS ns.elsewhere.example.
lists 300 IN MX 10 mail
"""


def _attempt(outcome: TransferOutcome, records: int = 0) -> ZoneTransfer:
    return ZoneTransfer(
        domain="corp.example", host="ns1.corp.example", address="192.0.2.2",
        outcome=outcome, records=records,
    )  # fmt: skip


def test_a_transferred_zone_adds_its_hosts_as_a_zone_file_audit_finds_them() -> None:
    zone = dns.zone.from_text(ZONE, relativize=False)
    assert transferred_names(zone) == [
        "corp.example",
        "jenkins-7q.corp.example",
        "mail.corp.example",
        "ns1.corp.example",
        "wildcard-probe.preview.corp.example",
    ]  # underscore names, delegations and MX-only owners are no hosts


def test_names_come_only_from_zones_handed_out_each_once() -> None:
    allowed = Transferred(
        _attempt(TransferOutcome.ALLOWED, 12), ("b.corp.example", "a.corp.example")
    )
    again = Transferred(_attempt(TransferOutcome.ALLOWED, 12), ("a.corp.example",))
    refused = Transferred(_attempt(TransferOutcome.NOTAUTH))
    assert names_from_transfers([allowed, refused, again]) == ["a.corp.example", "b.corp.example"]
    assert names_from_transfers([refused]) == []


@pytest.mark.parametrize(
    ("outcome", "records", "exposed"),
    [
        (TransferOutcome.ALLOWED, 12, True),
        (TransferOutcome.TOO_LARGE, 100_001, True),
        (TransferOutcome.TIMEOUT, 40, True),  # part of the zone came before the deadline
        (TransferOutcome.TIMEOUT, 0, False),
        (TransferOutcome.REFUSED, 0, False),
        (TransferOutcome.NOTAUTH, 0, False),
        (TransferOutcome.NETWORK_ERROR, 0, False),
    ],
)
def test_a_server_exposes_the_zone_when_it_sends_any_of_it(
    outcome: TransferOutcome, records: int, exposed: bool
) -> None:
    assert _attempt(outcome, records).exposed is exposed


def test_zone_file_audits_never_transfer() -> None:
    zone = dns.zone.from_text(ZONE, relativize=False)
    inventory = inventory_from_domains(["corp.example"])
    evidence = run_scan(inventory, ScanConfig(axfr=True, subdomains=()), zones=[zone])
    (domain,) = evidence.domains
    # The server is known (on loopback, so a transfer asked by mistake stays there) ...
    assert [(p.host, p.address) for p in domain.server_probes] == [
        ("ns1.corp.example", "127.0.0.1")
    ]
    assert domain.zone_transfers == () and domain.transferred_hosts == ()  # ... never asked


@contextmanager
def _tcp_server(handle: Callable[[socket.socket], None] | None) -> Iterator[int]:
    """A TCP listener on 127.0.0.1: ``handle`` serves each connection on a thread; with
    None, connections complete (the kernel's backlog) and are never read or answered."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connections.append(connection)
            if handle is not None:
                handle(connection)

    thread = threading.Thread(target=serve, daemon=True) if handle else None
    if thread:
        thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        if thread:
            thread.join()
        for connection in connections:
            connection.close()
        listener.close()


def _ask(port: int, **limits: float) -> ZoneTransfer:
    settings = {"timeout": 5.0, "answer_timeout": 0.2, "max_records": 100, "max_bytes": 1 << 20}
    settings |= limits
    bounds = TransferLimits(
        settings["timeout"],
        int(settings["max_records"]),
        int(settings["max_bytes"]),
        answer_timeout=settings["answer_timeout"],
        port=port,
    )
    return asyncio.run(transfer("corp.example", "ns1.corp.example", "127.0.0.1", bounds)).attempt


def test_a_server_that_never_answers_costs_no_more_than_a_lookup() -> None:
    with _tcp_server(None) as port:
        attempt = _ask(port)
    assert attempt.outcome is TransferOutcome.TIMEOUT
    assert (attempt.records, attempt.exposed) == (0, False)
    assert attempt.detail == "no answer within 0.2s"


def _first_message_then_silence(connection: socket.socket) -> None:
    """Answers the transfer with its first message (the SOA and one record), then sends
    nothing more and keeps the connection open."""
    wire = connection.recv(65535)
    query = dns.message.from_wire(wire[2:])
    response = dns.message.make_response(query)
    origin = query.question[0].name
    response.answer.append(
        dns.rrset.from_text(
            origin, 300, "IN", "SOA", f"ns1.{origin} hostmaster.{origin} 1 3600 600 86400 60"
        )
    )
    response.answer.append(dns.rrset.from_text(f"www.{origin}", 300, "IN", "A", "192.0.2.10"))
    message = response.to_wire()
    connection.sendall(len(message).to_bytes(2, "big") + message)


def test_a_transfer_that_stalls_ends_at_the_deadline_with_what_came() -> None:
    with _tcp_server(_first_message_then_silence) as port:
        attempt = _ask(port, timeout=1.0, answer_timeout=1.0)
    assert attempt.outcome is TransferOutcome.TIMEOUT
    assert attempt.detail == "no complete transfer within 1s"
    assert (attempt.records, attempt.exposed) == (2, True)  # the server did hand data out


def _send(payload: bytes) -> Callable[[socket.socket], None]:
    def handle(connection: socket.socket) -> None:
        connection.recv(65535)  # the query
        connection.sendall(payload)
        connection.shutdown(socket.SHUT_WR)

    return handle


def test_garbage_instead_of_a_message_is_malformed() -> None:
    garbage = b"\x00\x20" + b"\xff" * 32
    with _tcp_server(_send(garbage)) as port:
        attempt = _ask(port)
    assert attempt.outcome is TransferOutcome.MALFORMED
    assert attempt.bytes_read == 34


def test_a_length_beyond_the_byte_cap_is_not_read() -> None:
    with _tcp_server(_send(b"\xff\xff")) as port:
        attempt = _ask(port, max_bytes=1024)
    assert attempt.outcome is TransferOutcome.TOO_LARGE
    assert attempt.detail == "stopped after 0 records: more than 1024 bytes"


def test_a_connection_closed_mid_message_is_a_network_error() -> None:
    with _tcp_server(_send(b"\x01\x00" + b"\x00" * 10)) as port:
        attempt = _ask(port)
    assert attempt.outcome is TransferOutcome.NETWORK_ERROR
    assert attempt.detail == "the server closed the connection after 0 records"
