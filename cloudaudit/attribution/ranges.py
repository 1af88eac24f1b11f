"""The range snapshot and its longest-prefix-match index.

``ranges update`` flattens every feed's prefixes into sorted, non-overlapping intervals once,
so loading is reading arrays and a lookup is one binary search. The most specific prefix wins;
identical prefixes from several feeds are decided by a documented precedence (regional before
regionless, provider feeds before ASN lists). The snapshot is one file, ``snapshot.bin``,
replaced atomically; ``MANIFEST.json`` beside it is a readable copy of its provenance.

File layout: a magic line, one JSON header line (manifest and section offsets), then the
sections: IPv4 starts/ends/record ids as little-endian uint32 arrays, IPv6 starts/ends as
16-byte big-endian integers and uint32 record ids, and zlib-compressed record and feed JSON.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import zlib
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cloudaudit.atomic import write_file_atomically
from cloudaudit.attribution.feeds import FeedEntry, FeedFormat
from cloudaudit.attribution.paths import data_dir
from cloudaudit.errors import SnapshotError

if TYPE_CHECKING:
    # pydantic models are imported only when a caller needs them: a bare lookup never does.
    from cloudaudit.attribution.models import AddressMatch, SnapshotInfo

SNAPSHOT_FILE = "snapshot.bin"
MANIFEST_FILE = "MANIFEST.json"
_MAGIC = b"CLOUDAUDIT-RANGES 1\n"
RANGES_ENV = "CLOUDAUDIT_RANGES"

#: Tie-break for the same prefix in feeds of different providers: lower wins. Feeds that
#: describe a provider's own regions beat geofeeds, CDN lists, umbrella lists and ASN lists.
FORMAT_PRECEDENCE = {
    FeedFormat.AWS_IP_RANGES: 0,
    FeedFormat.GOOGLE_CLOUD: 0,
    FeedFormat.AZURE_SERVICE_TAGS: 0,
    FeedFormat.ORACLE: 0,
    FeedFormat.EXOSCALE: 0,
    FeedFormat.GEOFEED_CSV: 1,
    FeedFormat.GEOFEED_JSON: 1,
    FeedFormat.GITHUB_META: 2,
    FeedFormat.FASTLY: 2,
    FeedFormat.PLAIN_CIDR: 2,
    FeedFormat.GOOGLE_GOOG: 3,
    FeedFormat.ASN_PREFIXES: 4,
}


class RangeHit(NamedTuple):
    """One matched prefix; shared by every address in it (built once, not per lookup)."""

    prefix: str
    provider: str
    feed: str
    region: str | None
    is_global: bool
    services: tuple[str, ...]
    network_border_group: str | None
    country: str | None
    city: str | None


class FeedData(NamedTuple):
    """One feed's normalised content as kept in the snapshot (so a refused update keeps it)."""

    provider: str
    format: FeedFormat
    entries: list[FeedEntry]


def to_address_match(address: str, hit: RangeHit | None) -> AddressMatch:
    from cloudaudit.attribution.models import AddressMatch

    if hit is None:
        return AddressMatch(address=address)
    return AddressMatch(
        address=address,
        prefix=hit.prefix,
        provider=hit.provider,
        feed=hit.feed,
        region=hit.region,
        is_global=hit.is_global,
        services=hit.services,
        network_border_group=hit.network_border_group,
        country=hit.country,
        city=hit.city,
    )


# --- building (pure) -------------------------------------------------------------------------


def _merge_feed(feed_id: str, provider: str, entries: list[FeedEntry]) -> dict[str, list[Any]]:
    """Same prefix listed several times in one feed (AWS: AMAZON, EC2, S3): keep all services.

    Services are ordered most specific first: the one covering fewer prefixes in this feed
    (EC2 before the umbrella AMAZON), then by name, so the order never depends on input order.
    """
    frequency = Counter(service for entry in entries for service in entry.services)
    merged: dict[str, list[Any]] = {}
    for entry in entries:
        record = merged.get(entry.prefix)
        if record is None:
            merged[entry.prefix] = [
                provider,
                feed_id,
                entry.prefix,
                entry.region,
                set(entry.services),
                entry.border_group,
                entry.country,
                entry.city,
            ]
            continue
        record[4].update(entry.services)
        for index, value in ((3, entry.region), (5, entry.border_group), (6, entry.country)):
            record[index] = record[index] or value
        record[7] = record[7] or entry.city
    for record in merged.values():
        record[4] = sorted(record[4], key=lambda s: (frequency[s], s))
        record.append(record[3] is None and record[6] is None)  # is_global
    return merged


