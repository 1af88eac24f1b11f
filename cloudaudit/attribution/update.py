"""``ranges update``: fetch every official feed, check it, and replace the snapshot safely.

Sources: the official URLs (default), a local mirror directory, or a mirror base URL, each
laid out as ``<provider>/<file>`` (the catalogue's ``mirror_path``). A feed that fails, drops
to zero, shrinks by more than 30 % or carries absurd prefixes is refused unless forced, and
its previous data is kept: silent data loss is how tools stop recognising whole providers.
Nothing is written unless at least one feed was usable; the snapshot file is swapped
atomically, so a failed or interrupted update never leaves a broken one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import httpx

from cloudaudit.attribution.catalogue import Catalogue, Feed, Provider
from cloudaudit.attribution.feeds import FeedEntry, FeedFormat, parse_feed
from cloudaudit.attribution.ranges import (
    FeedData,
    decode_feeds,
    read_snapshot,
    write_snapshot,
)
from cloudaudit.errors import FeedError, SnapshotError

MAX_SHRINK = 0.30
MIN_PREFIX_LENGTH = {4: 8, 6: 20}
_AZURE_LINK = re.compile(
    r"https://download\.microsoft\.com/download/[^\"'<> ]+/ServiceTags_Public_\d{8}\.json"
)


@dataclass
class FeedResult:
    feed_id: str
    status: str  # updated, unchanged-source, kept-previous, missing
    prefixes: int = 0
    reason: str | None = None


@dataclass
class UpdateReport:
    results: list[FeedResult] = field(default_factory=list)
    written: bool = False

    @property
    def refused(self) -> list[FeedResult]:
        return [r for r in self.results if r.status != "updated"]


def _latest(names: list[str], pattern: str) -> str | None:
    matching = sorted(n for n in names if fnmatch(n, pattern))
    return matching[-1] if matching else None


def fetch_feed(feed: Feed, source: str | None, client: httpx.Client) -> tuple[bytes, str]:
    """The feed's raw bytes and where they came from; raises FeedError."""
    try:
        if source is None:
            if feed.format is FeedFormat.AZURE_SERVICE_TAGS:
                page = client.get(feed.url)
                page.raise_for_status()
                match = _AZURE_LINK.search(page.text)
                if not match:
                    raise FeedError(f"feed {feed.id}: no ServiceTags link on {feed.url}")
                url = match[0]
            else:
                url = feed.url
            response = client.get(url)
            response.raise_for_status()
            return response.content, url
        if re.match(r"https?://", source):
            base = source.rstrip("/")
            path = feed.mirror_path
            if "*" in path:
                folder, _, pattern = path.rpartition("/")
                listing = client.get(f"{base}/{folder}/")
                listing.raise_for_status()
                names = re.findall(r'href="([^"/?]+)"', listing.text)
                chosen = _latest(names, pattern)
                if chosen is None:
                    raise FeedError(f"feed {feed.id}: nothing matches {path} at {base}/{folder}/")
                path = f"{folder}/{chosen}"
            url = f"{base}/{path}"
            response = client.get(url)
            response.raise_for_status()
            return response.content, url
        directory = Path(source)
        if "*" in feed.mirror_path:
            matches = sorted(directory.glob(feed.mirror_path))
            if not matches:
                raise FeedError(f"feed {feed.id}: no file matches {directory / feed.mirror_path}")
            path_found = matches[-1]
        else:
            path_found = directory / feed.mirror_path
        return path_found.read_bytes(), str(path_found)
    except httpx.HTTPError as exc:
        raise FeedError(f"feed {feed.id}: download failed: {exc}") from exc
    except OSError as exc:
        raise FeedError(f"feed {feed.id}: cannot read: {exc.strerror}: {exc.filename}") from exc


