"""DNS-as-code import: every format's records, aliases and notes, and every way it can be wrong."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest

from cloudaudit.errors import InventoryError
from cloudaudit.inventory.dnscode import (
    FORMATS,
    azure,
    cloudflare,
    dnscontrol,
    octodns,
    route53,
    terraform,
)
from cloudaudit.inventory.dnscode.dispatch import detect, load_zone_source
from cloudaudit.inventory.dnscode.records import DnsCodeImport
from cloudaudit.inventory.load import inventory_from_zones, with_digest, zone_hosts
from cloudaudit.inventory.models import AliasKind, Inventory, ProviderAlias
from tests.conftest import REPO

EXAMPLES = REPO / "examples" / "dnscode"


def rrset(result: DnsCodeImport, name: str, rtype: str) -> list[str]:
    """The values at ``name`` of ``rtype`` in presentation format, sorted."""
    for zone in result.zones:
        node = zone.get_node(dns.name.from_text(name)) if _inside(zone, name) else None
        rdataset = (
            node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(rtype)) if node else None
        )
        if rdataset is not None:
            return sorted(rdata.to_text() for rdata in rdataset)
    return []


def _inside(zone: dns.zone.Zone, name: str) -> bool:
    assert zone.origin is not None
    return dns.name.from_text(name).is_subdomain(zone.origin)


def origins(result: DnsCodeImport) -> list[str]:
    return [str(zone.origin).rstrip(".") for zone in result.zones]


# -- octoDNS -------------------------------------------------------------------------------

OCTODNS_ZONE = r"""---
'':
  - type: ALIAS
    value: site.netlify.app.
  - type: NS
    values: [ns1.example.net., ns2.example.net.]
  - type: MX
    values:
      - exchange: mx1.example.net.
        preference: 10
      - value: mx2.example.net.
        priority: 20
  - type: TXT
    values:
      - v=spf1 include:_spf.google.com -all
      - v=DKIM1\; k=rsa\; p=MIGf
  - type: CAA
    value: {flags: 0, tag: issue, value: letsencrypt.org}
_sip._tcp:
  type: SRV
  value: {priority: 10, weight: 60, port: 5060, target: sip.example.net.}
www:
  type: CNAME
  value: site.netlify.app.
  ttl: 300
app:
  - type: A
    values: [192.0.2.10, 192.0.2.11]
    octodns:
      cloudflare:
        proxied: true
  - type: AAAA
    value: 2001:db8::10
'*.dev':
  type: A
  value: 192.0.2.20
ptr:
  type: SSHFP
  value: {algorithm: 1, fingerprint_type: 1, fingerprint: abc}
