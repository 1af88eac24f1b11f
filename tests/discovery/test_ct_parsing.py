"""The pure parts of name enumeration: certificate-transparency answers, Matrix documents,
name provenance and Retry-After, without a socket."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cloudaudit.discovery.ct import (
    certspotter_url,
    collect,
    crtsh_url,
    ct_name,
    parse_certspotter,
    parse_crtsh,
)
from cloudaudit.discovery.fetch import MalformedAnswer
from cloudaudit.discovery.models import NameSource, ScanEvidence
from cloudaudit.discovery.sources import NameSources, apex_of
from cloudaudit.discovery.wellknown import parse_client, parse_server
from cloudaudit.inventory.load import zone_hosts
from cloudaudit.inventory.models import Inventory
from cloudaudit.inventory.names import wildcard_probe
from cloudaudit.retry import retry_delay


def _crtsh(*entries: tuple[str, str]) -> bytes:
    return json.dumps(
        [{"id": n, "common_name": cn, "name_value": nv} for n, (cn, nv) in enumerate(entries)]
    ).encode()


def test_crtsh_names_are_split_per_line_with_the_common_name() -> None:
    names, count = parse_crtsh(
        _crtsh(
            ("example.org", "example.org\nwww.example.org"), ("api.example.org", "api.example.org")
        )
    )
    assert count == 2
    assert names == ["example.org", "example.org", "www.example.org", "api.example.org",
                     "api.example.org"]  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [b"<html>busy</html>", b'{"error": "rate limited"}', b"[1, 2]", b'[{"name_value": "a"', b""],
)
def test_anything_but_a_list_of_entries_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedAnswer):
        parse_crtsh(body)


def test_certspotter_pages_name_the_last_issuance() -> None:
    body = json.dumps(
        [
            {"id": "1001", "dns_names": ["example.org", "*.example.org"]},
            {"id": "1002", "dns_names": ["mail.example.org", 7]},
        ]
    ).encode()
    names, count, last = parse_certspotter(body)
    assert (names, count, last) == (["example.org", "*.example.org", "mail.example.org"], 2, "1002")
    assert parse_certspotter(b"[]") == ([], 0, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("WWW.Example.ORG.", "www.example.org"),
        ("*.dev.example.org", "wildcard-probe.dev.example.org"),
        ("bücher.example.org", "xn--bcher-kva.example.org"),
        ("hostmaster@example.org", None),
        ("192.0.2.1", None),
        ("foo*.example.org", None),
        ("", None),
        ("a..example.org", None),
    ],
)
def test_a_listed_name_becomes_a_host_name_to_resolve(raw: str, expected: str | None) -> None:
    assert ct_name(raw) == expected


def test_wildcards_become_the_same_probe_name_a_zone_file_gives() -> None:
    import dns.zone

    zone = dns.zone.from_text(
        "@ 300 IN SOA ns h 1 2 3 4 5\n@ 300 IN NS ns\n*.dev 300 IN A 192.0.2.1\n",
        origin="example.org.",
        relativize=False,
    )
    assert zone_hosts(zone) == [ct_name("*.dev.example.org")]
    assert wildcard_probe("www.example.org") == "www.example.org"


def test_names_are_kept_under_the_domain_once_and_capped() -> None:
    listed = ["www.example.org", "WWW.example.org.", "example.org", "evil-example.org",
              "example.org.attacker.net", "api.example.org", "x@example.org", "other.net",
              "other.net", "*.example.org"]  # fmt: skip
    names = collect(listed, "example.org", max_names=10)
    assert list(names.names) == ["www.example.org", "example.org", "api.example.org",
                                 "wildcard-probe.example.org"]  # fmt: skip
    assert (len(names.outside), names.invalid, names.capped) == (3, 1, False)
    capped = collect(listed, "example.org", max_names=2)
    assert list(capped.names) == ["www.example.org", "example.org"]
    assert capped.capped
    assert not collect(listed, "example.org", max_names=4).capped  # exactly at the cap


def test_service_urls() -> None:
    assert crtsh_url("https://crt.sh/", "example.org") == (
        "https://crt.sh/?q=%25.example.org&output=json"
    )
    assert certspotter_url("http://127.0.0.1:1/v1/issuances", "example.org", "42") == (
        "http://127.0.0.1:1/v1/issuances?domain=example.org&include_subdomains=true"
        "&expand=dns_names&after=42"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"m.server": "matrix.example.org:443"}',
            ("matrix.example.org:443", "matrix.example.org"),
        ),
        (b'{"m.server": "Chat.Example.net"}', ("Chat.Example.net", "chat.example.net")),
        (b'{"m.server": "[2001:db8::1]:8448"}', ("[2001:db8::1]:8448", None)),
        (b'{"m.server": "192.0.2.7:8448"}', ("192.0.2.7:8448", None)),
    ],
)
def test_matrix_server_documents(body: bytes, expected: tuple[str, str | None]) -> None:
    assert parse_server(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"m.server": 5}',
        b'{"m.server": "host:port"}',
        b'{"m.server": "bad host"}',
    ],  # fmt: skip
)
def test_matrix_server_documents_without_a_usable_server(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_server(body)


def test_matrix_client_documents() -> None:
    body = b'{"m.homeserver": {"base_url": "https://hs.example.net/"}, "m.identity_server": {}}'
    assert parse_client(body) == ("https://hs.example.net/", "hs.example.net")
    assert parse_client(b'{"m.homeserver": {"base_url": "https://[2001:db8::2]"}}')[1] is None
    for broken in (b'{"m.homeserver": "x"}', b'{"m.homeserver": {"base_url": "ftp://h"}}'):
        with pytest.raises(ValueError, match=r"."):
            parse_client(broken)


def test_retry_after_is_honoured_within_the_cap() -> None:
    now = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    assert retry_delay("3", 1, 1.0, 60.0, now) == (3.0, True)
    assert retry_delay("600", 1, 1.0, 60.0, now) == (60.0, True)
    assert retry_delay("Tue, 08 Dec 2026 12:00:30 GMT", 1, 1.0, 60.0, now) == (30.0, True)
    assert retry_delay("Tue, 08 Dec 2026 11:00:00 GMT", 1, 1.0, 60.0, now) == (0.0, True)
    # No header or a useless one: exponential backoff, capped.
    assert retry_delay(None, 1, 2.0, 60.0, now) == (2.0, False)
    assert retry_delay(None, 3, 2.0, 60.0, now) == (8.0, False)
    assert retry_delay("soon", 10, 2.0, 60.0, now) == (60.0, False)


def test_name_sources_keep_every_source_in_one_order() -> None:
    sources = NameSources({NameSource.CT: ["a.example.org", "b.example.org"]})
    sources.add(NameSource.INVENTORY, ["a.example.org"])
    sources.add(NameSource.CT, ["a.example.org"])
    assert sources.of("a.example.org") == (NameSource.INVENTORY, NameSource.CT)
    assert sources.of("b.example.org") == (NameSource.CT,)
    assert sources.of("c.example.org") == ()
    assert sources.has("a.example.org", NameSource.INVENTORY)
    assert not sources.has("b.example.org", NameSource.INVENTORY)
    assert list(sources) == ["a.example.org", "b.example.org"]


def test_evidence_keeps_one_tuple_per_combination_of_sources() -> None:
    sources = NameSources({NameSource.CT: ["a.example.org", "b.example.org"]})
    built = ScanEvidence(
        tool_version="test",
        started_at=datetime(2026, 12, 8, tzinfo=UTC),
        finished_at=datetime(2026, 12, 8, tzinfo=UTC),
        inventory=Inventory(),
        name_sources={name: sources.of(name) for name in sources},
    )
    read = ScanEvidence.model_validate_json(built.model_dump_json())
    for evidence in (built, read):
        assert evidence.name_sources["a.example.org"] == (NameSource.CT,)
        assert evidence.name_sources["a.example.org"] is evidence.name_sources["b.example.org"]
    with pytest.raises(ValueError, match="name_sources"):
        ScanEvidence.model_validate({**built.model_dump(), "name_sources": {"a": ["nowhere"]}})


def test_a_name_belongs_to_its_most_specific_domain() -> None:
    domains = {"example.org", "shop.example.org"}
    assert apex_of("www.shop.example.org", domains) == "shop.example.org"
    assert apex_of("shop.example.org", domains) == "shop.example.org"
    assert apex_of("www.example.org", domains) == "www.example.org".partition(".")[2]
    assert apex_of("example.org.evil.net", domains) is None
    assert apex_of("badexample.org", domains) is None
