"""The registry of checks: stable ids, what each looks for, and how to fix what it finds.

Every check is a pure function of the estate (inventory joined with attribution), the scan
evidence and the policy. Ids never change meaning; each has an anchor in docs/checks.md.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from cloudaudit.analysis.concentration import concentration
from cloudaudit.analysis.estate import Estate, dns_operator, region_key
from cloudaudit.analysis.models import Analysis, Concentration, Finding, Severity
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.models import DependencyKind, LayerRole, TakeoverStatus
from cloudaudit.discovery.models import DomainEvidence, Outcome, ScanEvidence, Signal
from cloudaudit.inventory.models import Criticality

DOCS = "https://github.com/cloudaudit/cloudaudit/blob/main/docs/checks.md"


class CheckId(StrEnum):
    SINGLE_PROVIDER = "SPOF-PROVIDER-001"
    SINGLE_REGION = "SPOF-REGION-001"
    SINGLE_DNS_OPERATOR = "SPOF-DNS-001"
    SINGLE_MAIL_PROVIDER = "SPOF-MAIL-001"
    SINGLE_CDN_PATH = "SPOF-CDN-001"
    CONTROL_PLANE = "SPOF-CONTROL-001"
    HIDDEN_CONCENTRATION = "SPOF-HIDDEN-001"
    JURISDICTION_CONFLICT = "JURIS-001"
    DATA_LOCATION = "JURIS-002"
    ORGANISATION_CONCENTRATION = "CONC-ORG-001"
    POLICY_MAX_SHARE = "CONC-POLICY-001"
    UNATTRIBUTED = "ATTR-001"
    DNS_INCOMPLETE = "SCAN-DNS-001"
    CT_INCOMPLETE = "SCAN-CT-001"
    STALE_RANGES = "DATA-STALE-001"
    SPF_LOOKUP_LIMIT = "MAIL-SPF-001"
    TAKEOVER_CNAME = "TAKEOVER-CNAME-001"
    TAKEOVER_ZONE = "TAKEOVER-DNS-001"
    LAME_DELEGATION = "DNS-LAME-001"
    DELEGATION_MISMATCH = "DNS-DELEG-001"
    SINGLE_HOMED_DNS = "DNS-HOMED-001"
    GLUE_MISMATCH = "DNS-GLUE-001"
    NO_CAA = "CA-CAA-001"
    SINGLE_CA = "CA-SINGLE-001"
    ZONE_TRANSFER = "DNS-AXFR-001"


_BY_CRITICALITY = {
    Criticality.CRITICAL: Severity.CRITICAL,
    Criticality.HIGH: Severity.HIGH,
    Criticality.MEDIUM: Severity.MEDIUM,
    Criticality.LOW: Severity.LOW,
}
_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


def _lower(severity: Severity, steps: int = 1) -> Severity:
    return _ORDER[max(0, _ORDER.index(severity) - steps)]


@dataclass(frozen=True)
class Context:
    estate: Estate
    evidence: ScanEvidence
    policy: Policy
    concentration: tuple[Concentration, ...]
    now: datetime


@dataclass(frozen=True)
class Check:
    id: CheckId
    title: str
    remediation: str
    run: Callable[[Context, Check], Iterator[Finding]]

    def finding(
        self,
        severity: Severity,
        subject: str,
        evidence: list[str],
        services: tuple[str, ...] = (),
        weight: float = 0.0,
        title: str | None = None,
    ) -> Finding:
        return Finding(
            check_id=self.id.value,
            title=title or self.title,
            severity=severity,
            subject=subject,
            services=services,
            weighted_impact=weight,
            evidence=tuple(evidence),
            remediation=self.remediation,
            doc_url=f"{DOCS}#{self.id.value.lower()}",
        )


def _single_provider(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        endpoints = view.attributed
        if not endpoints:
            continue
        common = set.intersection(*({layer.provider for layer in e.layers} for e in endpoints))
        for provider in sorted(common):
            yield check.finding(
                _BY_CRITICALITY[view.service.criticality],
                view.service.name,
                [
                    f"{e.subject} → {' / '.join(layer.provider for layer in e.layers)}"
                    for e in endpoints
                ],
                (view.service.name,),
                view.weight,
                title=f"{view.service.name} depends entirely on {ctx.estate.name(provider)}",
            )


def _single_region(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        keys = {region_key(e) for e in view.attributed}
        if len(keys) == 1 and None not in keys:
            (key,) = keys
            assert key is not None
            yield check.finding(
                _BY_CRITICALITY[view.service.criticality],
                view.service.name,
                [f"{e.subject} → {region_key(e)}" for e in view.attributed],
                (view.service.name,),
                view.weight,
                title=f"{view.service.name} runs in one region: {key}",
            )


def _single_dns_operator(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.estate.attribution.domains:
        if not domain.dns:
            continue
        operators = {dns_operator(ns) for ns in domain.dns}
        if len(operators) != 1:
            continue
        (operator,) = operators
        services = tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain))
        weight = ctx.estate.domain_weight(domain.domain)
        severity = Severity.HIGH if weight >= Criticality.HIGH.weight else Severity.MEDIUM
        label = (
            operator.removeprefix("self:") + " (self-hosted)"
            if operator.startswith("self:")
            else ctx.estate.name(operator)
        )
        yield check.finding(
            severity,
            domain.domain,
            [f"NS {ns.subject} → {dns_operator(ns)}" for ns in domain.dns],
            services,
            weight,
            title=f"All name servers of {domain.domain} are run by {label}",
        )


def _single_mail_provider(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.estate.attribution.domains:
        providers = {m.provider or "unknown" for m in domain.mail}
        if len(providers) != 1 or providers == {"unknown"}:
            continue
        (provider,) = providers
        yield check.finding(
            Severity.MEDIUM,
            domain.domain,
            [f"MX {m.subject} → {m.provider}" for m in domain.mail],
            weight=ctx.estate.domain_weight(domain.domain),
            title=f"All mail for {domain.domain} is received by {ctx.estate.name(provider)}",
        )


def _single_cdn_path(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        edges = {
            e.layers[0].provider for e in view.attributed if e.layers[0].role is LayerRole.EDGE
        }
        bypass = [e for e in view.attributed if e.layers[0].role is not LayerRole.EDGE]
        if len(edges) == 1 and not bypass:
            (edge,) = edges
            yield check.finding(
                _lower(_BY_CRITICALITY[view.service.criticality]),
                view.service.name,
                [f"{e.subject} → edge {e.layers[0].provider}" for e in view.attributed],
                (view.service.name,),
                view.weight,
                title=f"{view.service.name} is reachable only through {ctx.estate.name(edge)}",
            )


def _control_plane(ctx: Context, check: Check) -> Iterator[Finding]:
    anchored: dict[tuple[str, str], set[str]] = defaultdict(set)
    evidence: dict[tuple[str, str], set[str]] = defaultdict(set)
    global_services = {"CloudFront", "Route 53", "CLOUDFRONT", "ROUTE53", "Global Accelerator"}
    for view in ctx.estate.services:
        for endpoint in view.attributed:
            for layer in endpoint.layers:
                summary = ctx.estate.provider(layer.provider)
                if (
                    summary
                    and summary.control_plane_region
                    and set(layer.services) & global_services
                ):
                    key = (layer.provider, summary.control_plane_region)
                    anchored[key].add(view.service.name)
                    evidence[key].add(f"{endpoint.subject} uses {', '.join(layer.services)}")
    for domain in ctx.estate.attribution.domains:
        for ns in domain.dns:
            for layer in ns.layers:
                summary = ctx.estate.provider(layer.provider)
                if summary and summary.control_plane_region and "Route 53" in layer.services:
                    key = (layer.provider, summary.control_plane_region)
                    anchored[key].update(
                        v.service.name for v in ctx.estate.services_in_domain(domain.domain)
                    )
                    evidence[key].add(f"{domain.domain} NS {ns.subject} (Route 53)")
    for (provider, region), services in sorted(anchored.items()):
        weight = sum(v.weight for v in ctx.estate.services if v.service.name in services)
        yield check.finding(
            Severity.MEDIUM,
            f"{provider}:{region}",
            sorted(evidence[(provider, region)]),
            tuple(sorted(services)),
            weight,
            title=f"Global {ctx.estate.name(provider)} services depend on {region}",
        )


def _hidden_concentration(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        outer = {e.layers[0].provider for e in view.attributed}
        bottoms = {e.layers[-1].provider for e in view.attributed}
        if len(outer) >= 2 and len(bottoms) == 1 and not bottoms <= outer:
            (bottom,) = bottoms
            yield check.finding(
                _BY_CRITICALITY[view.service.criticality],
                view.service.name,
                [
                    f"{e.subject} → {' on '.join(layer.provider for layer in e.layers)}"
                    for e in view.attributed
                ],
                (view.service.name,),
                view.weight,
                title=f"{view.service.name}: {', '.join(sorted(outer))} all run on "
                f"{ctx.estate.name(bottom)}",
            )


def _jurisdiction(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        required = view.service.required_jurisdiction or ctx.policy.require_jurisdiction
        if not required:
            continue
        conflicts = []
        for endpoint in view.attributed:
            for layer in endpoint.layers:
                summary = ctx.estate.provider(layer.provider)
                if summary is None:
                    continue
                if summary.jurisdiction != required or (required == "EU" and summary.cloud_act):
                    why = "CLOUD Act" if summary.cloud_act else summary.jurisdiction
                    conflicts.append(f"{endpoint.subject} → {summary.name} ({why})")
        if conflicts:
            yield check.finding(
                Severity.HIGH,
                view.service.name,
                sorted(set(conflicts)),
                (view.service.name,),
                view.weight,
                title=f"{view.service.name} requires {required} jurisdiction; providers outside it",
            )


def _data_location(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        allowed = set(view.service.required_data_countries)
        if not allowed:
            continue
        outside, unknown = [], []
        for endpoint in view.attributed:
            bottom = endpoint.layers[-1]
            if bottom.country is None:
                unknown.append(f"{endpoint.subject}: location indeterminate ({bottom.provider})")
            elif bottom.country not in allowed:
                outside.append(
                    f"{endpoint.subject}: data in {bottom.country} "
                    f"({bottom.provider} {bottom.region})"
                )
        if outside or unknown:
            yield check.finding(
                Severity.HIGH if outside else Severity.MEDIUM,
                view.service.name,
                outside + unknown,
                (view.service.name,),
                view.weight,
                title=f"{view.service.name} may hold data outside {', '.join(sorted(allowed))}",
            )


def _organisation_concentration(ctx: Context, check: Check) -> Iterator[Finding]:
    for item in ctx.concentration:
        if item.dimension not in ("provider", "infrastructure") or item.top_key is None:
            continue
        if (
            item.top_share > ctx.policy.organisation_share_threshold
            and len(ctx.estate.services) > 1
        ):
            yield check.finding(
                Severity.HIGH if item.top_share >= 0.8 else Severity.MEDIUM,
                item.top_key,
                [f"{s.key}: {s.share:.0%}" for s in item.shares[:5]] + [f"HHI {item.hhi:.0f}"],
                item.shares[0].services,
                item.shares[0].weight,
                title=f"{item.top_share:.0%} of the estate ({item.dimension}) sits with "
                f"{ctx.estate.name(item.top_key)}",
            )


def _policy_share(ctx: Context, check: Check) -> Iterator[Finding]:
    if not ctx.policy.max_share:
        return
    for item in ctx.concentration:
        if item.dimension not in ("provider", "infrastructure"):
            continue
        for share in item.shares:
            limit = ctx.policy.max_share.get(share.key, ctx.policy.max_share.get("*"))
            if limit is not None and share.share > limit:
                yield check.finding(
                    Severity.HIGH,
                    share.key,
                    [f"{item.dimension} share {share.share:.0%} > allowed {limit:.0%}"],
                    share.services,
                    share.weight,
                    title=f"{ctx.estate.name(share.key)} holds {share.share:.0%} of the estate "
                    f"({item.dimension}); policy allows {limit:.0%}",
                )


def _unattributed(ctx: Context, check: Check) -> Iterator[Finding]:
    for view in ctx.estate.services:
        missing = [e for e in view.endpoints if not e.attributed and not e.dns_failed]
        if missing:
            yield check.finding(
                Severity.LOW,
                view.service.name,
                [f"{e.subject}: {e.unattributed_reason}" for e in missing],
                (view.service.name,),
                view.weight,
            )


def _dns_incomplete(ctx: Context, check: Check) -> Iterator[Finding]:
    failed = [
        q for d in ctx.evidence.domains for q in (d.soa, d.ns, d.mx) if q.outcome.is_failure
    ] + [q for h in ctx.evidence.hosts.values() for q in (h.a, h.aaaa) if q.outcome.is_failure]
    if failed or ctx.evidence.interrupted:
        lines = [f"{q.qname} {q.qtype}: {q.outcome.value}" for q in failed[:20]]
        if len(failed) > 20:
            lines.append(f"… and {len(failed) - 20} more")
        yield check.finding(Severity.MEDIUM, "scan", lines or ["scan interrupted"])


def _ct_incomplete(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        ct = domain.ct
        if ct is None:
            continue
        if ct.capped:
            listed = f"{ct.entries} certificate entries read, cap {ct.max_names}"
            yield check.finding(
                Severity.LOW,
                domain.domain,
                [f"{ct.service.value}: kept the first {len(ct.names)} names listed ({listed})"],
                title=f"Certificate transparency lists more names under {domain.domain} than "
                f"the {ct.max_names} scanned",
            )
        elif ct.failed:
            last = ct.fetches[-1] if ct.fetches else None
            line = f"{last.url}: {last.outcome.value}" if last else "not asked"
            if last and last.detail:
                line += f" ({last.detail})"
            yield check.finding(
                Severity.INFO,
                domain.domain,
                [line],
                title=f"Certificate transparency could not be read for {domain.domain}",
            )


def _stale(ctx: Context, check: Check) -> Iterator[Finding]:
    info = ctx.estate.attribution.snapshot
    reference = info.oldest_feed_date or info.generated_at
    age = (ctx.now - reference).total_seconds() / 86400
    if age > ctx.policy.stale_after_days:
        yield check.finding(
            Severity.LOW,
            "range data",
            [f"snapshot {info.version}, oldest feed retrieved {reference.date()} ({age:.0f} days)"],
        )


def _spf_limit(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        if domain.spf and domain.spf.exceeds_lookup_limit:
            yield check.finding(
                Severity.LOW,
                domain.domain,
                [f"{domain.spf.lookup_count} DNS-querying SPF terms (limit 10)"],
            )


_TAKEOVER_SEVERITY = {
    TakeoverStatus.VULNERABLE: Severity.HIGH,
    TakeoverStatus.EDGE_CASE: Severity.MEDIUM,
    TakeoverStatus.NOT_VULNERABLE: Severity.LOW,
}


def _takeover(kind: str) -> Callable[[Context, Check], Iterator[Finding]]:
    def run(ctx: Context, check: Check) -> Iterator[Finding]:
        for risk in ctx.estate.attribution.takeover_risks:
            if risk.kind != kind:
                continue
            vendor = ctx.estate.name(risk.provider) if risk.provider else "an unknown vendor"
            status = risk.status.value.replace("_", " ") if risk.status else "not documented"
            lines = [*risk.evidence, f"{vendor}: takeover {status}"]
            if risk.fingerprint:
                lines.append(f"a deprovisioned resource there answers: {risk.fingerprint}")
            if risk.source:
                lines.append(f"source: {risk.source}")
            services = _services_named(ctx, risk.subject)
            yield check.finding(
                _TAKEOVER_SEVERITY.get(risk.status, Severity.MEDIUM)
                if risk.status
                else Severity.MEDIUM,
                risk.subject,
                lines,
                services,
                ctx.estate.domain_weight(risk.subject),
                title=f"{risk.subject} points at {risk.target}, which no longer exists at {vendor}"
                if kind == "cname"
                else f"{risk.subject} is delegated to {vendor}, which does not serve the zone",
            )

    return run


def _services_named(ctx: Context, name: str) -> tuple[str, ...]:
    return tuple(
        view.service.name
        for view in ctx.estate.services
        if any(e.subject == name for e in view.endpoints)
    )


def _domain_severity(ctx: Context, domain: str) -> Severity:
    weight = ctx.estate.domain_weight(domain)
    return Severity.HIGH if weight >= Criticality.HIGH.weight else Severity.MEDIUM


def _lame_delegation(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        probes = [p for p in domain.server_probes if p.serves_zone is not None]
        lame = [p for p in probes if not p.serves_zone]
        if not lame:
            continue
        every = len(lame) == len(probes)
        yield check.finding(
            Severity.HIGH if every else _lower(_domain_severity(ctx, domain.domain)),
            domain.domain,
            [f"{p.host} ({p.address}): {p.verdict}" for p in lame],
            tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain)),
            ctx.estate.domain_weight(domain.domain),
            title=f"{len(lame)} of {len(probes)} name servers of {domain.domain} do not serve it",
        )


def _delegation_mismatch(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        parent, child = set(domain.delegated_ns_hosts), set(domain.ns_hosts)
        if not parent or not child or parent == child:
            continue
        lines = [f"parent only: {name}" for name in sorted(parent - child)]
        lines += [f"child only: {name}" for name in sorted(child - parent)]
        yield check.finding(
            _lower(_domain_severity(ctx, domain.domain)),
            domain.domain,
            lines,
            tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain)),
            ctx.estate.domain_weight(domain.domain),
        )


def _single_homed_dns(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        servers = dict.fromkeys([*domain.ns_hosts, *domain.delegated_ns_hosts])
        addresses = {
            address
            for name in servers
            if (host := ctx.evidence.hosts.get(name)) is not None
            for address in host.addresses
        }
        networks = {_network(address) for address in addresses}
        if not addresses or len(networks) != 1:
            continue
        (network,) = networks
        yield check.finding(
            _domain_severity(ctx, domain.domain),
            domain.domain,
            [
                f"{name}: {', '.join(ctx.evidence.hosts[name].addresses)}"
                for name in servers
                if name in ctx.evidence.hosts
            ],  # fmt: skip
            tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain)),
            ctx.estate.domain_weight(domain.domain),
            title=f"Every name server of {domain.domain} is in {network}",
        )


def _network(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address is in: one routing failure takes all of it."""
    parsed = ipaddress.ip_address(address)
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _glue_mismatch(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        if domain.delegation is None:
            continue
        glue: dict[str, set[str]] = defaultdict(set)
        for record in domain.delegation.records:
            if record.rtype in ("A", "AAAA"):
                glue[record.name].add(record.value)
        lines = []
        for name, addresses in sorted(glue.items()):
            host = ctx.evidence.hosts.get(name)
            if host is None or not host.addresses or set(host.addresses) == addresses:
                continue
            lines.append(
                f"{name}: parent glue {', '.join(sorted(addresses))}; "
                f"the name resolves to {', '.join(sorted(host.addresses))}"
            )
        if lines:
            yield check.finding(
                _lower(_domain_severity(ctx, domain.domain)),
                domain.domain,
                lines,
                tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain)),
                ctx.estate.domain_weight(domain.domain),
            )


