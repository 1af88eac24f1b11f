"""Evidence → report: the one path scan, report and history re-analysis all take."""

from __future__ import annotations

from pathlib import Path

from cloudaudit.cli.common import write_output
from cloudaudit.discovery.models import ScanEvidence


def emit_evidence_or_report(
    evidence: ScanEvidence,
    *,
    evidence_only: bool,
    output_format: str,
    output: Path | None,
    quiet: bool,
) -> None:
    from cloudaudit.report.formats import render

    write_output(render(evidence, output_format), output)
