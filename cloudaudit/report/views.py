"""Pure functions turning each document model into a format-neutral Document.

One view per model type, registered in ``_VIEWS``; ``render`` in formats finds it by type,
so adding a document type means adding one function here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from cloudaudit.attribution.status import RangesStatus
from cloudaudit.discovery.models import DnsQuery, ScanEvidence
from cloudaudit.errors import CloudauditError
from cloudaudit.report.document import Document, Section


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


_VIEWS: dict[type[BaseModel], Callable[[Any], Document]] = {
    ScanEvidence: evidence_view,
    RangesStatus: ranges_status_view,
}


def register_view(model: type[BaseModel], view: Callable[[Any], Document]) -> None:
    _VIEWS[model] = view


def view_of(model: BaseModel) -> Document:
    for model_type, view in _VIEWS.items():
        if isinstance(model, model_type):
            return view(model)
    raise CloudauditError(f"no report view for {type(model).__name__}")