def _issuers(domain: DomainEvidence) -> set[str]:
    """Certificate authorities a domain's CAA records allow (issue and issuewild)."""
    issuers = set()
    for record in domain.caa.records:
        parts = record.value.split(None, 2)
        if len(parts) == 3 and parts[1].lower() in ("issue", "issuewild"):
            issuer = parts[2].strip('"').split(";")[0].strip().lower()
            if issuer:
                issuers.add(issuer)
    return issuers


def _no_caa(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        if domain.caa.outcome not in (Outcome.NODATA, Outcome.NXDOMAIN) or domain.caa.records:
            continue
        weight = ctx.estate.domain_weight(domain.domain)
        if weight < Criticality.HIGH.weight:
            continue
        yield check.finding(
            Severity.LOW,
            domain.domain,
            [f"CAA {domain.domain}: {domain.caa.outcome.value}"],
            tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain)),
            weight,
        )


def _single_ca(ctx: Context, check: Check) -> Iterator[Finding]:
    pinned = {d.domain: _issuers(d) for d in ctx.evidence.domains if _issuers(d)}
    validators = {
        dep.provider
        for dep in ctx.estate.attribution.dependencies
        if dep.kind is DependencyKind.CERTIFICATE and dep.signal is not Signal.CAA
    }
    authorities = set().union(*pinned.values()) if pinned else set()
    if len(authorities) != 1 or len(pinned) < 2:
        return
    (authority,) = authorities
    yield check.finding(
        Severity.MEDIUM,
        authority,
        [f"CAA {domain}: {authority}" for domain in sorted(pinned)]
        + [
            f"certificate validation also delegated to {ctx.estate.name(v)}"
            for v in sorted(validators)
        ],  # fmt: skip
        tuple(v.service.name for d in pinned for v in ctx.estate.services_in_domain(d)),
        sum(ctx.estate.domain_weight(d) for d in pinned),
        title=f"Every domain that pins a certificate authority pins only {authority}",
    )


