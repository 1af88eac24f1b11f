"""DNS-AXFR-001 over evidence built in memory: a zone handed out, in whole or in part, is a
finding naming each server and the names shown; refusals and failures are not."""

from __future__ import annotations

from datetime import UTC, datetime

import dns.zone

from cloudaudit.analysis.checks import REGISTRY, CheckId, analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.models import Finding, Severity
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import TransferOutcome, ZoneTransfer
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import parse_inventory

ZONES = {
    origin: f"""$ORIGIN {origin}.
@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.2
www 300 IN A 192.0.2.10
"""
    for origin in ("open.example", "shut.example")
}
INVENTORY = """
domains = ["open.example", "shut.example"]
[[services]]
name = "Shop"
criticality = "critical"
endpoints = ["www.open.example"]
"""
NAMES = tuple(f"host{index}.open.example" for index in range(7))


def _attempt(domain: str, address: str, outcome: TransferOutcome, records: int = 0,
             detail: str | None = None) -> ZoneTransfer:  # fmt: skip
    return ZoneTransfer(domain=domain, host=f"ns1.{domain}", address=address, outcome=outcome,
                        records=records, detail=detail)  # fmt: skip


def _findings(
    transfers: dict[str, tuple[ZoneTransfer, ...]], names: tuple[str, ...]
) -> list[Finding]:
    inventory = parse_inventory(INVENTORY, "t.toml")
    zones = [dns.zone.from_text(text, relativize=False) for text in ZONES.values()]
    evidence = run_scan(inventory, ScanConfig(subdomains=(), srv_names=()), zones=zones)
    domains = tuple(
        d.model_copy(
            update={
                "zone_transfers": transfers.get(d.domain, ()),
                "transferred_hosts": names if d.domain == "open.example" else (),
            }
        )
        for d in evidence.domains
    )
    evidence = evidence.model_copy(update={"domains": domains})
    estate = Estate.build(inventory, attribute(evidence, load_catalogue(), RangeIndex.load()))
    analysis = analyse(evidence, estate, Policy(), now=datetime(2026, 12, 4, tzinfo=UTC))
    return [f for f in analysis.findings if f.check_id == CheckId.ZONE_TRANSFER.value]


def test_a_zone_handed_out_is_a_finding_with_servers_and_names() -> None:
    transfers = {
        "open.example": (
            _attempt("open.example", "192.0.2.2", TransferOutcome.ALLOWED, 12),
            _attempt(
                "open.example",
                "2001:db8::2",
                TransferOutcome.NOTAUTH,
                detail="rcode NOTAUTH: the server refuses the transfer",
            ),
        ),  # fmt: skip
        "shut.example": (_attempt("shut.example", "192.0.2.2", TransferOutcome.REFUSED),),
    }
    (finding,) = _findings(transfers, NAMES)
    check = REGISTRY[CheckId.ZONE_TRANSFER]
    assert finding.subject == "open.example"
    assert finding.severity is Severity.MEDIUM
    assert finding.services == ("Shop",)
    assert finding.title == (
        "1 of 2 name server addresses of open.example hand out the whole zone (AXFR)"
    )
    assert finding.evidence == (
        "ns1.open.example (192.0.2.2): allowed, 12 records",
        "7 host names in the zone: host0.open.example, host1.open.example, host2.open.example, "
        "host3.open.example, host4.open.example and 2 more",
    )
    assert finding.remediation == check.remediation
    assert "TSIG" in finding.remediation


def test_part_of_a_zone_before_the_reading_stopped_is_exposure_too() -> None:
    cut = _attempt("open.example", "192.0.2.2", TransferOutcome.TOO_LARGE, 100_001,
                   detail="stopped after 100001 records: more than 100000")  # fmt: skip
    (finding,) = _findings({"open.example": (cut,)}, ())
    assert finding.evidence == (
        "ns1.open.example (192.0.2.2): too_large, 100001 records "
        "(stopped after 100001 records: more than 100000)",
    )


def test_refusals_and_failures_are_no_finding() -> None:
    transfers = {
        "open.example": (
            _attempt("open.example", "192.0.2.2", TransferOutcome.REFUSED),
            _attempt("open.example", "192.0.2.3", TransferOutcome.TIMEOUT),
            _attempt("open.example", "192.0.2.4", TransferOutcome.NETWORK_ERROR),
        ),
        "shut.example": (_attempt("shut.example", "192.0.2.2", TransferOutcome.NOTAUTH),),
    }
    assert _findings(transfers, ()) == []
