"""Cloudflare: the DNS records API's JSON (``GET /zones/{id}/dns_records``), or a bare list.

``{"result": [{"name", "type", "content", "proxied", "ttl", "priority", "data", "zone_name"}],
"success": true, ...}``. Names are in full; a proxied A, AAAA or CNAME answers from Cloudflare's
edge, kept as a provider alias beside its origin value. The zone is each record's
``zone_name``, else its registrable domain. Errors name the key path (``result[2].content``).
"""

from __future__ import annotations

from typing import Any

from cloudaudit.inventory.dnscode.records import (
    AUDITED_TYPES,
    DnsCodeImport,
    Where,
    ZoneSet,
    child,
    cloudflare_edge,
)
from cloudaudit.inventory.load import decode_document
from cloudaudit.inventory.models import AliasKind, ProviderAlias


def is_cloudflare(data: Any) -> bool:
    entries = data.get("result") if isinstance(data, dict) else data
    return (
        isinstance(entries, list)
        and bool(entries)
        and all(isinstance(e, dict) and "content" in e and "type" in e for e in entries)
    )


def parse(text: str, source: str) -> DnsCodeImport:
    data = decode_document(text, source, "json")
    records = ZoneSet(source)
    if isinstance(data, dict):
        entries, top = records.require(data, "result", list, Where()), Where(field="result")
    else:
        entries, top = records.expect(data, list, Where()), Where()
    for index, entry in enumerate(entries):
        where = child(top, index) if top.field else Where(field=f"[{index}]")
        _record(records, entry, where)
    return records.build()


def _record(records: ZoneSet, entry: Any, where: Where) -> None:
    records.expect(entry, dict, where)
    name = records.hostname(
        records.require(entry, "name", str, where), child(where, "name"), wildcard=True
    )
    zone_name = entry.get("zone_name")
    if isinstance(zone_name, str) and zone_name:
        records.zone(zone_name, child(where, "zone_name"))
    records.zone_or_domain(name, child(where, "name"))
    rtype = records.require(entry, "type", str, where).upper()
    if rtype not in AUDITED_TYPES:
        records.skip_type(rtype, name, where)
        return
    content = records.require(entry, "content", str, where)
    ttl = records.expect(entry.get("ttl", 300), int, child(where, "ttl"))
    value_where = child(where, "content")
    data = entry.get("data")
    value: Any
    if rtype in ("SRV", "CAA") and isinstance(data, dict):
        keys = (
            ("priority", "weight", "port", "target")
            if rtype == "SRV"
            else ("flags", "tag", "value")
        )
        value = tuple(records.require(data, key, (int, str), child(where, "data")) for key in keys)
    elif rtype == "MX":
        value = (records.expect(entry.get("priority", 0), int, child(where, "priority")), content)
    elif rtype in ("SRV", "CAA") or (rtype == "TXT" and content.startswith('"')):
        value = records.fields(rtype, content, value_where)
    else:
        value = content
    # Cloudflare writes its "automatic" TTL as 1.
    records.add(name, rtype, ttl if ttl != 1 else 300, value, value_where)
    if entry.get("proxied") is True and rtype in ("A", "AAAA", "CNAME"):
        alias = ProviderAlias(
            kind=AliasKind.CLOUDFLARE_PROXY,
            target=cloudflare_edge(name),
            proxied=True,
            origin=(content,),
        )
        records.alias(name, alias, child(where, "proxied"))
