"""Attribution's answer: who hosts each endpoint, where, under which law, and why we think so."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from cloudaudit.discovery.models import Signal
from cloudaudit.model import Model


class ProviderKind(StrEnum):
    CLOUD = "cloud"
    CDN = "cdn"
    PAAS = "paas"
    SAAS = "saas"
    DNS = "dns"
    MAIL = "mail"
    HOSTING = "hosting"
    SECURITY = "security"
    CERTIFICATE = "certificate"  # certificate authority or certificate/ACME validation service


def lei_check_digits_ok(code: str) -> bool:
    """ISO 17442 check digits: the code, each letter read as 10 to 35, is 1 modulo 97
    (ISO 7064 MOD 97-10). Catches any wrong digit or wrong letter and most other typos."""
    return int("".join(str(int(ch, 36)) for ch in code)) % 97 == 1


def _check_lei(code: str) -> str:
    if not lei_check_digits_ok(code):
        raise ValueError(f"{code!r} fails the ISO 17442 check digits (ISO 7064 MOD 97-10)")
    return code


#: A Legal Entity Identifier: 18 upper-case letters or digits and 2 check digits (ISO 17442).
Lei = Annotated[
    str,
    Field(pattern=r"^[0-9A-Z]{18}[0-9]{2}$", description="Legal Entity Identifier (ISO 17442)."),
    AfterValidator(_check_lei),
]
_PUBLIC_PAGE = r"^https://"


class LegalEntity(Model):
    """The legal entity a customer contracts with, with the public page that names it.

    Without an LEI the entity is still worth recording: the register names it, and GLEIF is
    asked for its LEI by this exact name in this country (``catalogue gleif-update``).
    """

    lei: Lei | None = Field(
        default=None,
        description="Its LEI, when a public page shows it next to this name; otherwise left"
        " out, to be looked up in GLEIF by name and country.",
    )
    legal_name: str = Field(
        description="Its registered name, exactly as the source (and any LEI record) gives it."
    )
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 of its seat.")
    role: str = Field(
        description="Whom it contracts with, e.g. 'contracting party for customers in the EEA'."
    )
    source: str = Field(
        pattern=_PUBLIC_PAGE,
        description="A public page showing this name in this role (the vendor's own contract"
        " terms or legal page); with an LEI, a public page showing that LEI with this name.",
    )
    verified: date = Field(description="When a maintainer last checked the source.")


class UltimateParent(Model):
    """The ultimate parent undertaking of a vendor's group, identified by its LEI."""

    lei: Lei
    legal_name: str = Field(description="Its registered name, as the LEI record gives it.")
    source: str = Field(
        pattern=_PUBLIC_PAGE, description="A public page showing this LEI with this name."
    )
    verified: date = Field(description="When a maintainer last checked the sources.")
    ownership_source: str | None = Field(
        default=None,
        pattern=_PUBLIC_PAGE,
        description="A public statement that the vendor's entity belongs to this group; needed"
        " unless the vendor's entity is the parent itself.",
    )


class ProviderSummary(Model):
    """What a report needs to know of one catalogue provider, copied so reports stand alone."""

    id: str
    name: str
    legal_name: str | None = Field(
        default=None, description="The vendor company's registered name (catalogue)."
    )
    kinds: tuple[ProviderKind, ...]
    headquarters: str = Field(description="ISO 3166 alpha-2 country of the legal headquarters.")
    jurisdiction: str = Field(description="'US', 'EU', or an ISO country code outside both.")
    cloud_act: bool = Field(description="Subject to the US CLOUD Act whatever the region.")
    runs_on: tuple[str, ...] = Field(default=(), description="Infrastructure provider ids.")
    control_plane_region: str | None = Field(
        default=None, description="Region global control planes are anchored in, if public."
    )
    contracting_entity: LegalEntity | None = Field(
        default=None, description="The entity EU customers contract with (catalogue)."
    )
    ultimate_parent: UltimateParent | None = Field(
        default=None, description="The group's ultimate parent and its LEI (catalogue)."
    )


class Method(StrEnum):
    """How a fact was established, strongest first."""

    IP_RANGE = "ip_range"
    NAME_PATTERN = "name_pattern"
    PLATFORM_FACT = "platform_fact"
    SELF_HOSTED = "self_hosted"
    RDAP = "rdap"
    PROVIDER_ALIAS = "provider_alias"  # a DNS-as-code alias to a cloud resource, by its id


class EvidenceItem(Model):
    method: Method
    subject: str = Field(description="The name or address the fact is about.")
    detail: str = Field(description="Human-readable: which prefix, pattern or record matched.")
    source: str = Field(default="", description="Feed id, catalogue pattern or RDAP server.")


class LayerRole(StrEnum):
    """Position of a provider on the path to an endpoint, outermost first."""

    EDGE = "edge"  # CDN / WAF in front of an origin we cannot see
    SAAS = "saas"
    PLATFORM = "platform"
    HOSTING = "hosting"
    INFRASTRUCTURE = "infrastructure"


class ProviderLayer(Model):
    provider: str = Field(description="Catalogue provider id.")
    role: LayerRole
    region: str | None = None
    is_global: bool = Field(
        default=False, description="Anycast or regionless: location indeterminate, never guessed."
    )
    country: str | None = Field(default=None, description="Data-location country when known.")
    services: tuple[str, ...] = Field(default=(), description="Provider services, e.g. EC2, S3.")
    evidence: tuple[EvidenceItem, ...] = ()


