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


class AliasKind(StrEnum):
    """How a DNS provider answers for a name itself, with data no zone file can hold."""

    ALIAS = "alias"  # an ALIAS/ANAME record (octoDNS, DNSControl): the target, flattened
    FLATTENED_CNAME = "flattened_cname"  # a CNAME at the zone apex, flattened by the provider
    ROUTE53 = "route53"  # a Route 53 alias to an AWS resource or another record
    AZURE = "azure"  # an Azure DNS alias to an Azure resource (target_resource_id)
    CLOUDFLARE_PROXY = "cloudflare_proxy"  # proxied: answered by Cloudflare's edge


class ProviderAlias(Model):
    """A DNS-as-code record whose live answer the DNS provider makes up: on the wire it is
    plain addresses, so the target is kept here for attribution to match."""

    kind: AliasKind
    target: str | None = Field(
        default=None,
        description="Host name the provider answers for, A-label; for a proxied record the"
        " name of Cloudflare's edge for it (<name>.cdn.cloudflare.net, as Cloudflare's CNAME"
        " set-up names it).",
    )
    proxied: bool = Field(
        default=False, description="Answers come from the provider's edge, not the origin."
    )
    origin: tuple[str, ...] = Field(
        default=(),
        description="The record's own values: a proxied record's origin addresses or target.",
    )
    resource: str | None = Field(
        default=None, description="The cloud resource aliased (an Azure resource id)."
    )
    source: str = Field(default="", description="Where it was read: file and line or key path.")


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
    aliases: dict[str, ProviderAlias] = Field(
        default_factory=dict,
        description="Provider-side aliases DNS-as-code declares, by owner name (A-label).",
    )
    notes: tuple[str, ...] = Field(
        default=(),
        description="What reading DNS-as-code skipped, and why (record types not audited).",
    )
    source: str = Field(default="<arguments>", description="Where the inventory was read from.")
    digest: str = Field(default="", description="sha256 of the normalised inventory content.")
