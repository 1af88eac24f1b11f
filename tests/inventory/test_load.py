"""Inventories in every format, and every way they can be wrong."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cloudaudit.errors import InventoryError
from cloudaudit.inventory.load import (
    inventory_from_domains,
    inventory_from_zones,
    load_inventory,
    parse_inventory,
    read_domain_list,
    read_zone,
    zone_domains,
    zone_hosts,
    zone_record_names,
)
from cloudaudit.inventory.models import Criticality, EndpointKind
from cloudaudit.inventory.names import normalise_hostname, parse_endpoint, registrable_domain
from tests.conftest import REPO

TOML = """organisation = "Acme"
domains = ["Acme.Example.", "bücher.example"]

[[services]]
name = "Shop"
criticality = "critical"
endpoints = ["https://shop.acme.example:8443/x", "192.0.2.1", "[2001:db8::1]:443"]
required_jurisdiction = "EU"
"""
YAML = """organisation: Acme
domains: [acme.example, xn--bcher-kva.example]
services:
  - name: Shop
    criticality: critical
    endpoints: ["https://shop.acme.example:8443/x", 192.0.2.1, "[2001:db8::1]:443"]
    required_jurisdiction: EU
"""
JSON = """{"organisation": "Acme", "domains": ["acme.example", "bücher.example"],
 "services": [{"name": "Shop", "criticality": "critical",
   "endpoints": ["https://shop.acme.example:8443/x", "192.0.2.1", "[2001:db8::1]:443"],
   "required_jurisdiction": "EU"}]}
