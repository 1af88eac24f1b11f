"""One canonical, realistic report for the format tests, built without sockets and pinned.

It includes what strangers can put in DNS: a TXT record carrying a script and an attribute
break-out, which every format must show as text and never interpret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dns.zone

from cloudaudit.analysis.checks import analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue, load_regions
from cloudaudit.attribution.models import SnapshotInfo
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import load_inventory
from cloudaudit.report.build import build_report
from cloudaudit.report.schema import AuditReport
from tests.conftest import REPO

HOSTILE_TXT = "<script>document.title='pwned'</script>"
HOSTILE_ATTRIBUTE = '"><img src=x onerror="document.title=\'pwned\'">'
FIXED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _zero_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (0.0 if k in ("elapsed_ms", "elapsed_s") else _zero_timings(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_zero_timings(v) for v in value]
    return value


def sample_report() -> AuditReport:
    text = (REPO / "examples" / "zones" / "brightwater-logistik.example.zone").read_text()
    escaped = HOSTILE_ATTRIBUTE.replace('"', '\\"')
    text += f'@ IN TXT "{HOSTILE_TXT}" "{escaped}"\n'
    zone = dns.zone.from_text(text, relativize=False)
    inventory = load_inventory(REPO / "examples" / "inventory.toml")
    evidence = run_scan(inventory, ScanConfig(), zones=[zone])
    attribution = attribute(evidence, load_catalogue(), RangeIndex.load(), regions=load_regions())
    attribution = attribution.model_copy(
        update={
            "snapshot": SnapshotInfo(
                version="0123456789abcdef",
                generated_at=FIXED,
                feeds=41,
                prefixes=137000,
                oldest_feed_date=FIXED,
            )
        }
    )
    estate = Estate.build(inventory, attribution)
    report = build_report(evidence, attribution, analyse(evidence, estate, Policy(), now=FIXED))
    data = _zero_timings(report.model_dump(mode="json"))
    data["generated_at"] = FIXED.isoformat()
    data["evidence"]["started_at"] = FIXED.isoformat()
    data["evidence"]["finished_at"] = FIXED.isoformat()
    data["evidence"]["inventory"]["source"] = "examples/inventory.toml"  # not the checkout path
    return AuditReport.model_validate(data)