def check_feed(feed_id: str, entries: list[FeedEntry], previous_count: int | None) -> str | None:
    """Why the new content must be refused, or None when it looks sane."""
    if not entries:
        return "feed is empty"
    for entry in entries:
        network = ipaddress.ip_network(entry.prefix)
        if network.prefixlen < MIN_PREFIX_LENGTH[network.version]:
            return (
                f"absurd prefix {entry.prefix} (shorter than /{MIN_PREFIX_LENGTH[network.version]})"
            )
    if previous_count and len(entries) < previous_count * (1 - MAX_SHRINK):
        return f"shrank from {previous_count} to {len(entries)} prefixes (more than 30 %)"
    return None


def update_snapshot(
    catalogue: Catalogue,
    output_dir: Path,
    *,
    source: str | None = None,
    force: bool = False,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> UpdateReport:
    now = now or datetime.now(UTC)
    previous_manifest: dict[str, Any] = {}
    previous_feeds: dict[str, FeedData] = {}
    try:
        snapshot = read_snapshot(output_dir)
        previous_manifest = snapshot.manifest
        previous_feeds = decode_feeds(snapshot.feeds_blob)
    except SnapshotError:
        pass  # first update into this directory
    feeds: dict[str, FeedData] = {}
    manifest_feeds: dict[str, Any] = {}
    report = UpdateReport()
    own_client = client is None
    http = client or httpx.Client(timeout=60, follow_redirects=True)
    try:
        for provider, feed in catalogue.feeds():
            if progress:
                progress(f"updating {feed.id}")
            result = _update_one(provider, feed, source, force, http, previous_feeds, now)
            report.results.append(result[0])
            if result[1] is not None:
                feeds[feed.id] = result[1]
                manifest_feeds[feed.id] = result[2] or previous_manifest.get("feeds", {}).get(
                    feed.id, {}
                )
    finally:
        if own_client:
            http.close()
    if not any(r.status == "updated" for r in report.results):
        raise FeedError("no feed could be updated; the existing snapshot is left as it was")
    digest = hashlib.sha256()
    for feed_id in sorted(manifest_feeds):
        digest.update(f"{feed_id}:{manifest_feeds[feed_id].get('sha256')}\n".encode())
    manifest = {
        "format": 1,
        "version": digest.hexdigest()[:16],
        "generated_at": now.isoformat(timespec="seconds"),
        "source": source or "official",
        "feeds": manifest_feeds,
    }
    write_snapshot(output_dir, manifest, feeds)
    report.written = True
    return report


def _update_one(
    provider: Provider,
    feed: Feed,
    source: str | None,
    force: bool,
    http: httpx.Client,
    previous_feeds: dict[str, FeedData],
    now: datetime,
) -> tuple[FeedResult, FeedData | None, dict[str, Any] | None]:
    previous = previous_feeds.get(feed.id)
    kept = previous, None
    try:
        raw, used = fetch_feed(feed, source, http)
        parsed = parse_feed(feed.format, raw, feed.id)
    except FeedError as exc:
        status = "kept-previous" if previous else "missing"
        return FeedResult(
            feed.id, status, len(previous.entries) if previous else 0, str(exc)
        ), *kept
    refusal = check_feed(feed.id, parsed.entries, len(previous.entries) if previous else None)
    if refusal and not force:
        status = "kept-previous" if previous else "missing"
        count = len(previous.entries) if previous else 0
        return FeedResult(feed.id, status, count, f"refused: {refusal}"), *kept
    v4 = sum(1 for e in parsed.entries if ":" not in e.prefix)
    entry = {
        "provider": provider.id,
        "official_url": feed.url,
        "format": feed.format.value,
        "retrieved_from": used,
        "retrieved_at": now.isoformat(timespec="seconds"),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "feed_version": parsed.version,
        "prefixes": len(parsed.entries),
        "prefixes_v4": v4,
        "prefixes_v6": len(parsed.entries) - v4,
        "forced": bool(refusal),
    }
    data = FeedData(provider=provider.id, format=feed.format, entries=parsed.entries)
    return FeedResult(feed.id, "updated", len(parsed.entries), refusal), data, entry
