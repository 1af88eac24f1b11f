"""Discovery's evidence: every DNS question asked, its typed outcome, and what it returned."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidatorFunctionWrapHandler, field_validator

from cloudaudit.inventory.models import Inventory
from cloudaudit.model import SCHEMA_VERSION, Model


class Outcome(StrEnum):
    """How one DNS lookup ended. Failures are evidence, never exceptions."""

    ANSWER = "answer"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    FORMERR = "formerr"
    TIMEOUT = "timeout"
    CNAME_LOOP = "cname_loop"
    CHAIN_TOO_LONG = "chain_too_long"
    NETWORK_ERROR = "network_error"
    MALFORMED = "malformed"
    OFFLINE = "offline"  # answered from a zone file, no server involved

    @property
    def is_failure(self) -> bool:
        """True when the outcome leaves the truth unknown (not a definite 'does not exist')."""
        return self not in _DEFINITE


_DEFINITE = frozenset({Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.NODATA, Outcome.OFFLINE})


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"
    ZONE = "zone"


class CnameHop(Model):
    name: str
    target: str
    ttl: int


class Record(Model):
    """One resource record of the final answer, in presentation format."""

    name: str
    rtype: str
    ttl: int
    value: str = Field(description="RFC 1035 presentation text; TXT kept escaped as on the wire.")


class DnsQuery(Model):
    """One question and its outcome. ``cname_chain`` lists hops from qname to the final owner."""

    qname: str
    qtype: str
    outcome: Outcome
    records: tuple[Record, ...] = ()
    cname_chain: tuple[CnameHop, ...] = ()
    resolver: str = ""
    transport: Transport = Transport.UDP
    truncated: bool = Field(default=False, description="UDP answer had TC set and TCP was used.")
    attempts: int = 1
    elapsed_ms: float = 0.0
    detail: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.records)


class HostEvidence(Model):
    """A and AAAA of one hostname, each with its own CNAME chain."""

    hostname: str
    a: DnsQuery
    aaaa: DnsQuery
    acme_challenge: DnsQuery | None = Field(
        default=None,
        description="TXT at _acme-challenge.<host> of an endpoint, kept when it shows anything.",
    )

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(
            r.value for q in (self.a, self.aaaa) for r in q.records if r.rtype in ("A", "AAAA")
        )

    @property
    def cname_chain(self) -> tuple[CnameHop, ...]:
        return self.a.cname_chain or self.aaaa.cname_chain

    @property
    def canonical_name(self) -> str:
        chain = self.cname_chain
        return chain[-1].target if chain else self.hostname

    @property
    def failed(self) -> bool:
        return self.a.outcome.is_failure and self.aaaa.outcome.is_failure


class SpfNode(Model):
    """One SPF record on the include/redirect tree (RFC 7208)."""

    domain: str
    query: DnsQuery
    record: str | None = None
    mechanism: str = Field(default="root", description="root, include or redirect")
    children: tuple[SpfNode, ...] = ()
    error: str | None = None


class SpfEvidence(Model):
    tree: SpfNode
    lookup_count: int = Field(description="DNS-querying terms counted per RFC 7208 section 4.6.4.")
    exceeds_lookup_limit: bool
    senders: tuple[str, ...] = Field(default=(), description="Every include/redirect domain.")


class Signal(StrEnum):
    """Where in the DNS a vendor relationship shows without the vendor carrying traffic."""

    VERIFICATION = "verification"  # a domain-verification TXT token at the apex
    DKIM = "dkim"  # a DKIM key at a guessable selector, often a CNAME to the sender
    DMARC_REPORTS = "dmarc_reports"  # a DMARC rua/ruf address, or _dmarc delegated by CNAME
    TLS_REPORTS = "tls_reports"  # a TLS-RPT rua address (RFC 8460)
    MTA_STS = "mta_sts"  # the MTA-STS policy record, often delegated by CNAME (RFC 8461)
    BIMI = "bimi"  # a BIMI logo or certificate URL
    ACME_CHALLENGE = "acme_challenge"  # _acme-challenge delegated to a validation service
    CAA = "caa"  # a certificate authority a CAA record allows to issue
    SRV = "srv"  # an SRV target (federation, chat, voice, client configuration)
    RECORD = "record"  # an underscore name a zone file lists (validation CNAME, DKIM key)


class SignalEvidence(Model):
    """One TXT question at a name where vendors show (``_dmarc`` and apex TXT live beside)."""

    signal: Signal
    query: DnsQuery


class SrvEvidence(Model):
    query: DnsQuery
    targets: tuple[str, ...] = ()


class ServerProbe(Model):
    """One of a domain's name servers asked directly for the domain's SOA: is it lame?"""

    host: str
    address: str
    query: DnsQuery
    authoritative: bool = Field(description="AA set: the server answers as the zone's authority.")

    @property
    def serves_zone(self) -> bool | None:
        """True when the server answers for the zone with authority; False when it is lame
        (refuses, fails, does not answer, or answers without authority, RFC 8499); None when
        it was not asked (zone files)."""
        if self.query.outcome is Outcome.OFFLINE:
            return None
        return self.query.outcome is Outcome.ANSWER and self.authoritative

    @property
    def verdict(self) -> str:
        """What the server did, in a report's words."""
        if self.serves_zone:
            return "serves the zone"
        if self.query.outcome in (Outcome.ANSWER, Outcome.NODATA):
            return "answers without authority"
        return self.query.outcome.value


