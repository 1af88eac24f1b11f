"""Document views of the history stage's models (the report stage knows nothing of history)."""

from __future__ import annotations

from cloudaudit.history.models import ScanDiff, ScanList
from cloudaudit.report.document import Document, Section


def scan_list_view(listing: ScanList) -> Document:
    return Document(
        title="Scan history",
        summary=(("Database", listing.database), ("Scans shown", len(listing.scans))),
        sections=(
            Section(
                title="Scans",
                key="scans",
                headers=("Id", "Organisation", "Started", "Status", "Findings", "Range data"),
                rows=tuple(
                    (
                        s.id,
                        s.organisation,
                        s.started_at.isoformat(timespec="seconds"),
                        "never finished" if s.status == "running" else s.status,
                        ", ".join(f"{n} {k}" for k, n in sorted(s.severity_counts.items())),
                        s.snapshot_version,
                    )
                    for s in listing.scans
                ),
            ),
        ),
        primary="scans",
    )


def diff_view(change: ScanDiff) -> Document:
    return Document(
        title=f"Drift between scans {change.old_scan} and {change.new_scan}",
        summary=(
            ("Old scan", f"{change.old_scan} ({change.old_time.isoformat(timespec='seconds')})"),
            ("New scan", f"{change.new_scan} ({change.new_time.isoformat(timespec='seconds')})"),
            ("New findings", len(change.new_findings)),
            ("Endpoint changes", len(change.endpoints)),
        ),
        sections=(
            Section(
                title="Findings",
                key="findings",
                headers=("Change", "Severity", "Check", "Subject", "Finding"),
                rows=tuple(
                    (f.change, f.severity, f.check_id, f.subject, f.title) for f in change.findings
                ),
            ),
            Section(
                title="Endpoints",
                key="endpoints",
                headers=("Owner", "Endpoint", "Change", "Before", "After"),
                rows=tuple(
                    (e.owner, e.subject, e.change, e.before, e.after) for e in change.endpoints
                ),
            ),
            Section(
                title="Concentration",
                key="concentration",
                headers=("Dimension", "HHI before", "HHI after", "Top before", "Top after"),
                rows=tuple(
                    (
                        c.dimension,
                        c.hhi_before,
                        c.hhi_after,
                        f"{c.top_before} {c.top_share_before:.0%}",
                        f"{c.top_after} {c.top_share_after:.0%}",
                    )
                    for c in change.concentration
                ),
            ),
        ),
        primary="findings",
    )
