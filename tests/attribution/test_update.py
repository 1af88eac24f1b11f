"""`ranges update`: the real download path against a loopback HTTP server, and the refusals."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudaudit.attribution.catalogue import Catalogue, load_catalogue
from cloudaudit.attribution.ranges import SNAPSHOT_FILE, RangeIndex
from cloudaudit.attribution.update import update_snapshot
from cloudaudit.errors import FeedError
from tests.conftest import serve_directory


def _catalogue(*feeds: tuple[str, str, str]) -> Catalogue:
    """A small catalogue: (feed id, format, mirror path) feeds of one provider."""
    return Catalogue.model_validate(
        {
            "providers": [
                {
                    "id": "acme",
                    "name": "Acme Cloud",
                    "legal_name": "Acme Cloud GmbH",
                    "kinds": ["cloud"],
                    "headquarters": "DE",
                    "jurisdiction": "EU",
                    "cloud_act": False,
                    "feeds": [
                        {"id": i, "url": f"https://acme.example/{p}", "format": f, "mirror_path": p}
                        for i, f, p in feeds
                    ],
                }
            ]
        }
    )


def _write(mirror: Path, path: str, prefixes: list[str]) -> None:
    target = mirror / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(prefixes) + "\n")


@pytest.fixture()
def mirror(tmp_path: Path) -> Path:
    mirror = tmp_path / "mirror"
    _write(mirror, "acme/v4.txt", [f"10.{i}.0.0/16" for i in range(10)])
    _write(mirror, "acme/v6.txt", ["2001:db8::/32"])
    return mirror


CATALOGUE = _catalogue(
    ("acme-v4", "plain-cidr", "acme/v4.txt"), ("acme-v6", "plain-cidr", "acme/v6.txt")
)


def test_update_from_a_directory_writes_snapshot_and_manifest(mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranges"
    report = update_snapshot(CATALOGUE, out, source=str(mirror))
    assert [r.status for r in report.results] == ["updated", "updated"]
    manifest = json.loads((out / "MANIFEST.json").read_text())
    entry = manifest["feeds"]["acme-v4"]
    assert entry["official_url"] == "https://acme.example/acme/v4.txt"
    assert entry["prefixes"] == 10 and len(entry["sha256"]) == 64
    assert RangeIndex.load(out).lookup("10.3.1.1").provider == "acme"  # type: ignore[union-attr]


def test_refused_feeds_keep_their_previous_data(mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranges"
    update_snapshot(CATALOGUE, out, source=str(mirror))
    # Given the feed shrinks from 10 to 2 prefixes (-80 %)
    _write(mirror, "acme/v4.txt", ["10.0.0.0/16", "10.1.0.0/16"])
    report = update_snapshot(CATALOGUE, out, source=str(mirror))
    status, reason = {r.feed_id: (r.status, r.reason) for r in report.results}["acme-v4"]
    assert status == "kept-previous" and "shrank from 10 to 2" in str(reason)
    # Given a feed with an absurd /4 (the other one back to normal)
    _write(mirror, "acme/v4.txt", [f"10.{i}.0.0/16" for i in range(10)])
    _write(mirror, "acme/v6.txt", ["2000::/4"])
    report = update_snapshot(CATALOGUE, out, source=str(mirror), force=False)
    status, reason = {r.feed_id: (r.status, r.reason) for r in report.results}["acme-v6"]
    assert status == "kept-previous" and "absurd prefix 2000::/4" in str(reason)
    assert RangeIndex.load(out).lookup("2001:db8::1") is not None
    _write(mirror, "acme/v6.txt", ["2001:db8::/32"])
    _write(mirror, "acme/v4.txt", ["10.0.0.0/16", "10.1.0.0/16"])
    # Then the old data is still what lookups see
    update_snapshot(CATALOGUE, out, source=str(mirror))
    assert RangeIndex.load(out).lookup("10.7.0.1") is not None
    # And --force accepts the shrunken feed
    update_snapshot(CATALOGUE, out, source=str(mirror), force=True)
    assert RangeIndex.load(out).lookup("10.7.0.1") is None


def test_an_empty_feed_is_refused_and_a_total_failure_changes_nothing(
    mirror: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ranges"
    update_snapshot(CATALOGUE, out, source=str(mirror))
    before = (out / SNAPSHOT_FILE).read_bytes()
    _write(mirror, "acme/v6.txt", [])
    report = update_snapshot(CATALOGUE, out, source=str(mirror))
    assert {r.feed_id: r.reason for r in report.results}["acme-v6"] == "refused: feed is empty"
    shutil.rmtree(mirror)
    with pytest.raises(FeedError, match="no feed could be updated"):
        update_snapshot(CATALOGUE, out, source=str(mirror))
    assert RangeIndex.load(out).lookup("2001:db8::1") is not None
    assert (out / SNAPSHOT_FILE).read_bytes() != b"" and before


@pytest.fixture(scope="module")
def feed_server(feeds_dir: Path) -> Iterator[str]:
    yield from serve_directory(feeds_dir)


@pytest.mark.feeds
def test_real_download_path_over_http(feed_server: str, tmp_path: Path) -> None:
    # Given the official feeds served over HTTP (Azure's weekly file name found by listing)
    out = tmp_path / "ranges"
    report = update_snapshot(load_catalogue(), out, source=feed_server)
    statuses = {r.feed_id: r.status for r in report.results}
    # Then every feed but Vultr (which lists the 6to4 prefix 2002::/16) is taken
    assert statuses.pop("vultr") == "missing"
    assert set(statuses.values()) == {"updated"}
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["feeds"]["azure"]["retrieved_from"].endswith("ServiceTags_Public_20260427.json")
    assert manifest["feeds"]["aws"]["feed_version"].startswith("syncToken 1787411825")
    hit = RangeIndex.load(out).lookup("20.50.0.1")
    assert hit is not None and hit.provider == "azure" and hit.region == "westeurope"


@pytest.mark.feeds
def test_bundled_snapshot_contains_no_raw_feed(feeds_dir: Path) -> None:
    from cloudaudit.attribution.paths import data_dir

    shipped = {p.read_bytes() for p in data_dir().iterdir() if p.is_file()}
    for feed in feeds_dir.rglob("*"):
        if feed.is_file():
            assert feed.read_bytes() not in shipped, feed
