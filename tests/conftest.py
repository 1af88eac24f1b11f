"""Shared fixtures: the real DNS lab (Knot + Unbound on loopback) and the feed mirror."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dnslab import DnsLab, servers_available

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO.parent / "shared" / "provider_feeds"


@pytest.fixture(scope="session")
def feeds_dir() -> Path:
    """The providers' published feeds (a mirror); tests needing them skip without it."""
    if not FEEDS.is_dir():
        pytest.skip("../shared/provider_feeds is not present")
    return FEEDS


def start_lab(zones: dict[str, str], **options: tuple[str, ...]) -> Iterator[DnsLab]:
    """Start a lab for one test module; skip when Knot/Unbound are not installed."""
    if not servers_available():
        pytest.skip("knotd/unbound not installed (scripts/test installs them)")
    lab = DnsLab(zones, **options)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()
