"""A synthetic report of N endpoints for the rendering benchmark (built once, not timed)."""

from __future__ import annotations

from datetime import UTC, datetime

from cloudaudit.analysis.checks import analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.models import (
    AddressMatch,
    AttributionResult,
    Confidence,
    EndpointAttribution,
    EndpointRole,
    LayerRole,
    ProviderKind,
    ProviderLayer,
    ProviderSummary,
    ServiceAttribution,
    SnapshotInfo,
)
from cloudaudit.discovery.models import ScanEvidence
from cloudaudit.inventory.models import Criticality, Endpoint, EndpointKind, Inventory, Service
from cloudaudit.report.build import build_report
from cloudaudit.report.schema import AuditReport

PROVIDERS = ("aws", "azure", "google-cloud", "hetzner", "ovhcloud")


def synthetic_report(endpoints: int, per_service: int = 10) -> AuditReport:
    now = datetime.now(UTC)
    services = []
    attributed = []
    for number in range(endpoints // per_service):
        hosts = [f"h{i}.svc{number}.example" for i in range(per_service)]
        criticality = list(Criticality)[number % 4]
        services.append(
            Service(
                name=f"service {number}",
                criticality=criticality,
                endpoints=tuple(Endpoint(raw=h, kind=EndpointKind.HOSTNAME, host=h) for h in hosts),
            )
        )
        attributed.append(
            ServiceAttribution(
                service=f"service {number}",
                endpoints=tuple(
                    EndpointAttribution(
                        subject=h,
                        role=EndpointRole.SERVICE,
                        layers=(
                            ProviderLayer(
                                provider=PROVIDERS[(number + i) % len(PROVIDERS)],
                                role=LayerRole.INFRASTRUCTURE,
                                region="eu-central-1",
                                country="DE",
                            ),
                        ),
                        addresses=(AddressMatch(address=f"10.{number % 250}.{i}.1"),),
                        confidence=Confidence.HIGH,
                        attributed=True,
                    )
                    for i, h in enumerate(hosts)
                ),
            )
        )
    inventory = Inventory(organisation="Synthetic", services=tuple(services))
    evidence = ScanEvidence(
        tool_version="bench", started_at=now, finished_at=now, inventory=inventory
    )
    attribution = AttributionResult(
        snapshot=SnapshotInfo(version="bench", generated_at=now, feeds=1, prefixes=1),
        services=tuple(attributed),
        providers={
            p: ProviderSummary(
                id=p,
                name=p,
                kinds=(ProviderKind.CLOUD,),
                headquarters="US",
                jurisdiction="US",
                cloud_act=True,
            )  # fmt: skip
            for p in PROVIDERS
        },
    )
    analysis = analyse(evidence, Estate.build(inventory, attribution), Policy(), now=now)
    return build_report(evidence, attribution, analysis)
