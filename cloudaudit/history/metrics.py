"""node_exporter textfile metrics for a scan, so monitoring hears about drift and failures."""

from __future__ import annotations

from cloudaudit.analysis.models import Severity
from cloudaudit.report.schema import AuditReport


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(report: AuditReport, success: bool, duration_s: float) -> str:
    """The exposition text format (HELP/TYPE, one sample per line), for --prometheus FILE."""
    org = _label(report.evidence.inventory.organisation)
    lines = [
        "# HELP cloudaudit_findings Findings of the last scan by severity.",
        "# TYPE cloudaudit_findings gauge",
    ]
    for severity in Severity:
        count = sum(1 for f in report.findings if f.severity is severity)
        lines.append(
            f'cloudaudit_findings{{organisation="{org}",severity="{severity.value}"}} {count}'
        )
    lines += [
        "# HELP cloudaudit_concentration_hhi Herfindahl-Hirschman index per dimension (0-10000).",
        "# TYPE cloudaudit_concentration_hhi gauge",
    ]
    lines += [
        f'cloudaudit_concentration_hhi{{organisation="{org}",dimension="{c.dimension}"}} {c.hhi}'
        for c in report.concentration
    ]
    lines += [
        "# HELP cloudaudit_top_share Share of the largest key per dimension (0-1).",
        "# TYPE cloudaudit_top_share gauge",
    ]
    lines += [
        f'cloudaudit_top_share{{organisation="{org}",dimension="{c.dimension}",'
        f'key="{_label(c.top_key or "")}"}} {c.top_share}'
        for c in report.concentration
    ]
    finished = report.evidence.finished_at.timestamp()
    lines += [
        "# HELP cloudaudit_scan_duration_seconds Wall time of the last scan.",
        "# TYPE cloudaudit_scan_duration_seconds gauge",
        f'cloudaudit_scan_duration_seconds{{organisation="{org}"}} {duration_s:.3f}',
        "# HELP cloudaudit_scan_success 1 when the last scan completed without DNS failures.",
        "# TYPE cloudaudit_scan_success gauge",
        f'cloudaudit_scan_success{{organisation="{org}"}} {1 if success else 0}',
        "# HELP cloudaudit_scan_timestamp_seconds When the last scan finished (Unix time).",
        "# TYPE cloudaudit_scan_timestamp_seconds gauge",
        f'cloudaudit_scan_timestamp_seconds{{organisation="{org}"}} {finished:.0f}',
    ]
    return "\n".join(lines) + "\n"
