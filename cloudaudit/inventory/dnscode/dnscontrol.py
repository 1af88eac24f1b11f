"""DNSControl: the JSON ``dnscontrol print-ir --pretty`` writes from ``dnsconfig.js``.

Its shape: ``{"domains": [{"name", "records": [{"type", "name", "target", "ttl",
"mxpreference", "srvpriority", "srvweight", "srvport", "caaflag", "caatag", "meta",
"r53_alias", "filepos", ...}], "dnsProviders", "meta", ...}], ...}``. Record names are
relative to the domain (``@`` is the apex). ``ALIAS``, ``R53_ALIAS`` and ``AZURE_ALIAS`` records
become provider aliases; ``meta.cloudflare_proxy`` (or the domain's
``cloudflare_proxy_default``) marks a record proxied by Cloudflare. Errors name the key path
(``domains[0].records[3].target``) and, when DNSControl recorded it, the ``dnsconfig.js`` line.
"""

from __future__ import annotations

from typing import Any

from cloudaudit.inventory.dnscode.records import (
    AUDITED_TYPES,
    DnsCodeImport,
    Where,
    ZoneSet,
    azure_alias,
    child,
    cloudflare_edge,
)
from cloudaudit.inventory.load import decode_document
from cloudaudit.inventory.models import AliasKind, ProviderAlias

#: DNSControl's TTL when a record gives none (its documentation: "the default TTL is 300").
_DEFAULT_TTL = 300
_PROXY_ON = frozenset({"on", "true", "full"})
_PROXIABLE = frozenset({"A", "AAAA", "CNAME"})


def is_dnscontrol(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("domains"), list)
        and all(isinstance(d, dict) and "records" in d for d in data["domains"])
    )


def parse(text: str, source: str) -> DnsCodeImport:
    data = decode_document(text, source, "json")
    records = ZoneSet(source)
    domains = records.require(data, "domains", list, Where())
    for index, domain in enumerate(domains):
        where = Where(field=f"domains[{index}]")
        zone = records.zone(records.require(domain, "name", str, where), child(where, "name"))
        meta = records.expect(domain.get("meta") or {}, dict, child(where, "meta"))
        proxy_default = str(meta.get("cloudflare_proxy_default", "")).lower() in _PROXY_ON
        entries = records.expect(domain.get("records") or [], list, child(where, "records"))
        for position, record in enumerate(entries):
            record_where = child(child(where, "records"), position)
            _record(records, zone, record, record_where, proxy_default)
    return records.build()


def _record(records: ZoneSet, zone: str, record: Any, where: Where, proxy_default: bool) -> None:
    records.expect(record, dict, where)
    filepos = record.get("filepos")
    if isinstance(filepos, str) and filepos:
        where = Where(field=f"{where.field} ({filepos})")
    rtype = records.require(record, "type", str, where).upper()
    relative = records.require(record, "name", str, where)
    subdomain = record.get("subdomain")
    if isinstance(subdomain, str) and subdomain and not relative.endswith(subdomain):
        relative = subdomain if relative == "@" else f"{relative}.{subdomain}"
    name = records.absolute(relative, zone, child(where, "name"))
    ttl = records.expect(record.get("ttl") or _DEFAULT_TTL, int, child(where, "ttl"))
    target_where = child(where, "target")
    if rtype not in AUDITED_TYPES | {"ALIAS", "R53_ALIAS", "AZURE_ALIAS"}:
        records.skip_type(rtype, name, where)
        return
    if rtype == "AZURE_ALIAS":
        resource = records.require(record, "target", str, where)
        records.alias(name, azure_alias(resource), target_where)
        return
    if rtype in ("ALIAS", "R53_ALIAS"):
        target = records.hostname(records.require(record, "target", str, where), target_where)
        kind = AliasKind.ALIAS if rtype == "ALIAS" else AliasKind.ROUTE53
        records.alias(name, ProviderAlias(kind=kind, target=target), target_where)
        return
    value = _value(records, rtype, record, where)
    records.add(name, rtype, ttl, value, target_where)
    meta = records.expect(record.get("meta") or {}, dict, child(where, "meta"))
    flag = meta.get("cloudflare_proxy")
    proxied = str(flag).lower() in _PROXY_ON if flag is not None else proxy_default
    if proxied and rtype in _PROXIABLE:
        alias = ProviderAlias(
            kind=AliasKind.CLOUDFLARE_PROXY,
            target=cloudflare_edge(name),
            proxied=True,
            origin=(str(record["target"]),),
        )
        records.alias(name, alias, child(where, "meta"))


def _value(records: ZoneSet, rtype: str, record: dict[str, Any], where: Where) -> Any:
    if rtype == "TXT":
        strings = record.get("txtstrings")
        if strings is not None:  # older DNSControl: the strings, target holding the first
            parts = records.expect(strings, list, child(where, "txtstrings"))
            return "".join(records.expect(p, str, child(where, "txtstrings")) for p in parts)
        return records.require(record, "target", str, where)
    target = records.require(record, "target", str, where)
    if rtype == "MX":
        return (
            records.expect(record.get("mxpreference", 0), int, child(where, "mxpreference")),
            target,
        )
    if rtype == "SRV":
        numbers = [
            records.expect(record.get(key, 0), int, child(where, key))
            for key in ("srvpriority", "srvweight", "srvport")
        ]
        return (*numbers, target)
    if rtype == "CAA":
        flag = records.expect(record.get("caaflag", 0), int, child(where, "caaflag"))
        return (flag, records.require(record, "caatag", str, where), target)
    return target
