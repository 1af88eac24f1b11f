"""Vendors' error pages behind live CNAMEs, against real servers: Knot and Unbound resolve the
names, a real HTTP server on loopback plays the vendor's front end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cloudaudit.analysis.checks import CheckId, analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.models import Finding, Severity
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.cli.pipeline import takeover_probes
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.http_probe import probe_targets
from cloudaudit.discovery.models import ScanEvidence
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import parse_inventory
from tests.conftest import ScriptedHandler, serve_http, start_lab
from tests.dnslab import DnsLab

pytestmark = pytest.mark.dns

#: Host header → (status, body) the loopback "vendor" answers with.
PAGES = {
    "gone.corp.example": (404, "<html><body>Heroku | No such app</body></html>"),
    "live.corp.example": (200, "<html><body>Welcome to our shop</body></html>"),
}

ZONES = {
    "corp.example.": """
gone 300 IN CNAME gone-app.herokuapp.com.
live 300 IN CNAME live-app.herokuapp.com.
plain 300 IN A 127.0.0.1
""",
    # The vendor's side: both app names still resolve, to the loopback front end.
    "herokuapp.com.": "gone-app 300 IN A 127.0.0.1\nlive-app 300 IN A 127.0.0.1\n",
}
INVENTORY = """
domains = ["corp.example"]
[[services]]
name = "Shop"
criticality = "high"
endpoints = ["gone.corp.example", "live.corp.example", "plain.corp.example"]
"""


class _VendorFrontEnd(ScriptedHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        host = (self.headers.get("Host") or "").split(":")[0]
        type(self).seen.append(host)
        status, body = PAGES.get(host, (404, "unknown host"))
        self.reply(status, body.encode(), "text/html")


@pytest.fixture(scope="module")
def front_end() -> Iterator[int]:
    for url in serve_http(_VendorFrontEnd):
        yield int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def lab() -> Iterator[DnsLab]:
    yield from start_lab(ZONES)


def _scan(lab: DnsLab, **options: object) -> ScanEvidence:
    settings: dict[str, object] = {"takeover_probes": takeover_probes(), **options}
    config = ScanConfig.model_validate(
        {"resolvers": (lab.resolver,), "timeout": 1.0, "retries": 0, "subdomains": (),
         "srv_names": (), "dkim_selectors": (), **settings}
    )  # fmt: skip
    return run_scan(parse_inventory(INVENTORY, "lab.toml"), config)


def _takeover_findings(evidence: ScanEvidence) -> list[Finding]:
    attribution = attribute(evidence, load_catalogue(), RangeIndex.load())
    estate = Estate.build(evidence.inventory, attribution)
    analysis = analyse(evidence, estate, Policy(), now=datetime(2026, 12, 7, tzinfo=UTC))
    return [f for f in analysis.findings if f.check_id == CheckId.TAKEOVER_CNAME.value]


def test_the_vendors_error_page_behind_a_live_cname_is_a_takeover_risk(
    lab: DnsLab, front_end: int
) -> None:
    # Given two names that CNAME to Heroku apps which both still resolve
    # When the scan may ask loopback addresses, on the front end's port
    evidence = _scan(lab, http_port=front_end, http_probe_private=True)
    # Then exactly those two were asked over HTTP, with their own name as Host
    probes = {probe.hostname: probe for probe in evidence.http_probes}
    assert set(probes) == {"gone.corp.example", "live.corp.example"}
    assert probes["gone.corp.example"].status == 404
    assert probes["gone.corp.example"].fingerprint == "No such app"
    assert probes["live.corp.example"].status == 200
    assert probes["live.corp.example"].fingerprint is None
    # And only the one showing Heroku's page is a finding, with the page as evidence
    findings = _takeover_findings(evidence)
    assert [f.subject for f in findings] == ["gone.corp.example"]
    finding = findings[0]
    assert finding.severity is Severity.MEDIUM  # Heroku's status is 'edge case'
    assert finding.services == ("Shop",)
    assert "gone.corp.example → gone-app.herokuapp.com" in finding.evidence
    assert any("answers 404: 'No such app'" in line for line in finding.evidence)


def test_loopback_and_private_addresses_are_not_asked_by_default(
    lab: DnsLab, front_end: int
) -> None:
    _VendorFrontEnd.seen.clear()
    evidence = _scan(lab, http_port=front_end)
    assert _VendorFrontEnd.seen == []
    assert {p.hostname: p.error for p in evidence.http_probes} == {
        "gone.corp.example": "not asked: no globally routable address",
        "live.corp.example": "not asked: no globally routable address",
    }
    assert _takeover_findings(evidence) == []


def test_a_front_end_that_does_not_answer_is_recorded_not_raised(lab: DnsLab) -> None:
    # Nothing listens on port 9 of 127.0.0.1 (discard): the connection is refused.
    evidence = _scan(lab, http_port=9, http_probe_private=True)
    assert len(evidence.http_probes) == 2
    assert all(p.status is None and p.error for p in evidence.http_probes)
    assert _takeover_findings(evidence) == []


def test_only_names_whose_chain_reaches_a_vendor_with_an_error_page_are_chosen(
    lab: DnsLab,
) -> None:
    evidence = _scan(lab, takeover_probes=())
    assert evidence.http_probes == ()
    chosen = probe_targets(evidence.hosts.values(), takeover_probes())
    assert [(host.hostname, text) for host, text in chosen] == [
        ("gone.corp.example", "No such app"),
        ("live.corp.example", "No such app"),
    ]
