"""Terraform: the JSON ``terraform show -json`` writes for a state or a saved plan.

A state keeps its resources under ``values.root_module`` and a plan under
``planned_values.root_module``, each with ``resources[]`` and nested ``child_modules[]``. Read:
``aws_route53_record`` (``records``, or an ``alias`` block), ``cloudflare_record`` and
``cloudflare_dns_record`` (``content``/``value``, ``data``, ``proxied``),
``azurerm_dns_{a,aaaa,cname,mx,txt,ns,srv,caa}_record`` (``records``/``record``, or
``target_resource_id``) and ``google_dns_record_set`` (``rrdatas``). Zones come from
``aws_route53_zone``, ``cloudflare_zone``, ``azurerm_dns_zone`` and ``google_dns_managed_zone``
resources (and data sources), else from the record names. A plan leaves out values known only
after apply: such a record is skipped with a note. Errors name the key path and the resource
address (``values.root_module.resources[3] (aws_route53_record.www).values.records``).
"""

from __future__ import annotations

from collections.abc import Iterator
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

_AZURE_TYPES = {
    f"azurerm_dns_{kind}_record": kind.upper()
    for kind in ("a", "aaaa", "cname", "mx", "txt", "ns", "srv", "caa")
}
_RECORD_RESOURCES = frozenset(
    {
        "aws_route53_record",
        "cloudflare_record",
        "cloudflare_dns_record",
        "google_dns_record_set",
        *_AZURE_TYPES,
    }
)


def is_terraform(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "format_version" in data
        and ("values" in data or "planned_values" in data or "terraform_version" in data)
    )


def parse(text: str, source: str) -> DnsCodeImport:
    data = decode_document(text, source, "json")
    records = ZoneSet(source)
    key = "planned_values" if "planned_values" in data else "values"
    plan = key == "planned_values"
    top = records.expect(data.get(key) or {}, dict, Where(field=key))
    root_where = Where(field=f"{key}.root_module")
    root = records.expect(top.get("root_module") or {}, dict, root_where)
    resources = list(_resources(records, root, root_where))
    zones = _zones(records, resources)
    for resource, where in resources:
        kind = resource.get("type")
        if resource.get("mode", "managed") != "managed":
            continue
        if kind in _RECORD_RESOURCES:
            _Record(records, zones, resource, where, plan).read()
        elif isinstance(kind, str) and kind.endswith(("_record", "_rrset", "_record_set")):
            records.note(f"resource type {kind} not read: no DNS provider mapping", where)
    return records.build()


def _resources(
    records: ZoneSet, module: dict[str, Any], where: Where
) -> Iterator[tuple[dict[str, Any], Where]]:
    for index, resource in enumerate(
        records.expect(module.get("resources") or [], list, child(where, "resources"))
    ):
        resource_where = child(child(where, "resources"), index)
        records.expect(resource, dict, resource_where)
        address = resource.get("address")
        if isinstance(address, str):
            resource_where = Where(field=f"{resource_where.field} ({address})")
        yield resource, resource_where
    children = records.expect(
        module.get("child_modules") or [], list, child(where, "child_modules")
    )
    for index, submodule in enumerate(children):
        sub_where = child(child(where, "child_modules"), index)
        yield from _resources(records, records.expect(submodule, dict, sub_where), sub_where)


def _values(records: ZoneSet, resource: dict[str, Any], where: Where) -> dict[str, Any]:
    values: dict[str, Any] = records.require(resource, "values", dict, where)
    return values


def _zones(records: ZoneSet, resources: list[tuple[dict[str, Any], Where]]) -> dict[str, str]:
    """Zone id (and Google managed-zone name) → zone name, every zone declared."""
    ids: dict[str, str] = {}
    for resource, where in resources:
        kind = resource.get("type")
        if kind not in (
            "aws_route53_zone",
            "cloudflare_zone",
            "azurerm_dns_zone",
            "google_dns_managed_zone",
        ):
            continue
        values = _values(records, resource, where)
        values_where = child(where, "values")
        if kind == "google_dns_managed_zone":
            name_key = "dns_name"
        elif kind == "cloudflare_zone":
            name_key = "zone" if "zone" in values else "name"  # provider v4 / v5
        else:
            name_key = "name"
        if name_key not in values:
            records.note("zone name known only after apply: zone skipped", values_where)
            continue
        zone = records.zone(
            records.require(values, name_key, str, values_where), child(values_where, name_key)
        )
        for id_key in ("zone_id", "id", "name" if kind == "google_dns_managed_zone" else ""):
            identifier = values.get(id_key) if id_key else None
            if isinstance(identifier, str) and identifier:
                ids[identifier] = zone
    return ids