class HttpProbe(Model):
    """One plain-HTTP request to a name whose CNAME reaches a vendor with a known error page."""

    hostname: str
    address: str
    url: str
    status: int | None = None
    fingerprint: str | None = Field(
        default=None, description="The vendor's 'nothing here' text, when the page shows it."
    )
    error: str | None = Field(default=None, description="Why no answer was read.")


class TransferOutcome(StrEnum):
    """How one zone transfer (AXFR, RFC 5936) attempt ended."""

    ALLOWED = "allowed"  # the whole zone came back
    REFUSED = "refused"  # rcode REFUSED (BIND, Unbound)
    NOTAUTH = "notauth"  # rcode NOTAUTH, how Knot and others refuse a transfer
    DENIED = "denied"  # another error rcode (SERVFAIL, NOTIMP, FORMERR...): see detail
    TOO_LARGE = "too_large"  # the server sent more than the record or byte cap; stopped
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    MALFORMED = "malformed"


class ZoneTransfer(Model):
    """One AXFR of an apex domain asked of one address of one of its name servers."""

    domain: str
    host: str = Field(description="The name server host asked.")
    address: str
    outcome: TransferOutcome
    records: int = Field(default=0, description="Resource records read before the end.")
    bytes_read: int = Field(default=0, description="Message bytes read before the end.")
    elapsed_ms: float = 0.0
    detail: str | None = None

    @property
    def exposed(self) -> bool:
        """True when the server handed out zone content: the whole zone, or records of it
        before the cap, a timeout or a broken message stopped the reading."""
        return self.outcome is TransferOutcome.ALLOWED or self.records > 0


class NameSource(StrEnum):
    """Where discovery learned a host name: each host in the evidence lists every source."""

    INVENTORY = "inventory"  # an endpoint of a service in the inventory
    ZONE = "zone"  # an owner with an address or CNAME in a zone file audited
    APEX = "apex"  # a domain walked
    GUESS = "guess"  # one of the common subdomains asked under every apex
    NS = "ns"  # a name server of a domain (its own NS set or the parent's delegation)
    PARENT_NS = "parent_ns"  # a server of the parent zone, asked for the delegation
    MX = "mx"  # a mail exchanger of a domain
    SRV = "srv"  # the target of a well-known SRV record
    CT = "ct"  # a name in a certificate-transparency log (RFC 9162)
    AXFR = "axfr"  # an owner in a zone a name server transferred
    WELL_KNOWN = "well_known"  # a host a /.well-known document delegates to (Matrix)


class FetchOutcome(StrEnum):
    """How one HTTP fetch of discovery ended. Failures are evidence, never exceptions."""

    OK = "ok"
    HTTP_ERROR = "http_error"  # a final status outside 2xx (see status)
    TIMEOUT = "timeout"  # no complete answer within the time allowed
    NETWORK_ERROR = "network_error"  # no connection, TLS failure, a bad redirect
    TOO_LARGE = "too_large"  # the body exceeded the size allowed; not read further
    TOO_MANY_REDIRECTS = "too_many_redirects"
    MALFORMED = "malformed"  # an answer that is not the JSON document expected


class HttpFetch(Model):
    """One HTTP GET discovery made (a certificate-transparency search, a .well-known
    document), after retries and redirects, and how it ended."""

    url: str
    outcome: FetchOutcome
    status: int | None = Field(default=None, description="HTTP status of the last answer.")
    attempts: int = 1
    size: int = Field(default=0, description="Bytes of body read.")
    redirects: tuple[str, ...] = Field(default=(), description="Locations followed, in order.")
    detail: str | None = Field(default=None, description="Retries, errors and their reasons.")


class CtService(StrEnum):
    """A certificate-transparency search service (each searches the public CT logs)."""

    CRTSH = "crtsh"  # crt.sh's JSON API
    CERTSPOTTER = "certspotter"  # Cert Spotter's issuances API (SSLMate)


class CtEvidence(Model):
    """What a certificate-transparency search service lists under one apex domain."""

    domain: str
    service: CtService
    fetches: tuple[HttpFetch, ...] = Field(default=(), description="One per page asked.")
    entries: int = Field(default=0, description="Certificate entries read.")
    names: tuple[str, ...] = Field(
        default=(),
        description="Names at or under the domain, lower-case A-labels, each once; a wildcard "
        "as a probe name under it.",
    )
    outside: int = Field(default=0, description="Names listed outside the domain, left out.")
    invalid: int = Field(default=0, description="Entries that are no host name, left out.")
    max_names: int = Field(description="The cap on names kept for this domain.")
    capped: bool = Field(
        default=False, description="The service listed more names than the cap: some not kept."
    )

    @property
    def failed(self) -> bool:
        """True when the last page asked did not come back as a usable answer."""
        return not self.fetches or self.fetches[-1].outcome is not FetchOutcome.OK


