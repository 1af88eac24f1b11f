"""Analysis results: findings from the check registry, concentration metrics, outage impact."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from cloudaudit.model import Model


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; compare with ``--fail-on``."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Finding(Model):
    check_id: str = Field(description="Stable id from the check registry, e.g. SPOF-DNS-001.")
    title: str
    severity: Severity
    subject: str = Field(description="What the finding is about: a service, domain or provider.")
    services: tuple[str, ...] = ()
    weighted_impact: float = Field(default=0.0, description="Sum of affected criticality weights.")
    evidence: tuple[str, ...] = ()
    remediation: str
    doc_url: str


class Share(Model):
    key: str
    weight: float
    share: float
    services: tuple[str, ...] = ()


class Concentration(Model):
    dimension: str = Field(description="provider, infrastructure, region, dns, mail, jurisdiction")
    shares: tuple[Share, ...] = ()
    hhi: float = Field(description="Herfindahl-Hirschman index on shares, 0..10000.")
    top_key: str | None = None
    top_share: float = 0.0
    keys_for_50: int = 0
    keys_for_90: int = 0


class Analysis(Model):
    findings: tuple[Finding, ...] = ()
    concentration: tuple[Concentration, ...] = ()


class OutageScope(Model):
    """One provider (optionally one of its regions) that fails."""

    provider: str
    region: str | None = None


class ServiceImpact(Model):
    service: str
    criticality: str
    status: str = Field(description="down, degraded or unaffected")
    weight: float
    reasons: tuple[str, ...] = ()


class SimulationResult(Model):
    schema_version: str = "1.0"
    scenario: str
    description: str
    date: str | None = None
    source: str | None = None
    outages: tuple[OutageScope, ...]
    services: tuple[ServiceImpact, ...] = ()
    domains_without_dns: tuple[str, ...] = ()
    domains_without_mail: tuple[str, ...] = ()
    weighted_impact: float = Field(description="Weight of down services + half of degraded.")
    total_weight: float
