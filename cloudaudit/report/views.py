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
from cloudaudit.discovery.models import (
    CtEvidence,
    DnsQuery,
    HttpFetch,
    ScanEvidence,
    WellKnownEvidence,
)
from cloudaudit.errors import CloudauditError
from cloudaudit.report.document import BarChart, Cell, Document, FlowChart, Section
from cloudaudit.report.register import register_entries
from cloudaudit.report.schema import AuditReport


def _query_value(query: DnsQuery) -> str:
    if query.records:
        return ", ".join(r.value for r in query.records)
    return query.outcome.value + (f" ({query.detail})" if query.detail else "")


def _zone_transfers(evidence: ScanEvidence) -> tuple[Section, ...]:
    """Every AXFR attempt (``scan --axfr``); no section when none was made."""
    attempts = [t for d in evidence.domains for t in d.zone_transfers]
    if not attempts:
        return ()
    joined = sum(len(d.transferred_hosts) for d in evidence.domains)
    return (
        Section(
            title="Zone transfers (AXFR)",
            key="axfr",
            note=f"{joined} host names from zones handed out joined the scan (source axfr)."
            if joined
            else None,
            headers=("Domain", "Name server", "Address", "Outcome", "Records", "Detail"),
            rows=tuple(
                (t.domain, t.host, t.address, t.outcome.value, t.records, t.detail)
                for t in attempts
            ),
        ),
    )


def _sources(evidence: ScanEvidence, name: str) -> str:
    return ", ".join(source.value for source in evidence.name_sources.get(name, ()))


def _fetch_state(fetch: HttpFetch) -> str:
    return fetch.outcome.value + (f" (HTTP {fetch.status})" if fetch.status else "")


def _ct_row(domain: str, ct: CtEvidence, evidence: ScanEvidence) -> tuple[Cell, ...]:
    resolving = [
        name
        for name in ct.names
        if (host := evidence.hosts.get(name)) and (host.addresses or host.cname_chain)
    ]
    notes = [f"{ct.entries} certificate entries"]
    if ct.outside:
        notes.append(f"{ct.outside} names outside the domain left out")
    if ct.capped:
        notes.append(f"capped at {ct.max_names} names")
    notes += [fetch.detail for fetch in ct.fetches if fetch.detail]
    return (
        domain,
        f"ct ({ct.service.value})",
        ", ".join(_fetch_state(fetch) for fetch in ct.fetches),
        len(ct.names),
        len(resolving),
        "; ".join(notes),
    )


def _well_known_row(
    domain: str, document: WellKnownEvidence, evidence: ScanEvidence
) -> tuple[Cell, ...]:
    host = document.host
    delegated = f"{document.target} → {host}" if host else None
    notes = (delegated, document.error, document.fetch.detail)
    return (
        domain,
        f"well_known (matrix {document.kind})",
        _fetch_state(document.fetch),
        1 if host else 0,
        1 if host and (found := evidence.hosts.get(host)) and found.addresses else 0,
        "; ".join(note for note in notes if note),
    )


