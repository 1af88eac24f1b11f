"""The state of the range data, as a document: counts, versions and ages per feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudaudit.model import Model


class FeedStatus(Model):
    feed: str
    provider: str
    official_url: str
    feed_version: str | None
    retrieved_at: datetime
    age_days: float
    prefixes_v4: int
    prefixes_v6: int
    sha256: str


class RangesStatus(Model):
    directory: str
    version: str
    generated_at: datetime
    feeds: tuple[FeedStatus, ...]


def ranges_status(
    manifest: dict[str, Any], directory: Path, now: datetime | None = None
) -> RangesStatus:
    now = now or datetime.now(UTC)
    feeds = []
    for feed_id, entry in sorted(manifest.get("feeds", {}).items()):
        retrieved = datetime.fromisoformat(entry["retrieved_at"])
        feeds.append(
            FeedStatus(
                feed=feed_id,
                provider=entry["provider"],
                official_url=entry["official_url"],
                feed_version=entry.get("feed_version"),
                retrieved_at=retrieved,
                age_days=round((now - retrieved).total_seconds() / 86400, 1),
                prefixes_v4=int(entry.get("prefixes_v4", 0)),
                prefixes_v6=int(entry.get("prefixes_v6", 0)),
                sha256=entry["sha256"],
            )
        )
    return RangesStatus(
        directory=str(directory),
        version=str(manifest.get("version")),
        generated_at=datetime.fromisoformat(manifest["generated_at"]),
        feeds=tuple(feeds),
    )
