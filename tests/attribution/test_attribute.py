"""Attribution as pure functions: evidence from zone files (no sockets) → provider stacks."""

from __future__ import annotations

import dns.zone

from cloudaudit.attribution.attribute import addresses_needing_rdap, attribute
from cloudaudit.attribution.catalogue import load_catalogue, load_regions
from cloudaudit.attribution.models import AttributionResult, Confidence, EndpointAttribution, Method
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.attribution.rdap import RdapResult
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import DnsQuery, HostEvidence, Outcome, ScanEvidence
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import parse_inventory

ZONE = """$ORIGIN acme.example.
@ 300 IN SOA ns1 hostmaster 1 2 3 4 5
@ 300 IN NS ns1
@ 300 IN NS ns2
ns1 300 IN A 5.9.10.1
ns2 300 IN A 88.198.1.1
@ 300 IN MX 10 acme-example.mail.protection.outlook.com.
www 300 IN CNAME acme.netlify.app.
help 300 IN CNAME acme.zendesk.com.
cdn 300 IN A 104.16.1.1
api 300 IN CNAME api-1.eu-central-1.elb.amazonaws.com.
legacy 300 IN A 192.0.2.55
hetzner-us 300 IN A 5.161.7.7
"""
INVENTORY = """organisation = "Acme"
domains = ["acme.example"]
[[services]]
name = "web"
endpoints = ["www.acme.example", "cdn.acme.example", "api.acme.example", "legacy.acme.example",
             "hetzner-us.acme.example", "52.94.76.1"]
"""
CATALOGUE = load_catalogue()
RANGES = RangeIndex.load()


def _evidence() -> ScanEvidence:
    inventory = parse_inventory(INVENTORY, "acme.toml")
    zone = dns.zone.from_text(ZONE, relativize=False)
    return run_scan(inventory, ScanConfig(subdomains=("www", "help"), srv_names=()), zones=[zone])


def _result(rdap: dict[str, RdapResult] | None = None) -> AttributionResult:
    return attribute(_evidence(), CATALOGUE, RANGES, rdap, load_regions())


def _endpoint(result: AttributionResult, subject: str) -> EndpointAttribution:
    return next(e for s in result.services for e in s.endpoints if e.subject == subject)


def test_platform_runs_on_infrastructure_from_a_public_fact() -> None:
    www = _endpoint(_result(), "www.acme.example")
    assert [(layer.provider, layer.role.value) for layer in www.layers] == [
        ("netlify", "platform"),
        ("aws", "infrastructure"),
    ]
    fact = www.layers[1].evidence[0]
    assert fact.method is Method.PLATFORM_FACT and fact.source.startswith(
        "https://docs.netlify.com"
    )
    assert www.confidence is Confidence.MEDIUM


def test_region_and_country_from_the_name_and_the_range() -> None:
    result = _result()
    api = _endpoint(result, "api.acme.example")
    assert (api.layers[0].provider, api.layers[0].region, api.layers[0].country) == (
        "aws",
        "eu-central-1",
        "DE",
    )
    direct = _endpoint(result, "52.94.76.1")
    assert direct.confidence is Confidence.HIGH
    assert direct.layers[0].region == "us-west-2" and direct.layers[0].country == "US"


def test_cdn_edge_is_kept_apart() -> None:
    cdn = _endpoint(_result(), "cdn.acme.example")
    assert cdn.layers[0].provider == "cloudflare"
    assert cdn.layers[0].role.value == "edge" and cdn.layers[0].is_global


def test_unattributed_endpoints_are_kept_with_a_reason() -> None:
    legacy = _endpoint(_result(), "legacy.acme.example")
    assert not legacy.attributed
    assert (
        legacy.unattributed_reason == "addresses in no published range and no known provider name"
    )
    assert legacy.addresses[0].address == "192.0.2.55"


def test_rdap_fills_in_what_no_feed_covers() -> None:
    evidence = _evidence()
    # 5.161.7.7 is Hetzner US cloud space missing from the published lists: an RDAP candidate
    assert "5.161.7.7" in addresses_needing_rdap(evidence, RANGES)
    assert "192.0.2.55" not in addresses_needing_rdap(evidence, RANGES)  # documentation space
    rdap = {
        "5.161.7.7": RdapResult(
            address="5.161.7.7", asn=24940, holder="Hetzner Online GmbH", country="DE"
        )
    }
    host = _endpoint(attribute(evidence, CATALOGUE, RANGES, rdap), "hetzner-us.acme.example")
    assert host.layers[0].provider == "hetzner"
    assert host.layers[0].evidence[0].method is Method.RDAP
    assert host.confidence is Confidence.MEDIUM


def test_self_hosted_dns_and_mail_provider() -> None:
    domain = _result().domains[0]
    assert domain.self_hosted_dns is True
    assert {ns.layers[0].provider for ns in domain.dns} == {"hetzner"}
    assert domain.mail[0].provider == "microsoft-365"


def test_dns_failure_is_flagged_not_dropped() -> None:
    evidence = _evidence()
    failed = DnsQuery(qname="down.acme.example", qtype="A", outcome=Outcome.SERVFAIL)
    hosts = dict(evidence.hosts)
    hosts["down.acme.example"] = HostEvidence(
        hostname="down.acme.example", a=failed, aaaa=failed.model_copy(update={"qtype": "AAAA"})
    )
    inventory = parse_inventory(INVENTORY.replace('"52.94.76.1"', '"down.acme.example"'), "x.toml")
    evidence = evidence.model_copy(update={"hosts": hosts, "inventory": inventory})
    down = _endpoint(attribute(evidence, CATALOGUE, RANGES), "down.acme.example")
    assert down.dns_failed and not down.attributed
    assert down.unattributed_reason == "DNS lookups failed; the host could not be resolved"


def test_every_referenced_provider_is_summarised() -> None:
    result = _result()
    used = {layer.provider for s in result.services for e in s.endpoints for layer in e.layers}
    assert used <= set(result.providers)
    assert result.providers["netlify"].runs_on == ("aws",)