"""


@pytest.mark.parametrize(("name", "text"), [("a.toml", TOML), ("a.yaml", YAML), ("a.json", JSON)])
def test_every_format_gives_the_same_inventory(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    inventory = load_inventory(path)
    assert inventory.domains == ("acme.example", "xn--bcher-kva.example")
    (service,) = inventory.services
    assert service.criticality is Criticality.CRITICAL
    assert [e.kind for e in service.endpoints] == [
        EndpointKind.URL,
        EndpointKind.IP,
        EndpointKind.IP,
    ]
    assert [e.host for e in service.endpoints] == ["shop.acme.example", "192.0.2.1", "2001:db8::1"]
    assert service.endpoints[0].port == 8443
    assert inventory.source == str(path)


def test_digest_is_the_same_whatever_the_format() -> None:
    digests = {
        parse_inventory(t, f"x.{k}").digest
        for k, t in (("toml", TOML), ("yaml", YAML), ("json", JSON))
    }
    assert len(digests) == 1


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "bad.toml",
            'organisation = "x"\n[[services]]\nname = \n',
            "bad.toml:3: TOML syntax error",
        ),
        ("bad.json", '{"domains": [\n"a.example",\n]}', "bad.json:3: JSON syntax error"),
        ("bad.yaml", "domains:\n  - a\n - b\n", "bad.yaml:3: YAML syntax error"),
        (
            "typo.toml",
            'organisation = "x"\n\n[[services]]\nname = "a"\ncritcality = "high"\n',
            "typo.toml:5: services[0].critcality: Extra inputs are not permitted",
        ),
        (
            "crit.yaml",
            "services:\n  - name: a\n  - name: b\n    criticality: urgent\n",
            "crit.yaml:4: services[1].criticality:",
        ),
        (
            "dup.toml",
            '[[services]]\nname = "a"\n[[services]]\nname = "a"\n',
            "dup.toml:4: services[1].name: duplicate service name 'a'",
        ),
        (
            "host.toml",
            '[[services]]\nname = "a"\nendpoints = ["bad host!"]\n',
            "host.toml:3: services[0].endpoints[0]: host name 'bad host!' contains white space",
        ),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value).startswith(f"{tmp_path}/{expected}")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read"):
        load_inventory(tmp_path / "nope.toml")


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(YAML))
    assert load_inventory("-").source == "<stdin>"


def test_domain_list_with_comments_and_bad_line() -> None:
    assert read_domain_list("# mine\nexample.com\n\nexample.org # second\n", "d.txt") == [
        "example.com",
        "example.org",
    ]
    with pytest.raises(InventoryError, match=r"^d\.txt:2: "):
        read_domain_list("ok.example\nnot valid\n", "d.txt")
    assert inventory_from_domains(["A.example", "a.example."]).domains == ("a.example",)


def test_names() -> None:
    assert normalise_hostname("Bücher.Example.") == "xn--bcher-kva.example"
    assert parse_endpoint("api.example:8080").port == 8080
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert normalise_hostname("WWW.Example.COM.") == "www.example.com"
    assert normalise_hostname("_dmarc.example.org") == "_dmarc.example.org"
    bad_names = ("", "a..b", "x" * 64 + ".example", "exa mple.com", "ex$ample.com",
                 "a\\.b.example", ("a" * 60 + ".") * 5 + "example", "bü cher.example")  # fmt: skip
    for bad in bad_names:
        with pytest.raises(ValueError):
            normalise_hostname(bad)


@pytest.mark.parametrize(
    ("raw", "kind", "host", "port"),
    [
        ("192.0.2.1", EndpointKind.IP, "192.0.2.1", None),
        ("192.0.2.1:8080", EndpointKind.IP, "192.0.2.1", 8080),
        ("2001:DB8::1", EndpointKind.IP, "2001:db8::1", None),
        ("[2001:db8::1]:443", EndpointKind.IP, "2001:db8::1", 443),
        ("https://[2001:db8::1]:8443/x", EndpointKind.URL, "2001:db8::1", 8443),
        ("https://Shop.Example/cart", EndpointKind.URL, "shop.example", None),
        ("1password.example", EndpointKind.HOSTNAME, "1password.example", None),
        ("10.0.0.256", EndpointKind.HOSTNAME, "10.0.0.256", None),  # not an address: a name
    ],
)
def test_endpoints_are_classified_as_address_url_or_name(
    raw: str, kind: EndpointKind, host: str, port: int | None
) -> None:
    endpoint = parse_endpoint(raw)
    assert (endpoint.kind, endpoint.host, endpoint.port) == (kind, host, port)


def test_zone_files(tmp_path: Path) -> None:
    zone = read_zone(REPO / "examples" / "zones" / "brightwater-logistik.example.zone")
    assert zone.origin is not None and zone.origin.to_text() == "brightwater-logistik.example."
    inventory, zones = inventory_from_zones(
        [REPO / "examples" / "zones" / "brightwater-logistik.example.zone"],
        load_inventory(REPO / "examples" / "inventory.toml"),
    )
    assert inventory.domains == ("brightwater-logistik.example",)
    assert len(zones) == 1 and len(inventory.services) == 8
    broken = tmp_path / "broken.zone"
    broken.write_text(
        "$ORIGIN x.example.\n@ 300 IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nwww IN A 999.1.1.1\n"
    )
    with pytest.raises(InventoryError, match=r"broken\.zone:4: "):
        read_zone(broken)
    no_soa = tmp_path / "nosoa.zone"
    no_soa.write_text("$ORIGIN y.example.\nwww 300 IN A 192.0.2.1\n")
    with pytest.raises(InventoryError, match="SOA"):
        read_zone(no_soa)


def test_every_zone_owner_with_an_address_or_cname_is_audited(tmp_path: Path) -> None:
    path = tmp_path / "estate.zone"
    path.write_text(
        "$ORIGIN estate.example.\n@ 300 IN SOA ns h 1 2 3 4 5\n@ IN NS ns.provider.example.\n"
        "@ IN MX 10 mx.provider.example.\n@ IN A 192.0.2.1\n"
        "zq7-unguessable IN CNAME app.herokudns.com.\n"
        "s1._domainkey IN CNAME s1.domainkey.u1.wl.sendgrid.net.\n"
        "_sip._tls IN SRV 100 1 443 sipdir.online.lync.com.\n"
        "*.preview IN CNAME cname.vercel-dns.com.\n"
        'only-txt IN TXT "v=spf1 -all"\n'
        "www IN AAAA 2001:db8::1\n"
        "lists IN MX 10 mx.lists.example.\n"
        "child IN NS ns1.operator.example.\n"
    )
    zone = read_zone(path)
    assert zone_hosts(zone) == [
        "estate.example",
        "wildcard-probe.preview.estate.example",
        "www.estate.example",
        "zq7-unguessable.estate.example",
    ]
    assert zone_record_names(zone) == ["_sip._tls.estate.example", "s1._domainkey.estate.example"]
    assert zone_domains(zone) == ["estate.example", "child.estate.example", "lists.estate.example"]
    given = parse_inventory(
        '[[services]]\nname = "site"\nendpoints = ["www.estate.example"]\n', "inv.toml"
    )
    inventory, _ = inventory_from_zones([path], given)
    hosts = [e.host for service in inventory.services for e in service.endpoints]
    assert hosts.count("www.estate.example") == 1
    assert "zq7-unguessable.estate.example" in hosts and len(hosts) == 4
    assert inventory.record_names == ("_sip._tls.estate.example", "s1._domainkey.estate.example")
    alone, _ = inventory_from_zones([path])
    assert alone.domains == ("estate.example", "child.estate.example", "lists.estate.example")
    assert len(alone.services) == 4
