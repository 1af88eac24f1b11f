"""What an organisation owns: its domains to walk and its services with their endpoints."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from cloudaudit.model import Model


class Criticality(StrEnum):
    """How much a service matters; analysis weights impact by it."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def weight(self) -> int:
        return _CRITICALITY_WEIGHT[self]


_CRITICALITY_WEIGHT = {
    Criticality.CRITICAL: 8,
    Criticality.HIGH: 4,
    Criticality.MEDIUM: 2,
    Criticality.LOW: 1,
}


class EndpointKind(StrEnum):
    HOSTNAME = "hostname"
    URL = "url"
    IP = "ip"


class Endpoint(Model):
    """One place a service is reached, normalised: ``host`` is punycode lower-case or an IP."""

    raw: str = Field(description="The endpoint as written in the inventory.")
    kind: EndpointKind
    host: str = Field(description="Lower-case A-label hostname without trailing dot, or an IP.")
    port: int | None = None


class Service(Model):
    name: str
    criticality: Criticality = Criticality.MEDIUM
    owner: str | None = None
    endpoints: tuple[Endpoint, ...] = ()
    required_jurisdiction: str | None = Field(
        default=None,
        description="Legal jurisdiction the service must stay under: 'EU' or an ISO country code.",
    )
    required_data_countries: tuple[str, ...] = Field(
        default=(), description="ISO 3166 alpha-2 countries data may be located in; empty = any."
    )


class Inventory(Model):
    """Everything a scan is asked to look at."""

    organisation: str = "unnamed organisation"
    domains: tuple[str, ...] = Field(default=(), description="Apex names to walk, A-labels.")
    services: tuple[Service, ...] = ()
    record_names: tuple[str, ...] = Field(
        default=(),
        description="Underscore names a zone file lists (DKIM keys, validation delegations):"
        " looked up for the vendors they show, never audited as services.",
    )
    source: str = Field(default="<arguments>", description="Where the inventory was read from.")
    digest: str = Field(default="", description="sha256 of the normalised inventory content.")
