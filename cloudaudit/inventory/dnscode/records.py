"""The intermediate every DNS-as-code parser fills: record sets per zone, aliases and notes.

Each format's parser turns its document into calls on a ``ZoneSet``: ``zone`` to declare a zone,
``add`` for each record value (already split into its fields: an MX is ``(preference,
exchange)``), ``alias`` for a record the DNS provider answers itself, ``note`` for what is
skipped. ``build`` validates nothing more and returns ``dns.zone.Zone`` objects, so the offline
backend, ``zone_hosts`` and the other zone readers work on DNS-as-code as on a BIND file.

A zone cannot hold what a provider makes up at query time (an ALIAS at the apex, a Route 53
alias, a Cloudflare-proxied answer): those go to the ``aliases`` side table with their target,
which flows through the inventory into the evidence and attribution.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CAA
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.SRV
import dns.zone

from cloudaudit.errors import InventoryError
from cloudaudit.inventory.models import AliasKind, ProviderAlias
from cloudaudit.inventory.names import normalise_hostname, registrable_domain

#: Record types audited; any other is skipped with a note.
AUDITED_TYPES = frozenset({"A", "AAAA", "CNAME", "NS", "MX", "TXT", "SRV", "CAA"})
#: Longest character-string a TXT record holds (RFC 1035 section 3.3); longer text is split.
_TXT_CHUNK = 255


class DnsCodeZone(dns.zone.Zone):
    """A zone read from DNS-as-code, with the provider aliases among its names."""

    __slots__ = ["aliases"]

    def __init__(self, origin: dns.name.Name) -> None:
        super().__init__(origin, dns.rdataclass.IN, relativize=False)
        self.aliases: dict[str, ProviderAlias] = {}


@dataclass(frozen=True)
class Where:
    """Where in a document a value is: a key path, and a line where the format has lines
    (found only when a message needs it: ``locate`` may read the whole document)."""

    field: str | None = None
    locate: Callable[[], int | None] | None = None

    @property
    def line(self) -> int | None:
        return self.locate() if self.locate else None

    def text(self, source: str) -> str:
        line = self.line
        place = f"{source}:{line}" if line else source
        return f"{place}: {self.field}" if self.field else place


@dataclass
class DnsCodeImport:
    """What one DNS-as-code file holds, ready for the inventory."""

    zones: list[dns.zone.Zone]
    aliases: dict[str, ProviderAlias] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class ZoneSet:
    """Collects the records of one source file, zone by zone."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._origins: dict[str, dns.name.Name] = {}
        self._records: dict[tuple[str, str], tuple[int, list[dns.rdata.Rdata], Where]] = {}
        self._aliases: dict[str, ProviderAlias] = {}
        self.notes: list[str] = []

    # -- reporting -------------------------------------------------------------------------

    def error(self, message: str, where: Where) -> InventoryError:
        return InventoryError(message, source=self.source, line=where.line, field=where.field)

    def require(self, mapping: Any, key: str, kinds: type | tuple[type, ...], where: Where) -> Any:
        """``mapping[key]``, which must be present and of ``kinds``; errors name the key."""
        if not isinstance(mapping, dict):
            raise self.error(f"expected a mapping, got {_kind(mapping)}", where)
        if key not in mapping:
            raise self.error(f"missing key {key!r}", where)
        return self.expect(mapping[key], kinds, child(where, key))

    def expect(self, value: Any, kinds: type | tuple[type, ...], where: Where) -> Any:
        """``value`` if it is of ``kinds`` (never a bool for int), else an error naming the key."""
        allowed = kinds if isinstance(kinds, tuple) else (kinds,)
        if isinstance(value, bool) and bool not in allowed:
            ok = False
        else:
            ok = isinstance(value, allowed)
        if not ok:
            wanted = " or ".join(_KIND_NAMES.get(kind, kind.__name__) for kind in allowed)
            raise self.error(f"expected {wanted}, got {_kind(value)}", where)
        return value

    def note(self, message: str, where: Where) -> None:
        self.notes.append(f"{where.text(self.source)}: {message}")

    def skip_type(self, rtype: str, name: str, where: Where) -> None:
        self.note(f"{rtype} record at {name or '@'} skipped: type not audited", where)

    # -- names -----------------------------------------------------------------------------

    def zone(self, origin: str, where: Where) -> str:
        """Declare a zone; returns its normalised name."""
        name = self.hostname(origin, where)
        self._origins.setdefault(name, dns.name.from_text(name))
        return name

    @property
    def origins(self) -> list[str]:
        return list(self._origins)

    def hostname(self, text: Any, where: Where, wildcard: bool = False) -> str:
        """``text`` as a lower-case A-label without trailing dot; ``*.`` allowed if asked."""
        if not isinstance(text, str):
            raise self.error(f"expected a host name, got {_kind(text)}", where)
        prefix = ""
        if wildcard and (text == "*" or text.startswith("*.")):
            prefix, text = "*.", text[2:]
        try:
            return prefix + normalise_hostname(text)
        except ValueError as exc:
            raise self.error(str(exc), where) from exc

    def absolute(self, relative: str, zone: str, where: Where) -> str:
        """A record name as octoDNS, DNSControl and Azure write it (``''``/``@`` = apex)."""
        if relative in ("", "@"):
            return zone
        if relative.endswith("."):
            return self.hostname(relative, where, wildcard=True)
        return self.hostname(f"{relative}.{zone}", where, wildcard=True)

    def zone_of(self, name: str) -> str | None:
        """The most specific declared zone ``name`` is in."""
        labels = name.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if candidate in self._origins:
                return candidate
        return None

    def zone_or_domain(self, name: str, where: Where) -> str:
        """The declared zone ``name`` is in, else its registrable domain, declared as a zone
        (an export of one zone, a Terraform record whose zone is managed elsewhere)."""
        found = self.zone_of(name.removeprefix("*."))
        return found or self.zone(registrable_domain(name.removeprefix("*.")), where)

    # -- records ---------------------------------------------------------------------------

    def add(self, name: str, rtype: str, ttl: int | None, value: Any, where: Where) -> None:
        """One record value; ``name`` absolute (normalised), ``value`` split into fields."""
        zone = self.zone_of(name.removeprefix("*."))
        if zone is None:
            raise self.error(f"{name} is in none of the zones {', '.join(self.origins)}", where)
        if rtype == "CNAME" and name == zone:
            # No zone holds a CNAME at its apex (RFC 1034 section 3.6.2): a provider that takes
            # one flattens it, answering with the target's addresses, as for an ALIAS.
            target = self.hostname(value, where)
            self.alias(name, ProviderAlias(kind=AliasKind.FLATTENED_CNAME, target=target), where)
            return
        rdata = self._rdata(rtype, value, where)
        key = (name, rtype)
        ttl = self._ttl(ttl, where)
        if key in self._records:
            old_ttl, rdatas, first = self._records[key]
            if rtype == "CNAME" and rdata not in rdatas:
                self.note(
                    f"a second CNAME at {name} ({rdata.to_text()}) skipped: a name has one",
                    where,
                )
                return
            if rdata not in rdatas:
                rdatas.append(rdata)
            self._records[key] = (min(old_ttl, ttl), rdatas, first)
        else:
            self._records[key] = (ttl, [rdata], where)

    def alias(self, name: str, alias: ProviderAlias, where: Where) -> None:
        alias = alias.model_copy(update={"source": where.text(self.source)})
        if self.zone_of(name.removeprefix("*.")) is None:
            raise self.error(f"{name} is in none of the zones {', '.join(self.origins)}", where)
        seen = self._aliases.get(name)
        if seen is None or (alias.proxied and not seen.proxied):
            # A proxied record answers from the edge whatever else the name is: the proxy
            # alias wins, its origin keeps the record's own value (a flattened CNAME's target).
            self._aliases[name] = alias
        elif (seen.target, seen.resource) != (alias.target, alias.resource):
            self.note(
                f"a second alias at {name} ({alias.target or alias.resource}) skipped:"
                f" {seen.target or seen.resource} is kept",
                where,
            )
        elif alias.origin:
            origin = tuple(dict.fromkeys([*seen.origin, *alias.origin]))
            self._aliases[name] = seen.model_copy(update={"origin": origin})

    def fields(self, rtype: str, text: Any, where: Where) -> Any:
        """The fields of a value written in zone-file presentation format (``10 mx.example.``,
        ``0 issue "ca.example"``, a quoted TXT), as ``add`` takes them."""
        if rtype in ("A", "AAAA", "CNAME", "NS"):
            return text
        try:
            rdata = dns.rdata.from_text(dns.rdataclass.IN, rtype, _string(text))
        except (ValueError, TypeError, dns.exception.DNSException) as exc:
            raise self.error(f"bad {rtype} value {_shown(text)}: {exc}", where) from exc
        if isinstance(rdata, dns.rdtypes.ANY.TXT.TXT):
            return b"".join(rdata.strings).decode(errors="replace")
        if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
            return (rdata.preference, rdata.exchange.to_text())
        if isinstance(rdata, dns.rdtypes.IN.SRV.SRV):
            return (rdata.priority, rdata.weight, rdata.port, rdata.target.to_text())
        if isinstance(rdata, dns.rdtypes.ANY.CAA.CAA):
            return (rdata.flags, rdata.tag.decode(), rdata.value.decode(errors="replace"))
        raise self.error(f"record type {rtype} is not audited", where)

    def _ttl(self, ttl: Any, where: Where) -> int:
        if ttl is None:
            return 3600
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
            raise self.error(f"TTL must be a non-negative integer, got {ttl!r}", where)
        return ttl

    def _rdata(self, rtype: str, value: Any, where: Where) -> dns.rdata.Rdata:
        rdclass, rdtype = dns.rdataclass.IN, dns.rdatatype.from_text(rtype)
        try:
            if rtype in ("A", "AAAA"):
                address = ipaddress.ip_address(_string(value))
                if (address.version == 4) != (rtype == "A"):
                    raise ValueError(f"{value!r} is not an IPv{4 if rtype == 'A' else 6} address")
                return dns.rdata.from_text(rdclass, rdtype, str(address))
            if rtype in ("CNAME", "NS"):
                return dns.rdata.from_text(rdclass, rdtype, _target(value))
            if rtype == "MX":
                preference, exchange = value
                return dns.rdata.from_text(
                    rdclass, rdtype, f"{_integer(preference, 'preference')} {_target(exchange)}"
                )
            if rtype == "TXT":
                text = _string(value).encode()
                chunks = [text[i : i + _TXT_CHUNK] for i in range(0, len(text), _TXT_CHUNK)]
                return dns.rdtypes.ANY.TXT.TXT(rdclass, rdtype, chunks or [b""])
            if rtype == "SRV":
                priority, weight, port, target = value
                numbers = " ".join(
                    str(_integer(number, label))
                    for number, label in (
                        (priority, "priority"),
                        (weight, "weight"),
                        (port, "port"),
                    )
                )
                return dns.rdata.from_text(rdclass, rdtype, f"{numbers} {_target(target)}")
            if rtype == "CAA":
                flags, tag, text_value = value
                quoted = _string(text_value).replace("\\", "\\\\").replace('"', '\\"')
                return dns.rdata.from_text(
                    rdclass, rdtype, f'{_integer(flags, "flags")} {_string(tag)} "{quoted}"'
                )
        except (ValueError, TypeError, dns.exception.DNSException) as exc:
            raise self.error(f"bad {rtype} value {_shown(value)}: {exc}", where) from exc
        raise self.error(f"record type {rtype} is not audited", where)  # callers skip these

    # -- result ----------------------------------------------------------------------------

    def build(self) -> DnsCodeImport:
        """One ``DnsCodeZone`` per declared zone holding records, in declaration order."""
        zones: dict[str, DnsCodeZone] = {}

        def zone_for(name: str) -> DnsCodeZone:
            origin = self.zone_of(name.removeprefix("*."))
            assert origin is not None  # checked when the record was added
            if origin not in zones:
                zones[origin] = DnsCodeZone(self._origins[origin])
            return zones[origin]

        cnames = {name for name, rtype in self._records if rtype == "CNAME"}
        for (name, rtype), (ttl, rdatas, where) in self._records.items():
            if name in cnames and rtype != "CNAME":
                self.note(f"{rtype} at {name} skipped: the name has a CNAME", where)
                continue
            rdataset = zone_for(name).find_rdataset(
                dns.name.from_text(name), dns.rdatatype.from_text(rtype), create=True
            )
            for rdata in rdatas:
                rdataset.add(rdata, ttl)
        for name, alias in self._aliases.items():
            zone = zone_for(name)
            zone.find_node(dns.name.from_text(name), create=True)
            zone.aliases[name] = alias
        ordered = [zones[origin] for origin in self._origins if origin in zones]
        return DnsCodeImport(zones=list(ordered), aliases=dict(self._aliases), notes=self.notes)


