"""Takeover, delegation and certificate-authority checks against real servers: a lab built
with each fault fires its finding with evidence; a healthy lab fires none of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from cloudaudit.analysis.checks import CheckId, analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.models import Analysis, Finding, Severity
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import ScanEvidence
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import parse_inventory
from tests.conftest import start_lab
from tests.dnslab import DnsLab

pytestmark = pytest.mark.dns

NEW_CHECKS = {
    CheckId.TAKEOVER_CNAME,
    CheckId.TAKEOVER_ZONE,
    CheckId.LAME_DELEGATION,
    CheckId.DELEGATION_MISMATCH,
    CheckId.SINGLE_HOMED_DNS,
    CheckId.GLUE_MISMATCH,
    CheckId.NO_CAA,
    CheckId.SINGLE_CA,
}

FAULTS = {
    # corp.example is served by the first server alone (one /24) and pins no CA.
    "corp.example.": """
www 300 IN A 192.0.2.10
dangling 300 IN CNAME gone-app.azurewebsites.net.
lame 3600 IN NS ns-refuses.nsnet.example.
missing 3600 IN NS ns1.digitalocean.com.
moved 3600 IN NS ns-old.nsnet.example.
silent 3600 IN NS ns-silent.nsnet.example.
ns.glued 3600 IN A {dead}
""",
    # A server that refuses these zones, one that never answers, and an old name of the
    # second server that the parent still lists for moved.corp.example.
    "nsnet.example.": (
        "ns-refuses 300 IN A {second}\nns-silent 300 IN A {dead}\nns-old 300 IN A {second}\n"
    ),
    # The operator's name server exists; the zone 'missing.corp.example' does not.
    "digitalocean.com.": "ns1 300 IN A {auth}\n",
    # Served by the second server; the parent also lists a server the zone dropped.
    "moved.corp.example.": "www 300 IN A 192.0.2.11\n",
    # Its own server moved to the second server's address; the parent's glue still has the
    # old, dead one (the zone stays reachable through ns2.nic.lab).
    "glued.corp.example.": (
        "@ 3600 IN NS ns.glued.corp.example.\n@ 3600 IN NS ns2.nic.lab.\n"
        "ns 3600 IN A {second}\nwww 300 IN A 192.0.2.12\n"
    ),
    "a-ca.example.": '@ 300 IN CAA 0 issue "letsencrypt.org"\n',
    "b-ca.example.": '@ 300 IN CAA 0 issue "letsencrypt.org"\n@ 300 IN CAA 0 issuewild ";"\n',
}
FAULT_INVENTORY = """
domains = ["corp.example", "lame.corp.example", "missing.corp.example", "moved.corp.example",
           "silent.corp.example", "glued.corp.example", "a-ca.example", "b-ca.example"]
[[services]]
name = "Portal"
criticality = "critical"
endpoints = ["www.corp.example", "dangling.corp.example"]
"""

HEALTHY = {
    "healthy.example.": """
@ 300 IN CAA 0 issue "letsencrypt.org"
@ 300 IN CAA 0 issue "sectigo.com"
www 300 IN CNAME web.hosting.example.
""",
    "hosting.example.": """
