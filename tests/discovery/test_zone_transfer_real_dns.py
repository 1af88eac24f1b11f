"""Zone transfers against real servers: Knot hands one zone out and refuses another, a name
server address where nothing listens fails; the scan records every attempt, reports the zone
handed out, and resolves and attributes the names only that zone shows."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cloudaudit.analysis.checks import CheckId, analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.models import Analysis, Severity
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.attribution.rdap import RdapClient
from cloudaudit.cli import cli
from cloudaudit.discovery.axfr import TransferLimits, transfer
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import (
    DomainEvidence,
    NameSource,
    ScanEvidence,
    TransferOutcome,
)
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import parse_inventory
from tests.conftest import start_lab
from tests.dnslab import DnsLab

pytestmark = pytest.mark.dns

# Addresses are in the bundled AWS ranges or reserved for documentation, so attribution
# needs no RDAP and every answer is known in advance.
ZONES = {
    # Handed out to anyone on loopback. Names no probe list holds, one under a wildcard.
    "open.example.": """
www 300 IN A 3.120.0.10
build-7f3k2 300 IN A 52.94.76.1
crm-legacy-q8 300 IN CNAME www.open.example.
*.preview 300 IN A 192.0.2.31
_dmarc 300 IN TXT "v=DMARC1; p=none"
silent 3600 IN NS ns-silent.nsnet.example.
""",
    # Refused (Knot's default), so its hidden name stays hidden.
    "shut.example.": "www 300 IN A 3.120.0.10\nhidden-m2v9 300 IN A 52.94.76.1\n",
    # A name server address where nothing listens.
    "nsnet.example.": "ns-silent 300 IN A {dead}\n",
}
INVENTORY = """
domains = ["open.example", "shut.example", "silent.open.example"]
[[services]]
name = "Web"
criticality = "high"
endpoints = ["www.open.example"]
"""
HIDDEN = ("build-7f3k2.open.example", "crm-legacy-q8.open.example")


@dataclass(frozen=True)
class Scanned:
    evidence: ScanEvidence
    analysis: Analysis
    estate: Estate
    lab: DnsLab


@pytest.fixture(scope="module")
def lab() -> Iterator[DnsLab]:
    yield from start_lab(ZONES, transfer_zones=("open.example.",))


def _scan(lab: DnsLab, *, axfr: bool) -> Scanned:
    inventory = parse_inventory(INVENTORY, "lab.toml")
    config = ScanConfig(resolvers=(lab.resolver,), timeout=1.0, retries=0, subdomains=("www",),
                        srv_names=(), dkim_selectors=(), axfr=axfr)  # fmt: skip
    evidence = run_scan(inventory, config)
    estate = Estate.build(inventory, attribute(evidence, load_catalogue(), RangeIndex.load()))
    analysis = analyse(evidence, estate, Policy(), now=datetime(2026, 12, 4, tzinfo=UTC))
    return Scanned(evidence, analysis, estate, lab)


@pytest.fixture(scope="module")
def transferred(lab: DnsLab) -> Scanned:
    return _scan(lab, axfr=True)


def _domain(scanned: Scanned, name: str) -> DomainEvidence:
    (domain,) = [d for d in scanned.evidence.domains if d.domain == name]
    return domain


def test_a_zone_handed_out_is_a_finding_with_its_evidence(transferred: Scanned) -> None:
    (attempt,) = _domain(transferred, "open.example").zone_transfers
    assert (attempt.host, attempt.address) == ("ns.nic.lab", transferred.lab.auth_address)
    assert attempt.outcome is TransferOutcome.ALLOWED
    # SOA twice (first and last), NS, www, build, crm, the wildcard, _dmarc, the delegation
    assert attempt.records == 9
    assert attempt.bytes_read > 0
    (finding,) = [f for f in transferred.analysis.findings if f.check_id == "DNS-AXFR-001"]
    assert finding.subject == "open.example"
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence[0] == f"ns.nic.lab ({transferred.lab.auth_address}): allowed, 9 records"
    assert finding.evidence[1].startswith("4 host names in the zone: build-7f3k2.open.example")
    assert finding.doc_url.endswith("#dns-axfr-001")


def test_the_names_only_the_zone_shows_are_resolved_and_attributed(
    transferred: Scanned,
) -> None:
    domain = _domain(transferred, "open.example")
    assert domain.transferred_hosts == (
        "build-7f3k2.open.example",
        "crm-legacy-q8.open.example",
        "wildcard-probe.preview.open.example",
        "www.open.example",
    )
    hosts = transferred.evidence.hosts
    assert hosts["build-7f3k2.open.example"].addresses == ("52.94.76.1",)
    assert hosts["crm-legacy-q8.open.example"].canonical_name == "www.open.example"
    assert hosts["wildcard-probe.preview.open.example"].addresses == ("192.0.2.31",)
    sources = transferred.evidence.name_sources
    assert sources["build-7f3k2.open.example"] == (NameSource.AXFR,)
    assert sources["crm-legacy-q8.open.example"] == (NameSource.AXFR,)
    assert NameSource.AXFR in sources["www.open.example"]  # also the inventory's, and a guess
    assert NameSource.AXFR not in sources["www.shut.example"]
    (web,) = [d.web for d in transferred.estate.attribution.domains if d.domain == "open.example"]
    by_name = {endpoint.subject: endpoint for endpoint in web}
    assert by_name["build-7f3k2.open.example"].provider == "aws"
    assert by_name["crm-legacy-q8.open.example"].provider == "aws"


def test_a_refused_transfer_is_recorded_and_no_finding(transferred: Scanned) -> None:
    domain = _domain(transferred, "shut.example")
    (attempt,) = domain.zone_transfers
    # Knot refuses a transfer with NOTAUTH (BIND and Unbound say REFUSED).
    assert attempt.outcome is TransferOutcome.NOTAUTH
    assert (attempt.records, attempt.exposed) == (0, False)
    assert attempt.detail == "rcode NOTAUTH: the server refuses the transfer"
    assert domain.transferred_hosts == ()
    assert "hidden-m2v9.shut.example" not in transferred.evidence.hosts
    assert [f.subject for f in transferred.analysis.findings if f.check_id == "DNS-AXFR-001"] == [
        "open.example"
    ]


def test_a_dead_name_server_address_fails_without_stopping_the_scan(
    transferred: Scanned,
) -> None:
    (attempt,) = _domain(transferred, "silent.open.example").zone_transfers
    assert (attempt.host, attempt.address) == (
        "ns-silent.nsnet.example",
        transferred.lab.dead_address,
    )
    # Nothing listens on loopback: the connection is refused at once.
    assert attempt.outcome is TransferOutcome.NETWORK_ERROR
    assert attempt.records == 0
    assert attempt.detail


def _transfers_logged(lab: DnsLab) -> int:
    """Transfers Knot logged as started (it logs each one it serves)."""
    log = (lab.directory / "knot.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if "AXFR, outgoing" in line and "started" in line)


def test_without_axfr_no_transfer_is_asked(lab: DnsLab, transferred: Scanned) -> None:
    before = _transfers_logged(lab)
    assert before >= 1  # the scan with --axfr was served, and logged
    scanned = _scan(lab, axfr=False)
    assert all(not d.zone_transfers and not d.transferred_hosts for d in scanned.evidence.domains)
    assert not set(HIDDEN) & set(scanned.evidence.hosts)
    assert CheckId.ZONE_TRANSFER.value not in {f.check_id for f in scanned.analysis.findings}
    assert _transfers_logged(lab) == before


def test_the_cli_flag_scans_the_zone_and_reports_the_attempts(
    lab: DnsLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_rdap(*args: object, **kwargs: object) -> object:
        raise AssertionError("RDAP would leave loopback")

    # Every connection by name resolves it first: any name asked for means traffic that could
    # leave loopback, so none is resolved and each is reported.
    asked: list[object] = []
    resolve = socket.getaddrinfo

    def loopback_only(host: object, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(host, str) or not host.startswith("127."):
            asked.append(host)
            raise OSError(f"test: {host!r} is not on loopback")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(RdapClient, "lookup_many", no_rdap)
    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    report = tmp_path / "report.json"
    markdown = tmp_path / "report.md"
    common = ("scan", "-i", str(inventory), "--resolver", lab.resolver, "--timeout", "1",
              "--retries", "0", "--axfr", "--no-history", "--no-http-probes", "--no-ct",
              "--no-well-known", "-q")  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(cli, [*common, "-f", "json", "-o", str(report)])
    assert result.exit_code in (0, 1, 3), result.output
    document = json.loads(report.read_text())
    domains = {d["domain"]: d for d in document["evidence"]["domains"]}
    outcomes = {d: [t["outcome"] for t in domains[d]["zone_transfers"]] for d in domains}
    assert outcomes == {
        "open.example": ["allowed"],
        "shut.example": ["notauth"],
        "silent.open.example": ["network_error"],
    }
    assert document["evidence"]["name_sources"]["build-7f3k2.open.example"] == ["axfr"]
    assert "DNS-AXFR-001" in {f["check_id"] for f in document["findings"]}
    runner.invoke(cli, [*common, "-f", "markdown", "-o", str(markdown)])
    text = markdown.read_text()
    assert "Zone transfers (AXFR)" in text
    assert f"| shut.example | ns.nic.lab | {lab.auth_address} | notauth | 0 |" in text
    assert asked == []


@pytest.mark.parametrize(
    ("max_records", "max_bytes", "detail"),
    [
        (3, 1 << 20, "stopped after 9 records: more than 3"),
        (100_000, 64, "stopped after 0 records: more than 64 bytes"),
    ],
)
def test_a_transfer_larger_than_the_caps_is_cut_and_still_exposure(
    lab: DnsLab, max_records: int, max_bytes: int, detail: str
) -> None:
    limits = TransferLimits(timeout=5.0, max_records=max_records, max_bytes=max_bytes)
    result = asyncio.run(transfer("open.example", "ns.nic.lab", lab.auth_address, limits))
    assert result.attempt.outcome is TransferOutcome.TOO_LARGE
    assert result.attempt.detail == detail
    assert result.names == ()  # a zone cut short adds no names
    assert result.attempt.exposed is (max_records == 3)
