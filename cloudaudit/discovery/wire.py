"""The few wire-format paths a scan takes thousands of times, done without per-query objects.

A scan is mostly A and AAAA questions whose answers hold only addresses and CNAMEs. Building
those queries and reading those answers through dnspython's Message objects costs more Python
work than the network round trip, so this module builds the query bytes directly and reads
such answers in one pass. Anything else (other record types, names that need escaping,
anything unusual in the message) is left to dnspython: ``read_host_answer`` returns None and
the caller parses the message the general way, so hostile data always gets the full parser.
"""

from __future__ import annotations

import struct
from socket import AF_INET, AF_INET6, inet_ntop
from sys import intern

import dns.exception
import dns.name
import dns.rdatatype

from cloudaudit.discovery.interface import RawRecord

_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
_TYPE_CLASS = struct.Struct("!HH")
# An OPT pseudo-record (RFC 6891): root owner, type 41, the UDP payload size as its class.
_OPT = b"\x00" + _RR_FIXED.pack(41, 1232, 0, 0)
_FLAGS_RD = 0x0100
_FLAG_QR = 0x8000
_FLAG_TC = 0x0200
_TYPE_A, _TYPE_CNAME, _TYPE_SOA, _TYPE_AAAA, _CLASS_IN = 1, 5, 6, 28, 1
_RDTYPES: dict[str, int] = {"A": _TYPE_A, "CNAME": _TYPE_CNAME, "AAAA": _TYPE_AAAA}
#: Question types whose answers the lean reader handles.
FAST_TYPES = frozenset(_RDTYPES)
#: Label bytes that print as themselves in presentation format (no escaping needed).
_PLAIN_LABEL_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*")
_MAX_POINTERS = 32


def question_wire(name: str, rdtype: str) -> bytes:
    """QNAME, QTYPE and QCLASS for ``name`` (final dot optional); ValueError if not a name."""
    qtype = _RDTYPES.get(rdtype)
    if qtype is None:  # a domain-walk type (SOA, MX, TXT…): a few per domain
        try:
            qtype = dns.rdatatype.from_text(rdtype)
        except dns.exception.DNSException as exc:
            raise ValueError(f"unknown record type {rdtype!r}") from exc
    qname = _plain_name(name) if name.isascii() and "\\" not in name else None
    if qname is None:
        try:
            qname = dns.name.from_text(name).to_wire() or b""
        except (dns.exception.DNSException, UnicodeError) as exc:
            raise ValueError(str(exc) or type(exc).__name__) from exc
    return qname + _TYPE_CLASS.pack(qtype, _CLASS_IN)


def _plain_name(name: str) -> bytes | None:
    """Wire form of an all-ASCII name without escapes; None when dnspython must decide."""
    labels = name.rstrip(".").encode("ascii").split(b".")
    if labels == [b""]:
        return b"\x00"
    if any(not 0 < len(label) < 64 for label in labels):
        return None
    wire = b"".join(bytes((len(label),)) + label for label in labels) + b"\x00"
    return wire if len(wire) <= 255 else None


def query_wire(query_id: int, question: bytes) -> bytes:
    """A recursive query with EDNS0 (1232-byte UDP payload) for one question."""
    return _HEADER.pack(query_id, _FLAGS_RD, 1, 0, 0, 1) + question + _OPT


def answers_question(wire: bytes, query_id: int, question: bytes) -> bool:
    """True when ``wire`` is a response to exactly this question (ID, QR bit, question)."""
    if len(wire) < 12 + len(question):
        return False
    header_id, flags, qdcount = struct.unpack_from("!HHH", wire)
    if header_id != query_id or not flags & _FLAG_QR or qdcount != 1:
        return False
    # Names compare case-insensitively (RFC 4343); some resolvers echo a different case.
    return wire[12 : 12 + len(question)].lower() == question.lower()


class HostAnswer:
    """A parsed response: rcode, TC flag, answer records, and whether the authority section
    holds an SOA (RFC 2308: the negative answer is final, the chain in it complete)."""

    __slots__ = ("rcode", "truncated", "records", "negative_soa")

    def __init__(
        self, rcode: int, truncated: bool, records: list[RawRecord], negative_soa: bool
    ) -> None:
        self.rcode, self.truncated, self.records = rcode, truncated, records
        self.negative_soa = negative_soa


def read_host_answer(wire: bytes, question: bytes) -> HostAnswer | None:
    """Read a response whose answer section holds only A, AAAA and CNAME records.

    None means "use the general parser": any other record type, a malformed or unusual
    message, or a name that would need escaping in presentation format.
    """
    try:
        _, flags, _, ancount, _, _ = _HEADER.unpack_from(wire)
        offset = 12 + len(question)
        records = []
        for _ in range(ancount):
            owner, offset = _read_name(wire, offset)
            rtype, rclass, ttl, length = _RR_FIXED.unpack_from(wire, offset)
            offset += 10
            end = offset + length
            if rclass != _CLASS_IN or end > len(wire) or owner is None:
                return None
            if rtype == _TYPE_A and length == 4:
                records.append(RawRecord(owner, "A", ttl, inet_ntop(AF_INET, wire[offset:end])))
            elif rtype == _TYPE_AAAA and length == 16:
                value = inet_ntop(AF_INET6, wire[offset:end])
                records.append(RawRecord(owner, "AAAA", ttl, value))
            elif rtype == _TYPE_CNAME:
                target, target_end = _read_name(wire, offset)
                if not target or target_end != end:
                    return None
                records.append(RawRecord(owner, "CNAME", ttl, target + ".", target))
            else:
                return None
            offset = end
    except (struct.error, IndexError):
        return None
    return HostAnswer(
        flags & 0x000F, bool(flags & _FLAG_TC), records, _authority_has_soa(wire, offset)
    )


def _authority_has_soa(wire: bytes, offset: int) -> bool:
    try:
        for _ in range(struct.unpack_from("!H", wire, 8)[0]):
            offset = _skip_name(wire, offset)
            rtype, _, _, length = _RR_FIXED.unpack_from(wire, offset)
            if rtype == _TYPE_SOA:
                return True
            offset += 10 + length
    except (struct.error, IndexError):
        pass
    return False


def _skip_name(wire: bytes, offset: int) -> int:
    while True:
        length = wire[offset]
        if length >= 0xC0:
            return offset + 2
        offset += length + 1
        if length == 0:
            return offset


def _read_name(wire: bytes, offset: int) -> tuple[str | None, int]:
    """(lower-case name without final dot, offset after it); name None when it needs the
    general parser (escapable bytes, a bad pointer). Follows compression pointers."""
    labels: list[bytes] = []
    end = -1
    pointers = 0
    total = 0
    while True:
        length = wire[offset]
        if length >= 0xC0:
            pointers += 1
            if pointers > _MAX_POINTERS:
                return None, offset
            if end < 0:
                end = offset + 2
            pointer = ((length & 0x3F) << 8) | wire[offset + 1]
            if pointer >= offset:
                return None, offset  # forward pointers make loops possible: not ours to judge
            offset = pointer
            continue
        if length > 63:
            return None, offset
        offset += 1
        if length == 0:
            break
        label = wire[offset : offset + length]
        if len(label) != length or not _PLAIN_LABEL_BYTES.issuperset(label):
            return None, offset
        total += length + 1
        if total > 255:
            return None, offset
        labels.append(label)
        offset += length
    # Interned: a host's A and AAAA answers repeat the same chain names, and evidence keeps
    # them in hops and records; one string each instead of one per occurrence.
    return intern(b".".join(labels).decode("ascii").lower()), end if end >= 0 else offset