def build_index(feeds: dict[str, FeedData]) -> tuple[bytes, int]:
    """Flatten all feeds into the binary index sections; returns (sections blob, records)."""
    chosen: dict[str, tuple[tuple[int, int, str], list[Any]]] = {}
    for feed_id in sorted(feeds):
        data = feeds[feed_id]
        for prefix, record in _merge_feed(feed_id, data.provider, data.entries).items():
            rank = (1 if record[8] else 0, FORMAT_PRECEDENCE[data.format], feed_id)
            current = chosen.get(prefix)
            if current is None or rank < current[0]:
                chosen[prefix] = (rank, record)
    records = [record for _, record in sorted(chosen.values(), key=lambda item: item[1][2])]
    v4: list[tuple[int, int, int]] = []
    v6: list[tuple[int, int, int]] = []
    for index, record in enumerate(records):
        network = ipaddress.ip_network(record[2])
        target = v4 if network.version == 4 else v6
        target.append((int(network.network_address), int(network.broadcast_address), index))
    return _encode(_flatten(v4), _flatten(v6), records), len(records)


def _flatten(prefixes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Nested or disjoint prefixes → sorted non-overlapping intervals, innermost owner wins."""
    prefixes.sort(key=lambda p: (p[0], -p[1]))
    out: list[tuple[int, int, int]] = []
    stack: list[tuple[int, int]] = []  # (end, record) of enclosing prefixes
    position = 0

    def emit(start: int, end: int, record: int) -> None:
        if start > end:
            return
        if out and out[-1][2] == record and out[-1][1] + 1 == start:
            out[-1] = (out[-1][0], end, record)
        else:
            out.append((start, end, record))

    for start, end, record in prefixes:
        while stack and stack[-1][0] < start:
            top_end, top_record = stack.pop()
            emit(position, top_end, top_record)
            position = top_end + 1
        if stack:
            emit(position, start - 1, stack[-1][1])
        position = start
        stack.append((end, record))
    while stack:
        top_end, top_record = stack.pop()
        emit(position, top_end, top_record)
        position = top_end + 1
    return out


def _encode(
    v4: list[tuple[int, int, int]], v6: list[tuple[int, int, int]], records: list[list[Any]]
) -> bytes:
    parts = [
        array("I", [s for s, _, _ in v4]),
        array("I", [e for _, e, _ in v4]),
        array("I", [r for _, _, r in v4]),
    ]
    blob = b"".join(_little_endian(p) for p in parts)
    blob += b"".join(s.to_bytes(16, "big") for s, _, _ in v6)
    blob += b"".join(e.to_bytes(16, "big") for _, e, _ in v6)
    blob += _little_endian(array("I", [r for _, _, r in v6]))
    # Few distinct (provider, feed, region, services...) combinations serve many prefixes:
    # store each once and give records only [attribute id, prefix], which keeps the loaded
    # index small and a first hit cheap to decode.
    attributes: dict[str, int] = {}
    lines = []
    for record in records:
        key = json.dumps([record[0], record[1], *record[3:]], separators=(",", ":"))
        lines.append(f'[{attributes.setdefault(key, len(attributes))},"{record[2]}"]')
    payload = "[" + ",".join(attributes) + "]\n" + "\n".join(lines)
    compressed = zlib.compress(payload.encode(), 9)
    header = json.dumps({"v4": len(v4), "v6": len(v6), "records": len(records)}).encode()
    return header + b"\n" + blob + compressed


def _little_endian(values: array[int]) -> bytes:
    if values.itemsize != 4:
        raise SnapshotError("platform uint32 array has unexpected size")
    if sys.byteorder != "little":
        values = array("I", values)
        values.byteswap()
    return values.tobytes()


def encode_feeds(feeds: dict[str, FeedData]) -> bytes:
    payload = {
        feed_id: {
            "provider": data.provider,
            "format": data.format.value,
            "entries": [list(entry) for entry in data.entries],
        }
        for feed_id, data in sorted(feeds.items())
    }
    return zlib.compress(json.dumps(payload, separators=(",", ":")).encode(), 9)


def decode_feeds(blob: bytes) -> dict[str, FeedData]:
    payload = json.loads(zlib.decompress(blob))
    return {
        feed_id: FeedData(
            provider=item["provider"],
            format=FeedFormat(item["format"]),
            entries=[FeedEntry(e[0], e[1], tuple(e[2]), e[3], e[4], e[5]) for e in item["entries"]],
        )
        for feed_id, item in payload.items()
    }


def write_snapshot(directory: Path, manifest: dict[str, Any], feeds: dict[str, FeedData]) -> None:
    """Write snapshot.bin atomically, then its readable MANIFEST.json copy."""
    index_blob, record_count = build_index(feeds)
    feeds_blob = encode_feeds(feeds)
    manifest = {**manifest, "records": record_count}
    header = json.dumps(
        {"manifest": manifest, "index_length": len(index_blob), "feeds_length": len(feeds_blob)},
        sort_keys=True,
    ).encode()
    directory.mkdir(parents=True, exist_ok=True)
    write_file_atomically(
        directory / SNAPSHOT_FILE, _MAGIC + header + b"\n" + index_blob + feeds_blob
    )
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    write_file_atomically(directory / MANIFEST_FILE, text.encode())


# --- loading and lookup ----------------------------------------------------------------------


def user_ranges_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("cloudaudit")) / "provider_ranges"


def resolve_ranges_dir(explicit: Path | None = None) -> Path:
    """--ranges DIR, then $CLOUDAUDIT_RANGES, then an updated user copy, then the bundled one."""
    if explicit is not None:
        return explicit
    if os.environ.get(RANGES_ENV):
        return Path(os.environ[RANGES_ENV])
    user = user_ranges_dir()
    if (user / SNAPSHOT_FILE).is_file():
        return user
    return data_dir()


class Snapshot(NamedTuple):
    manifest: dict[str, Any]
    index_blob: memoryview
    feeds_blob: bytes


def read_snapshot(directory: Path) -> Snapshot:
    path = directory / SNAPSHOT_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(
            f"{path}: cannot read range snapshot ({exc.strerror}); run `cloudaudit ranges update`"
        ) from exc
    if not data.startswith(_MAGIC):
        raise SnapshotError(f"{path}: not a cloudaudit range snapshot")
    try:
        header_end = data.index(b"\n", len(_MAGIC))
        header = json.loads(data[len(_MAGIC) : header_end])
        start = header_end + 1
        index_end = start + int(header["index_length"])
        feeds_end = index_end + int(header["feeds_length"])
    except (ValueError, KeyError) as exc:
        raise SnapshotError(f"{path}: corrupt snapshot header") from exc
    if feeds_end != len(data):
        raise SnapshotError(f"{path}: truncated or corrupt snapshot")
    view = memoryview(data)
    return Snapshot(header["manifest"], view[start:index_end], bytes(view[index_end:feeds_end]))


class RangeIndex:
    """Longest-prefix match over every feed's prefixes, IPv4 and IPv6."""

    def __init__(self, manifest: dict[str, Any], index_blob: memoryview) -> None:
        self.manifest = manifest
        header_end = bytes(index_blob[:256]).index(b"\n")
        counts = json.loads(bytes(index_blob[:header_end]))
        n4, n6 = counts["v4"], counts["v6"]
        offset = header_end + 1
        arrays = []
        for _ in range(3):
            values = array("I")
            values.frombytes(index_blob[offset : offset + 4 * n4])
            if sys.byteorder != "little":
                values.byteswap()
            arrays.append(values)
            offset += 4 * n4
        # Starts are a list: bisect probes it ~17 times per lookup and a list avoids boxing an
        # int at each probe. Ends and record ids are read once per lookup: compact arrays.
        self._v4_starts: list[int] = arrays[0].tolist()
        self._v4_ends: array[int] = arrays[1]
        self._v4_records: array[int] = arrays[2]
        raw = bytes(index_blob[offset : offset + 32 * n6])
        self._v6_starts = [int.from_bytes(raw[i : i + 16], "big") for i in range(0, 16 * n6, 16)]
        self._v6_ends = [
            int.from_bytes(raw[i : i + 16], "big") for i in range(16 * n6, 32 * n6, 16)
        ]
        offset += 32 * n6
        v6_records = array("I")
        v6_records.frombytes(index_blob[offset : offset + 4 * n6])
        if sys.byteorder != "little":
            v6_records.byteswap()
        self._v6_records: array[int] = v6_records
        offset += 4 * n6
        payload = zlib.decompress(index_blob[offset:])
        first_line_end = payload.index(b"\n")
        self._attributes: list[list[Any]] = json.loads(payload[:first_line_end])
        self._record_lines = payload[first_line_end + 1 :].split(b"\n")
        self._hits: list[RangeHit | None] = [None] * len(self._record_lines)

    @classmethod
    def load(cls, directory: Path | None = None) -> RangeIndex:
        snapshot = read_snapshot(resolve_ranges_dir(directory))
        return cls(snapshot.manifest, snapshot.index_blob)

    def _hit(self, record: int) -> RangeHit:
        hit = self._hits[record]
        if hit is None:
            attribute, prefix = json.loads(self._record_lines[record])
            provider, feed, region, services, border, country, city, is_global = self._attributes[
                attribute
            ]
            hit = RangeHit(
                prefix, provider, feed, region, is_global, tuple(services), border, country, city
            )
            self._hits[record] = hit
        return hit

    def lookup(self, address: str) -> RangeHit | None:
        """The most specific prefix containing ``address``, or None (also for non-addresses)."""
        ends: Sequence[int]
        records: Sequence[int]
        try:
            if ":" in address:
                value = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
                starts, ends, records = self._v6_starts, self._v6_ends, self._v6_records
            else:
                value = int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
                starts, ends, records = self._v4_starts, self._v4_ends, self._v4_records
        except OSError:
            return None
        position = bisect_right(starts, value) - 1
        if position < 0 or value > ends[position]:
            return None
        return self._hit(records[position])

    def lookup_many(self, addresses: Iterable[str]) -> list[RangeHit | None]:
        lookup = self.lookup
        return [lookup(address) for address in addresses]

    @property
    def info(self) -> SnapshotInfo:
        return snapshot_info(self.manifest)

    def intervals(self) -> Sequence[tuple[int, int]]:
        """(IPv4 interval count, IPv6 interval count), for status and benchmarks."""
        return [(len(self._v4_starts), len(self._v6_starts))]


def snapshot_info(manifest: dict[str, Any]) -> SnapshotInfo:
    from cloudaudit.attribution.models import SnapshotInfo

    feed_dates = [
        datetime.fromisoformat(f["retrieved_at"]) for f in manifest.get("feeds", {}).values()
    ]
    return SnapshotInfo(
        version=str(manifest.get("version", "unknown")),
        generated_at=datetime.fromisoformat(manifest["generated_at"]),
        feeds=len(manifest.get("feeds", {})),
        prefixes=sum(int(f.get("prefixes", 0)) for f in manifest.get("feeds", {}).values()),
        oldest_feed_date=min(feed_dates) if feed_dates else None,
    )


def snapshot_age_warning(
    info: SnapshotInfo, max_age_days: float, now: datetime | None = None
) -> str | None:
    """A warning when the range data is older than ``max_age_days``; None when fresh."""
    now = now or datetime.now(UTC)
    reference = info.oldest_feed_date or info.generated_at
    age = (now - reference).total_seconds() / 86400
    if age <= max_age_days:
        return None
    return (
        f"provider range data is {age:.0f} days old (limit {max_age_days:g}); "
        "run `cloudaudit ranges update`"
    )