_NAMES_SHOWN = 5


def _zone_transfer(ctx: Context, check: Check) -> Iterator[Finding]:
    for domain in ctx.evidence.domains:
        exposed = [t for t in domain.zone_transfers if t.exposed]
        if not exposed:
            continue
        lines = [
            f"{t.host} ({t.address}): {t.outcome.value}, {t.records} records"
            + (f" ({t.detail})" if t.detail else "")
            for t in exposed
        ]
        names = domain.transferred_hosts
        if names:
            shown = ", ".join(names[:_NAMES_SHOWN])
            more = f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else ""
            lines.append(f"{len(names)} host names in the zone: {shown}{more}")
        yield check.finding(
            Severity.MEDIUM,
            domain.domain,
            lines,
            tuple(v.service.name for v in ctx.estate.services_in_domain(domain.domain)),
            ctx.estate.domain_weight(domain.domain),
            title=f"{len(exposed)} of {len(domain.zone_transfers)} name server addresses of "
            f"{domain.domain} hand out the whole zone (AXFR)",
        )


REGISTRY: dict[CheckId, Check] = {
    check.id: check
    for check in (
        Check(
            CheckId.SINGLE_PROVIDER,
            "Service depends on a single provider",
            "Add an endpoint with an independent provider (a second cloud or hoster) behind "
            "health-checked DNS failover, or document the accepted risk.",
            _single_provider,
        ),
        Check(
            CheckId.SINGLE_REGION,
            "Service runs in a single region",
            "Deploy to a second region of the provider and fail over in DNS or the load "
            "balancer; test the failover.",
            _single_region,
        ),
        Check(
            CheckId.SINGLE_DNS_OPERATOR,
            "All name servers at one DNS operator",
            "Add a secondary DNS operator (zone transfer or multi-signer DNSSEC) and list both "
            "operators' name servers at the registry.",
            _single_dns_operator,
        ),
        Check(
            CheckId.SINGLE_MAIL_PROVIDER,
            "All MX hosts at one mail provider",
            "Add a backup MX at an independent provider that queues mail during an outage.",
            _single_mail_provider,
        ),
        Check(
            CheckId.SINGLE_CDN_PATH,
            "CDN with no second origin path",
            "Keep a second CDN or a direct-to-origin DNS record ready for failover.",
            _single_cdn_path,
        ),
        Check(
            CheckId.CONTROL_PLANE,
            "Global services anchored in one region",
            "Know which global services (CloudFront, Route 53, IAM) you rely on; pre-provision "
            "changes and keep a DNS fallback that needs no control-plane change.",
            _control_plane,
        ),
        Check(
            CheckId.HIDDEN_CONCENTRATION,
            "Apparent diversity on one underlying cloud",
            "Choose an alternative whose infrastructure differs, not only its brand.",
            _hidden_concentration,
        ),
        Check(
            CheckId.JURISDICTION_CONFLICT,
            "Jurisdiction requirement not met",
            "Move the service to a provider under the required jurisdiction (for EU: an EU "
            "provider not subject to the CLOUD Act) or record the legal basis.",
            _jurisdiction,
        ),
        Check(
            CheckId.DATA_LOCATION,
            "Data may be located outside the allowed countries",
            "Pin the workload to a region in an allowed country and confirm it with the "
            "provider's documentation.",
            _data_location,
        ),
        Check(
            CheckId.ORGANISATION_CONCENTRATION,
            "Organisation-wide concentration",
            "Set a concentration budget per provider (DORA ICT concentration risk) and plan "
            "which services move first.",
            _organisation_concentration,
        ),
        Check(
            CheckId.POLICY_MAX_SHARE,
            "Provider share above policy",
            "Reduce the share of this provider or raise the policy limit knowingly.",
            _policy_share,
        ),
        Check(
            CheckId.UNATTRIBUTED,
            "Endpoints could not be attributed",
            "Check the endpoint; if it is hosted somewhere cloudaudit does not know, add the "
            "provider to the catalogue.",
            _unattributed,
        ),
        Check(
            CheckId.DNS_INCOMPLETE,
            "DNS lookups failed: parts of the estate are unknown",
            "Re-run the scan; if failures persist, fix the affected zones or resolver.",
            _dns_incomplete,
        ),
        Check(
            CheckId.CT_INCOMPLETE,
            "Certificate-transparency enumeration incomplete",
            "Raise --ct-max-names (or scan the domain's zone with --zone) so every name "
            "certificates were issued for is resolved; if the service failed, re-run the scan "
            "or choose the other service with --ct-service.",
            _ct_incomplete,
        ),
        Check(
            CheckId.STALE_RANGES,
            "Provider range data is stale",
            "Run `cloudaudit ranges update`.",
            _stale,
        ),
        Check(
            CheckId.SPF_LOOKUP_LIMIT,
            "SPF record exceeds the 10-lookup limit",
            "Flatten or reduce SPF includes; receivers return permerror past 10 lookups "
            "(RFC 7208 section 4.6.4).",
            _spf_limit,
        ),
        Check(
            CheckId.TAKEOVER_CNAME,
            "Dangling CNAME: the target no longer exists",
            "Delete the record, or re-create the resource it points at before anyone else "
            "does; remove DNS records before deprovisioning what they point at.",
            _takeover("cname"),
        ),
        Check(
            CheckId.TAKEOVER_ZONE,
            "Delegation to an operator that does not serve the zone",
            "Re-create the zone at the operator (with the same name servers) or remove the "
            "delegation at the parent; an operator that lets anyone create the zone hands it "
            "to the first who asks.",
            _takeover("delegation"),
        ),
        Check(
            CheckId.LAME_DELEGATION,
            "Lame delegation: name servers that do not serve the zone",
            "Remove the lame servers from the delegation and the zone's NS set, or make them "
            "serve the zone; resolvers waste time on them and fail when all are lame.",
            _lame_delegation,
        ),
        Check(
            CheckId.DELEGATION_MISMATCH,
            "Parent and child disagree on the name servers",
            "Make the NS set at the registry (parent) and in the zone (child) the same "
            "(RFC 1034 section 4.2.2).",
            _delegation_mismatch,
        ),
        Check(
            CheckId.SINGLE_HOMED_DNS,
            "All name servers in one network",
            "Put name servers in different networks (different /24 or /48, ideally different "
            "operators and ASNs, RFC 2182).",
            _single_homed_dns,
        ),
        Check(
            CheckId.GLUE_MISMATCH,
            "Glue at the parent differs from the name server's addresses",
            "Update the glue records at the registry to the name servers' current addresses.",
            _glue_mismatch,
        ),
        Check(
            CheckId.NO_CAA,
            "No certificate authority pinned for an important domain",
            "Publish CAA records naming the certificate authorities you use (RFC 8659), so no "
            "other CA issues for the domain.",
            _no_caa,
        ),
        Check(
            CheckId.SINGLE_CA,
            "Every pinned domain depends on one certificate authority",
            "Allow a second CA in CAA and keep an ACME account with it, so renewals continue "
            "during one CA's outage.",
            _single_ca,
        ),
        Check(
            CheckId.ZONE_TRANSFER,
            "Name servers hand out the whole zone (AXFR)",
            "Allow AXFR and IXFR only to your secondary servers, by address and TSIG key "
            "(RFC 5936 section 6); everyone else should be refused.",
            _zone_transfer,
        ),
    )
}


