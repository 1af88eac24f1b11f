"""Records that outlived what they point at, and who could claim them: pure functions.

A CNAME of the organisation whose target no longer exists (NXDOMAIN at the end of the chain),
or whose target still resolves but shows the vendor's page for a deprovisioned resource (an
HTTP probe found its fingerprint), is free for whoever creates that name at the vendor; a
delegation whose every reachable name
server refuses the zone, or answers for it without authority, is free for whoever creates the
zone at that operator. Whether that is possible is the vendor's documented takeover status in
the catalogue (per CNAME pattern, or per DNS operator); unknown vendors are reported without.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudaudit.attribution.catalogue import PatternKind, TakeoverFact
from cloudaudit.attribution.models import TakeoverRisk
from cloudaudit.attribution.patterns import NameMatcher
from cloudaudit.discovery.models import (
    DomainEvidence,
    HostEvidence,
    HttpProbe,
    Outcome,
    ScanEvidence,
)
from cloudaudit.inventory.models import EndpointKind

#: Outcomes of a direct question that show the server was reached and does not serve the zone.
_REFUSING = frozenset({Outcome.REFUSED, Outcome.SERVFAIL, Outcome.NXDOMAIN, Outcome.ANSWER,
                       Outcome.NODATA, Outcome.FORMERR})  # fmt: skip


def find_takeover_risks(evidence: ScanEvidence, matcher: NameMatcher) -> tuple[TakeoverRisk, ...]:
    """Dangling CNAMEs among the organisation's own names (NXDOMAIN, or the vendor's error
    page), and delegations whose zone is missing at every server that answered."""
    owned = _owned(evidence)
    risks = [
        risk
        for name, host in sorted(evidence.hosts.items())
        if owned(name)
        for risk in _dangling_cname(name, host, matcher)
    ]
    risks += [
        risk
        for probe in evidence.http_probes
        if probe.fingerprint is not None
        for risk in _error_page(probe, evidence.hosts[probe.hostname], matcher)
    ]
    risks += [risk for domain in evidence.domains for risk in _missing_zone(domain, matcher)]
    return tuple(risks)


def _error_page(
    probe: HttpProbe, host: HostEvidence, matcher: NameMatcher
) -> Iterator[TakeoverRisk]:
    """A name that still resolves, where the vendor's page says nothing is there."""
    hits = [
        hit
        for hop in host.cname_chain
        for hit in matcher.match(hop.target, PatternKind.CNAME)
        if hit.pattern.takeover is not None
        and hit.pattern.takeover.fingerprint == probe.fingerprint
    ]
    hit = next(iter(hits), None)
    path = " → ".join([probe.hostname, *(hop.target for hop in host.cname_chain)])
    yield _risk(
        probe.hostname,
        "cname",
        host.cname_chain[-1].target,
        hit.provider.id if hit else None,
        hit.pattern.takeover if hit else None,
        (path, f"{probe.url} ({probe.address}) answers {probe.status}: {probe.fingerprint!r}"),
    )


def _owned(evidence: ScanEvidence) -> _Owned:
    inventory = evidence.inventory
    endpoints = {
        e.host for s in inventory.services for e in s.endpoints if e.kind is not EndpointKind.IP
    }
    return _Owned(endpoints, tuple(inventory.domains))


class _Owned:
    """Whether a name is the organisation's: an endpoint it lists, or under one of its domains
    (name servers and mail hosts of vendors are theirs, not the organisation's)."""

    def __init__(self, endpoints: set[str], domains: tuple[str, ...]) -> None:
        self.endpoints = endpoints
        self.domains = domains

    def __call__(self, name: str) -> bool:
        return name in self.endpoints or any(
            name == domain or name.endswith(f".{domain}") for domain in self.domains
        )


def _dangling_cname(name: str, host: HostEvidence, matcher: NameMatcher) -> Iterator[TakeoverRisk]:
    chain = host.cname_chain
    if not chain or host.a.outcome is not Outcome.NXDOMAIN:
        return
    if host.aaaa.outcome not in (Outcome.NXDOMAIN, Outcome.OFFLINE):
        return
    target = chain[-1].target
    hits = [hit for hop in chain for hit in matcher.match(hop.target, PatternKind.CNAME)]
    documented = [hit for hit in hits if hit.pattern.takeover is not None]
    hit = next(iter(documented or hits), None)
    fact = hit.pattern.takeover if hit else None
    path = " → ".join([name, *(hop.target for hop in chain)])
    yield _risk(
        name,
        "cname",
        target,
        hit.provider.id if hit else None,
        fact,
        (f"{path}: NXDOMAIN",),
    )


def _missing_zone(domain: DomainEvidence, matcher: NameMatcher) -> Iterator[TakeoverRisk]:
    reached = [p for p in domain.server_probes if p.query.outcome in _REFUSING]
    if not reached or any(p.serves_zone for p in domain.server_probes):
        return
    servers = list(dict.fromkeys([*domain.ns_hosts, *domain.delegated_ns_hosts]))
    operators: dict[str | None, TakeoverFact | None] = {
        hit.provider.id: hit.provider.zone_takeover
        for host in servers
        for hit in matcher.match(host, PatternKind.NS)
    }
    evidence = tuple(f"{p.host} ({p.address}): {p.verdict}" for p in reached)
    for provider, fact in sorted(operators.items(), key=lambda item: item[0] or "") or [
        (None, None)
    ]:
        yield _risk(domain.domain, "delegation", ", ".join(servers), provider, fact, evidence)


def _risk(
    subject: str,
    kind: str,
    target: str,
    provider: str | None,
    fact: TakeoverFact | None,
    evidence: tuple[str, ...],
) -> TakeoverRisk:
    return TakeoverRisk(
        subject=subject,
        kind=kind,
        target=target,
        provider=provider,
        status=fact.status if fact else None,
        fingerprint=fact.fingerprint if fact else None,
        source=fact.source if fact else None,
        evidence=evidence,
    )
