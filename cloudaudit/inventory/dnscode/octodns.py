"""octoDNS: YAML zone files (YamlProvider) and the configuration that lists them.

A zone file (``example.com.yaml``) maps each record name, relative to the zone (``''`` is the
apex), to a record or a list of records::

    '':
      - type: A
        values: [192.0.2.1]
      - type: MX
        values: [{exchange: mx.example.net., preference: 10}]
    www:
      type: CNAME
      value: example.com.
      octodns: {cloudflare: {proxied: true}}

The configuration (``config/production.yaml``) names providers and zones; every zone whose
``sources`` include a YamlProvider is read from that provider's ``directory`` (relative to the
configuration file, else to the working directory, as octoDNS runs from the repository root).
Errors name the file and line of the offending record.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cloudaudit.inventory.dnscode.records import (
    AUDITED_TYPES,
    DnsCodeImport,
    Where,
    ZoneSet,
    cloudflare_edge,
)
from cloudaudit.inventory.load import decode_document, read_text, yaml_line
from cloudaudit.inventory.models import AliasKind, ProviderAlias

_RECORD_KEYS = frozenset({"type", "ttl", "value", "values", "octodns", "dynamic", "geo"})
_YAML_PROVIDER = "octodns.provider.yaml.YamlProvider"


def is_config(data: Any) -> bool:
    """An octoDNS configuration rather than a zone file: it has ``providers`` and ``zones``."""
    return isinstance(data, dict) and "providers" in data and "zones" in data


def parse_zone_file(text: str, source: str, zone: str | None = None) -> DnsCodeImport:
    """One YamlProvider zone file; the zone is ``zone`` or the file name (``<zone>.yaml``)."""
    records = ZoneSet(source)
    read_zone_file(records, text, source, zone or _zone_from_file_name(source))
    return records.build()


def parse_config(text: str, source: str) -> DnsCodeImport:
    """Every zone of an octoDNS configuration sourced from a YamlProvider directory."""
    data = decode_document(text, source, "yaml")
    records = ZoneSet(source)

    def at(*loc: str | int) -> Where:
        return Where(field=_path(loc) or None, locate=lambda: yaml_line(text, loc))

    providers = records.expect(data.get("providers"), dict, at("providers"))
    zones = records.expect(data.get("zones"), dict, at("zones"))
    directories: dict[str, Path] = {}
    for name, provider in providers.items():
        records.expect(provider, dict, at("providers", name))
        if provider.get("class") != _YAML_PROVIDER:
            continue
        raw = records.require(provider, "directory", str, at("providers", name))
        directories[name] = _directory(records, source, raw, at("providers", name, "directory"))
    for zone_name, zone in zones.items():
        zone_where = at("zones", zone_name)
        if not isinstance(zone_name, str):
            raise records.error("a zone name must be a string", zone_where)
        sources = records.require(zone, "sources", list, zone_where)
        yaml_sources = [name for name in sources if name in directories]
        if not yaml_sources:
            records.note(
                f"zone {zone_name} skipped: no YamlProvider among its sources {sources}",
                zone_where,
            )
            continue
        for provider_name in yaml_sources:
            path = directories[provider_name] / f"{zone_name.rstrip('.')}.yaml"
            if not path.is_file():
                # octoDNS's own default when a YamlProvider has no file for a zone: empty.
                records.note(f"no file {path} for zone {zone_name}: empty zone", zone_where)
                continue
            zone_text, zone_source = read_text(path)
            read_zone_file(records, zone_text, zone_source, zone_name, source_name=zone_source)
    return records.build()


def read_zone_file(
    records: ZoneSet, text: str, source: str, zone_name: str, source_name: str | None = None
) -> None:
    """Add one zone file's records to ``records`` (errors name ``source_name`` or ``source``)."""
    data = decode_document(text, source, "yaml")
    where_file = source_name or source
    previous, records.source = records.source, where_file
    try:
        _read_records(records, text, data, zone_name)
    finally:
        records.source = previous


def _read_records(records: ZoneSet, text: str, data: Any, zone_name: str) -> None:
    def at(*loc: str | int) -> Where:
        return Where(field=_path(loc) or None, locate=lambda: yaml_line(text, loc))

    zone = records.zone(zone_name, at())
    if data is None:
        return
    records.expect(data, dict, at())
    for key, entry in data.items():
        relative = "" if key is None else str(key)
        entries = entry if isinstance(entry, list) else [entry]
        for index, record in enumerate(entries):
            loc: tuple[str | int, ...] = (key, index) if isinstance(entry, list) else (key,)
            _record(records, zone, relative, record, loc, at)


