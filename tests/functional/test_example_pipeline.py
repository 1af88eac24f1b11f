"""The whole pipeline over examples/ against the real DNS lab: inventory → report → exit code.

The example zone is served by Knot behind Unbound together with stand-ins for the providers'
zones (Netlify, Shopify, AWS, Microsoft, Statuspage, Zendesk, Route 53's name servers), whose
records carry real addresses from the providers' published ranges.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dns.rdatatype
import dns.zone
import pytest
from click.testing import CliRunner

from cloudaudit.cli import cli
from tests.conftest import REPO, start_lab
from tests.dnslab import DnsLab

pytestmark = pytest.mark.dns

EXAMPLE_ZONE = REPO / "examples" / "zones" / "brightwater-logistik.example.zone"
INVENTORY = REPO / "examples" / "inventory.toml"

PROVIDER_ZONES = {
    "netlify.app.": "brightwater 60 IN A 75.2.60.5\n",
    "myshopify.com.": "shops 300 IN A 23.227.38.65\n",
    "amazonaws.com.": "api-prod-1234567890.eu-central-1.elb 60 IN A 3.120.0.10\n"
    "api-prod-1234567890.eu-central-1.elb 60 IN A 3.64.0.10\n",
    "outlook.com.": "autodiscover 300 IN A 52.97.0.1\n"
    "brightwaterlogistik-example.mail.protection 10 IN A 52.101.68.1\n"
    'spf.protection 300 IN TXT "v=spf1 ip4:40.92.0.0/15 -all"\n',
    "sendgrid.net.": '@ 300 IN TXT "v=spf1 ip4:167.89.0.0/17 -all"\n',
    "stspg-customer.com.": "k8h2x9q1w3vz 300 IN A 3.120.0.20\n",
    "zendesk.com.": "brightwater 300 IN CNAME brightwater.zendesk.com.cdn.cloudflare.net.\n",
    "cloudflare.net.": "brightwater.zendesk.com.cdn 300 IN A 104.16.51.111\n",
    # Route 53's name servers must lead back to the lab: Unbound will ask them.
    "awsdns-12.org.": "ns-1234 3600 IN A {auth}\n",
    "awsdns-05.net.": "ns-567 3600 IN A {auth}\n",
    "awsdns-11.com.": "ns-89 3600 IN A {auth}\n",
    "awsdns-40.co.uk.": "ns-1890 3600 IN A {auth}\n",
}


def _example_body() -> str:
    zone = dns.zone.from_file(str(EXAMPLE_ZONE), relativize=True)
    lines = []
    for name, ttl, rdata in zone.iterate_rdatas():
        if rdata.rdtype == dns.rdatatype.SOA:
            continue
        lines.append(f"{name} {ttl} IN {dns.rdatatype.to_text(rdata.rdtype)} {rdata.to_text()}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def lab() -> Iterator[DnsLab]:
    zones = {"brightwater-logistik.example.": _example_body(), **PROVIDER_ZONES}
    yield from start_lab(zones)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def test_example_scan_reports_the_expected_findings(lab: DnsLab, tmp_path: Path) -> None:
    # Given the example organisation served over real DNS
    output = tmp_path / "report.json"
    # When it is scanned and analysed offline (no RDAP)
    code, _ = run(
        "scan", "-i", str(INVENTORY), "--resolver", lab.resolver, "--offline",
        "--format", "json", "-o", str(output), "-q",
    )  # fmt: skip
    report = json.loads(output.read_text())
    findings = {(f["check_id"], f["subject"]): f["severity"] for f in report["findings"]}
    # Then the single points of failure a person expects are reported, with these severities
    assert findings[("SPOF-PROVIDER-001", "Customer API")] == "critical"
    assert findings[("SPOF-REGION-001", "Customer API")] == "critical"
    assert findings[("SPOF-PROVIDER-001", "Online shop")] == "critical"
    assert findings[("JURIS-001", "Customer API")] == "high"
    assert findings[("SPOF-DNS-001", "brightwater-logistik.example")] == "high"
    assert findings[("SPOF-MAIL-001", "brightwater-logistik.example")] == "medium"
    assert findings[("SPOF-CONTROL-001", "aws:us-east-1")] == "medium"
    assert findings[("SPOF-PROVIDER-001", "Website")] == "high"
    # The Matrix homeserver (Hetzner) and the ERP (OVHcloud, IONOS) meet their EU requirement
    assert ("JURIS-001", "Matrix homeserver") not in findings
    assert ("JURIS-001", "ERP") not in findings
    assert Counter(findings.values())["critical"] == 3
    assert report["complete"] is True
    assert code == 1  # findings at or above the default --fail-on high


def test_example_attribution_sees_through_platforms(lab: DnsLab, tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    run("scan", "-i", str(INVENTORY), "--resolver", lab.resolver, "--offline",
        "-f", "json", "-o", str(output), "-q")  # fmt: skip
    report = json.loads(output.read_text())
    endpoints = {e["subject"]: e for s in report["attribution"]["services"] for e in s["endpoints"]}
    website = endpoints["www.brightwater-logistik.example"]
    # Netlify's site sits behind AWS Global Accelerator: an AWS edge in front of the platform
    stack = [(layer["provider"], layer["role"]) for layer in website["layers"]]
    assert stack == [("aws", "edge"), ("netlify", "platform")]
    api = endpoints["api.brightwater-logistik.example"]
    assert api["layers"][0]["region"] == "eu-central-1"
    assert api["layers"][0]["country"] == "DE"
    assert api["confidence"] == "high"
    helpdesk = endpoints["help.brightwater-logistik.example"]
    stack = [(layer["provider"], layer["role"]) for layer in helpdesk["layers"]]
    assert stack == [("cloudflare", "edge"), ("zendesk", "saas")]
    matrix = endpoints["matrix.brightwater-logistik.example"]
    assert matrix["layers"][0]["provider"] == "hetzner"


def test_zone_file_audit_offline_matches_the_live_scan(lab: DnsLab, tmp_path: Path) -> None:
    # The same zone audited offline names the same DNS, mail and API providers.
    offline = tmp_path / "offline.json"
    run("scan", "-i", str(INVENTORY), "--zone", str(EXAMPLE_ZONE), "--offline",
        "-f", "json", "-o", str(offline), "-q")  # fmt: skip
    report = json.loads(offline.read_text())
    ids = {(f["check_id"], f["subject"]) for f in report["findings"]}
    assert ("SPOF-DNS-001", "brightwater-logistik.example") in ids
    assert ("JURIS-001", "Customer API") in ids
    assert report["evidence"]["source"] == "zone"
