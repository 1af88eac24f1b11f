"""The lean wire paths against dnspython, which stays the reference for what they skip."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from cloudaudit.discovery.interface import raw_record
from cloudaudit.discovery.wire import (
    answers_question,
    query_wire,
    question_wire,
    read_host_answer,
)


@pytest.mark.parametrize(
    ("name", "rdtype"),
    [
        ("www.example.com", "A"),
        ("www.example.com.", "AAAA"),
        ("xn--mnchen-3ya.example", "CNAME"),
        ("_matrix._tcp.example.org", "SRV"),
        ("example.org", "TXT"),
        ("weird\\.label.example", "A"),  # escaped dot: dnspython builds the name
    ],
)
def test_queries_are_what_dnspython_would_send(name: str, rdtype: str) -> None:
    question = question_wire(name, rdtype)
    ours = dns.message.from_wire(query_wire(4242, question))
    reference = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
    assert ours.id == 4242 and ours.flags & dns.flags.RD
    assert ours.question == reference.question
    assert ours.edns == 0 and ours.payload == 1232


@pytest.mark.parametrize("name", ["a" * 64 + ".example", "x." * 130 + "example", "a..b"])
def test_names_that_cannot_be_asked_are_refused_with_a_reason(name: str) -> None:
    with pytest.raises(ValueError):
        question_wire(name, "A")


def _response(qname: str, rdtype: str, answers: list[tuple[str, str, str]]) -> bytes:
    query = dns.message.make_query(qname, rdtype)
    response = dns.message.make_response(query)
    for owner, rtype, value in answers:
        response.answer.append(dns.rrset.from_text(owner, 300, "IN", rtype, value))
    return response.to_wire()  # dnspython compresses names, as servers do


def _reference(wire: bytes) -> list[tuple[str, str, int, str, str | None]]:
    message = dns.message.from_wire(wire)
    records = [
        raw_record(rrset.name.to_text(omit_final_dot=True).lower(), rrset.ttl, rdata)
        for rrset in message.answer
        for rdata in rrset
    ]
    return [(r.name, r.rtype, r.ttl, r.value.lower(), r.target) for r in records]


def test_a_cname_chain_reads_the_same_as_with_dnspython() -> None:
    qname = "WWW.Example.COM."
    wire = _response(
        qname,
        "A",
        [
            (qname, "CNAME", "shop.example.net."),
            ("shop.example.net.", "CNAME", "lb-1.eu-central-1.elb.amazonaws.com."),
            ("lb-1.eu-central-1.elb.amazonaws.com.", "A", "3.5.1.9"),
            ("lb-1.eu-central-1.elb.amazonaws.com.", "A", "3.5.1.10"),
        ],
    )
    question = question_wire(qname, "A")
    answer = read_host_answer(wire, question)
    assert answer is not None and answer.rcode == 0 and not answer.truncated
    ours = [(r.name, r.rtype, r.ttl, r.value, r.target) for r in answer.records]
    assert ours == _reference(wire)
    assert ours[0][0] == "www.example.com" and ours[0][4] == "shop.example.net"


def test_ipv6_answers_and_rcodes_are_read() -> None:
    wire = _response("v6.example.", "AAAA", [("v6.example.", "AAAA", "2a05:d000::1")])
    answer = read_host_answer(wire, question_wire("v6.example", "AAAA"))
    assert answer is not None and [r.value for r in answer.records] == ["2a05:d000::1"]
    query = dns.message.make_query("gone.example.", "A")
    nxdomain = dns.message.make_response(query)
    nxdomain.set_rcode(dns.rcode.NXDOMAIN)
    answer = read_host_answer(nxdomain.to_wire(), question_wire("gone.example", "A"))
    assert answer is not None and answer.rcode == dns.rcode.NXDOMAIN and answer.records == []


@pytest.mark.parametrize(
    "answers",
    [
        [("odd.example.", "CNAME", "we\\009ird\\.name.example.")],  # needs escaping
        [("odd.example.", "TXT", '"not an address"')],  # another type in the answer
    ],
)
def test_anything_unusual_is_left_to_the_general_parser(
    answers: list[tuple[str, str, str]],
) -> None:
    wire = _response("odd.example.", "A", answers)
    assert read_host_answer(wire, question_wire("odd.example", "A")) is None


def test_malformed_messages_are_left_to_the_general_parser() -> None:
    wire = _response("m.example.", "A", [("m.example.", "A", "192.0.2.1")])
    question = question_wire("m.example", "A")
    assert read_host_answer(wire[:-3], question) is None  # truncated rdata
    looping = bytearray(wire)
    owner = 12 + len(question)
    looping[owner : owner + 2] = bytes((0xC0, owner & 0xFF))  # a pointer to itself
    assert read_host_answer(bytes(looping), question) is None


def test_only_a_response_to_the_same_question_is_accepted() -> None:
    question = question_wire("www.example.com", "A")
    wire = _response("www.example.com.", "A", [])
    reply_id = int.from_bytes(wire[:2], "big")
    assert answers_question(wire, reply_id, question)
    assert answers_question(wire, reply_id, question_wire("WWW.EXAMPLE.com", "A"))
    assert not answers_question(wire, reply_id ^ 1, question)
    assert not answers_question(wire, reply_id, question_wire("www.example.org", "A"))
    assert not answers_question(wire, reply_id, question_wire("www.example.com", "AAAA"))
    query_only = query_wire(reply_id, question)  # QR bit clear: not a response
    assert not answers_question(query_only, reply_id, question)
    assert not answers_question(wire[:10], reply_id, question)


def test_an_soa_in_the_authority_section_marks_a_final_negative_answer() -> None:
    query = dns.message.make_query("www.example.", "AAAA")
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text("www.example.", 300, "IN", "CNAME", "v4.example."))
    partial = read_host_answer(response.to_wire(), question_wire("www.example", "AAAA"))
    assert partial is not None and not partial.negative_soa
    soa = "ns.example. hostmaster.example. 1 7200 900 1209600 300"
    response.authority.append(dns.rrset.from_text("example.", 300, "IN", "SOA", soa))
    final = read_host_answer(response.to_wire(), question_wire("www.example", "AAAA"))
    assert final is not None and final.negative_soa
    assert [r.target for r in final.records] == ["v4.example"]
