"""Checks, concentration maths, policy and outage simulation — pure, over zone-file evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dns.zone
import pytest

from cloudaudit.analysis.checks import REGISTRY, CheckId, analyse
from cloudaudit.analysis.concentration import concentration
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.models import Analysis, Severity
from cloudaudit.analysis.policy import Policy, parse_max_share
from cloudaudit.analysis.simulate import load_incidents, parse_outage, simulate
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue, load_regions
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.cli.common import ExitCode
from cloudaudit.cli.pipeline import exit_code_for
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.runner import run_scan
from cloudaudit.errors import InputError
from cloudaudit.inventory.load import parse_inventory
from cloudaudit.report.build import build_report
from tests.conftest import REPO

CATALOGUE = load_catalogue()
RANGES = RangeIndex.load()

ZONE = """$ORIGIN acme.example.
@ 300 IN SOA ns-1.awsdns-01.com. h 1 2 3 4 5
@ 300 IN NS ns-1.awsdns-01.com.
@ 300 IN NS ns-2.awsdns-02.net.
@ 300 IN MX 10 acme-example.mail.protection.outlook.com.
@ 300 IN TXT "v=spf1 include:a1.example include:a2.example include:a3.example include:a4.example include:a5.example include:a6.example include:a7.example include:a8.example include:a9.example include:a10.example include:a11.example -all"
shop 300 IN CNAME shop-lb.eu-central-1.elb.amazonaws.com.
site 300 IN CNAME acme.netlify.app.
app 300 IN CNAME acme.herokudns.com.
cdn 300 IN CNAME d111.cloudfront.net.
eu1 300 IN A 5.9.10.1
eu2 300 IN A 5.39.10.10
legacy 300 IN A 192.0.2.55
"""
INVENTORY = """organisation = "Acme"
domains = ["acme.example"]
[[services]]
name = "Shop"
criticality = "critical"
endpoints = ["shop.acme.example"]
required_jurisdiction = "EU"
required_data_countries = ["FR"]
[[services]]
name = "Marketing"
criticality = "high"
endpoints = ["site.acme.example", "app.acme.example"]
[[services]]
name = "Media"
criticality = "medium"
endpoints = ["cdn.acme.example"]
[[services]]
name = "Sovereign"
criticality = "high"
endpoints = ["eu1.acme.example", "eu2.acme.example"]
required_jurisdiction = "EU"
[[services]]
name = "Old"
criticality = "low"
endpoints = ["legacy.acme.example"]
"""


def _estate(inventory_text: str = INVENTORY) -> tuple[Estate, Analysis, object]:
    inventory = parse_inventory(inventory_text, "acme.toml")
    evidence = run_scan(
        inventory,
        ScanConfig(subdomains=(), srv_names=()),
        zones=[dns.zone.from_text(ZONE, relativize=False)],
    )
    attribution = attribute(evidence, CATALOGUE, RANGES, regions=load_regions())
    estate = Estate.build(inventory, attribution)
    return (
        estate,
        analyse(evidence, estate, Policy(), now=datetime(2026, 11, 25, tzinfo=UTC)),
        evidence,
    )


def _findings(analysis: Analysis) -> dict[tuple[str, str], Severity]:
    return {(f.check_id, f.subject): f.severity for f in analysis.findings}


def test_concentration_maths_on_known_numbers() -> None:
    result = concentration(
        "provider",
        [("A", 8, {"aws"}), ("B", 4, {"aws", "hetzner"}), ("C", 2, {"ovh"}), ("D", 1, set())],
    )
    assert [(s.key, s.share) for s in result.shares] == [
        ("aws", 0.7143),
        ("hetzner", 0.1429),
        ("ovh", 0.1429),
    ]
    assert result.hhi == pytest.approx(5510.2, abs=0.1)
    assert (result.top_key, result.keys_for_50, result.keys_for_90) == ("aws", 1, 3)
    assert concentration("empty", []).hhi == 0


def test_each_check_fires_where_it_should() -> None:
    _, analysis, _ = _estate()
    found = _findings(analysis)
    assert found[(CheckId.SINGLE_PROVIDER, "Shop")] is Severity.CRITICAL
    assert found[(CheckId.SINGLE_REGION, "Shop")] is Severity.CRITICAL
    assert found[(CheckId.JURISDICTION_CONFLICT, "Shop")] is Severity.HIGH
    assert found[(CheckId.DATA_LOCATION, "Shop")] is Severity.HIGH  # DE, not the required FR
    assert (
        found[(CheckId.HIDDEN_CONCENTRATION, "Marketing")] is Severity.HIGH
    )  # Netlify + Heroku on AWS
    assert found[(CheckId.SINGLE_CDN_PATH, "Media")] is Severity.LOW
    assert (CheckId.CONTROL_PLANE, "aws:us-east-1") in found
    assert found[(CheckId.SINGLE_DNS_OPERATOR, "acme.example")] is Severity.HIGH
    assert found[(CheckId.SINGLE_MAIL_PROVIDER, "acme.example")] is Severity.MEDIUM
    assert found[(CheckId.UNATTRIBUTED, "Old")] is Severity.LOW
    assert found[(CheckId.SPF_LOOKUP_LIMIT, "acme.example")] is Severity.LOW
    assert found[(CheckId.ORGANISATION_CONCENTRATION, "aws")] in (Severity.MEDIUM, Severity.HIGH)


def test_and_stays_silent_where_it_should_not() -> None:
    _, analysis, _ = _estate()
    found = _findings(analysis)
    # Two EU providers: no single-provider, jurisdiction or hidden-concentration finding
    for check in (
        CheckId.SINGLE_PROVIDER,
        CheckId.JURISDICTION_CONFLICT,
        CheckId.HIDDEN_CONCENTRATION,
    ):
        assert (check, "Sovereign") not in found
    assert (CheckId.SINGLE_REGION, "Marketing") not in found  # platform facts have no region
    assert (CheckId.DNS_INCOMPLETE, "scan") not in found
    assert (CheckId.STALE_RANGES, "range data") not in found
    assert (CheckId.POLICY_MAX_SHARE, "aws") not in found


def test_policy_and_staleness() -> None:
    estate, _, evidence = _estate()
    policy = Policy(max_share=parse_max_share(("aws=0.3",)), stale_after_days=1)
    later = datetime.now(UTC) + timedelta(days=400)
    found = _findings(analyse(evidence, estate, policy, now=later))  # type: ignore[arg-type]
    assert found[(CheckId.POLICY_MAX_SHARE, "aws")] is Severity.HIGH
    assert found[(CheckId.STALE_RANGES, "range data")] is Severity.LOW
    with pytest.raises(InputError, match="--max-share"):
        parse_max_share(("aws=2",))


def test_registry_ids_are_stable_and_documented() -> None:
    assert {check.value for check in REGISTRY} == {c.value for c in CheckId}
    docs = (REPO / "docs" / "checks.md").read_text()
    for check in CheckId:
        assert f'<a id="{check.value.lower()}"></a>' in docs, check


def test_findings_are_ordered_by_severity() -> None:
    _, analysis, _ = _estate()
    ranks = [f.severity.rank for f in analysis.findings]
    assert ranks == sorted(ranks, reverse=True)


def test_regional_and_provider_outages() -> None:
    estate, _, _ = _estate()
    regional = simulate(estate, (parse_outage("aws:eu-central-1"),), scenario="t", description="t")
    status = {s.service: s.status for s in regional.services}
    assert status["Shop"] == "down"
    assert status["Sovereign"] == "unaffected"
    # Route 53 keeps answering in a regional outage: DNS is not lost
    assert regional.domains_without_dns == ()
    whole = simulate(estate, (parse_outage("aws"),), scenario="t", description="t")
    assert whole.domains_without_dns == ("acme.example",)
    assert {s.status for s in whole.services} == {"down"}
    assert whole.weighted_impact == whole.total_weight


def test_us_east_1_scenario_degrades_through_the_control_plane() -> None:
    estate, _, _ = _estate()
    incident = load_incidents()["aws-us-east-1-2025-10-20"]
    result = simulate(estate, incident.scope, scenario=incident.id, description=incident.name)
    status = {s.service: s.status for s in result.services}
    assert status["Shop"] == "degraded"  # eu-central-1, but its DNS (Route 53) is anchored there
    assert result.domains_without_dns == ()


@pytest.mark.parametrize("incident_id", sorted(load_incidents()))
def test_every_incident_in_the_library_runs(incident_id: str) -> None:
    estate, _, _ = _estate()
    incident = load_incidents()[incident_id]
    assert incident.source.startswith("https://")
    result = simulate(estate, incident.scope, scenario=incident.id, description=incident.name)
    assert 0 <= result.weighted_impact <= result.total_weight


def test_exit_codes() -> None:
    _, analysis, evidence = _estate()
    estate, _, _ = _estate()
    report = build_report(evidence, estate.attribution, analysis)  # type: ignore[arg-type]
    assert exit_code_for(report, Severity.HIGH) is ExitCode.FINDINGS
    clean = report.model_copy(update={"findings": ()})
    assert exit_code_for(clean, Severity.HIGH) is ExitCode.OK
    assert (
        exit_code_for(clean.model_copy(update={"complete": False}), Severity.HIGH)
        is ExitCode.INCOMPLETE
    )
    low_only = report.model_copy(
        update={"findings": tuple(f for f in report.findings if f.severity is Severity.LOW)}
    )
    assert (
        exit_code_for(low_only.model_copy(update={"complete": False}), Severity.HIGH)
        is ExitCode.INCOMPLETE
    )


def test_the_readme_lists_every_check() -> None:
    readme = (REPO / "README.md").read_text()
    for check in REGISTRY.values():
        assert (
            f"| [`{check.id.value}`](docs/checks.md#{check.id.value.lower()}) | {check.title} |"
            in readme
        )