_KIND_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
}


def child(where: Where, key: str | int) -> Where:
    """The key path one level below ``where`` (the line stays the parent's)."""
    base = where.field or ""
    if isinstance(key, int):
        path = f"{base}[{key}]"
    else:
        path = f"{base}.{key}" if base else key
    return Where(field=path, locate=where.locate)


def cloudflare_edge(name: str) -> str:
    """The name Cloudflare's edge answers a proxied record under: its CNAME set-up points a
    proxied host at ``<host>.cdn.cloudflare.net`` (developers.cloudflare.com, "CNAME setup")."""
    return f"{name.removeprefix('*.')}.cdn.cloudflare.net"


def azure_alias(resource: str) -> ProviderAlias:
    """An Azure DNS alias to ``resource``; an alias to another record set of a zone
    (``.../providers/Microsoft.Network/dnszones/<zone>/<TYPE>/<name>``) targets that name."""
    _, _, path = resource.partition("/providers/")
    parts = path.split("/")
    if len(parts) == 5 and parts[1].lower() == "dnszones":
        zone, name = parts[2].lower().rstrip("."), parts[4].lower()
        try:
            target = normalise_hostname(zone if name == "@" else f"{name}.{zone}")
        except ValueError:
            target = None
        return ProviderAlias(kind=AliasKind.AZURE, target=target, resource=resource)
    return ProviderAlias(kind=AliasKind.AZURE, resource=resource)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return _KIND_NAMES.get(type(value), type(value).__name__)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {_kind(value)}")
    return value


def _integer(value: Any, label: str) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{label} must be an integer, got {value!r}")
    return value


def _target(value: Any) -> str:
    """A host name value as an absolute name: DNS-as-code writes them with or without the dot."""
    text = _string(value).strip()
    if text == ".":
        return "."  # RFC 7505 null MX, SRV "no service"
    if not text:
        raise ValueError("empty host name")
    return text if text.endswith(".") else text + "."


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
