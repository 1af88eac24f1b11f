"""RDAP fallback against a real HTTP server on loopback serving recorded responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudaudit.attribution.rdap import RdapClient, needs_rdap
from tests.conftest import serve_directory

DATA = Path(__file__).parent / "data" / "rdap"


@pytest.fixture(scope="module")
def rdap_base() -> Iterator[str]:
    yield from serve_directory(DATA)


def test_holder_country_and_asn_are_parsed(rdap_base: str, tmp_path: Path) -> None:
    client = RdapClient(tmp_path / "cache.json", base_url=rdap_base)
    result = client.lookup_many(["5.161.7.7"])["5.161.7.7"]
    client.close()
    assert result.error is None
    assert (result.asn, result.holder, result.country) == (24940, "Hetzner Online GmbH", "DE")


def test_failures_are_recorded_not_raised(rdap_base: str, tmp_path: Path) -> None:
    client = RdapClient(None, base_url=rdap_base, timeout=2)
    results = client.lookup_many(["192.0.2.200"])
    client.close()
    assert results["192.0.2.200"].error is not None
    assert "404" in results["192.0.2.200"].error


def test_cache_answers_within_ttl_and_expires(rdap_base: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    first = RdapClient(cache, base_url=rdap_base, ttl_seconds=60)
    first.lookup_many(["91.198.174.192"], now=1000.0)
    first.close()
    # Given a server that no longer answers, the cached answer is used within the TTL ...
    offline = RdapClient(cache, base_url="http://127.0.0.1:9", ttl_seconds=60, timeout=1)
    cached = offline.lookup_many(["91.198.174.192"], now=1030.0)["91.198.174.192"]
    assert cached.error is None and cached.country == "NL"
    # ... and after it the lookup is tried again (and fails, as the server is gone).
    expired = offline.lookup_many(["91.198.174.192"], now=2000.0)["91.198.174.192"]
    offline.close()
    assert expired.error is not None


def test_only_public_addresses_need_rdap() -> None:
    assert needs_rdap("8.8.8.8")
    assert not needs_rdap("10.0.0.1")
    assert not needs_rdap("127.0.0.1")
    assert not needs_rdap("not-an-ip")
