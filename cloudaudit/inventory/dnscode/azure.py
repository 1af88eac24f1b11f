"""Azure DNS: the JSON ``az network dns record-set list -g GROUP -z ZONE`` writes.

A list of record sets: ``{"name", "fqdn", "type": "Microsoft.Network/dnszones/A", "TTL",
"aRecords": [{"ipv4Address"}], "cnameRecord": {"cname"}, "mxRecords": [{"preference",
"exchange"}], "txtRecords": [{"value": [...]}], "targetResource": {"id"}, ...}`` (the REST API's
``properties`` wrapper and ``ARecords`` spelling are read too). A record set with a
``targetResource`` id is an Azure alias. The zone is the ``fqdn`` less the ``name``. Errors name
the key path (``[3].aRecords[0].ipv4Address``).
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
)
from cloudaudit.inventory.load import decode_document

_TYPE_PREFIX = "microsoft.network/dnszones/"
#: Record type → (key of its values, fields of each value) as the Azure CLI spells them.
_VALUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "A": ("aRecords", ("ipv4Address",)),
    "AAAA": ("aaaaRecords", ("ipv6Address",)),
    "NS": ("nsRecords", ("nsdname",)),
    "MX": ("mxRecords", ("preference", "exchange")),
    "TXT": ("txtRecords", ("value",)),
    "SRV": ("srvRecords", ("priority", "weight", "port", "target")),
    "CAA": ("caaRecords", ("flags", "tag", "value")),
}


def is_azure(data: Any) -> bool:
    entries = data.get("value") if isinstance(data, dict) else data
    return (
        isinstance(entries, list)
        and bool(entries)
        and all(
            isinstance(e, dict) and str(e.get("type", "")).lower().startswith(_TYPE_PREFIX)
            for e in entries
        )
    )


def parse(text: str, source: str) -> DnsCodeImport:
    data = decode_document(text, source, "json")
    records = ZoneSet(source)
    if isinstance(data, dict):  # the REST API's list: {"value": [...]}
        entries, prefix = records.require(data, "value", list, Where()), "value"
    else:
        entries, prefix = records.expect(data, list, Where()), ""
    for index, entry in enumerate(entries):
        _record_set(records, entry, Where(field=f"{prefix}[{index}]"))
    return records.build()


def _get(mapping: dict[str, Any], key: str) -> Any:
    """``key`` in ``mapping`` or its ``properties``, whatever the case of its first letter."""
    for scope in (mapping, mapping.get("properties") or {}):
        for spelling in (key, key[0].upper() + key[1:]):
            if spelling in scope:
                return scope[spelling]
    return None


def _record_set(records: ZoneSet, entry: Any, where: Where) -> None:
    records.expect(entry, dict, where)
    relative = records.require(entry, "name", str, where)
    rtype = records.require(entry, "type", str, where).rsplit("/", 1)[-1].upper()
    fqdn = _get(entry, "fqdn")
    if not isinstance(fqdn, str):
        raise records.error("missing key 'fqdn'", where)
    name = records.hostname(fqdn, child(where, "fqdn"), wildcard=True)
    zone = name if relative == "@" else name.removeprefix(relative.lower() + ".")
    if zone == name and relative != "@":
        raise records.error(f"fqdn {fqdn!r} does not end with name {relative!r}", where)
    records.zone(zone, child(where, "fqdn"))
    resource = _get(entry, "targetResource")
    if isinstance(resource, dict) and resource.get("id"):
        alias = azure_alias(str(resource["id"]))
        records.alias(name, alias, child(where, "targetResource"))
        return
    if rtype == "SOA" or rtype not in AUDITED_TYPES:
        if rtype != "SOA":
            records.skip_type(rtype, name, where)
        return
    ttl = _get(entry, "TTL") if _get(entry, "TTL") is not None else _get(entry, "ttl")
    if rtype == "CNAME":
        block = records.expect(_get(entry, "cnameRecord"), dict, child(where, "cnameRecord"))
        target = records.require(block, "cname", str, child(where, "cnameRecord"))
        records.add(name, rtype, ttl, target, child(child(where, "cnameRecord"), "cname"))
        return
    key, fields = _VALUES[rtype]
    values = _get(entry, key)
    values_where = child(where, key)
    for index, value in enumerate(records.expect(values or [], list, values_where)):
        value_where = child(values_where, index)
        parts = tuple(
            records.require(value, field, (int, str, list), value_where) for field in fields
        )
        if rtype == "TXT":
            chunks = records.expect(parts[0], list, child(value_where, "value"))
            records.add(name, rtype, ttl, "".join(str(c) for c in chunks), value_where)
        else:
            records.add(name, rtype, ttl, parts if len(parts) > 1 else parts[0], value_where)
