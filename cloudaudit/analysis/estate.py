"""A read-only view joining the inventory with attribution, shared by checks and simulation."""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudaudit.attribution.models import (
    AttributionResult,
    DomainAttribution,
    EndpointAttribution,
    LayerRole,
    Method,
    ProviderSummary,
)
from cloudaudit.inventory.models import Criticality, Endpoint, EndpointKind, Inventory, Service
from cloudaudit.inventory.names import registrable_domain


@dataclass(frozen=True)
class ServiceView:
    service: Service
    endpoints: tuple[EndpointAttribution, ...]

    @property
    def weight(self) -> float:
        return float(self.service.criticality.weight)

    @property
    def attributed(self) -> tuple[EndpointAttribution, ...]:
        return tuple(e for e in self.endpoints if e.attributed)


@dataclass(frozen=True)
class Estate:
    inventory: Inventory
    attribution: AttributionResult
    services: tuple[ServiceView, ...] = field(default=())

    @classmethod
    def build(cls, inventory: Inventory, attribution: AttributionResult) -> Estate:
        by_name = {s.service: s.endpoints for s in attribution.services}
        views = tuple(ServiceView(s, by_name.get(s.name, ())) for s in inventory.services)
        if not views:
            # A bare domain scan declares no services: each web host found is one, so the
            # concentration of what the world sees is still measured.
            views = tuple(
                ServiceView(
                    Service(
                        name=endpoint.subject,
                        endpoints=(
                            Endpoint(
                                raw=endpoint.subject,
                                kind=EndpointKind.HOSTNAME,
                                host=endpoint.subject,
                            ),
                        ),
                    ),
                    (endpoint,),
                )
                for domain in attribution.domains
                for endpoint in domain.web
            )
        return cls(inventory, attribution, views)

    def provider(self, provider_id: str) -> ProviderSummary | None:
        return self.attribution.providers.get(provider_id)

    def name(self, provider_id: str) -> str:
        summary = self.provider(provider_id)
        return summary.name if summary else provider_id

    def jurisdiction(self, provider_id: str) -> str:
        summary = self.provider(provider_id)
        return summary.jurisdiction if summary else "unknown"

    def domain_of(self, host: str) -> DomainAttribution | None:
        """The scanned domain a host belongs to (its own zone or its registrable domain)."""
        best: DomainAttribution | None = None
        for domain in self.attribution.domains:
            if host == domain.domain or host.endswith("." + domain.domain):
                if best is None or len(domain.domain) > len(best.domain):
                    best = domain
        if best is None:
            own = registrable_domain(host)
            best = next((d for d in self.attribution.domains if d.domain == own), None)
        return best

    def services_in_domain(self, domain: str) -> list[ServiceView]:
        return [
            view
            for view in self.services
            if any(
                (found := self.domain_of(e.subject)) is not None and found.domain == domain
                for e in view.endpoints
            )
        ]

    def domain_weight(self, domain: str) -> float:
        """Weight of what breaks when this domain's DNS breaks (at least 'low')."""
        weights = [view.weight for view in self.services_in_domain(domain)]
        return max([float(Criticality.LOW.weight), *weights])


def dns_operator(endpoint: EndpointAttribution) -> str:
    """Who runs a name server: the provider its name reveals, else its address owner or domain."""
    for layer in endpoint.layers:
        if any(item.method is Method.NAME_PATTERN for item in layer.evidence):
            return layer.provider
    if endpoint.layers:
        return endpoint.layers[0].provider
    return "self:" + registrable_domain(endpoint.subject)


def infrastructure_layers(endpoint: EndpointAttribution) -> list[str]:
    return [layer.provider for layer in endpoint.layers if layer.role is LayerRole.INFRASTRUCTURE]


def region_key(endpoint: EndpointAttribution) -> str | None:
    """provider:region of the bottom layer, or None when the location is indeterminate."""
    if not endpoint.layers:
        return None
    bottom = endpoint.layers[-1]
    if bottom.region is None:
        return None
    return f"{bottom.provider}:{bottom.region}"
