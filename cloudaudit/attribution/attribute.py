"""Who hosts each endpoint, where, and under which law: pure functions over the evidence.

For one host name we combine two kinds of signal: the names along its CNAME chain (matched
against catalogue patterns: "this is Netlify", "this is an ELB in eu-central-1") and the
addresses it finally resolves to (longest-prefix match on the providers' own range feeds, or
an RDAP holder mapped by ASN). The answer is a stack of layers, outermost first: an edge (CDN)
is kept apart from the platform behind it and from the infrastructure under that. When a
platform's addresses are not in any feed, the catalogue's public platform facts ("Vercel runs
on AWS") supply the infrastructure layer, marked as such. Nothing is ever dropped: an endpoint
we cannot place is returned with ``attributed=False`` and the reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Protocol

from cloudaudit.attribution.catalogue import Catalogue, PatternKind
from cloudaudit.attribution.dependencies import find_dependencies
from cloudaudit.attribution.models import (
    AddressMatch,
    AttributionResult,
    Confidence,
    DomainAttribution,
    EndpointAttribution,
    EndpointRole,
    EvidenceItem,
    LayerRole,
    Method,
    ProviderLayer,
    ServiceAttribution,
    SnapshotInfo,
)
from cloudaudit.attribution.patterns import NameMatcher
from cloudaudit.attribution.ranges import RangeHit, to_address_match
from cloudaudit.attribution.rdap import RdapResult, needs_rdap
from cloudaudit.attribution.takeover import find_takeover_risks
from cloudaudit.discovery.models import DomainEvidence, HostEvidence, Outcome, ScanEvidence
from cloudaudit.inventory.models import AliasKind, EndpointKind, ProviderAlias
from cloudaudit.inventory.names import registrable_domain

#: Range-feed services that mean an edge network in front of an origin we cannot see.
_EDGE_SERVICES = frozenset({"CLOUDFRONT", "CLOUDFRONT_ORIGIN_FACING", "GLOBALACCELERATOR"})
_EDGE_SERVICE_PREFIXES = ("AzureFrontDoor", "AzureCDN")
_ROLE_ORDER = {
    LayerRole.EDGE: 0,
    LayerRole.SAAS: 1,
    LayerRole.PLATFORM: 2,
    LayerRole.HOSTING: 3,
    LayerRole.INFRASTRUCTURE: 4,
}


class RangeLookup(Protocol):
    def lookup(self, address: str) -> RangeHit | None: ...

    @property
    def info(self) -> SnapshotInfo: ...


class _Context:
    def __init__(
        self,
        catalogue: Catalogue,
        ranges: RangeLookup,
        rdap: Mapping[str, RdapResult],
        regions: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.catalogue = catalogue
        self.ranges = ranges
        self.rdap = rdap
        self.regions = regions
        self.matcher = NameMatcher(catalogue)
        self.referenced: set[str] = set()

    def country(self, provider: str, region: str | None) -> str | None:
        if region is None:
            return None
        table = self.regions.get(provider, {})
        return table.get(region.lower())


def addresses_needing_rdap(evidence: ScanEvidence, ranges: RangeLookup) -> list[str]:
    """Public addresses of the evidence that no range feed covers (RDAP candidates)."""
    addresses = [a for host in evidence.hosts.values() for a in host.addresses]
    addresses += [
        e.host
        for s in evidence.inventory.services
        for e in s.endpoints
        if e.kind is EndpointKind.IP
    ]
    # The range lookup first: it is far cheaper than the special-purpose address checks.
    return sorted({a for a in addresses if ranges.lookup(a) is None and needs_rdap(a)})


def _address_layer(context: _Context, match: AddressMatch) -> ProviderLayer | None:
    if match.provider is not None:
        provider = context.catalogue.by_id[match.provider]
        edge = provider.default_role is LayerRole.EDGE or any(
            s in _EDGE_SERVICES or s.startswith(_EDGE_SERVICE_PREFIXES) for s in match.services
        )
        role = LayerRole.EDGE if edge else LayerRole.INFRASTRUCTURE
        where = match.region or ("global — location indeterminate" if match.is_global else "")
        detail = f"{match.address} in {match.prefix} ({match.feed}"
        detail += f", {where}" if where else ""
        detail += f", {'/'.join(match.services)})" if match.services else ")"
        return ProviderLayer(
            provider=provider.id,
            role=role,
            region=match.region,
            is_global=match.is_global,
            country=context.country(provider.id, match.region) or match.country,
            services=match.services,
            evidence=(
                EvidenceItem(
                    method=Method.IP_RANGE,
                    subject=match.address,
                    detail=detail,
                    source=match.feed or "",
                ),
            ),
        )
    if match.rdap_asn is not None and match.rdap_asn in context.catalogue.by_asn:
        provider = context.catalogue.by_asn[match.rdap_asn]
        return ProviderLayer(
            provider=provider.id,
            role=LayerRole.INFRASTRUCTURE,
            country=match.rdap_country,
            is_global=True,
            evidence=(
                EvidenceItem(
                    method=Method.RDAP,
                    subject=match.address,
                    detail=f"RDAP: AS{match.rdap_asn} {match.rdap_holder or ''}".strip(),
                    source="rdap",
                ),
            ),
        )
    return None


def _match_address(context: _Context, address: str) -> AddressMatch:
    match = to_address_match(address, context.ranges.lookup(address))
    rdap = context.rdap.get(address)
    if match.provider is None and rdap is not None:
        match = match.model_copy(
            update={
                "rdap_asn": rdap.asn,
                "rdap_holder": rdap.holder,
                "rdap_country": rdap.country,
                "rdap_error": rdap.error,
            }
        )
    return match


def _merge_layers(layers: list[ProviderLayer]) -> list[ProviderLayer]:
    """One layer per provider: the same provider seen by name and by address is one fact."""
    merged: dict[str, ProviderLayer] = {}
    for layer in layers:
        seen = merged.get(layer.provider)
        if seen is None:
            merged[layer.provider] = layer
            continue
        outer = min(seen.role, layer.role, key=lambda r: _ROLE_ORDER[r])
        merged[layer.provider] = seen.model_copy(
            update={
                "role": outer,
                "region": seen.region or layer.region,
                "country": seen.country or layer.country,
                "is_global": seen.is_global and layer.is_global,
                "services": tuple(dict.fromkeys([*seen.services, *layer.services])),
                "evidence": seen.evidence + layer.evidence,
            }
        )
    return sorted(merged.values(), key=lambda layer: _ROLE_ORDER[layer.role])


def _attribute_names(
    context: _Context,
    subject: str,
    role: EndpointRole,
    names: list[str],
    kind: PatternKind,
    addresses: Iterable[str],
    dns_failed: bool = False,
    via: Mapping[str, str] | None = None,
    extra: Iterable[ProviderLayer] = (),
) -> EndpointAttribution:
    """``via`` says how a name on the chain was reached (a provider alias's kind); ``extra``
    are layers known without a name or an address (an alias to a cloud resource)."""
    layers: list[ProviderLayer] = list(extra)
    via = via or {}
    for position, name in enumerate(names):
        # The queried name itself is matched with the role's pattern kind (NS, MX, SPF); the
        # names it is an alias of are CNAME targets.
        pattern_kind = kind if position == 0 else PatternKind.CNAME
        for hit in context.matcher.match(name, pattern_kind):
            country = context.country(hit.provider.id, hit.region)
            layers.append(
                ProviderLayer(
                    provider=hit.provider.id,
                    role=hit.role,
                    region=hit.region,
                    country=country,
                    services=(hit.service,) if hit.service else (),
                    evidence=(
                        EvidenceItem(
                            method=Method.NAME_PATTERN,
                            subject=name,
                            detail=f"{via.get(name, '')}{name} matches {hit.provider.name}"
                            + (f" {hit.service}" if hit.service else "")
                            + (f" in {hit.region}" if hit.region else ""),
                            source=hit.pattern.regex,
                        ),
                    ),
                )
            )
    matches = [_match_address(context, address) for address in dict.fromkeys(addresses)]
    address_layers = [layer for m in matches if (layer := _address_layer(context, m))]
    layers = _merge_layers(layers + address_layers)
    layers = _add_platform_facts(context, layers)
    context.referenced.update(layer.provider for layer in layers)
    confidence = _confidence(layers)
    reason = None
    if not layers:
        if dns_failed:
            reason = "DNS lookups failed; the host could not be resolved"
        elif not matches:
            reason = "no address and no known provider name"
        else:
            reason = "addresses in no published range and no known provider name"
    return EndpointAttribution(
        subject=subject,
        role=role,
        layers=tuple(layers),
        addresses=tuple(matches),
        confidence=confidence,
        attributed=bool(layers),
        unattributed_reason=reason,
        dns_failed=dns_failed,
    )


def _add_platform_facts(context: _Context, layers: list[ProviderLayer]) -> list[ProviderLayer]:
    """A platform with no infrastructure layer of its own gets its published host's."""
    if not layers or any(layer.role is LayerRole.INFRASTRUCTURE for layer in layers):
        return layers
    platform = context.catalogue.by_id[layers[-1].provider]
    facts = [
        ProviderLayer(
            provider=fact.provider,
            role=LayerRole.INFRASTRUCTURE,
            is_global=True,
            evidence=(
                EvidenceItem(
                    method=Method.PLATFORM_FACT,
                    subject=platform.id,
                    detail=f"{platform.name} runs on {context.catalogue.by_id[fact.provider].name}"
                    f" (verified {fact.verified.isoformat()})",
                    source=fact.source,
                ),
            ),
        )
        for fact in platform.runs_on
        if fact.provider not in {layer.provider for layer in layers}
    ]
    return layers + facts


def _confidence(layers: list[ProviderLayer]) -> Confidence:
    methods = {item.method for layer in layers for item in layer.evidence}
    if not layers:
        return Confidence.NONE
    if Method.IP_RANGE in methods:
        return Confidence.HIGH
    if methods & {Method.NAME_PATTERN, Method.RDAP, Method.PROVIDER_ALIAS}:
        return Confidence.MEDIUM
    return Confidence.LOW


def _host(
    context: _Context,
    evidence: ScanEvidence,
    name: str,
    role: EndpointRole,
    kind: PatternKind = PatternKind.CNAME,
) -> EndpointAttribution:
    host: HostEvidence | None = evidence.hosts.get(name)
    aliases = evidence.inventory.aliases
    if host is None and name not in aliases:
        return _attribute_names(context, name, role, [name], kind, ())
    chain = [name, *(hop.target for hop in host.cname_chain)] if host else [name]
    addresses = list(host.addresses) if host else []
    via: dict[str, str] = {}
    extra: list[ProviderLayer] = []
    position = 0
    while position < len(chain):
        # A provider-side alias (of the name or of a name its CNAMEs reach) answers as plain
        # addresses on the wire: its target, kept from the DNS-as-code, is matched like a CNAME
        # target and followed when it is a host of the zone (perhaps an alias itself).
        alias = aliases.get(chain[position])
        position += 1
        if alias is None:
            continue
        extra += [layer for layer in [_resource_layer(context, alias)] if layer]
        if alias.proxied:
            # The origin behind the edge: addresses, or the name of a flattened CNAME.
            addresses += [value for value in alias.origin if _is_address(value)]
            chain += [
                origin
                for value in alias.origin
                if not _is_address(value) and (origin := value.rstrip(".").lower()) not in chain
            ]
        if not alias.target or alias.target in chain:
            continue
        chain.append(alias.target)
        via[alias.target] = _ALIAS_WORDS[alias.kind].format(origin=", ".join(alias.origin))
        target = evidence.hosts.get(alias.target)
        if target is not None:
            chain += [hop.target for hop in target.cname_chain if hop.target not in chain]
            addresses += target.addresses
    return _attribute_names(
        context,
        name,
        role,
        chain,
        kind,
        addresses,
        dns_failed=_lookup_failed(host) if host else False,
        via=via,
        extra=extra,
    )


_ALIAS_WORDS = {
    AliasKind.ALIAS: "ALIAS record to ",
    AliasKind.FLATTENED_CNAME: "apex CNAME, flattened, to ",
    AliasKind.ROUTE53: "Route 53 alias to ",
    AliasKind.AZURE: "Azure alias to ",
    AliasKind.CLOUDFLARE_PROXY: "proxied by Cloudflare (origin {origin}), edge name ",
}


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


#: Azure resource types (namespace/type, lower case) that are edge networks.
_AZURE_EDGE_TYPES = ("microsoft.cdn/", "microsoft.network/frontdoors")


def _resource_layer(context: _Context, alias: ProviderAlias) -> ProviderLayer | None:
    """An Azure DNS alias points at an Azure resource by id: Azure hosts it, whatever it is
    (Front Door and CDN endpoints are edges); its region is not in the id."""
    if alias.kind is not AliasKind.AZURE or not alias.resource or alias.target:
        return None
    provider = context.catalogue.by_id.get("azure")
    if provider is None:
        return None
    _, _, resource_type = alias.resource.lower().partition("/providers/")
    edge = resource_type.startswith(_AZURE_EDGE_TYPES)
    return ProviderLayer(
        provider=provider.id,
        role=LayerRole.EDGE if edge else LayerRole.INFRASTRUCTURE,
        is_global=True,
        evidence=(
            EvidenceItem(
                method=Method.PROVIDER_ALIAS,
                subject=alias.resource,
                detail=f"Azure DNS alias to the Azure resource {alias.resource}",
                source=alias.source,
            ),
        ),
    )


def _lookup_failed(host: HostEvidence) -> bool:
    unknown = {q.outcome for q in (host.a, host.aaaa)} - {Outcome.OFFLINE}
    return bool(unknown) and all(outcome.is_failure for outcome in unknown)


def attribute(
    evidence: ScanEvidence,
    catalogue: Catalogue,
    ranges: RangeLookup,
    rdap: Mapping[str, RdapResult] | None = None,
    regions: Mapping[str, Mapping[str, str]] | None = None,
) -> AttributionResult:
    """Attribute every service endpoint, name server, mail host, SPF sender and web host, and
    name the vendors that records serving no traffic show (``dependencies``)."""
    context = _Context(catalogue, ranges, rdap or {}, regions or {})
    services = []
    for service in evidence.inventory.services:
        endpoints = []
        for endpoint in service.endpoints:
            if endpoint.kind is EndpointKind.IP:
                endpoints.append(
                    _attribute_names(
                        context,
                        endpoint.host,
                        EndpointRole.SERVICE,
                        [],
                        PatternKind.CNAME,
                        [endpoint.host],
                    )
                )
            else:
                endpoints.append(_host(context, evidence, endpoint.host, EndpointRole.SERVICE))
        services.append(ServiceAttribution(service=service.name, endpoints=tuple(endpoints)))
    domains = [_domain(context, evidence, d) for d in evidence.domains]
    dependencies = find_dependencies(evidence, context.matcher)
    takeover_risks = find_takeover_risks(evidence, context.matcher)
    context.referenced.update(d.provider for d in dependencies)
    context.referenced.update(r.provider for r in takeover_risks if r.provider)
    providers = {
        pid: catalogue.by_id[pid].summary()
        for pid in sorted(context.referenced | _runs_on_closure(catalogue, context.referenced))
    }
    return AttributionResult(
        snapshot=ranges.info,
        services=tuple(services),
        domains=tuple(domains),
        dependencies=dependencies,
        takeover_risks=takeover_risks,
        providers=providers,
    )


def _runs_on_closure(catalogue: Catalogue, ids: set[str]) -> set[str]:
    return {fact.provider for pid in ids for fact in catalogue.by_id[pid].runs_on}


def _is_self_hosted(ns_host: str, own: str, attribution: EndpointAttribution) -> bool:
    """An NS host inside the organisation's own registrable domain and no operator's pattern."""
    operator_named = any(
        item.method is Method.NAME_PATTERN
        for layer in attribution.layers
        for item in layer.evidence
    )
    return not operator_named and registrable_domain(ns_host) == own


def _domain(
    context: _Context, evidence: ScanEvidence, domain_evidence: DomainEvidence
) -> DomainAttribution:
    domain = domain_evidence.domain
    own = registrable_domain(domain)
    # The child's own NS set and the parent's delegation: either may be all a lame or a
    # half-migrated zone shows, and both are operators the domain depends on.
    ns_hosts = dict.fromkeys([*domain_evidence.ns_hosts, *domain_evidence.delegated_ns_hosts])
    dns = [
        _host(context, evidence, ns_host, EndpointRole.DNS, PatternKind.NS) for ns_host in ns_hosts
    ]
    in_house = [a for a in dns if _is_self_hosted(a.subject, own, a)]
    mail = [
        _host(context, evidence, mx, EndpointRole.MAIL, PatternKind.MX)
        for mx in domain_evidence.mx_hosts
    ]
    senders = [
        _attribute_names(context, sender, EndpointRole.SPF, [sender], PatternKind.SPF, ())
        for sender in (domain_evidence.spf.senders if domain_evidence.spf else ())
    ]
    # A host a /.well-known document delegates to (a Matrix homeserver) serves the domain's
    # users like its own subdomains, wherever it is named.
    delegated = [w.host for w in domain_evidence.well_known if w.host]
    web = [
        _host(context, evidence, name, EndpointRole.WEB)
        for name in dict.fromkeys([*domain_evidence.subdomains, *delegated])
        if name in evidence.hosts
        and (evidence.hosts[name].addresses or evidence.hosts[name].cname_chain)
    ]
    return DomainAttribution(
        domain=domain,
        dns=tuple(dns),
        self_hosted_dns=bool(dns) and len(in_house) == len(dns),
        mail=tuple(mail),
        spf_senders=tuple(senders),
        web=tuple(web),
    )
