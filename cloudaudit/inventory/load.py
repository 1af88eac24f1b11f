"""Read an inventory from TOML, YAML or JSON, a plain domain list, or BIND zone files.

The file schema (TOML shown; YAML and JSON use the same keys)::

    organisation = "Example GmbH"
    domains = ["example.de", "example.com"]

    [[services]]
    name = "Web shop"
    criticality = "critical"          # critical | high | medium | low
    owner = "ecommerce@example.de"
    endpoints = ["shop.example.de", "https://api.example.de/v1", "192.0.2.10"]
    required_jurisdiction = "EU"      # optional: 'EU' or an ISO country code
    required_data_countries = ["DE"]  # optional

Every error names the file and, where the decoder or the document tells us, the line and the
field (``inventory.toml:12: services[1].criticality: ...``). Unknown keys are errors, so a typo
is never silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudaudit.errors import InventoryError
from cloudaudit.inventory.dnscode.records import DnsCodeZone
from cloudaudit.inventory.models import Criticality, Inventory, Service
from cloudaudit.inventory.names import normalise_hostname, parse_endpoint, wildcard_probe


class _ServiceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    criticality: Criticality = Criticality.MEDIUM
    owner: str | None = None
    endpoints: list[str] = []
    required_jurisdiction: str | None = Field(default=None, pattern=r"^(EU|[A-Z]{2})$")
    required_data_countries: list[str] = []


class _InventoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = "unnamed organisation"
    domains: list[str] = []
    services: list[_ServiceFile] = []


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _line_of(text: str, loc: Sequence[int | str]) -> int | None:
    """Best-effort line of the innermost named key of ``loc`` (TOML/JSON carry no positions)."""
    keys = [part for part in loc if isinstance(part, str)]
    if not keys:
        return None
    pattern = re.compile(rf"""^\s*["']?{re.escape(keys[-1])}["']?\s*[:=]""", re.MULTILINE)
    # Walk to the n-th occurrence when the key repeats across list items.
    index = next((part for part in reversed(loc) if isinstance(part, int)), 0)
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    match = matches[min(index, len(matches) - 1)]
    return text.count("\n", 0, match.start()) + 1


def yaml_line(text: str, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the value at ``loc`` in a YAML document, for error messages."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            break
        if node is None:
            return None
    return node.start_mark.line + 1 if node is not None else None


def decode_document(text: str, source: str, kind: str) -> Any:
    """Parse TOML, YAML or JSON text; an InventoryError naming ``source`` and the line."""
    try:
        if kind == "toml":
            return tomllib.loads(text)
        if kind == "json":
            return json.loads(text)
        return yaml.safe_load(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise InventoryError(
            f"TOML syntax error: {exc}", source=source, line=int(match[1]) if match else None
        ) from exc
    except json.JSONDecodeError as exc:
        raise InventoryError(
            f"JSON syntax error: {exc.msg}", source=source, line=exc.lineno
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InventoryError(
            f"YAML syntax error: {getattr(exc, 'problem', exc)}",
            source=source,
            line=mark.line + 1 if mark else None,
        ) from exc


def _kind_of(path_name: str, text: str) -> str:
    suffix = Path(path_name).suffix.lower()
    if suffix in (".toml",):
        return "toml"
    if suffix in (".json",):
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    return "toml" if re.search(r"^\s*\[\[?services\]?\]|^\s*\w+\s*=", text, re.M) else "yaml"


def parse_inventory(text: str, source: str, kind: str | None = None) -> Inventory:
    """Parse and validate inventory ``text``; ``kind`` is toml, yaml or json (guessed if None)."""
    kind = kind or _kind_of(source, text)
    data = decode_document(text, source, kind)
    if not isinstance(data, dict):
        raise InventoryError("the document must be a mapping of keys", source=source, line=1)
    try:
        document = _InventoryFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        line = yaml_line(text, loc) if kind == "yaml" else _line_of(text, loc)
        raise InventoryError(
            error["msg"], source=source, line=line, field=_field_path(loc)
        ) from exc
    return _normalise(document, text, source, kind)


def _normalise(document: _InventoryFile, text: str, source: str, kind: str) -> Inventory:
    def fail(message: str, loc: tuple[int | str, ...]) -> InventoryError:
        line = yaml_line(text, loc) if kind == "yaml" else _line_of(text, loc)
        return InventoryError(message, source=source, line=line, field=_field_path(loc))

    domains: list[str] = []
    for index, raw in enumerate(document.domains):
        try:
            domains.append(normalise_hostname(raw))
        except ValueError as exc:
            raise fail(str(exc), ("domains", index)) from exc
    services: list[Service] = []
    seen: set[str] = set()
    for index, entry in enumerate(document.services):
        if entry.name in seen:
            raise fail(f"duplicate service name {entry.name!r}", ("services", index, "name"))
        seen.add(entry.name)
        endpoints = []
        for position, raw in enumerate(entry.endpoints):
            try:
                endpoints.append(parse_endpoint(raw))
            except ValueError as exc:
                raise fail(str(exc), ("services", index, "endpoints", position)) from exc
        for country in entry.required_data_countries:
            if not re.fullmatch(r"[A-Z]{2}", country):
                raise fail(
                    f"{country!r} is not an ISO 3166 alpha-2 code",
                    ("services", index, "required_data_countries"),
                )
        services.append(
            Service(
                name=entry.name,
                criticality=entry.criticality,
                owner=entry.owner,
                endpoints=tuple(endpoints),
                required_jurisdiction=entry.required_jurisdiction,
                required_data_countries=tuple(entry.required_data_countries),
            )
        )
    return with_digest(
        Inventory(
            organisation=document.organisation,
            domains=tuple(dict.fromkeys(domains)),
            services=tuple(services),
            source=source,
        )
    )


def with_digest(inventory: Inventory) -> Inventory:
    """Set ``digest``: sha256 of the normalised content, the same whatever file format."""
    # Fields only DNS-as-code fills are left out while empty: other inventories keep their digest.
    empty = {field for field in ("aliases", "notes") if not getattr(inventory, field)}
    content = inventory.model_dump(mode="json", exclude={"source", "digest", *empty})
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return inventory.model_copy(update={"digest": hashlib.sha256(canonical.encode()).hexdigest()})


def read_text(path: Path | str) -> tuple[str, str]:
    """A file's text (``-`` is stdin) and the name errors give it."""
    if str(path) == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(path).read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InventoryError(f"not UTF-8 text: {exc.reason}", source=str(path)) from exc


def load_inventory(path: Path | str) -> Inventory:
    """Read an inventory file (``-`` reads stdin)."""
    text, source = read_text(path)
    return parse_inventory(text, source)


def read_domain_list(text: str, source: str) -> list[str]:
    """One domain per line; ``#`` starts a comment; blank lines are ignored."""
    names: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            names.append(normalise_hostname(entry))
        except ValueError as exc:
            raise InventoryError(str(exc), source=source, line=number) from exc
    return names


def load_domain_list(path: Path | str) -> Inventory:
    text, source = read_text(path)
    return inventory_from_domains(read_domain_list(text, source), source=source)


def inventory_from_domains(names: Iterable[str], source: str = "<arguments>") -> Inventory:
    domains: list[str] = []
    for name in names:
        try:
            domains.append(normalise_hostname(name))
        except ValueError as exc:
            raise InventoryError(str(exc), source=source, field=name) from exc
    return with_digest(Inventory(domains=tuple(dict.fromkeys(domains)), source=source))


def read_zone(path: Path | str, origin: str | None = None) -> dns.zone.Zone:
    """Parse a BIND zone file; the origin comes from ``origin``, $ORIGIN or the SOA owner."""
    text, source = read_text(path)
    try:
        return dns.zone.from_text(
            text,
            origin=normalise_hostname(origin) + "." if origin else None,
            relativize=False,
            filename=source,
            check_origin=True,
        )
    except dns.exception.SyntaxError as exc:
        match = re.search(r":(\d+): (.*)$", str(exc))
        if match:
            line = _failing_line(text, int(match[1]), origin)
            raise InventoryError(match[2], source=source, line=line) from exc
        raise InventoryError(str(exc), source=source) from exc
    except dns.zone.NoSOA as exc:
        raise InventoryError("zone has no SOA record at its origin", source=source) from exc
    except dns.zone.NoNS as exc:
        raise InventoryError("zone has no NS records at its origin", source=source) from exc
    except dns.exception.DNSException as exc:
        raise InventoryError(str(exc) or type(exc).__name__, source=source) from exc
    except ValueError as exc:
        raise InventoryError(str(exc), source=source) from exc


def _failing_line(text: str, reported: int, origin: str | None) -> int:
    """dnspython reports the line after a record that failed at its end; find the real one.

    The smallest prefix of the file that still fails to parse ends on the offending line.
    """
    lines = text.splitlines(keepends=True)
    line = min(reported, len(lines))
    while line > 1:
        try:
            dns.zone.from_text(
                "".join(lines[: line - 1]),
                origin=normalise_hostname(origin) + "." if origin else None,
                relativize=False,
                check_origin=False,
            )
        except dns.exception.SyntaxError:
            line -= 1
            continue
        except (dns.exception.DNSException, ValueError):
            pass  # the prefix fails for another reason (no origin yet): not a syntax error
        break
    return line


def inventory_from_zones(
    paths: Sequence[Path | str], base: Inventory | None = None, zone_format: str | None = None
) -> tuple[Inventory, list[dns.zone.Zone]]:
    """Zones to audit: their origins, mail domains and delegated children join ``base``'s
    domains (or form a new inventory), their hosts its services, their underscore names its
    record names. Each path is a BIND zone file or DNS-as-code (``zone_format`` forces the
    format, see ``dnscode.dispatch``); provider aliases and import notes join the inventory."""
    from cloudaudit.inventory.dnscode.dispatch import load_zone_source

    imports = [load_zone_source(path, zone_format) for path in paths]
    zones = [zone for imported in imports for zone in imported.zones]
    aliases = {
        wildcard_probe(name): alias
        for imported in imports
        for name, alias in imported.aliases.items()
    }
    notes = [note for imported in imports for note in imported.notes]
    origins = [name for zone in zones for name in zone_domains(zone)]
    source = ", ".join(str(p) for p in paths)
    base = base or inventory_from_domains(origins, source=source)
    known = {endpoint.host for service in base.services for endpoint in service.endpoints}
    owners = [name for zone in zones for name in zone_hosts(zone) if name not in known]
    records = [name for zone in zones for name in zone_record_names(zone)]
    inventory = base.model_copy(
        update={
            "domains": tuple(dict.fromkeys([*base.domains, *origins])),
            "record_names": tuple(dict.fromkeys([*base.record_names, *records])),
            "aliases": {**base.aliases, **aliases},
            "notes": (*base.notes, *notes),
            "services": (
                *base.services,
                *(Service(name=name, endpoints=(parse_endpoint(name),)) for name in owners),
            ),
        }
    )
    return with_digest(inventory), zones


#: Owner records that make a name an endpoint someone reaches (or a vendor's CNAME target).
_ENDPOINT_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.CNAME)
_RECORD_TYPES = (dns.rdatatype.CNAME, dns.rdatatype.TXT, dns.rdatatype.SRV)
_DOMAIN_TYPES = (dns.rdatatype.MX, dns.rdatatype.NS)


def zone_hosts(zone: dns.zone.Zone) -> list[str]:
    """Every owner in ``zone`` with an address or CNAME, whatever its label; a wildcard owner
    is represented by a probe name under it, as a resolver would answer any such name.
    Underscore names are attribute leaves, not hosts (RFC 8552): see ``zone_record_names``.
    A DNS-as-code zone's provider aliases are hosts too, though the zone holds no address."""
    aliases = zone.aliases if isinstance(zone, DnsCodeZone) else {}
    hosts = []
    for name, node in zone.nodes.items():
        if not any(node.get_rdataset(dns.rdataclass.IN, rdtype) for rdtype in _ENDPOINT_TYPES):
            if name.to_text(omit_final_dot=True).lower() not in aliases:
                continue
        if _underscored(name):
            continue
        hosts.append(wildcard_probe(name.to_text(omit_final_dot=True).lower()))
    return sorted(set(hosts))


def zone_domains(zone: dns.zone.Zone) -> list[str]:
    """The zone's origin, then every owner with MX (a mail domain) or NS (a delegated child
    zone): each is walked like an apex, for its mail, name servers and policy records."""
    assert zone.origin is not None
    owners = [
        name
        for name, node in zone.nodes.items()
        if name != zone.origin
        and not name.is_wild()
        and not _underscored(name)
        and any(node.get_rdataset(dns.rdataclass.IN, t) for t in _DOMAIN_TYPES)
    ]
    names = [name.to_text(omit_final_dot=True).lower() for name in [zone.origin, *owners]]
    return [names[0], *sorted(set(names[1:]))]


def zone_record_names(zone: dns.zone.Zone) -> list[str]:
    """Every underscore owner in ``zone`` with a CNAME or TXT: DKIM keys, certificate
    validation delegations and verification tokens, which show vendors but serve no one."""
    names = [
        name.to_text(omit_final_dot=True).lower()
        for name, node in zone.nodes.items()
        if _underscored(name)
        and any(node.get_rdataset(dns.rdataclass.IN, t) for t in _RECORD_TYPES)
    ]
    return sorted(set(names))


def _underscored(name: dns.name.Name) -> bool:
    return any(label.startswith(b"_") for label in name.labels)