def _name_enumeration(evidence: ScanEvidence) -> tuple[Section, ...]:
    """What certificate transparency and /.well-known gave per domain; none when not asked."""
    rows = [
        row
        for domain in evidence.domains
        for row in (
            *([_ct_row(domain.domain, domain.ct, evidence)] if domain.ct else []),
            *(_well_known_row(domain.domain, w, evidence) for w in domain.well_known),
        )
    ]
    if not rows:
        return ()
    return (
        Section(
            title="Names from certificate transparency and .well-known",
            key="enumeration",
            note="Names that no longer resolve stay in the evidence (hosts, with their sources) "
            "and count for no concentration.",
            headers=("Domain", "Source", "Outcome", "Names", "Resolve", "Detail"),
            rows=tuple(rows),
        ),
    )


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
        headers=("Host", "CNAME chain", "A", "AAAA", "Outcome", "Sources"),
        rows=tuple(
            (
                name,
                " → ".join(hop.target for hop in host.cname_chain),
                _query_value(host.a),
                _query_value(host.aaaa),
                host.a.outcome.value
                if host.a.outcome == host.aaaa.outcome
                else f"{host.a.outcome.value}/{host.aaaa.outcome.value}",
                _sources(evidence, name),
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
        sections=(
            domains,
            hosts,
            *_name_enumeration(evidence),
            *_zone_transfers(evidence),
            failures,
        ),
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
    """DORA register of information, one row per (service, ICT third-party provider)."""
    providers = report.attribution.providers
    rows: list[tuple[Cell, ...]] = []
    for entry in register_entries(report):
        summary = providers.get(entry.provider)
        if entry.alternatives is None:
            substitutability = "not assessed"
        else:
            substitutability = "no alternative in use" if entry.alone else "alternative in use"
        rows.append(
            (
                entry.service,
                entry.criticality,
                summary.name if summary else entry.provider,
                ", ".join(k.value for k in summary.kinds) if summary else None,
                summary.headquarters if summary else None,
                summary.jurisdiction if summary else None,
                summary.cloud_act if summary else None,
                ", ".join(entry.countries) or "indeterminate",
                substitutability,
            )
        )
    return rows


#: Paths the dependency picture draws at most; the most critical services come first.
_FLOW_PATHS = 40
_CRITICALITY_ORDER = ("critical", "high", "medium", "low")


def _dependency_flow(report: AuditReport) -> FlowChart:
    """Service → the provider it deals with → the infrastructure under that provider: the
    bottom layer seen, else the catalogue's runs_on facts, else the provider itself."""
    providers = report.attribution.providers
    criticality = {s.name: s.criticality.value for s in report.evidence.inventory.services}

    def name(provider: str) -> str:
        summary = providers.get(provider)
        return summary.name if summary else provider

    paths: dict[tuple[str, str, str], int] = {}
    for service in report.attribution.services:
        rank = _CRITICALITY_ORDER.index(criticality.get(service.service, "low"))
        for endpoint in service.endpoints:
            if not endpoint.layers:
                continue
            top, bottom = endpoint.layers[0].provider, endpoint.layers[-1].provider
            summary = providers.get(top)
            below = [bottom] if bottom != top else list(summary.runs_on if summary else ())
            for infrastructure in below or [top]:
                paths.setdefault((service.service, name(top), name(infrastructure)), rank)
    ordered = sorted(paths, key=lambda path: (paths[path], path))
    return FlowChart(
        title="Dependencies: services → providers → underlying infrastructure",
        columns=("Service", "Provider", "Runs on"),
        paths=tuple(ordered[:_FLOW_PATHS]),
        left_out=max(len(ordered) - _FLOW_PATHS, 0),
    )


def _register_summary(report: AuditReport) -> Section:
    """One row per provider: which services depend on it, and which of the critical and
    high ones have no alternative in use."""
    providers = report.attribution.providers
    services: dict[str, list[str]] = {}
    alone: dict[str, list[str]] = {}
    countries: dict[str, set[str]] = {}
    for entry in register_entries(report):
        services.setdefault(entry.provider, []).append(entry.service)
        countries.setdefault(entry.provider, set()).update(entry.countries)
        if entry.alternatives == () and entry.criticality in ("critical", "high"):
            alone.setdefault(entry.provider, []).append(entry.service)
    rows: list[tuple[Cell, ...]] = []
    for provider in sorted(services, key=lambda p: (-len(services[p]), p)):
        summary = providers.get(provider)
        rows.append(
            (
                summary.name if summary else provider,
                len(services[provider]),
                ", ".join(alone.get(provider, [])) or None,
                summary.headquarters if summary else None,
                summary.jurisdiction if summary else None,
                ", ".join(sorted(countries[provider])) or "indeterminate",
            )
        )
    return Section(
        title="Register summary: ICT third-party providers",
        key="register-summary",
        note="The full register is below; `--format dora` writes it as the EBA templates.",
        headers=(
            "Provider",
            "Services",
            "Critical/high without alternative",
            "Headquarters",
            "Jurisdiction",
            "Data location",
        ),  # fmt: skip
        rows=tuple(rows),
    )


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
    web_rows = [
        (*row, _sources(evidence, e.subject))
        for d in report.attribution.domains
        for row, e in zip(_endpoint_rows(d.domain, d.web), d.web, strict=True)
    ]
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
            _register_summary(report),
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
            Section("Web hosts found", (*_ENDPOINT_HEADERS, "Sources"), tuple(web_rows), key="web"),
            records,
            dependencies,
            register,
            *(
                s
                for s in evidence_document.sections
                if s.key in ("enumeration", "axfr", "failures")
            ),
        ),
        primary="findings",
        overview=tuple(s.chart for s in concentration if s.chart),
        flow=_dependency_flow(report),
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
