"""An offline backend answering from zone files, so a zone is audited before it is deployed.

Names outside every loaded zone cannot be resolved offline: they get the ``offline`` outcome
with that reason, so attribution can still use the names (CNAME targets, NS and MX hosts)
even though no address is known. So does the address of a provider-side alias a DNS-as-code
zone declares (an ALIAS at the apex, a Route 53 or Azure alias): the provider makes it up.
"""

from __future__ import annotations

from collections.abc import Sequence

import dns.name
import dns.node
import dns.rdataclass
import dns.rdatatype
import dns.zone

from cloudaudit.discovery.interface import RawAnswer, raw_record
from cloudaudit.discovery.models import Outcome, Transport
from cloudaudit.inventory.dnscode.records import DnsCodeZone

_ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)


class ZoneBackend:
    """Answers like an authoritative server for the given zones (CNAME one hop at a time)."""

    def __init__(self, zones: list[dns.zone.Zone]) -> None:
        # Most specific origin first, so a child zone wins over its parent.
        self.zones = sorted(
            (z for z in zones if z.origin is not None),
            key=lambda z: len(z.origin) if z.origin else 0,
            reverse=True,
        )
        self.queries_sent = 0

    def _zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        for zone in self.zones:
            assert zone.origin is not None
            if name.is_subdomain(zone.origin):
                return zone
        return None

    async def ask(self, name: str, rdtype: str) -> RawAnswer:
        self.queries_sent += 1
        qname = dns.name.from_text(name)
        zone = self._zone_for(qname)
        if zone is None:
            return RawAnswer(
                outcome=Outcome.OFFLINE,
                transport=Transport.ZONE,
                resolver="zone",
                detail="outside the audited zones; not resolved offline",
            )
        node = zone.get_node(qname)
        if node is None:
            wildcard = _wildcard_node(zone, qname)
            if wildcard is None:
                exists_below = any(n.is_subdomain(qname) for n in zone.nodes)
                outcome = Outcome.NODATA if exists_below else Outcome.NXDOMAIN
                return RawAnswer(outcome=outcome, transport=Transport.ZONE, resolver="zone")
            node = wildcard
        wanted = dns.rdatatype.from_text(rdtype)
        rdataset = node.get_rdataset(dns.rdataclass.IN, wanted)
        if rdataset is None and wanted != dns.rdatatype.CNAME:
            rdataset = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
        owner = qname.to_text(omit_final_dot=True).lower()
        alias = zone.aliases.get(owner) if isinstance(zone, DnsCodeZone) else None
        if rdataset is None and alias is not None and wanted in _ADDRESS_TYPES:
            # The provider makes these answers up at query time (an ALIAS, a cloud alias):
            # unknown offline, not absent. The target is in the inventory's aliases.
            return RawAnswer(
                outcome=Outcome.OFFLINE,
                transport=Transport.ZONE,
                resolver="zone",
                detail=f"provider-side alias ({alias.kind.value}) to"
                f" {alias.target or alias.resource}: answered by the DNS provider, not resolved"
                " offline",
            )
        if rdataset is None:
            return RawAnswer(outcome=Outcome.NODATA, transport=Transport.ZONE, resolver="zone")
        records = [raw_record(owner, rdataset.ttl, rdata) for rdata in rdataset]
        return RawAnswer(
            outcome=Outcome.ANSWER, records=records, transport=Transport.ZONE, resolver="zone"
        )

    async def referral(self, name: str, parent_servers: Sequence[str]) -> RawAnswer:
        """The delegation NS records in the closest zone above ``name``'s own zone."""
        self.queries_sent += 1
        qname = dns.name.from_text(name)
        for zone in self.zones:
            assert zone.origin is not None
            if not qname.is_subdomain(zone.origin) or qname == zone.origin:
                continue
            node = zone.get_node(qname)
            rdataset = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS) if node else None
            if rdataset is None:
                return RawAnswer(outcome=Outcome.NXDOMAIN if node is None else Outcome.NODATA,
                                 transport=Transport.ZONE, resolver="zone")  # fmt: skip
            records = [raw_record(name, rdataset.ttl, rdata) for rdata in rdataset]
            return RawAnswer(
                outcome=Outcome.ANSWER, records=records, transport=Transport.ZONE, resolver="zone"
            )
        return RawAnswer(
            outcome=Outcome.OFFLINE,
            transport=Transport.ZONE,
            resolver="zone",
            detail="the parent zone is not among the audited zones",
        )

    async def ask_server(self, name: str, rdtype: str, address: str) -> RawAnswer:
        """Zone files name no servers to ask: a server's own answers are not known offline."""
        return RawAnswer(
            outcome=Outcome.OFFLINE,
            transport=Transport.ZONE,
            resolver="zone",
            detail="name servers are not asked when zone files are audited",
        )

    async def close(self) -> None:
        return None


def _wildcard_node(zone: dns.zone.Zone, qname: dns.name.Name) -> dns.node.Node | None:
    """RFC 4592 wildcard: the closest enclosing ``*`` label, if no closer name exists."""
    assert zone.origin is not None
    parent = qname.parent()
    while parent.is_subdomain(zone.origin):
        candidate = zone.get_node(dns.name.Name((b"*", *parent.labels)))
        if candidate is not None:
            return candidate
        if zone.get_node(parent) is not None or parent == zone.origin:
            return None
        parent = parent.parent()
    return None
