"""Route 53: the JSON ``aws route53 list-resource-record-sets --hosted-zone-id ID`` writes.

``{"ResourceRecordSets": [{"Name", "Type", "TTL", "ResourceRecords": [{"Value"}]} or
{"Name", "Type", "AliasTarget": {"HostedZoneId", "DNSName", "EvaluateTargetHealth"}}]}``.
Values are in zone-file presentation format; an ``AliasTarget`` becomes a provider alias. The
zone is the owner of the SOA record set, else each name's registrable domain. Errors name the
key path (``ResourceRecordSets[4].ResourceRecords[0].Value``).
"""

from __future__ import annotations

from typing import Any

from cloudaudit.inventory.dnscode.records import AUDITED_TYPES, DnsCodeImport, Where, ZoneSet, child
from cloudaudit.inventory.load import decode_document
from cloudaudit.inventory.models import AliasKind, ProviderAlias


def is_route53(data: Any) -> bool:
    return isinstance(data, dict) and "ResourceRecordSets" in data


def parse(text: str, source: str) -> DnsCodeImport:
    data = decode_document(text, source, "json")
    records = ZoneSet(source)
    top = Where(field="ResourceRecordSets")
    sets = records.require(data, "ResourceRecordSets", list, Where())
    for index, rrset in enumerate(sets):
        where = child(top, index)
        records.expect(rrset, dict, where)
        if rrset.get("Type") == "SOA":
            records.zone(records.require(rrset, "Name", str, where), child(where, "Name"))
    for index, rrset in enumerate(sets):
        where = child(top, index)
        # Route 53 writes '*' and other special characters as octal escapes (\052).
        raw = records.require(rrset, "Name", str, where).replace("\\052", "*")
        name = records.hostname(raw, child(where, "Name"), wildcard=True)
        records.zone_or_domain(name, child(where, "Name"))
        rtype = records.require(rrset, "Type", str, where).upper()
        target = rrset.get("AliasTarget")
        if target is not None:
            target_where = child(where, "AliasTarget")
            dns_name = records.require(target, "DNSName", str, target_where)
            alias = ProviderAlias(
                kind=AliasKind.ROUTE53,
                target=records.hostname(dns_name, child(target_where, "DNSName")),
            )
            records.alias(name, alias, child(target_where, "DNSName"))
            continue
        if rtype not in AUDITED_TYPES:
            if rtype != "SOA":
                records.skip_type(rtype, name, where)
            continue
        ttl = records.expect(rrset.get("TTL", 300), int, child(where, "TTL"))
        values = records.require(rrset, "ResourceRecords", list, where)
        for position, value in enumerate(values):
            value_where = child(child(child(where, "ResourceRecords"), position), "Value")
            text_value = records.require(value, "Value", str, value_where)
            records.add(
                name, rtype, ttl, records.fields(rtype, text_value, value_where), value_where
            )
    return records.build()