class _Record:
    """One DNS record resource, read into the zone set."""

    def __init__(
        self,
        records: ZoneSet,
        zones: dict[str, str],
        resource: dict[str, Any],
        where: Where,
        plan: bool,
    ) -> None:
        self.records = records
        self.zones = zones
        self.kind: str = resource["type"]
        self.where = child(where, "values")
        self.values = _values(records, resource, where)
        self.plan = plan

    def at(self, key: str | int) -> Where:
        return child(self.where, key)

    def get(self, key: str, kinds: type | tuple[type, ...]) -> Any:
        """A value the record needs; missing in a plan means known only after apply."""
        if self.values.get(key) is None:
            if self.plan:
                raise _AfterApply(key)
            raise self.records.error(f"missing key {key!r}", self.where)
        return self.records.expect(self.values[key], kinds, self.at(key))

    def read(self) -> None:
        try:
            if self.kind == "aws_route53_record":
                self._route53()
            elif self.kind in ("cloudflare_record", "cloudflare_dns_record"):
                self._cloudflare()
            elif self.kind == "google_dns_record_set":
                self._google()
            else:
                self._azure()
        except _AfterApply as unknown:
            self.records.note(
                f"{self.kind} skipped: {unknown.args[0]} is known only after apply", self.where
            )

    def _name(self, raw: str, zone: str | None) -> str:
        """Providers take a record name relative to its zone or in full; ``@`` is the apex."""
        where = self.at("name")
        if zone is None:
            return self.records.hostname(raw, where, wildcard=True)
        full = self.records.hostname(raw, where, wildcard=True) if raw not in ("", "@") else zone
        if full == zone or full.endswith("." + zone):
            return full
        return self.records.absolute(raw, zone, where)

    def _skip(self, rtype: str, name: str) -> bool:
        if rtype in AUDITED_TYPES:
            return False
        self.records.skip_type(rtype, name, self.where)
        return True

    def _route53(self) -> None:
        rtype = self.get("type", str).upper()
        fqdn = self.values.get("fqdn")
        raw = fqdn if isinstance(fqdn, str) and fqdn else self.get("name", str)
        # Route 53 writes '*' as \052 in names it returns (its documentation, "DNS domain name
        # format"); the provider may keep that spelling.
        raw = raw.replace("\\052", "*")
        zone_id = self.values.get("zone_id")
        zone = self.zones.get(zone_id) if isinstance(zone_id, str) else None
        name = self._name(raw, zone)
        zone = zone or self.records.zone_or_domain(name, self.at("zone_id"))
        aliases = self.values.get("alias") or []
        if aliases:
            block = self.records.expect(aliases, list, self.at("alias"))
            target_where = child(child(self.at("alias"), 0), "name")
            target = self.records.require(block[0], "name", str, child(self.at("alias"), 0))
            alias = ProviderAlias(
                kind=AliasKind.ROUTE53, target=self.records.hostname(target, target_where)
            )
            self.records.alias(name, alias, target_where)
            return
        if self._skip(rtype, name):
            return
        ttl = self.records.expect(self.values.get("ttl"), (int, type(None)), self.at("ttl"))
        for index, value in enumerate(self.get("records", list)):
            value_where = child(self.at("records"), index)
            if rtype == "TXT":
                # A TXT value longer than 255 characters is split with \"\" in the provider.
                text = self.records.expect(value, str, value_where).replace('""', "")
                self.records.add(name, rtype, ttl, text, value_where)
            else:
                fields = self.records.fields(rtype, value, value_where)
                self.records.add(name, rtype, ttl, fields, value_where)

    def _cloudflare(self) -> None:
        rtype = self.get("type", str).upper()
        hostname = self.values.get("hostname")
        raw = hostname if isinstance(hostname, str) and hostname else self.get("name", str)
        zone_id = self.values.get("zone_id")
        zone = self.zones.get(zone_id) if isinstance(zone_id, str) else None
        name = self._name(raw, zone)
        if zone is None:
            self.records.zone_or_domain(name, self.at("zone_id"))
        if self._skip(rtype, name):
            return
        content_key = "content" if self.values.get("content") is not None else "value"
        data = self.values.get("data")
        if isinstance(data, list):  # provider v4: a block, a list of one
            data = data[0] if data else None
        ttl = self.records.expect(self.values.get("ttl"), (int, type(None)), self.at("ttl"))
        value_where = self.at(content_key)
        if rtype in ("SRV", "CAA") and isinstance(data, dict):
            value_where = self.at("data")
            keys = (
                ("priority", "weight", "port", "target")
                if rtype == "SRV"
                else ("flags", "tag", "value")
            )
            value = tuple(self.records.require(data, key, (int, str), value_where) for key in keys)
        else:
            content = self.get(content_key, str)
            if rtype == "MX":
                priority = self.values.get("priority", 0)
                value = (priority, content)
            elif rtype in ("SRV", "CAA") or (rtype == "TXT" and content.startswith('"')):
                value = self.records.fields(rtype, content, value_where)
            else:
                value = content
        # Cloudflare's "automatic" TTL is written 1.
        self.records.add(name, rtype, ttl if ttl != 1 else 300, value, value_where)
        if self.values.get("proxied") is True and rtype in ("A", "AAAA", "CNAME"):
            alias = ProviderAlias(
                kind=AliasKind.CLOUDFLARE_PROXY,
                target=cloudflare_edge(name),
                proxied=True,
                origin=(str(self.values.get(content_key)),),
            )
            self.records.alias(name, alias, self.at("proxied"))

    def _azure(self) -> None:
        rtype = _AZURE_TYPES[self.kind]
        zone = self.records.zone(self.get("zone_name", str), self.at("zone_name"))
        name = self.records.absolute(self.get("name", str), zone, self.at("name"))
        ttl = self.records.expect(self.values.get("ttl"), (int, type(None)), self.at("ttl"))
        resource = self.values.get("target_resource_id")
        if isinstance(resource, str) and resource:
            alias = azure_alias(resource)
            self.records.alias(name, alias, self.at("target_resource_id"))
            return
        if rtype in ("A", "AAAA", "NS"):
            values = self.get("records", list)
            for index, value in enumerate(values):
                self.records.add(name, rtype, ttl, value, child(self.at("records"), index))
            return
        if rtype == "CNAME":
            self.records.add(name, rtype, ttl, self.get("record", str), self.at("record"))
            return
        keys = {
            "MX": ("preference", "exchange"),
            "TXT": ("value",),
            "SRV": ("priority", "weight", "port", "target"),
            "CAA": ("flags", "tag", "value"),
        }[rtype]
        for index, block in enumerate(self.get("record", list)):
            block_where = child(self.at("record"), index)
            fields = tuple(
                self.records.require(block, key, (int, str), block_where) for key in keys
            )
            self.records.add(name, rtype, ttl, fields[0] if rtype == "TXT" else fields, block_where)

    def _google(self) -> None:
        rtype = self.get("type", str).upper()
        managed = self.values.get("managed_zone")
        short = managed.rsplit("/", 1)[-1] if isinstance(managed, str) else None
        zone = self.zones.get(short) if short else None
        name = self._name(self.get("name", str), zone)
        if zone is None:
            self.records.zone_or_domain(name, self.at("managed_zone"))
        if self._skip(rtype, name):
            return
        if self.values.get("routing_policy"):
            self.records.note(f"routing policy at {name} not evaluated", self.at("routing_policy"))
        ttl = self.records.expect(self.values.get("ttl"), (int, type(None)), self.at("ttl"))
        rrdatas = self.values.get("rrdatas")
        if not rrdatas and self.values.get("routing_policy"):
            return
        for index, value in enumerate(self.get("rrdatas", list)):
            value_where = child(self.at("rrdatas"), index)
            if rtype == "TXT" and not str(value).startswith('"'):
                fields: Any = value
            else:
                fields = self.records.fields(rtype, value, value_where)
            self.records.add(name, rtype, ttl, fields, value_where)


class _AfterApply(Exception):
    """A plan leaves this value out: it is known only after apply."""