@ 300 IN CAA 0 issue "sectigo.com"
web 300 IN A 192.0.2.20
""",
}
HEALTHY_INVENTORY = """
domains = ["healthy.example", "hosting.example"]
[[services]]
name = "Shop"
criticality = "critical"
endpoints = ["www.healthy.example"]
"""


@dataclass(frozen=True)
class Scanned:
    analysis: Analysis
    evidence: ScanEvidence
    lab: DnsLab


@pytest.fixture(scope="module")
def faults() -> Iterator[Scanned]:
    for lab in start_lab(
        FAULTS, second_server_zones=("moved.corp.example.", "glued.corp.example.")
    ):
        yield _scan(lab, FAULT_INVENTORY)


@pytest.fixture(scope="module")
def healthy() -> Iterator[Scanned]:
    for lab in start_lab(HEALTHY, replicated_zones=tuple(HEALTHY)):
        yield _scan(lab, HEALTHY_INVENTORY)


def _scan(lab: DnsLab, inventory_text: str) -> Scanned:
    inventory = parse_inventory(inventory_text, "lab.toml")
    config = ScanConfig(resolvers=(lab.resolver,), timeout=1.0, retries=0, subdomains=("www",),
                        srv_names=(), dkim_selectors=())  # fmt: skip
    evidence = run_scan(inventory, config)
    attribution = attribute(evidence, load_catalogue(), RangeIndex.load())
    estate = Estate.build(inventory, attribution)
    analysis = analyse(evidence, estate, Policy(), now=datetime(2026, 12, 4, tzinfo=UTC))
    return Scanned(analysis, evidence, lab)


def _one(scanned: Scanned, check: CheckId, subject: str) -> Finding:
    findings = scanned.analysis.findings
    found = [f for f in findings if f.check_id == check.value and f.subject == subject]
    assert len(found) == 1, [(f.check_id, f.subject) for f in findings]
    return found[0]


def test_a_dangling_cname_to_a_claimable_vendor_is_a_high_takeover_risk(
    faults: Scanned,
) -> None:
    finding = _one(faults, CheckId.TAKEOVER_CNAME, "dangling.corp.example")
    assert finding.severity is Severity.HIGH
    assert finding.services == ("Portal",)
    assert "dangling.corp.example → gone-app.azurewebsites.net: NXDOMAIN" in finding.evidence
    assert any("takeover vulnerable" in line for line in finding.evidence)
    assert any("learn.microsoft.com" in line for line in finding.evidence)


def test_a_delegation_to_an_operator_without_the_zone_is_a_takeover_risk(
    faults: Scanned,
) -> None:
    finding = _one(faults, CheckId.TAKEOVER_ZONE, "missing.corp.example")
    assert finding.severity is Severity.HIGH  # DigitalOcean lets anyone add the zone
    assert "DigitalOcean" in finding.title
    assert any("answers without authority" in line for line in finding.evidence)


def test_lame_name_servers_are_named_with_what_they_did(faults: Scanned) -> None:
    lame = _one(faults, CheckId.LAME_DELEGATION, "lame.corp.example")
    assert lame.severity is Severity.HIGH  # its only server refuses the zone
    second = faults.lab.second_auth_address
    assert lame.evidence == (f"ns-refuses.nsnet.example ({second}): refused",)
    missing = _one(faults, CheckId.LAME_DELEGATION, "missing.corp.example")
    assert missing.evidence == (
        f"ns1.digitalocean.com ({faults.lab.auth_address}): answers without authority",
    )
    silent = _one(faults, CheckId.LAME_DELEGATION, "silent.corp.example")
    assert silent.evidence == (f"ns-silent.nsnet.example ({faults.lab.dead_address}): timeout",)


def test_parent_and_child_name_server_sets_are_compared(faults: Scanned) -> None:
    finding = _one(faults, CheckId.DELEGATION_MISMATCH, "moved.corp.example")
    assert finding.evidence == ("parent only: ns-old.nsnet.example",)


def test_glue_that_differs_from_the_name_servers_address(faults: Scanned) -> None:
    finding = _one(faults, CheckId.GLUE_MISMATCH, "glued.corp.example")
    assert finding.evidence == (
        f"ns.glued.corp.example: parent glue {faults.lab.dead_address}; "
        f"the name resolves to {faults.lab.second_auth_address}",
    )


def test_name_servers_in_one_network(faults: Scanned) -> None:
    finding = _one(faults, CheckId.SINGLE_HOMED_DNS, "corp.example")
    assert finding.severity is Severity.HIGH  # a critical service lives there
    assert finding.title.startswith("Every name server of corp.example is in 127.77.")


def test_certificate_authority_checks(faults: Scanned) -> None:
    no_caa = _one(faults, CheckId.NO_CAA, "corp.example")
    assert no_caa.evidence == ("CAA corp.example: nodata",)
    single = _one(faults, CheckId.SINGLE_CA, "letsencrypt.org")
    assert single.evidence[:2] == ("CAA a-ca.example: letsencrypt.org",
                                   "CAA b-ca.example: letsencrypt.org")  # fmt: skip


def test_a_healthy_estate_fires_none_of_them(healthy: Scanned) -> None:
    fired = [(f.check_id, f.subject) for f in healthy.analysis.findings
             if f.check_id in NEW_CHECKS]  # fmt: skip
    assert fired == []
    # Not for want of looking: every server was asked and served its zones with authority,
    # from two networks, and both domains pin certificate authorities.
    for domain in healthy.evidence.domains:
        assert len(domain.server_probes) == 2
        assert all(probe.serves_zone for probe in domain.server_probes)
        assert domain.caa.records
    www = healthy.evidence.hosts["www.healthy.example"]
    assert www.cname_chain and www.addresses == ("192.0.2.20",)