def concentrations(estate: Estate) -> tuple[Concentration, ...]:
    services = estate.services
    dims = [
        concentration(
            "provider",
            (
                (v.service.name, v.weight, {e.layers[0].provider for e in v.attributed})
                for v in services
            ),
        ),
        concentration(
            "infrastructure",
            (
                (v.service.name, v.weight, {e.layers[-1].provider for e in v.attributed})
                for v in services
            ),
        ),
        concentration(
            "region",
            (
                (
                    v.service.name,
                    v.weight,
                    {
                        region_key(e) or f"{e.layers[-1].provider}:global/unknown"
                        for e in v.attributed
                    },
                )
                for v in services
            ),
        ),
        concentration(
            "jurisdiction",
            (
                (
                    v.service.name,
                    v.weight,
                    {
                        estate.jurisdiction(layer.provider)
                        for e in v.attributed
                        for layer in e.layers
                    },
                )
                for v in services
            ),
        ),
        concentration(
            "dns",
            (
                (d.domain, estate.domain_weight(d.domain), {dns_operator(ns) for ns in d.dns})
                for d in estate.attribution.domains
            ),
        ),
        concentration(
            "mail",
            (
                (
                    d.domain,
                    estate.domain_weight(d.domain),
                    {m.provider or "unknown" for m in d.mail},
                )
                for d in estate.attribution.domains
            ),
        ),
    ]
    return tuple(dims)


def analyse(
    evidence: ScanEvidence,
    estate: Estate,
    policy: Policy,
    now: datetime | None = None,
) -> Analysis:
    conc = concentrations(estate)
    ctx = Context(estate, evidence, policy, conc, now or datetime.now(UTC))
    findings = [f for check in REGISTRY.values() for f in check.run(ctx, check)]
    findings.sort(key=lambda f: (-f.severity.rank, f.check_id, f.subject, f.title))
    return Analysis(findings=tuple(findings), concentration=conc)
