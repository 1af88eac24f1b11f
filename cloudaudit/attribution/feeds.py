"""Parsers for the providers' official IP-range publications, one per format.

Each parser is a pure function from the feed's raw bytes to normalised entries plus the
feed's own version or date. Malformed content raises FeedError naming the feed and the entry.
A registry keyed by FeedFormat picks the parser; nothing here touches the network.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, NamedTuple

from cloudaudit.errors import FeedError


class FeedFormat(StrEnum):
    """Official publication formats the updater can parse."""

    AWS_IP_RANGES = "aws-ip-ranges"  # ip-ranges.json
    GOOGLE_CLOUD = "google-cloud"  # cloud.json (with scope = region)
    GOOGLE_GOOG = "google-goog"  # goog.json (all Google, no region)
    AZURE_SERVICE_TAGS = "azure-service-tags"  # ServiceTags_Public_YYYYMMDD.json
    ORACLE = "oracle"  # public_ip_ranges.json
    PLAIN_CIDR = "plain-cidr"  # one CIDR per line (Cloudflare ips-v4/v6, Akamai lists)
    FASTLY = "fastly"  # public-ip-list JSON
    GEOFEED_CSV = "geofeed-csv"  # RFC 8805
    GEOFEED_JSON = "geofeed-json"  # Vultr/Constant JSON geofeed
    GITHUB_META = "github-meta"  # api.github.com/meta
    EXOSCALE = "exoscale"  # exoscale_prefixes.json
    ASN_PREFIXES = "asn-prefixes"  # ipverse/asn-ip aggregated.json per ASN


class FeedEntry(NamedTuple):
    prefix: str
    region: str | None = None
    services: tuple[str, ...] = ()
    border_group: str | None = None
    country: str | None = None
    city: str | None = None


class ParsedFeed(NamedTuple):
    entries: list[FeedEntry]
    version: str | None


Parser = Callable[[bytes, str], ParsedFeed]


def _json(raw: bytes, feed_id: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"feed {feed_id}: not valid JSON: {exc}") from exc


def _prefix(text: object, feed_id: str) -> str:
    try:
        return str(ipaddress.ip_network(str(text).strip(), strict=False))
    except ValueError as exc:
        raise FeedError(f"feed {feed_id}: bad prefix {text!r}") from exc


def _get(item: Any, key: str, feed_id: str) -> Any:
    if not isinstance(item, dict) or key not in item:
        raise FeedError(f"feed {feed_id}: entry without {key!r}: {str(item)[:120]}")
    return item[key]


def _region(value: object) -> str | None:
    text = str(value or "").strip()
    return text or None


def parse_aws(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    entries: list[FeedEntry] = []
    for key, field in (("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")):
        for item in data.get(key, []):
            region = _region(_get(item, "region", feed_id))
            entries.append(
                FeedEntry(
                    prefix=_prefix(_get(item, field, feed_id), feed_id),
                    region=None if region == "GLOBAL" else region,
                    services=(str(_get(item, "service", feed_id)),),
                    border_group=_region(item.get("network_border_group")),
                )
            )
    version = f"syncToken {data.get('syncToken')} createDate {data.get('createDate')}"
    return ParsedFeed(entries, version)


def parse_google(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    entries: list[FeedEntry] = []
    for item in _get(data, "prefixes", feed_id):
        text = item.get("ipv4Prefix") or item.get("ipv6Prefix")
        if not text:
            raise FeedError(f"feed {feed_id}: entry without a prefix: {item}")
        service = item.get("service")
        entries.append(
            FeedEntry(
                prefix=_prefix(text, feed_id),
                region=_region(item.get("scope")),
                services=(service,) if service else (),
            )
        )
    version = f"syncToken {data.get('syncToken')} creationTime {data.get('creationTime')}"
    return ParsedFeed(entries, version)


def parse_azure(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    entries: list[FeedEntry] = []
    for tag in _get(data, "values", feed_id):
        properties = _get(tag, "properties", feed_id)
        region = _region(properties.get("region"))
        name = str(_get(tag, "name", feed_id))
        entries.extend(
            FeedEntry(prefix=_prefix(text, feed_id), region=region, services=(name,))
            for text in properties.get("addressPrefixes", [])
        )
    return ParsedFeed(entries, f"changeNumber {data.get('changeNumber')} cloud {data.get('cloud')}")


def parse_oracle(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    entries: list[FeedEntry] = []
    for region in _get(data, "regions", feed_id):
        name = _region(_get(region, "region", feed_id))
        entries.extend(
            FeedEntry(
                prefix=_prefix(_get(item, "cidr", feed_id), feed_id),
                region=name,
                services=tuple(item.get("tags", [])),
            )
            for item in _get(region, "cidrs", feed_id)
        )
    return ParsedFeed(entries, f"last_updated_timestamp {data.get('last_updated_timestamp')}")


def parse_plain(raw: bytes, feed_id: str) -> ParsedFeed:
    lines = _text(raw, feed_id).splitlines()
    entries = [
        FeedEntry(prefix=_prefix(line, feed_id))
        for line in (raw_line.split("#", 1)[0].strip() for raw_line in lines)
        if line
    ]
    return ParsedFeed(entries, None)


def parse_fastly(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    texts = [*_get(data, "addresses", feed_id), *data.get("ipv6_addresses", [])]
    return ParsedFeed([FeedEntry(prefix=_prefix(t, feed_id)) for t in texts], None)


def _text(raw: bytes, feed_id: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FeedError(f"feed {feed_id}: not UTF-8 text") from exc


def _geofeed_rows(rows: Iterable[list[str]], feed_id: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for row in rows:
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        cells = [*row, "", "", "", ""]
        entries.append(
            FeedEntry(
                prefix=_prefix(cells[0], feed_id),
                country=cells[1].strip().upper() or None,
                city=cells[3].strip() or None,
                region=cells[2].strip() or None,
            )
        )
    return entries


def parse_geofeed_csv(raw: bytes, feed_id: str) -> ParsedFeed:
    """RFC 8805: prefix, country, region (ISO 3166-2), city, postal code; '#' comments."""
    text = _text(raw, feed_id)
    match = re.search(r"(?im)^#.*last modified:\s*(.+)$", text)
    entries = _geofeed_rows(csv.reader(io.StringIO(text)), feed_id)
    return ParsedFeed(entries, f"Last modified {match[1].strip()}" if match else None)


def parse_geofeed_json(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    rows = [
        [
            str(_get(item, "ip_prefix", feed_id)),
            str(item.get("alpha2code", "")),
            str(item.get("region", "")),
            str(item.get("city", "")),
        ]
        for item in _get(data, "subnets", feed_id)
    ]
    updated = data.get("updated")
    return ParsedFeed(_geofeed_rows(rows, feed_id), f"updated {updated}" if updated else None)


def parse_github(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    entries: list[FeedEntry] = []
    for service, values in sorted(data.items()):
        if service == "ssh_keys" or not isinstance(values, list):
            continue
        entries.extend(
            FeedEntry(prefix=_prefix(text, feed_id), services=(service,)) for text in values
        )
    return ParsedFeed(entries, None)


def parse_exoscale(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    entries: list[FeedEntry] = []
    for item in _get(data, "prefixes", feed_id):
        text = item.get("IPv4Prefix") or item.get("IPv6Prefix")
        if not text:
            raise FeedError(f"feed {feed_id}: entry without a prefix: {item}")
        entries.append(FeedEntry(prefix=_prefix(text, feed_id), region=_region(item.get("zone"))))
    return ParsedFeed(entries, f"creationTime {data.get('creationTime')}")


def parse_asn(raw: bytes, feed_id: str) -> ParsedFeed:
    data = _json(raw, feed_id)
    subnets = _get(data, "subnets", feed_id)
    texts = [*subnets.get("ipv4", []), *subnets.get("ipv6", [])]
    version = f"AS{data.get('asn')} {data.get('handle', '')}".strip()
    return ParsedFeed([FeedEntry(prefix=_prefix(t, feed_id)) for t in texts], version)


PARSERS: dict[FeedFormat, Parser] = {
    FeedFormat.AWS_IP_RANGES: parse_aws,
    FeedFormat.GOOGLE_CLOUD: parse_google,
    FeedFormat.GOOGLE_GOOG: parse_google,
    FeedFormat.AZURE_SERVICE_TAGS: parse_azure,
    FeedFormat.ORACLE: parse_oracle,
    FeedFormat.PLAIN_CIDR: parse_plain,
    FeedFormat.FASTLY: parse_fastly,
    FeedFormat.GEOFEED_CSV: parse_geofeed_csv,
    FeedFormat.GEOFEED_JSON: parse_geofeed_json,
    FeedFormat.GITHUB_META: parse_github,
    FeedFormat.EXOSCALE: parse_exoscale,
    FeedFormat.ASN_PREFIXES: parse_asn,
}


def parse_feed(fmt: FeedFormat, raw: bytes, feed_id: str) -> ParsedFeed:
    return PARSERS[fmt](raw, feed_id)
