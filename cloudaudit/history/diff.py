"""Drift between two reports: endpoints added or moved, findings new or resolved, shares moved."""

from __future__ import annotations

from cloudaudit.analysis.models import Finding
from cloudaudit.attribution.models import EndpointAttribution
from cloudaudit.history.models import ConcentrationChange, EndpointChange, FindingChange, ScanDiff
from cloudaudit.report.schema import AuditReport


def _endpoints(report: AuditReport) -> dict[tuple[str, str], EndpointAttribution]:
    found = {(s.service, e.subject): e for s in report.attribution.services for e in s.endpoints}
    for domain in report.attribution.domains:
        for group in (domain.dns, domain.mail, domain.web):
            found.update({(domain.domain, e.subject): e for e in group})
    return found


def _stack(endpoint: EndpointAttribution) -> str:
    return " → ".join(layer.provider for layer in endpoint.layers) or "unattributed"


def _regions(endpoint: EndpointAttribution) -> str:
    return (
        ", ".join(sorted({layer.region for layer in endpoint.layers if layer.region}))
        or "indeterminate"
    )


def _jurisdictions(endpoint: EndpointAttribution, report: AuditReport) -> str:
    providers = report.attribution.providers
    return ", ".join(
        sorted(
            {
                providers[layer.provider].jurisdiction
                for layer in endpoint.layers
                if layer.provider in providers
            }
        )
    )


def _finding_change(finding: Finding, change: str) -> FindingChange:
    return FindingChange(
        check_id=finding.check_id,
        subject=finding.subject,
        severity=finding.severity.value,
        title=finding.title,
        change=change,
    )


def new_findings(previous: AuditReport | None, report: AuditReport) -> tuple[FindingChange, ...]:
    """Findings of ``report`` absent from ``previous`` (all of them on a first scan)."""
    if previous is None:
        return tuple(_finding_change(f, "new") for f in report.findings)
    return diff_reports(previous, report, "previous", "this").new_findings


def diff_reports(old: AuditReport, new: AuditReport, old_label: str, new_label: str) -> ScanDiff:
    before, after = _endpoints(old), _endpoints(new)
    changes: list[EndpointChange] = []
    for key in sorted(before.keys() | after.keys()):
        owner, subject = key
        if key not in before:
            changes.append(
                EndpointChange(
                    subject=subject, owner=owner, change="added", after=_stack(after[key])
                )
            )
            continue
        if key not in after:
            changes.append(
                EndpointChange(
                    subject=subject, owner=owner, change="removed", before=_stack(before[key])
                )
            )
            continue
        pairs = (
            ("provider", _stack(before[key]), _stack(after[key])),
            ("region", _regions(before[key]), _regions(after[key])),
            ("jurisdiction", _jurisdictions(before[key], old), _jurisdictions(after[key], new)),
        )
        changes.extend(
            EndpointChange(subject=subject, owner=owner, change=kind, before=a, after=b)
            for kind, a, b in pairs
            if a != b
        )
    old_findings = {(f.check_id, f.subject): f for f in old.findings}
    new_findings = {(f.check_id, f.subject): f for f in new.findings}
    findings = [
        _finding_change(f, "new")
        for key, f in sorted(new_findings.items())
        if key not in old_findings
    ] + [
        _finding_change(f, "resolved")
        for key, f in sorted(old_findings.items())
        if key not in new_findings
    ]
    old_conc = {c.dimension: c for c in old.concentration}
    concentration = [
        ConcentrationChange(
            dimension=c.dimension,
            hhi_before=old_conc[c.dimension].hhi if c.dimension in old_conc else 0.0,
            hhi_after=c.hhi,
            top_before=old_conc[c.dimension].top_key if c.dimension in old_conc else None,
            top_after=c.top_key,
            top_share_before=old_conc[c.dimension].top_share if c.dimension in old_conc else 0.0,
            top_share_after=c.top_share,
        )
        for c in new.concentration
    ]
    return ScanDiff(
        old_scan=old_label,
        new_scan=new_label,
        old_time=old.evidence.started_at,
        new_time=new.evidence.started_at,
        endpoints=tuple(changes),
        findings=tuple(findings),
        concentration=tuple(
            c
            for c in concentration
            if (c.hhi_before, c.top_before, c.top_share_before)
            != (c.hhi_after, c.top_after, c.top_share_after)
        ),
    )
