"""Assemble the versioned report document from the stages' results."""

from __future__ import annotations

from datetime import UTC, datetime

from cloudaudit._version import __version__
from cloudaudit.analysis.models import Analysis
from cloudaudit.attribution.models import AttributionResult
from cloudaudit.discovery.models import ScanEvidence
from cloudaudit.report.schema import AuditReport


def build_report(
    evidence: ScanEvidence, attribution: AttributionResult, analysis: Analysis
) -> AuditReport:
    return AuditReport(
        tool_version=__version__,
        generated_at=datetime.now(UTC),
        evidence=evidence,
        attribution=attribution,
        findings=analysis.findings,
        concentration=analysis.concentration,
        complete=evidence.complete,
    )