class WellKnownEvidence(Model):
    """One Matrix /.well-known document of a domain and the host it delegates to."""

    kind: str = Field(description="'server' (federation, m.server) or 'client' (m.homeserver).")
    fetch: HttpFetch
    target: str | None = Field(
        default=None, description="m.server's host[:port], or m.homeserver's base_url."
    )
    host: str | None = Field(
        default=None, description="The delegated host name (A-label), resolved and attributed."
    )
    error: str | None = Field(default=None, description="Why the document gave no host.")


class DomainEvidence(Model):
    """What the walk of one apex domain found. Host names resolved are in ScanEvidence.hosts."""

    domain: str
    soa: DnsQuery
    ns: DnsQuery
    delegation: DnsQuery | None = Field(
        default=None,
        description="NS the parent zone's servers delegate the domain to, asked directly.",
    )
    mx: DnsQuery
    txt: DnsQuery
    dmarc: DnsQuery
    caa: DnsQuery
    spf: SpfEvidence | None = None
    srv: tuple[SrvEvidence, ...] = ()
    signals: tuple[SignalEvidence, ...] = Field(
        default=(),
        description="DKIM, MTA-STS, TLS-RPT, BIMI and _acme-challenge answers that show data.",
    )
    subdomains: tuple[str, ...] = Field(
        default=(),
        description="Names under the domain that exist: probed, or enumerated (certificate "
        "transparency, zone transfer) and not already an inventory endpoint.",
    )
    ns_hosts: tuple[str, ...] = Field(default=(), description="The child's own NS set.")
    delegated_ns_hosts: tuple[str, ...] = Field(default=(), description="The parent's NS set.")
    server_probes: tuple[ServerProbe, ...] = Field(
        default=(), description="Each name server address asked for the SOA without recursion."
    )
    zone_transfers: tuple[ZoneTransfer, ...] = Field(
        default=(), description="AXFR attempts against each name server address (--axfr)."
    )
    transferred_hosts: tuple[str, ...] = Field(
        default=(),
        description="Owners with an address or CNAME in the zones transferred (--axfr).",
    )
    mx_hosts: tuple[str, ...] = ()
    ct: CtEvidence | None = Field(
        default=None, description="Names a certificate-transparency search lists (--ct)."
    )
    well_known: tuple[WellKnownEvidence, ...] = Field(
        default=(), description="Matrix /.well-known delegations fetched over HTTPS."
    )


def _typed_sources(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(item, NameSource) for item in value)


class ScanStats(Model):
    queries: int = 0
    cache_hits: int = 0
    failures: int = 0
    elapsed_s: float = 0.0


class ScanEvidence(Model):
    """Root of the evidence document `cloudaudit scan --format json` writes."""

    schema_version: str = SCHEMA_VERSION
    tool_version: str
    started_at: datetime
    finished_at: datetime
    resolvers: tuple[str, ...] = ()
    source: str = Field(default="dns", description="'dns' for a live scan, 'zone' for zone files.")
    inventory: Inventory
    domains: tuple[DomainEvidence, ...] = ()
    hosts: dict[str, HostEvidence] = Field(
        default_factory=dict, description="Every hostname resolved, keyed by its A-label name."
    )
    records: tuple[SignalEvidence, ...] = Field(
        default=(), description="The inventory's record names (underscore names), each asked."
    )
    http_probes: tuple[HttpProbe, ...] = Field(
        default=(), description="Names whose CNAME reaches a vendor with a known error page."
    )
    name_sources: dict[str, tuple[NameSource, ...]] = Field(
        default_factory=dict,
        description="Where each host name came from (inventory, zone, guess, ct, axfr, "
        "well_known...), keyed like hosts.",
    )
    stats: ScanStats = ScanStats()
    interrupted: bool = False

    @field_validator("name_sources", mode="wrap")
    @classmethod
    def _share_source_tuples(
        cls, value: Any, handler: ValidatorFunctionWrapHandler
    ) -> dict[str, tuple[NameSource, ...]]:
        """One tuple object per combination of sources, as discovery built them: validating
        would give each of 100,000 names its own copy (and a second dict)."""
        if isinstance(value, dict) and all(map(_typed_sources, value.values())):
            return value
        shared: dict[tuple[NameSource, ...], tuple[NameSource, ...]] = {}
        validated: dict[str, tuple[NameSource, ...]] = handler(value)
        return {name: shared.setdefault(sources, sources) for name, sources in validated.items()}

    @property
    def complete(self) -> bool:
        """False when any lookup failed or the scan was cut short: parts stay unknown."""
        if self.interrupted:
            return False
        queries = [q for d in self.domains for q in (d.soa, d.ns, d.mx)]
        queries += [q for h in self.hosts.values() for q in (h.a, h.aaaa)]
        return not any(q.outcome.is_failure for q in queries)