def _record(
    records: ZoneSet,
    zone: str,
    relative: str,
    record: Any,
    loc: tuple[str | int, ...],
    at: Any,
) -> None:
    where = at(*loc)
    records.expect(record, dict, where)
    unknown = sorted(set(record) - _RECORD_KEYS)
    if unknown:
        raise records.error(f"unknown key {unknown[0]!r}", at(*loc, unknown[0]))
    rtype = records.require(record, "type", str, where).upper()
    name = records.absolute(relative, zone, where)
    ttl = records.expect(record.get("ttl", 3600), int, at(*loc, "ttl"))
    if "value" in record and "values" in record:
        raise records.error("give either 'value' or 'values', not both", where)
    key = "values" if "values" in record else "value"
    if key not in record:
        raise records.error("missing key 'value' or 'values'", where)
    raw = record[key]
    values = raw if key == "values" else [raw]
    records.expect(values, list, at(*loc, key))
    if rtype not in AUDITED_TYPES | {"ALIAS"}:
        records.skip_type(rtype, relative, where)
        return
    for extra in ("dynamic", "geo"):
        if extra in record:
            records.note(
                f"{extra} rules at {name} not evaluated: the default values are audited",
                at(*loc, extra),
            )
    for position, value in enumerate(values):
        value_where = at(*loc, key, position) if key == "values" else at(*loc, key)
        fields = _value(records, rtype, value, value_where)
        if rtype == "ALIAS":
            if name != zone:
                raise records.error("an ALIAS record belongs at the zone apex ('')", where)
            alias = ProviderAlias(
                kind=AliasKind.ALIAS, target=records.hostname(fields, value_where)
            )
            records.alias(name, alias, value_where)
        else:
            records.add(name, rtype, ttl, fields, value_where)
    if _proxied(records, record, at(*loc, "octodns")):
        origin = tuple(str(value) for value in values)
        alias = ProviderAlias(
            kind=AliasKind.CLOUDFLARE_PROXY,
            target=cloudflare_edge(name),
            proxied=True,
            origin=origin,
        )
        records.alias(name, alias, where)


def _value(records: ZoneSet, rtype: str, value: Any, where: Where) -> Any:
    """The fields of one value as ``ZoneSet.add`` takes them."""
    if rtype == "MX":
        records.expect(value, dict, where)
        exchange = value.get("exchange", value.get("value"))
        preference = value.get("preference", value.get("priority"))
        if exchange is None or preference is None:
            raise records.error("an MX value needs 'exchange' and 'preference'", where)
        return (preference, exchange)
    if rtype == "SRV":
        records.expect(value, dict, where)
        return tuple(
            records.require(value, key, (int, str), where)
            for key in ("priority", "weight", "port", "target")
        )
    if rtype == "CAA":
        records.expect(value, dict, where)
        return (
            records.expect(value.get("flags", 0), int, where),
            records.require(value, "tag", str, where),
            records.require(value, "value", str, where),
        )
    if rtype == "TXT":
        # octoDNS requires ';' escaped in TXT values (its docs: "\;"); the record holds ';'.
        return str(records.expect(value, (str, int), where)).replace("\\;", ";")
    return records.expect(value, str, where)


def _proxied(records: ZoneSet, record: dict[str, Any], where: Where) -> bool:
    options = record.get("octodns") or {}
    records.expect(options, dict, where)
    cloudflare = options.get("cloudflare") or {}
    records.expect(cloudflare, dict, where)
    return bool(cloudflare.get("proxied", False))


def _directory(records: ZoneSet, source: str, raw: str, where: Where) -> Path:
    relative = Path(raw)
    candidates = [relative] if relative.is_absolute() else [Path(source).parent / relative]
    candidates += [] if relative.is_absolute() else [Path.cwd() / relative]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise records.error(f"directory {raw!r} not found (looked in {candidates[0]})", where)


def _zone_from_file_name(source: str) -> str:
    name = Path(source).name
    for suffix in (".yaml", ".yml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _path(loc: Sequence[str | int]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            text = str(part) if part not in ("", None) else "''"
            path += f".{text}" if path else text
    return path