"""


def test_octodns_zone_file_every_record_type() -> None:
    # Given a zone file named after its zone
    result = octodns.parse_zone_file(OCTODNS_ZONE, "zones/example.org.yaml")
    # Then every audited type is in the zone, with octoDNS's escaping undone
    assert origins(result) == ["example.org"]
    assert rrset(result, "example.org.", "NS") == ["ns1.example.net.", "ns2.example.net."]
    assert rrset(result, "example.org.", "MX") == ["10 mx1.example.net.", "20 mx2.example.net."]
    assert rrset(result, "example.org.", "TXT") == [
        '"v=DKIM1; k=rsa; p=MIGf"',
        '"v=spf1 include:_spf.google.com -all"',
    ]
    assert rrset(result, "example.org.", "CAA") == ['0 issue "letsencrypt.org"']
    assert rrset(result, "_sip._tcp.example.org.", "SRV") == ["10 60 5060 sip.example.net."]
    assert rrset(result, "www.example.org.", "CNAME") == ["site.netlify.app."]
    assert rrset(result, "app.example.org.", "A") == ["192.0.2.10", "192.0.2.11"]
    assert rrset(result, "app.example.org.", "AAAA") == ["2001:db8::10"]
    assert rrset(result, "*.dev.example.org.", "A") == ["192.0.2.20"]
    # And the apex ALIAS and the proxied record are aliases with their targets
    assert result.aliases["example.org"].kind is AliasKind.ALIAS
    assert result.aliases["example.org"].target == "site.netlify.app"
    proxied = result.aliases["app.example.org"]
    assert proxied.kind is AliasKind.CLOUDFLARE_PROXY and proxied.proxied
    assert proxied.target == "app.example.org.cdn.cloudflare.net"
    assert proxied.origin == ("192.0.2.10", "192.0.2.11")
    assert proxied.source == "zones/example.org.yaml:27: app[0]"
    # And the SSHFP record is skipped with a note naming its line
    assert result.notes == [
        "zones/example.org.yaml:38: ptr: SSHFP record at ptr skipped: type not audited"
    ]


def test_octodns_alias_apex_is_a_host() -> None:
    result = octodns.parse_zone_file(OCTODNS_ZONE, "example.org.yaml")
    assert "example.org" in zone_hosts(result.zones[0])
    assert "app.example.org" in zone_hosts(result.zones[0])


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("www:\n  type: A\n  value: [1\n", 4, None, "YAML syntax error"),
        ("www:\n  type: A\n  values: 192.0.2.1\n", 3, "www.values", "expected a list"),
        ("www:\n  value: 192.0.2.1\n", 2, "www", "missing key 'type'"),
        ("www:\n  type: A\n  value: 192.0.2.300\n", 3, "www.value", "bad A value"),
        ("www:\n  type: A\n  value: 2001:db8::1\n", 3, "www.value", "not an IPv4 address"),
        ("www:\n  type: A\n  vlaue: 192.0.2.1\n", 3, "www.vlaue", "unknown key 'vlaue'"),
        ("www:\n  type: A\n  ttl: soon\n  value: 192.0.2.1\n", 3, "www.ttl", "an integer"),
        ("www:\n  type: ALIAS\n  value: x.example.net.\n", 2, "www", "zone apex"),
        ("mx:\n- type: MX\n  values:\n  - {exchange: a.example.}\n", 4, "mx[0].values[0]",
         "needs 'exchange' and 'preference'"),
        ("- just a list\n", 1, None, "expected a mapping"),
    ],
)  # fmt: skip
def test_octodns_errors_name_file_line_and_key(
    text: str, line: int, field: str | None, message: str
) -> None:
    with pytest.raises(InventoryError) as caught:
        octodns.parse_zone_file(text, "example.org.yaml")
    error = caught.value
    assert (error.source, error.line, error.field) == ("example.org.yaml", line, field)
    assert message in error.reason


def test_octodns_config_loads_every_yaml_zone(tmp_path: Path) -> None:
    # Given a configuration with two zones in a YamlProvider directory and one elsewhere
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "example.org.yaml").write_text("www: {type: A, value: 192.0.2.1}\n")
    (zones / "example.net.yaml").write_text("'': {type: CNAME, value: example.org.}\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        "providers:\n"
        "  config: {class: octodns.provider.yaml.YamlProvider, directory: ./zones}\n"
        "  route53: {class: octodns_route53.Route53Provider}\n"
        "zones:\n"
        "  example.org.: {sources: [config], targets: [route53]}\n"
        "  example.net.: {sources: [config], targets: [route53]}\n"
        "  example.com.: {sources: [route53], targets: [config]}\n"
    )
    # When it is read
    result = octodns.parse_config(config.read_text(), str(config))
    # Then both YAML zones load, the apex CNAME becomes a flattened alias, the other is noted
    assert origins(result) == ["example.org", "example.net"]
    assert rrset(result, "www.example.org.", "A") == ["192.0.2.1"]
    assert result.aliases["example.net"].kind is AliasKind.FLATTENED_CNAME
    assert result.aliases["example.net"].target == "example.org"
    assert result.aliases["example.net"].source == f"{zones / 'example.net.yaml'}:1: ''.value"
    assert len(result.notes) == 1 and "zone example.com. skipped" in result.notes[0]
    assert result.notes[0].startswith(f"{config}:7: zones.example.com.")


def test_octodns_config_errors_name_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n"
        "    directory: ./missing\nzones: {}\n"
    )
    with pytest.raises(InventoryError) as caught:
        octodns.parse_config(config.read_text(), str(config))
    assert caught.value.line == 4
    assert caught.value.field == "providers.config.directory"
    assert "not found" in caught.value.reason
    config.write_text(
        "providers:\n  config: {class: octodns.provider.yaml.YamlProvider}\nzones: {}\n"
    )
    with pytest.raises(InventoryError, match="missing key 'directory'") as caught:
        octodns.parse_config(config.read_text(), str(config))
    assert caught.value.line == 2


# -- DNSControl ----------------------------------------------------------------------------


def dnscontrol_ir(*domains: dict[str, Any]) -> str:
    return json.dumps({"registrars": [], "dns_providers": [], "domains": list(domains)}, indent=1)


DNSCONTROL = dnscontrol_ir(
    {
        "name": "example.org",
        "registrar": "none",
        "dnsProviders": {"cloudflare": -1},
        "records": [
            {"type": "ALIAS", "name": "@", "target": "site.netlify.app.", "filepos": "d.js:3:1"},
            {"type": "NS", "name": "@", "target": "ns1.example.net.", "ttl": 86400},
            {"type": "MX", "name": "@", "target": "mx.example.net.", "mxpreference": 10},
            {"type": "TXT", "name": "@", "target": "v=spf1 -all"},
            {"type": "TXT", "name": "long", "txtstrings": ["a" * 255, "b"], "target": "a"},
            {"type": "SRV", "name": "_xmpp._tcp", "target": "xmpp.example.net.",
             "srvpriority": 5, "srvweight": 0, "srvport": 5222},
            {"type": "CAA", "name": "@", "target": "pki.goog", "caatag": "issue", "caaflag": 0},
            {"type": "A", "name": "app", "target": "192.0.2.1",
             "meta": {"cloudflare_proxy": "on"}},
            {"type": "AAAA", "name": "v6", "target": "2001:db8::1"},
            {"type": "CNAME", "name": "www", "target": "d111111abcdef8.cloudfront.net."},
            {"type": "CF_REDIRECT", "name": "@", "target": "https://example.org/"},
        ],
    },
    {
        "name": "example.net",
        "meta": {"cloudflare_proxy_default": "on"},
        "records": [
            {"type": "R53_ALIAS", "name": "api", "target": "my-lb.eu-west-1.elb.amazonaws.com.",
             "r53_alias": {"type": "A", "zone_id": "Z32O12XQLNTSW2"}},
            {"type": "AZURE_ALIAS", "name": "@",
             "target": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
                       "frontDoors/bw"},
            {"type": "CNAME", "name": "shop", "target": "shops.myshopify.com."},
            {"type": "CNAME", "name": "raw", "target": "origin.example.org.",
             "meta": {"cloudflare_proxy": "off"}},
        ],
    },
)  # fmt: skip


def test_dnscontrol_every_record_type_and_alias() -> None:
    result = dnscontrol.parse(DNSCONTROL, "dnscontrol.json")
    assert origins(result) == ["example.org", "example.net"]
    assert rrset(result, "example.org.", "NS") == ["ns1.example.net."]
    assert rrset(result, "example.org.", "MX") == ["10 mx.example.net."]
    assert rrset(result, "example.org.", "TXT") == ['"v=spf1 -all"']
    assert rrset(result, "long.example.org.", "TXT") == [f'"{"a" * 255}" "b"']
    assert rrset(result, "_xmpp._tcp.example.org.", "SRV") == ["5 0 5222 xmpp.example.net."]
    assert rrset(result, "example.org.", "CAA") == ['0 issue "pki.goog"']
    assert rrset(result, "app.example.org.", "A") == ["192.0.2.1"]
    assert rrset(result, "v6.example.org.", "AAAA") == ["2001:db8::1"]
    assert rrset(result, "www.example.org.", "CNAME") == ["d111111abcdef8.cloudfront.net."]
    assert rrset(result, "shop.example.net.", "CNAME") == ["shops.myshopify.com."]
    aliases = result.aliases
    assert aliases["example.org"] == ProviderAlias(
        kind=AliasKind.ALIAS,
        target="site.netlify.app",
        source="dnscontrol.json: domains[0].records[0] (d.js:3:1).target",
    )
    assert aliases["app.example.org"].kind is AliasKind.CLOUDFLARE_PROXY
    assert aliases["app.example.org"].origin == ("192.0.2.1",)
    assert aliases["api.example.net"].kind is AliasKind.ROUTE53
    assert aliases["api.example.net"].target == "my-lb.eu-west-1.elb.amazonaws.com"
    assert aliases["example.net"].kind is AliasKind.AZURE
    assert aliases["example.net"].resource is not None
    assert aliases["example.net"].resource.endswith("/frontDoors/bw")
    # The domain's proxy default covers shop, the record's own "off" wins for raw
    assert aliases["shop.example.net"].proxied
    assert "raw.example.net" not in aliases
    assert result.notes == [
        "dnscontrol.json: domains[0].records[10]: CF_REDIRECT record at example.org skipped:"
        " type not audited"
    ]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ('{"domains": [\n{"name": "example.org",, }]}', 2, None, "JSON syntax error"),
        (dnscontrol_ir({"name": "example.org", "records": [{"name": "@", "target": "x."}]}),
         None, "domains[0].records[0]", "missing key 'type'"),
        (dnscontrol_ir({"name": "example.org", "records": [
            {"type": "MX", "name": "@", "target": "mx.", "mxpreference": "high"}]}),
         None, "domains[0].records[0].mxpreference", "expected an integer"),
        (dnscontrol_ir({"name": "example.org", "records": [
            {"type": "A", "name": "www", "target": "not-an-address"}]}),
         None, "domains[0].records[0].target", "bad A value"),
        (dnscontrol_ir({"name": 7, "records": []}), None, "domains[0].name", "expected a string"),
    ],
)  # fmt: skip
def test_dnscontrol_errors_name_the_key(
    text: str, line: int | None, field: str | None, message: str
) -> None:
    with pytest.raises(InventoryError) as caught:
        dnscontrol.parse(text, "ir.json")
    assert (caught.value.source, caught.value.line, caught.value.field) == ("ir.json", line, field)
    assert message in caught.value.reason


# -- Terraform -----------------------------------------------------------------------------


def resource(address: str, values: dict[str, Any], mode: str = "managed") -> dict[str, Any]:
    kind = address.split(".")[-2]
    return {"address": address, "mode": mode, "type": kind, "name": address.split(".")[-1],
            "values": values}  # fmt: skip


def state(
    resources: list[dict[str, Any]], children: Sequence[dict[str, Any]] = (), plan: bool = False
) -> str:
    """``terraform show -json`` of a state, or of a plan (``planned_values``)."""
    module = {"resources": resources, "child_modules": list(children)}
    document = {"format_version": "1.2", "terraform_version": "1.9.8"}
    return json.dumps({**document, "planned_values" if plan else "values": {"root_module": module}})


AZ = "azurerm_dns_{}_record.r"
TERRAFORM = state(
    [
        resource("aws_route53_zone.main", {"name": "example.org", "zone_id": "Z1"}),
        resource("aws_route53_record.apex", {"zone_id": "Z1", "name": "example.org", "type": "A",
                 "records": None, "alias": [{"name": "d2.cloudfront.net.", "zone_id": "Z2",
                                             "evaluate_target_health": False}]}),
        resource("aws_route53_record.www", {"zone_id": "Z1", "name": "www", "type": "CNAME",
                                            "ttl": 60, "records": ["site.netlify.app"]}),
        resource("aws_route53_record.dkim", {"zone_id": "Z1", "name": "k._domainkey.example.org",
                 "type": "TXT", "ttl": 300, "records": ["v=DKIM1; p=" + "x" * 250 + '""tail']}),
        resource("aws_route53_record.mx", {"zone_id": "Z1", "fqdn": "example.org", "type": "MX",
                 "name": "example.org", "ttl": 300, "records": ["10 mx.example.net"]}),
        resource("aws_route53_record.caa", {"zone_id": "Z1", "name": "example.org", "type": "CAA",
                 "ttl": 300, "records": ['0 issue "amazon.com"']}),
        resource("aws_route53_record.star", {"zone_id": "Z1", "name": "\\052.dev.example.org",
                 "type": "A", "ttl": 300, "records": ["192.0.2.5"]}),
        resource("aws_route53_record.ds", {"zone_id": "Z1", "name": "sub", "type": "DS",
                 "ttl": 300, "records": ["1 13 2 abc"]}),
        resource("aws_route53_zone.lookup", {"name": "example.com", "zone_id": "Z9"}, mode="data"),
        resource("digitalocean_record.x", {"name": "x"}),
    ],
    [
        {
            "address": "module.edge",
            "resources": [
                resource("module.edge.cloudflare_zone.z", {"zone": "example.net", "id": "cf1"}),
                resource("module.edge.cloudflare_record.app", {"zone_id": "cf1", "name": "app",
                         "hostname": "app.example.net", "type": "A", "value": "192.0.2.7",
                         "proxied": True, "ttl": 1}),
                resource("module.edge.cloudflare_record.sip", {"zone_id": "cf1", "name": "_sip._udp",
                         "type": "SRV", "proxied": False, "ttl": 300, "data": [{"priority": 1,
                         "weight": 2, "port": 5060, "target": "sip.example.net"}]}),
            ],
            "child_modules": [
                {
                    "address": "module.edge.module.v5",
                    "resources": [
                        resource("module.edge.module.v5.cloudflare_dns_record.caa", {
                            "zone_id": "cf1", "name": "example.net", "type": "CAA", "ttl": 1,
                            "data": {"flags": 0, "tag": "issue", "value": "pki.goog"}}),
                        resource("module.edge.module.v5.cloudflare_dns_record.www", {
                            "zone_id": "cf1", "name": "www.example.net", "type": "CNAME",
                            "content": "app.example.net", "proxied": True, "ttl": 1}),
                    ],
                }
            ],
        },
        {
            "address": "module.azure",
            "resources": [
                resource("module.azure.azurerm_dns_zone.z", {"name": "example.eu"}),
                resource("module.azure." + AZ.format("a"), {"name": "@", "zone_name": "example.eu",
                         "ttl": 300, "records": None, "target_resource_id":
                         "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
                         "publicIPAddresses/pip"}),
                resource("module.azure." + AZ.format("aaaa"), {"name": "v6", "zone_name":
                         "example.eu", "ttl": 300, "records": ["2001:db8::2"]}),
                resource("module.azure." + AZ.format("cname"), {"name": "www", "zone_name":
                         "example.eu", "ttl": 300, "record": "bw.azurefd.net",
                         "target_resource_id": ""}),
                resource("module.azure." + AZ.format("mx"), {"name": "@", "zone_name": "example.eu",
                         "ttl": 300, "record": [{"preference": 5, "exchange": "mx.example.net"}]}),
                resource("module.azure." + AZ.format("txt"), {"name": "@", "zone_name": "example.eu",
                         "ttl": 300, "record": [{"value": "v=spf1 -all"}]}),
                resource("module.azure." + AZ.format("ns"), {"name": "sub", "zone_name":
                         "example.eu", "ttl": 300, "records": ["ns1-01.azure-dns.com."]}),
                resource("module.azure." + AZ.format("srv"), {"name": "_x._tcp", "zone_name":
                         "example.eu", "ttl": 300, "record": [{"priority": 1, "weight": 1,
                         "port": 443, "target": "x.example.net"}]}),
                resource("module.azure." + AZ.format("caa"), {"name": "@", "zone_name": "example.eu",
                         "ttl": 300, "record": [{"flags": 0, "tag": "issue", "value": "digicert.com"}]}),
                resource("module.azure.azurerm_dns_a_record.alias2", {"name": "mirror",
                         "zone_name": "example.eu", "ttl": 300, "records": None,
                         "target_resource_id": "/subscriptions/s/resourceGroups/g/providers/"
                         "Microsoft.Network/dnszones/example.eu/AAAA/v6"}),
                resource("module.azure.google_dns_managed_zone.g", {"name": "gz",
                         "dns_name": "example.io."}),
                resource("module.azure.google_dns_record_set.txt", {"managed_zone": "gz",
                         "name": "example.io.", "type": "TXT", "ttl": 300,
                         "rrdatas": ['"v=spf1" " -all"']}),
                resource("module.azure.google_dns_record_set.mx", {"managed_zone": "gz",
                         "name": "example.io.", "type": "MX", "ttl": 300,
                         "rrdatas": ["1 smtp.google.com."]}),
                resource("module.azure.google_dns_record_set.a", {"managed_zone":
                         "projects/p/managedZones/gz", "name": "web.example.io.", "type": "A",
                         "ttl": 300, "rrdatas": ["192.0.2.9"]}),
            ],
        },
    ],
)  # fmt: skip


def test_terraform_state_every_resource_type_and_child_modules() -> None:
    result = terraform.parse(TERRAFORM, "show.json")
    assert sorted(origins(result)) == ["example.eu", "example.io", "example.net", "example.org"]
    # Route 53, zone by zone_id, relative and full names, \052, TXT split with ""
    assert result.aliases["example.org"].kind is AliasKind.ROUTE53
    assert result.aliases["example.org"].target == "d2.cloudfront.net"
    assert rrset(result, "www.example.org.", "CNAME") == ["site.netlify.app."]
    assert rrset(result, "k._domainkey.example.org.", "TXT") == [
        '"v=DKIM1; p=' + "x" * 244 + '" "' + "x" * 6 + 'tail"'
    ]
    assert rrset(result, "example.org.", "MX") == ["10 mx.example.net."]
    assert rrset(result, "example.org.", "CAA") == ['0 issue "amazon.com"']
    assert rrset(result, "*.dev.example.org.", "A") == ["192.0.2.5"]
    # Cloudflare v4 (in a child module) and v5 (in a grandchild), proxied kept as aliases
    assert rrset(result, "app.example.net.", "A") == ["192.0.2.7"]
    assert result.aliases["app.example.net"].origin == ("192.0.2.7",)
    assert rrset(result, "_sip._udp.example.net.", "SRV") == ["1 2 5060 sip.example.net."]
    assert rrset(result, "example.net.", "CAA") == ['0 issue "pki.goog"']
    assert result.aliases["www.example.net"].target == "www.example.net.cdn.cloudflare.net"
    # Azure: every record type; aliases to a resource and to another record set
    assert result.aliases["example.eu"].resource is not None
    assert result.aliases["example.eu"].target is None
    assert result.aliases["mirror.example.eu"].target == "v6.example.eu"
    assert rrset(result, "v6.example.eu.", "AAAA") == ["2001:db8::2"]
    assert rrset(result, "www.example.eu.", "CNAME") == ["bw.azurefd.net."]
    assert rrset(result, "example.eu.", "MX") == ["5 mx.example.net."]
    assert rrset(result, "example.eu.", "TXT") == ['"v=spf1 -all"']
    assert rrset(result, "sub.example.eu.", "NS") == ["ns1-01.azure-dns.com."]
    assert rrset(result, "_x._tcp.example.eu.", "SRV") == ["1 1 443 x.example.net."]
    assert rrset(result, "example.eu.", "CAA") == ['0 issue "digicert.com"']
    # Google: rrdatas in presentation format, the zone by its managed-zone name or id
    assert rrset(result, "example.io.", "TXT") == ['"v=spf1 -all"']
    assert rrset(result, "example.io.", "MX") == ["1 smtp.google.com."]
    assert rrset(result, "web.example.io.", "A") == ["192.0.2.9"]
    # The DS record and the resource type without a mapping are noted, by key path
    assert result.notes == [
        "show.json: values.root_module.resources[7] (aws_route53_record.ds).values:"
        " DS record at sub.example.org skipped: type not audited",
        "show.json: values.root_module.resources[9] (digitalocean_record.x):"
        " resource type digitalocean_record not read: no DNS provider mapping",
    ]


def test_terraform_plan_reads_planned_values_and_notes_unknowns() -> None:
    # Given a plan whose zone and one record's addresses are known only after apply
    plan = state(
        [
            resource("aws_route53_zone.main", {"name": "example.org"}),
            resource("aws_route53_record.a", {"name": "a.example.org", "type": "A", "ttl": 60,
                                              "records": ["192.0.2.1"]}),
            resource("aws_route53_record.b", {"name": "b.example.org", "type": "A", "ttl": 60}),
        ],
        plan=True,
    )  # fmt: skip
    # When it is read
    result = terraform.parse(plan, "plan.json")
    # Then the known record is in the zone, the other noted, never an error
    assert rrset(result, "a.example.org.", "A") == ["192.0.2.1"]
    assert rrset(result, "b.example.org.", "A") == []
    assert result.notes == [
        "plan.json: planned_values.root_module.resources[2] (aws_route53_record.b).values:"
        " aws_route53_record skipped: records is known only after apply"
    ]
    # And the same record in a state is an error naming the key
    with pytest.raises(InventoryError, match="missing key 'records'") as caught:
        terraform.parse(plan.replace("planned_values", "values"), "state.json")
    assert caught.value.field == "values.root_module.resources[2] (aws_route53_record.b).values"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "a.example.org", "type": "A", "ttl": 60, "records": "192.0.2.1"},
         "values.root_module.resources[0] (aws_route53_record.r).values.records",
         "expected a list"),
        ({"name": "a.example.org", "type": "A", "ttl": 60, "records": ["192.0.2"]},
         "values.root_module.resources[0] (aws_route53_record.r).values.records[0]",
         "bad A value"),
        ({"name": "a.example.org", "ttl": 60, "records": ["192.0.2.1"]},
         "values.root_module.resources[0] (aws_route53_record.r).values", "missing key 'type'"),
        ({"name": "a.example.org", "type": "A", "ttl": "1h", "records": ["192.0.2.1"]},
         "values.root_module.resources[0] (aws_route53_record.r).values.ttl",
         "expected an integer"),
    ],
)  # fmt: skip
def test_terraform_errors_name_the_key_path(
    values: dict[str, Any], field: str, message: str
) -> None:
    text = state([resource("aws_route53_record.r", values)])
    with pytest.raises(InventoryError) as caught:
        terraform.parse(text, "show.json")
    assert (caught.value.source, caught.value.field) == ("show.json", field)
    assert message in caught.value.reason


# -- provider exports ----------------------------------------------------------------------


def test_route53_export_with_alias_targets() -> None:
    text = json.dumps({"ResourceRecordSets": [
        {"Name": "example.org.", "Type": "SOA", "TTL": 900, "ResourceRecords": [
            {"Value": "ns-1.awsdns-01.org. hostmaster.example.org. 1 7200 900 1209600 86400"}]},
        {"Name": "example.org.", "Type": "NS", "TTL": 172800, "ResourceRecords": [
            {"Value": "ns-1.awsdns-01.org."}]},
        {"Name": "example.org.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z2FDTNDATAQYW2",
         "DNSName": "d3.cloudfront.net.", "EvaluateTargetHealth": False}},
        {"Name": "\\052.example.org.", "Type": "CNAME", "TTL": 60, "ResourceRecords": [
            {"Value": "example.org"}]},
        {"Name": "example.org.", "Type": "TXT", "TTL": 60, "ResourceRecords": [
            {"Value": '"v=spf1 include:amazonses.com -all"'}]},
        {"Name": "example.org.", "Type": "MX", "TTL": 60, "ResourceRecords": [
            {"Value": "10 inbound-smtp.eu-west-1.amazonaws.com"}]},
        {"Name": "x.example.org.", "Type": "SPF", "TTL": 60, "ResourceRecords": [
            {"Value": '"v=spf1 -all"'}]},
    ]})  # fmt: skip
    result = route53.parse(text, "r53.json")
    assert origins(result) == ["example.org"]
    assert result.aliases["example.org"].target == "d3.cloudfront.net"
    assert rrset(result, "*.example.org.", "CNAME") == ["example.org."]
    assert rrset(result, "example.org.", "TXT") == ['"v=spf1 include:amazonses.com -all"']
    assert rrset(result, "example.org.", "MX") == ["10 inbound-smtp.eu-west-1.amazonaws.com."]
    assert result.notes == [
        "r53.json: ResourceRecordSets[6]: SPF record at x.example.org skipped: type not audited"
    ]
    with pytest.raises(InventoryError) as caught:
        route53.parse('{"ResourceRecordSets": [{"Name": "a.example.org.", "Type": "A", '
                      '"TTL": 60, "ResourceRecords": [{"Value": "::1"}]}]}', "r53.json")  # fmt: skip
    assert caught.value.field == "ResourceRecordSets[0].ResourceRecords[0].Value"


def test_cloudflare_api_export_wrapped_and_bare() -> None:
    records = [
        {"name": "example.org", "type": "A", "content": "192.0.2.1", "proxied": True, "ttl": 1,
         "zone_name": "example.org"},
        {"name": "www.example.org", "type": "CNAME", "content": "example.org", "proxied": False,
         "ttl": 300},
        {"name": "example.org", "type": "MX", "content": "route1.mx.cloudflare.net",
         "priority": 12, "ttl": 300},
        {"name": "example.org", "type": "TXT", "content": '"v=spf1 -all"', "ttl": 300},
        {"name": "example.org", "type": "CAA", "content": '0 issue "letsencrypt.org"',
         "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}, "ttl": 300},
        {"name": "_s._tcp.example.org", "type": "SRV", "content": "1 443 t.example.net",
         "priority": 5, "data": {"priority": 5, "weight": 1, "port": 443,
                                 "target": "t.example.net"}, "ttl": 300},
        {"name": "example.org", "type": "HTTPS", "content": "1 . alpn=h2", "ttl": 300},
    ]  # fmt: skip
    for text in (json.dumps({"result": records, "success": True}), json.dumps(records)):
        result = cloudflare.parse(text, "cf.json")
        assert rrset(result, "example.org.", "A") == ["192.0.2.1"]
        assert result.aliases["example.org"].target == "example.org.cdn.cloudflare.net"
        assert rrset(result, "www.example.org.", "CNAME") == ["example.org."]
        assert "www.example.org" not in result.aliases
        assert rrset(result, "example.org.", "MX") == ["12 route1.mx.cloudflare.net."]
        assert rrset(result, "example.org.", "TXT") == ['"v=spf1 -all"']
        assert rrset(result, "example.org.", "CAA") == ['0 issue "letsencrypt.org"']
        assert rrset(result, "_s._tcp.example.org.", "SRV") == ["5 1 443 t.example.net."]
        assert len(result.notes) == 1 and "HTTPS record" in result.notes[0]
    with pytest.raises(InventoryError) as caught:
        cloudflare.parse(
            json.dumps({"result": [{"name": "a.example.org", "type": "A"}]}), "cf.json"
        )
    assert caught.value.field == "result[0]" and "missing key 'content'" in caught.value.reason


def test_azure_cli_export_with_alias() -> None:
    sets = [
        {"name": "@", "fqdn": "example.org.", "type": "Microsoft.Network/dnszones/A", "TTL": 3600,
         "aRecords": [], "targetResource": {"id": "/subscriptions/s/resourceGroups/g/providers/"
                                                  "Microsoft.Network/trafficManagerProfiles/tm"}},
        {"name": "www", "fqdn": "www.example.org.", "type": "Microsoft.Network/dnszones/CNAME",
         "TTL": 300, "cnameRecord": {"cname": "bw.azurewebsites.net"}, "targetResource": {}},
        {"name": "@", "fqdn": "example.org.", "type": "Microsoft.Network/dnszones/MX", "TTL": 300,
         "mxRecords": [{"preference": 0, "exchange": "example-org.mail.protection.outlook.com"}]},
        {"name": "@", "fqdn": "example.org.", "type": "Microsoft.Network/dnszones/TXT", "TTL": 300,
         "txtRecords": [{"value": ["v=spf1 include:spf.protection.outlook.com", " -all"]}]},
        {"name": "v6", "fqdn": "v6.example.org.", "type": "Microsoft.Network/dnszones/AAAA",
         "TTL": 300, "aaaaRecords": [{"ipv6Address": "2001:db8::5"}]},
        {"name": "@", "fqdn": "example.org.", "type": "Microsoft.Network/dnszones/SOA", "TTL": 300},
        {"name": "1", "fqdn": "1.example.org.", "type": "Microsoft.Network/dnszones/PTR",
         "TTL": 300, "ptrRecords": [{"ptrdname": "x.example.org"}]},
    ]  # fmt: skip
    result = azure.parse(json.dumps(sets), "az.json")
    assert result.aliases["example.org"].kind is AliasKind.AZURE
    assert rrset(result, "www.example.org.", "CNAME") == ["bw.azurewebsites.net."]
    assert rrset(result, "example.org.", "MX") == ["0 example-org.mail.protection.outlook.com."]
    assert rrset(result, "example.org.", "TXT") == [
        '"v=spf1 include:spf.protection.outlook.com -all"'
    ]
    assert rrset(result, "v6.example.org.", "AAAA") == ["2001:db8::5"]
    assert result.notes == ["az.json: [6]: PTR record at 1.example.org skipped: type not audited"]
    sets[4]["aaaaRecords"] = [{"ipv6Address": "192.0.2.1"}]
    with pytest.raises(InventoryError) as caught:
        azure.parse(json.dumps(sets), "az.json")
    assert caught.value.field == "[4].aaaaRecords[0]"


# -- the dispatcher and the inventory ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("z.zone", "$ORIGIN example.org.\n", "bind"),
        ("example.org.yaml", "www: {type: A, value: 192.0.2.1}\n", "octodns"),
        ("prod.yml", "providers: {}\nzones: {}\n", "octodns-config"),
        ("ir.json", DNSCONTROL, "dnscontrol"),
        ("show.json", TERRAFORM, "terraform"),
        ("r53.json", '{"ResourceRecordSets": []}', "route53"),
        ("cf.json", '{"result": [{"type": "A", "content": "192.0.2.1"}]}', "cloudflare"),
        ("az", '[{"type": "Microsoft.Network/dnszones/A"}]', "azure"),
    ],
)
def test_detect_by_extension_and_content(name: str, text: str, expected: str) -> None:
    assert detect(text, name) == expected


def test_unrecognised_json_asks_for_the_format(tmp_path: Path) -> None:
    path = tmp_path / "terraform.tfstate"
    path.write_text('{"version": 4, "resources": []}')
    with pytest.raises(InventoryError, match="terraform show -json.*--zone-format"):
        load_zone_source(path)


def test_zone_format_forces_the_parser(tmp_path: Path) -> None:
    # Given an octoDNS zone file whose name says nothing
    path = tmp_path / "example.org"
    path.write_text("www: {type: A, value: 192.0.2.1}\n")
    # Then BIND is guessed and fails, the explicit format reads it
    with pytest.raises(InventoryError):
        load_zone_source(path)
    result = load_zone_source(path, "octodns")
    assert rrset(result, "www.example.org.", "A") == ["192.0.2.1"]


def test_inventory_from_dnscode_keeps_aliases_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "example.org.yaml"
    path.write_text(OCTODNS_ZONE)
    inventory, zones = inventory_from_zones([path])
    hosts = {endpoint.host for service in inventory.services for endpoint in service.endpoints}
    assert {"example.org", "app.example.org", "www.example.org"} <= hosts
    assert "wildcard-probe.dev.example.org" in hosts
    assert set(inventory.aliases) == {"example.org", "app.example.org"}
    assert inventory.notes and "SSHFP" in inventory.notes[0]
    assert "_sip._tcp.example.org" in inventory.record_names


def test_digest_changes_with_aliases_only_when_there_are_any() -> None:
    plain = with_digest(Inventory(domains=("example.org",)))
    aliased = with_digest(
        Inventory(
            domains=("example.org",),
            aliases={"example.org": ProviderAlias(kind=AliasKind.ALIAS, target="a.example.net")},
        )
    )
    # An inventory without DNS-as-code keeps the digest it had before aliases existed: the
    # hash of its content without the two fields, so the history still pairs its scans.
    before = {"organisation": "unnamed organisation", "domains": ["example.org"],
              "services": [], "record_names": []}  # fmt: skip
    canonical = json.dumps(before, sort_keys=True, separators=(",", ":")).encode()
    assert plain.digest == hashlib.sha256(canonical).hexdigest()
    assert aliased.digest != plain.digest


def test_every_cli_zone_format_is_handled() -> None:
    from cloudaudit.cli.scan import scan

    option = next(p for p in scan.params if p.name == "zone_format")
    assert tuple(option.type.choices) == FORMATS  # type: ignore[attr-defined]


def test_examples_parse() -> None:
    config = EXAMPLES / "octodns" / "production.yaml"
    assert load_zone_source(config).aliases
    assert load_zone_source(EXAMPLES / "terraform-show.json").aliases