class Confidence(StrEnum):
    HIGH = "high"  # published range or several agreeing signals
    MEDIUM = "medium"  # a name pattern alone, or RDAP mapped by ASN
    LOW = "low"  # RDAP holder only, or platform fact without an address match
    NONE = "none"


class AddressMatch(Model):
    """Longest-prefix match of one address against the range snapshot."""

    address: str
    prefix: str | None = None
    provider: str | None = None
    feed: str | None = None
    region: str | None = None
    is_global: bool = False
    services: tuple[str, ...] = ()
    network_border_group: str | None = None
    country: str | None = None
    city: str | None = None
    rdap_asn: int | None = None
    rdap_holder: str | None = None
    rdap_country: str | None = None
    rdap_error: str | None = None


class EndpointRole(StrEnum):
    SERVICE = "service"
    WEB = "web"
    DNS = "dns"
    MAIL = "mail"
    SPF = "spf"
    SRV = "srv"


class EndpointAttribution(Model):
    """The combined answer for one hostname or address."""

    subject: str
    role: EndpointRole
    layers: tuple[ProviderLayer, ...] = Field(default=(), description="Outermost layer first.")
    addresses: tuple[AddressMatch, ...] = ()
    confidence: Confidence = Confidence.NONE
    attributed: bool = False
    unattributed_reason: str | None = None
    dns_failed: bool = Field(default=False, description="Lookups failed: the answer is unknown.")

    @property
    def provider(self) -> str | None:
        """The provider the organisation deals with (outermost layer)."""
        return self.layers[0].provider if self.layers else None

    @property
    def infrastructure(self) -> str | None:
        """The provider at the bottom of the stack (may equal ``provider``)."""
        return self.layers[-1].provider if self.layers else None


class DependencyKind(StrEnum):
    """What a record that carries no traffic says about the vendor behind it."""

    MAIL = "mail"  # a sender or receiver of the organisation's mail (DKIM, SPF, MX)
    SAAS = "saas"  # a service the organisation uses (verification token, reports, status page)
    CERTIFICATE = "certificate"  # a party that validates or issues its certificates (ACME, DCV)


class Dependency(Model):
    """A vendor relationship a record proves without carrying traffic: not hosting."""

    subject: str = Field(description="The owner name of the record that shows it.")
    provider: str = Field(description="Catalogue provider id.")
    kind: DependencyKind
    signal: Signal
    service: str | None = None
    evidence: tuple[EvidenceItem, ...] = ()


class TakeoverStatus(StrEnum):
    """Whether anyone can claim a name once its owner deprovisioned what it pointed at."""

    VULNERABLE = "vulnerable"  # anyone can create the resource under the freed name
    EDGE_CASE = "edge_case"  # claimable under conditions (region, plan, verification off)
    NOT_VULNERABLE = "not_vulnerable"  # the vendor verifies ownership or never frees names


class TakeoverRisk(Model):
    """A record left pointing at something that no longer exists, and who could claim it."""

    subject: str = Field(description="The organisation's name whose record dangles.")
    kind: str = Field(description="'cname': the alias target is gone; 'delegation': the zone.")
    target: str = Field(description="The missing CNAME target, or the operator's name servers.")
    provider: str | None = Field(default=None, description="The vendor the target belongs to.")
    status: TakeoverStatus | None = Field(
        default=None, description="The vendor's documented takeover status; None if unknown."
    )
    fingerprint: str | None = None
    source: str | None = Field(default=None, description="Where the status is documented.")
    evidence: tuple[str, ...] = ()


class ServiceAttribution(Model):
    service: str
    endpoints: tuple[EndpointAttribution, ...] = ()


class DomainAttribution(Model):
    domain: str
    dns: tuple[EndpointAttribution, ...] = Field(default=(), description="One per NS host.")
    self_hosted_dns: bool = False
    mail: tuple[EndpointAttribution, ...] = Field(default=(), description="One per MX host.")
    spf_senders: tuple[EndpointAttribution, ...] = ()
    web: tuple[EndpointAttribution, ...] = Field(
        default=(),
        description="Subdomains found (probed or enumerated) and hosts delegated to by "
        "/.well-known.",
    )


class SnapshotInfo(Model):
    """Provenance of the range data an attribution used."""

    version: str
    generated_at: datetime
    feeds: int
    prefixes: int
    oldest_feed_date: datetime | None = None


class AttributionResult(Model):
    snapshot: SnapshotInfo
    services: tuple[ServiceAttribution, ...] = ()
    domains: tuple[DomainAttribution, ...] = ()
    dependencies: tuple[Dependency, ...] = Field(
        default=(), description="Vendors shown by records that serve no traffic."
    )
    takeover_risks: tuple[TakeoverRisk, ...] = Field(
        default=(), description="Dangling CNAMEs and delegations to zones that are missing."
    )
    providers: dict[str, ProviderSummary] = Field(
        default_factory=dict, description="Every provider referenced above, by id."
    )


class LookupResult(Model):
    """What `cloudaudit lookup` answers: one attribution per address or host name asked."""

    schema_version: str = "1.0"
    tool_version: str
    snapshot: SnapshotInfo
    results: tuple[EndpointAttribution, ...]
    providers: dict[str, ProviderSummary] = Field(default_factory=dict)
