"""Pure functions turning each document model into a format-neutral Document.

One view per model type, registered in ``_VIEWS``; ``render`` in formats finds it by type,
so adding a document type means adding one function here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from cloudaudit.analysis.models import Severity, SimulationResult
from cloudaudit.attribution.models import EndpointAttribution, LookupResult
from cloudaudit.attribution.status import RangesStatus
from cloudaudit.discovery.models import DnsQuery, ScanEvidence
from cloudaudit.errors import CloudauditError
from cloudaudit.inventory.names import registrable_domain
from cloudaudit.report.document import BarChart, Cell, Document, Section
from cloudaudit.report.schema import AuditReport


def _query_value(query: DnsQuery) -> str:
    if query.records:
        return ", ".join(r.value for r in query.records)
    return query.outcome.value + (f" ({query.detail})" if query.detail else "")


def evidence_view(evidence: ScanEvidence) -> Document:
    domains = Section(
        title="Domains",
        key="domains",
        headers=("Domain", "SOA", "NS hosts", "MX hosts", "SPF lookups", "Subdomains found"),
        rows=tuple(
            (
                d.domain,
                d.soa.outcome.value,
                ", ".join(d.ns_hosts) or d.ns.outcome.value,
                ", ".join(d.mx_hosts) or d.mx.outcome.value,
                d.spf.lookup_count if d.spf else None,
                ", ".join(d.subdomains),
            )
            for d in evidence.domains
        ),
    )
    hosts = Section(
        title="Hosts",
        key="hosts",
        headers=("Host", "CNAME chain", "A", "AAAA", "Outcome"),
        rows=tuple(
            (
                name,
                " → ".join(hop.target for hop in host.cname_chain),
                _query_value(host.a),
                _query_value(host.aaaa),
                host.a.outcome.value
                if host.a.outcome == host.aaaa.outcome
                else f"{host.a.outcome.value}/{host.aaaa.outcome.value}",
            )
            for name, host in sorted(evidence.hosts.items())
        ),
    )
    failed = [
        q
        for d in evidence.domains
        for q in (d.soa, d.ns, d.mx, d.txt, d.dmarc, d.caa)
        if q.outcome.is_failure
    ] + [q for h in evidence.hosts.values() for q in (h.a, h.aaaa) if q.outcome.is_failure]
    failures = Section(
        title="Failed lookups",
        key="failures",
        headers=("Name", "Type", "Outcome", "Detail", "Resolver"),
        rows=tuple((q.qname, q.qtype, q.outcome.value, q.detail, q.resolver) for q in failed),
    )
    return Document(
        title=f"DNS evidence for {evidence.inventory.organisation}",
        summary=(
            ("Source", evidence.source),
            ("Started", evidence.started_at.isoformat(timespec="seconds")),
            ("Resolvers", ", ".join(evidence.resolvers)),
            ("Queries", evidence.stats.queries),
            ("Failed lookups", evidence.stats.failures),
            ("Complete", evidence.complete),
        ),
        sections=(domains, hosts, failures),
        primary="hosts",
    )


def ranges_status_view(status: RangesStatus) -> Document:
    return Document(
        title="Provider range data",
        summary=(
            ("Directory", status.directory),
            ("Snapshot version", status.version),
            ("Generated", status.generated_at.isoformat(timespec="seconds")),
        ),
        sections=(
            Section(
                title="Feeds",
                key="feeds",
                headers=("Feed", "Provider", "IPv4", "IPv6", "Feed version", "Age (days)"),
                rows=tuple(
                    (f.feed, f.provider, f.prefixes_v4, f.prefixes_v6, f.feed_version, f.age_days)
                    for f in status.feeds
                ),
            ),
        ),
        primary="feeds",
    )


def _layers(endpoint: EndpointAttribution) -> str:
    parts = []
    for layer in endpoint.layers:
        where = layer.region or ("global" if layer.is_global else "")
        parts.append(f"{layer.provider} ({layer.role.value}{', ' + where if where else ''})")
    return " → ".join(parts) or "unattributed"


def _countries(endpoint: EndpointAttribution) -> str:
    return ", ".join(sorted({layer.country for layer in endpoint.layers if layer.country}))


def _endpoint_rows(
    owner: str, endpoints: tuple[EndpointAttribution, ...]
) -> list[tuple[Cell, ...]]:
    return [
        (
            owner,
            e.subject,
            _layers(e),
            ", ".join(a.address for a in e.addresses),
            _countries(e) or None,
            e.confidence.value,
            e.unattributed_reason,
        )
        for e in endpoints
    ]


_ENDPOINT_HEADERS = ("Owner", "Endpoint", "Provider stack", "Addresses", "Data location",
                     "Confidence", "Note")  # fmt: skip


def _register_rows(report: AuditReport) -> list[tuple[Cell, ...]]:
    """DORA register of information, one row per (service, ICT third-party provider).

    Substitutability: 'alternative in use' when another endpoint of the service runs on a
    different provider, 'no alternative in use' when every endpoint depends on this one.
    """
    providers = report.attribution.providers
    criticality = {s.name: s.criticality.value for s in report.evidence.inventory.services}
    rows: list[tuple[Cell, ...]] = []
    for service in report.attribution.services:
        stacks = [{layer.provider for layer in e.layers} for e in service.endpoints if e.layers]
        used: dict[str, set[str]] = {}
        for endpoint in service.endpoints:
            for layer in endpoint.layers:
                used.setdefault(layer.provider, set()).update(
                    {layer.country} if layer.country else set()
                )
        for provider_id in sorted(used):
            summary = providers.get(provider_id)
            alone = all(provider_id in stack for stack in stacks)
            rows.append(
                (
                    service.service,
                    criticality.get(service.service),
                    summary.name if summary else provider_id,
                    ", ".join(k.value for k in summary.kinds) if summary else None,
                    summary.headquarters if summary else None,
                    summary.jurisdiction if summary else None,
                    summary.cloud_act if summary else None,
                    ", ".join(sorted(used[provider_id])) or "indeterminate",
                    "no alternative in use" if alone else "alternative in use",
                )
            )
    for vendor, domains in _dependency_vendors(report).items():
        summary = providers.get(vendor)
        for domain, kinds in sorted(domains.items()):
            rows.append(
                (
                    f"{domain} ({', '.join(sorted(kinds))})",
                    None,
                    summary.name if summary else vendor,
                    ", ".join(k.value for k in summary.kinds) if summary else None,
                    summary.headquarters if summary else None,
                    summary.jurisdiction if summary else None,
                    summary.cloud_act if summary else None,
                    "indeterminate",
                    "not assessed",
                )
            )
    return rows


def _dependency_vendors(report: AuditReport) -> dict[str, dict[str, set[str]]]:
    """Vendor → organisation domain → dependency kinds, from records that carry no traffic."""
    vendors: dict[str, dict[str, set[str]]] = {}
    for dependency in report.attribution.dependencies:
        domain = registrable_domain(dependency.subject)
        kinds = vendors.setdefault(dependency.provider, {}).setdefault(domain, set())
        kinds.add(dependency.kind.value)
    return dict(sorted(vendors.items()))


def report_view(report: AuditReport) -> Document:
    evidence = report.evidence
    counts = Counter(f.severity.value for f in report.findings)
    snapshot = report.attribution.snapshot
    summary: tuple[tuple[str, Cell], ...] = (
        ("Organisation", evidence.inventory.organisation),
        ("Scanned", evidence.started_at.isoformat(timespec="seconds")),
        ("Source", evidence.source),
        ("Domains / services", f"{len(evidence.domains)} / {len(evidence.inventory.services)}"),
        ("Complete", report.complete),
        ("Findings", ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Severity)),
        ("Range data", f"{snapshot.version} ({snapshot.generated_at.date()})"),
        ("cloudaudit", f"{report.tool_version}, schema {report.schema_version}"),
    )
    findings = Section(
        title="Findings",
        key="findings",
        headers=("Severity", "Check", "Finding", "Services", "Impact", "Evidence", "Remediation"),
        rows=tuple(
            (
                f.severity.value,
                f.check_id,
                f.title,
                ", ".join(f.services),
                f.weighted_impact,
                "; ".join(f.evidence),
                f.remediation,
            )
            for f in report.findings
        ),
    )
    concentration = tuple(
        Section(
            title=f"Concentration: {c.dimension}",
            key=f"concentration-{c.dimension}",
            note=f"HHI {c.hhi:.0f}; top {c.top_key} {c.top_share:.0%}; "
            f"{c.keys_for_50} cover 50 %, {c.keys_for_90} cover 90 %",
            headers=("Key", "Share", "Weight", "Services"),
            rows=tuple(
                (s.key, f"{s.share:.1%}", s.weight, ", ".join(s.services)) for s in c.shares
            ),
            chart=BarChart(
                title=f"{c.dimension} share", bars=tuple((s.key, s.share) for s in c.shares[:12])
            ),
        )
        for c in report.concentration
        if c.shares
    )
    service_rows = [
        row for s in report.attribution.services for row in _endpoint_rows(s.service, s.endpoints)
    ]
    dns_rows = [row for d in report.attribution.domains for row in _endpoint_rows(d.domain, d.dns)]
    mail_rows = [
        row for d in report.attribution.domains for row in _endpoint_rows(d.domain, d.mail)
    ]
    web_rows = [row for d in report.attribution.domains for row in _endpoint_rows(d.domain, d.web)]
    sender_rows = [
        row for d in report.attribution.domains for row in _endpoint_rows(d.domain, d.spf_senders)
    ]
    records = Section(
        title="Domain records",
        key="records",
        headers=("Domain", "SPF", "SPF lookups", "DMARC", "CAA", "TXT records"),
        rows=tuple(
            (
                d.domain,
                d.spf.tree.record if d.spf else None,
                d.spf.lookup_count if d.spf else None,
                "; ".join(r.value for r in d.dmarc.records) or d.dmarc.outcome.value,
                "; ".join(r.value for r in d.caa.records) or d.caa.outcome.value,
                " | ".join(r.value for r in d.txt.records),
            )
            for d in evidence.domains
        ),
    )
    dependencies = Section(
        title="Vendor relationships shown by records that serve no traffic",
        key="dependencies",
        note="Verification tokens, DKIM keys, report addresses, certificate validation and"
        " CAA: third parties to list, not where services run.",
        headers=("Record", "Vendor", "Kind", "Signal", "Service", "Evidence"),
        rows=tuple(
            (
                d.subject,
                d.provider,
                d.kind.value,
                d.signal.value,
                d.service,
                "; ".join(item.detail for item in d.evidence),
            )
            for d in report.attribution.dependencies
        ),
    )
    register = Section(
        title="Register of information: ICT third-party providers per service (DORA)",
        key="register",
        headers=(
            "Service",
            "Criticality",
            "Provider",
            "Kind",
            "Headquarters",
            "Jurisdiction",
            "CLOUD Act",
            "Data location",
            "Substitutability",
        ),  # fmt: skip
        rows=tuple(_register_rows(report)),
    )
    evidence_document = evidence_view(evidence)
    return Document(
        title=f"Concentration risk report: {evidence.inventory.organisation}",
        summary=summary,
        sections=(
            findings,
            *concentration,
            Section(
                "Services and their providers",
                _ENDPOINT_HEADERS,
                tuple(service_rows),
                key="services",
            ),
            Section("DNS operators", _ENDPOINT_HEADERS, tuple(dns_rows), key="dns"),
            Section("Mail providers", _ENDPOINT_HEADERS, tuple(mail_rows), key="mail"),
            Section("Mail senders (SPF)", _ENDPOINT_HEADERS, tuple(sender_rows), key="senders"),
            Section("Web hosts found", _ENDPOINT_HEADERS, tuple(web_rows), key="web"),
            records,
            dependencies,
            register,
            *(s for s in evidence_document.sections if s.key == "failures"),
        ),
        primary="findings",
    )


def simulation_view(result: SimulationResult) -> Document:
    down = sum(1 for s in result.services if s.status == "down")
    degraded = sum(1 for s in result.services if s.status == "degraded")
    share = result.weighted_impact / result.total_weight if result.total_weight else 0.0
    return Document(
        title=f"Outage simulation: {result.description}",
        summary=(
            ("Scenario", result.scenario),
            ("Date", result.date),
            ("Source", result.source),
            (
                "Outage",
                ", ".join(
                    f"{o.provider}{':' + o.region if o.region else ''}" for o in result.outages
                ),
            ),
            ("Services down / degraded", f"{down} / {degraded}"),
            (
                "Weighted impact",
                f"{result.weighted_impact:g} of {result.total_weight:g} ({share:.0%})",
            ),
            ("Domains without DNS", ", ".join(result.domains_without_dns) or "none"),
            ("Domains without mail", ", ".join(result.domains_without_mail) or "none"),
        ),
        sections=(
            Section(
                title="Services",
                key="services",
                headers=("Service", "Criticality", "Status", "Weight", "Why"),
                rows=tuple(
                    (s.service, s.criticality, s.status, s.weight, "; ".join(s.reasons))
                    for s in result.services
                ),
            ),
        ),
        primary="services",
    )


def lookup_view(result: LookupResult) -> Document:
    return Document(
        title="Who hosts this?",
        summary=(
            ("Range data", f"{result.snapshot.version} ({result.snapshot.generated_at.date()})"),
        ),
        sections=(
            Section(
                title="Answers",
                key="answers",
                headers=(
                    "Asked",
                    "Provider stack",
                    "Addresses",
                    "Data location",
                    "Confidence",
                    "Evidence",
                ),  # fmt: skip
                rows=tuple(
                    (
                        r.subject,
                        _layers(r),
                        ", ".join(
                            f"{a.address} ({a.prefix})" if a.prefix else a.address
                            for a in r.addresses
                        ),
                        _countries(r) or None,
                        r.confidence.value,
                        "; ".join(item.detail for layer in r.layers for item in layer.evidence)
                        or r.unattributed_reason,
                    )
                    for r in result.results
                ),
            ),
        ),
        primary="answers",
    )


_VIEWS: dict[type[BaseModel], Callable[[Any], Document]] = {
    ScanEvidence: evidence_view,
    RangesStatus: ranges_status_view,
    AuditReport: report_view,
    SimulationResult: simulation_view,
    LookupResult: lookup_view,
}


def view_of(model: BaseModel) -> Document:
    for model_type, view in _VIEWS.items():
        if isinstance(model, model_type):
            return view(model)
    raise CloudauditError(f"no report view for {type(model).__name__}")
