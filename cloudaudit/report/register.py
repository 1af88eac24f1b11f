"""The register of ICT third-party providers: one entry per (service, provider), from attribution.

Both the flat register table of the report and the DORA register package are built from these
entries, so the two never disagree on who a service depends on or whether it has an
alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudaudit.attribution.models import EndpointAttribution
from cloudaudit.inventory.names import registrable_domain
from cloudaudit.report.schema import AuditReport


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One ICT third-party provider a service (or, for records that carry no traffic, an
    organisation domain) depends on."""

    service: str
    criticality: str | None
    provider: str  # catalogue id
    countries: tuple[str, ...]  # data-location countries of its layers, sorted
    #: Other providers the service uses on endpoints that do not depend on this one;
    #: None when substitutability is not assessed (records that carry no traffic).
    alternatives: tuple[str, ...] | None
    #: The service's endpoints whose provider stack contains this provider.
    endpoints: tuple[EndpointAttribution, ...] = ()
    #: For a vendor shown by records that carry no traffic: the kinds of dependency.
    dependency_kinds: tuple[str, ...] = ()

    @property
    def alone(self) -> bool:
        """Every endpoint of the service depends on this provider."""
        return self.alternatives == ()


def register_entries(report: AuditReport) -> tuple[RegisterEntry, ...]:
    """Every (service, provider) pair in the estate, then every vendor shown only by records.

    Substitutability: an alternative is in use when another endpoint of the service runs on
    a stack without this provider; none when every endpoint depends on it.
    """
    criticality = {s.name: s.criticality.value for s in report.evidence.inventory.services}
    entries: list[RegisterEntry] = []
    for service in report.attribution.services:
        attributed = [e for e in service.endpoints if e.layers]
        used: dict[str, set[str]] = {}
        for endpoint in attributed:
            for layer in endpoint.layers:
                used.setdefault(layer.provider, set()).update(
                    {layer.country} if layer.country else set()
                )
        for provider_id in sorted(used):
            others = {
                layer.provider
                for e in attributed
                if all(layer.provider != provider_id for layer in e.layers)
                for layer in e.layers
            }
            entries.append(
                RegisterEntry(
                    service=service.service,
                    criticality=criticality.get(service.service),
                    provider=provider_id,
                    countries=tuple(sorted(used[provider_id])),
                    alternatives=tuple(sorted(others)),
                    endpoints=tuple(
                        e for e in attributed if any(la.provider == provider_id for la in e.layers)
                    ),
                )
            )
    for vendor, domains in dependency_vendors(report).items():
        for domain, kinds in sorted(domains.items()):
            entries.append(
                RegisterEntry(
                    service=f"{domain} ({', '.join(sorted(kinds))})",
                    criticality=None,
                    provider=vendor,
                    countries=(),
                    alternatives=None,
                    dependency_kinds=tuple(sorted(kinds)),
                )
            )
    return tuple(entries)


def dependency_vendors(report: AuditReport) -> dict[str, dict[str, set[str]]]:
    """Vendor → organisation domain → dependency kinds, from records that carry no traffic."""
    vendors: dict[str, dict[str, set[str]]] = {}
    for dependency in report.attribution.dependencies:
        domain = registrable_domain(dependency.subject)
        kinds = vendors.setdefault(dependency.provider, {}).setdefault(domain, set())
        kinds.add(dependency.kind.value)
    return dict(sorted(vendors.items()))
