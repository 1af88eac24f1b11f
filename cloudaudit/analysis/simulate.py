"""Outage simulation: which services go down or degrade when a provider or region fails.

An endpoint fails when any layer of its stack is inside the outage: the provider matches and
either the whole provider fails or the layer sits in the failed region. A regional outage also
hits layers of that provider whose location is indeterminate (global) only through a control
plane anchored in that region, which degrades rather than downs them. A service is down when
all its endpoints fail, degraded when some do or when its domain loses part of its DNS.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError

from cloudaudit.analysis.estate import Estate, dns_operator
from cloudaudit.analysis.models import OutageScope, ServiceImpact, SimulationResult
from cloudaudit.attribution.models import EndpointAttribution, ProviderLayer
from cloudaudit.attribution.paths import data_dir
from cloudaudit.errors import CatalogueError, InputError
from cloudaudit.model import Model


class Incident(Model):
    id: str
    name: str
    date: str
    source: str
    summary: str
    scope: tuple[OutageScope, ...] = Field(min_length=1)


def load_incidents(path: Path | None = None) -> dict[str, Incident]:
    path = path or data_dir().parent / "incidents.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        incidents = [Incident.model_validate(item) for item in raw.get("incident", [])]
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    return {incident.id: incident for incident in incidents}


def parse_outage(text: str) -> OutageScope:
    """``PROVIDER`` or ``PROVIDER:REGION``."""
    provider, _, region = text.strip().lower().partition(":")
    if not provider:
        raise InputError(f"expected PROVIDER[:REGION], got {text!r}", field="--outage")
    return OutageScope(provider=provider, region=region or None)


def _layer_state(layer: ProviderLayer, estate: Estate, outages: tuple[OutageScope, ...]) -> str:
    for outage in outages:
        if layer.provider != outage.provider:
            continue
        if outage.region is None or layer.region == outage.region:
            return "down"
        summary = estate.provider(layer.provider)
        if layer.region is None and summary and summary.control_plane_region == outage.region:
            return "degraded"
    return "up"


def _endpoint_state(
    endpoint: EndpointAttribution, estate: Estate, outages: tuple[OutageScope, ...]
) -> str:
    states = {_layer_state(layer, estate, outages) for layer in endpoint.layers}
    return "down" if "down" in states else "degraded" if "degraded" in states else "up"


def _ns_state(
    endpoint: EndpointAttribution, estate: Estate, outages: tuple[OutageScope, ...]
) -> str:
    """A name server fails with its operator (even when only its name reveals it)."""
    state = _endpoint_state(endpoint, estate, outages)
    operator = dns_operator(endpoint)
    if state == "up" and any(o.provider == operator and o.region is None for o in outages):
        return "down"
    return state


def simulate(
    estate: Estate,
    outages: tuple[OutageScope, ...],
    *,
    scenario: str,
    description: str,
    date: str | None = None,
    source: str | None = None,
) -> SimulationResult:
    dns_down: set[str] = set()
    dns_partial: set[str] = set()
    mail_down: list[str] = []
    for domain in estate.attribution.domains:
        ns_states = [_ns_state(ns, estate, outages) for ns in domain.dns]
        if ns_states and all(state == "down" for state in ns_states):
            dns_down.add(domain.domain)
        elif any(state != "up" for state in ns_states):
            dns_partial.add(domain.domain)
        mail_states = [_endpoint_state(m, estate, outages) for m in domain.mail]
        if mail_states and all(state == "down" for state in mail_states):
            mail_down.append(domain.domain)
    impacts = []
    for view in estate.services:
        reasons: list[str] = []
        states = []
        for endpoint in view.endpoints:
            state = _endpoint_state(endpoint, estate, outages)
            owner = estate.domain_of(endpoint.subject)
            zone = owner.domain if owner else None
            if zone in dns_down:
                state = "down"
                reasons.append(f"{endpoint.subject}: DNS of {zone} unavailable")
            elif zone in dns_partial and state == "up":
                state = "degraded"
                reasons.append(f"{endpoint.subject}: DNS of {zone} impaired")
            elif state != "up":
                layers = ", ".join(
                    f"{layer.provider}{':' + layer.region if layer.region else ''}"
                    for layer in endpoint.layers
                    if _layer_state(layer, estate, outages) != "up"
                )
                reasons.append(f"{endpoint.subject}: {state} ({layers})")
            states.append(state)
        if states and all(s == "down" for s in states):
            status = "down"
        elif any(s != "up" for s in states):
            status = "degraded"
        else:
            status = "unaffected"
        impacts.append(
            ServiceImpact(
                service=view.service.name,
                criticality=view.service.criticality.value,
                status=status,
                weight=view.weight,
                reasons=tuple(reasons),
            )
        )
    impact = sum(i.weight for i in impacts if i.status == "down")
    impact += sum(i.weight / 2 for i in impacts if i.status == "degraded")
    return SimulationResult(
        scenario=scenario,
        description=description,
        date=date,
        source=source,
        outages=outages,
        services=tuple(
            sorted(
                impacts,
                key=lambda i: ({"down": 0, "degraded": 1}.get(i.status, 2), -i.weight, i.service),
            )
        ),
        domains_without_dns=tuple(sorted(dns_down)),
        domains_without_mail=tuple(sorted(mail_down)),
        weighted_impact=impact,
        total_weight=sum(i.weight for i in impacts),
    )
