"""Pick the parser for a ``--zone`` file: by the format given, else by extension and content.

``.yaml``/``.yml`` is octoDNS (a configuration when it has ``providers`` and ``zones``), JSON is
told apart by its top-level keys (DNSControl's ``domains``, Terraform's ``format_version``,
Route 53's ``ResourceRecordSets``, Cloudflare's ``result``, Azure's record-set ``type``), and
anything else is a BIND zone file.
"""

from __future__ import annotations

import json
from pathlib import Path

from cloudaudit.errors import InventoryError
from cloudaudit.inventory.dnscode import (
    azure,
    cloudflare,
    dnscontrol,
    octodns,
    route53,
    terraform,
)
from cloudaudit.inventory.dnscode.records import DnsCodeImport
from cloudaudit.inventory.load import decode_document, read_text, read_zone

_PARSERS = {
    "octodns": octodns.parse_zone_file,
    "octodns-config": octodns.parse_config,
    "dnscontrol": dnscontrol.parse,
    "terraform": terraform.parse,
    "route53": route53.parse,
    "cloudflare": cloudflare.parse,
    "azure": azure.parse,
}


def load_zone_source(path: Path | str, zone_format: str | None = None) -> DnsCodeImport:
    """Read one ``--zone`` file of any supported format (``zone_format`` forces one)."""
    if zone_format == "bind":
        return DnsCodeImport(zones=[read_zone(path)])
    text, source = read_text(path)
    chosen = zone_format or detect(text, source)
    if chosen == "bind":
        return DnsCodeImport(zones=[read_zone(path)])
    if chosen not in _PARSERS:
        raise InventoryError(
            f"unknown zone format {chosen!r}", source=source, field="--zone-format"
        )
    return _PARSERS[chosen](text, source)


def detect(text: str, source: str) -> str:
    """The format of ``text``: one of ``FORMATS``."""
    suffix = Path(source).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return (
            "octodns-config"
            if octodns.is_config(decode_document(text, source, "yaml"))
            else "octodns"
        )
    if suffix != ".json" and not text.lstrip().startswith(("{", "[")):
        return "bind"
    data = decode_document(text, source, "json")
    for name, test in (
        ("dnscontrol", dnscontrol.is_dnscontrol),
        ("terraform", terraform.is_terraform),
        ("route53", route53.is_route53),
        ("azure", azure.is_azure),
        ("cloudflare", cloudflare.is_cloudflare),
    ):
        if test(data):
            return name
    hint = ""
    if isinstance(data, dict) and "resources" in data and "format_version" not in data:
        hint = " (a raw Terraform state? give the output of `terraform show -json`)"
    keys = sorted(data)[:6] if isinstance(data, dict) else []
    shown = f" with keys {json.dumps(keys)}" if keys else ""
    raise InventoryError(
        f"not a DNS-as-code document cloudaudit reads{shown}{hint}; pass --zone-format",
        source=source,
    )
