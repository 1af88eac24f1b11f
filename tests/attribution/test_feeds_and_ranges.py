"""Feed parsers, the snapshot and longest-prefix match: inline samples and the real feeds."""

from __future__ import annotations

import ipaddress
import json
import random
from pathlib import Path

import pytest

from cloudaudit.attribution import ranges
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.feeds import FeedEntry, FeedFormat, parse_feed
from cloudaudit.attribution.paths import data_dir
from cloudaudit.attribution.ranges import (
    FeedData,
    RangeIndex,
    decode_feeds,
    read_snapshot,
    write_snapshot,
)
from cloudaudit.errors import FeedError, SnapshotError

AWS_SAMPLE = json.dumps(
    {
        "syncToken": "1",
        "createDate": "2026-01-01-00-00-00",
        "prefixes": [
            {"ip_prefix": "3.5.0.0/16", "region": "eu-central-1", "service": "AMAZON", "network_border_group": "eu-central-1"},
            {"ip_prefix": "3.5.0.0/16", "region": "eu-central-1", "service": "S3", "network_border_group": "eu-central-1"},
            {"ip_prefix": "3.5.1.0/24", "region": "eu-central-1", "service": "EC2", "network_border_group": "eu-central-1"},
            {"ip_prefix": "3.6.0.0/16", "region": "eu-west-1", "service": "AMAZON", "network_border_group": "eu-west-1"},
            {"ip_prefix": "52.46.0.0/18", "region": "GLOBAL", "service": "CLOUDFRONT", "network_border_group": "GLOBAL"},
        ],
        "ipv6_prefixes": [
            {"ipv6_prefix": "2a05:d000::/25", "region": "eu-central-1", "service": "AMAZON", "network_border_group": "eu-central-1"}
        ],
    }
).encode()  # fmt: skip


def _index(tmp_path: Path, feeds: dict[str, FeedData]) -> RangeIndex:
    manifest = {"version": "t", "generated_at": "2026-01-01T00:00:00+00:00", "feeds": {}}
    write_snapshot(tmp_path, manifest, feeds)
    return RangeIndex.load(tmp_path)


def test_longest_prefix_wins_and_services_are_kept_in_order(tmp_path: Path) -> None:
    parsed = parse_feed(FeedFormat.AWS_IP_RANGES, AWS_SAMPLE, "aws")
    assert parsed.version == "syncToken 1 createDate 2026-01-01-00-00-00"
    index = _index(tmp_path, {"aws": FeedData("aws", FeedFormat.AWS_IP_RANGES, parsed.entries)})
    outer = index.lookup("3.5.200.1")
    inner = index.lookup("3.5.1.9")
    assert outer is not None and inner is not None
    # Given /16 listed as AMAZON and S3: both kept, the rarer (more specific) service first
    assert outer.prefix == "3.5.0.0/16" and outer.services == ("S3", "AMAZON")
    # The /24 inside it wins for its own addresses
    assert inner.prefix == "3.5.1.0/24" and inner.services == ("EC2",)
    assert index.lookup("3.5.2.0") == outer  # after the /24 the /16 owns the space again
    assert index.lookup("3.6.0.1").region == "eu-west-1"  # type: ignore[union-attr]
    cloudfront = index.lookup("52.46.0.1")
    assert cloudfront is not None and cloudfront.is_global and cloudfront.region is None
    assert index.lookup("2a05:d000::1").region == "eu-central-1"  # type: ignore[union-attr]
    assert index.lookup("3.7.0.1") is None
    assert index.lookup("not an address") is None
    assert index.lookup("3.5.1.9\x00") is None  # inet_pton raises ValueError for a NUL
    assert index.lookup_many(["3.5.1.9", "3.7.0.1"]) == [inner, None]


def test_same_prefix_in_two_providers_is_decided_by_precedence(tmp_path: Path) -> None:
    regional = FeedData(
        "google-cloud", FeedFormat.GOOGLE_CLOUD, [FeedEntry("34.1.0.0/16", "europe-west3")]
    )
    umbrella = FeedData(
        "google", FeedFormat.GOOGLE_GOOG, [FeedEntry("34.1.0.0/16"), FeedEntry("34.0.0.0/9")]
    )
    asn = FeedData("other", FeedFormat.ASN_PREFIXES, [FeedEntry("34.1.0.0/16")])
    index = _index(tmp_path, {"google": umbrella, "google-cloud": regional, "other": asn})
    hit = index.lookup("34.1.2.3")
    assert hit is not None and (hit.provider, hit.region) == ("google-cloud", "europe-west3")
    assert index.lookup("34.2.0.1").provider == "google"  # type: ignore[union-attr]


def _random_prefixes(
    rng: random.Random, version: int, count: int, shared_bits: tuple[int, ...]
) -> list[str]:
    """Nested and disjoint prefixes clustered in a few places: each shares one of
    ``shared_bits`` leading bits with one of six random bases."""
    bits = 32 if version == 4 else 128
    bases = [rng.randrange(1 << bits) for _ in range(6)]
    out = set()
    for _ in range(count):
        base = rng.choice(bases) ^ rng.randrange(1 << (bits - rng.choice(shared_bits)))
        length = rng.randrange(8 if version == 4 else 20, bits + 1)
        out.add(str(ipaddress.ip_network((base, length), strict=False)))
    return sorted(out)


@pytest.mark.parametrize(
    ("version", "shared_bits", "count"),
    [
        (4, (8, 14, 18), 400),  # across and inside the 16-bit index buckets
        (6, (8, 14, 18), 400),
        # IPv6 crowded like Azure's 2603::/16: many intervals in one bucket, one /32, one /64
        (6, (16, 24, 32, 48, 64, 96), 1200),
    ],
)
def test_lookup_agrees_with_a_brute_force_longest_prefix_match(
    tmp_path: Path, version: int, shared_bits: tuple[int, ...], count: int
) -> None:
    """Random nested prefixes against a slow but obviously correct search over every prefix."""
    rng = random.Random(version + count)
    prefixes = _random_prefixes(rng, version, count, shared_bits)
    feed = FeedData("p", FeedFormat.PLAIN_CIDR, [FeedEntry(p) for p in prefixes])
    index = _index(tmp_path, {"p": feed})
    networks = [ipaddress.ip_network(p) for p in prefixes]
    probes = [n[0] for n in networks] + [n[-1] for n in networks]
    probes += [n[-1] + 1 for n in networks if int(n[-1]) + 1 < (1 << n.max_prefixlen)]
    probes += [n[rng.randrange(n.num_addresses)] for n in networks for _ in range(3)]
    bits = 32 if version == 4 else 128
    probes += [ipaddress.ip_address(rng.randrange(1 << bits)) for _ in range(500)]
    expected = []
    for address in probes:
        containing = [n for n in networks if address in n]
        expected.append(str(max(containing, key=lambda n: n.prefixlen)) if containing else None)
        hit = index.lookup(str(address))
        assert (hit.prefix if hit else None) == expected[-1], address
    # The batch API finds the same, with the other family and non-addresses mixed in.
    other = "10.1.2.3" if version == 6 else "2001:db8::1"
    texts = [str(a) for a in probes] + ["", "not an address", "1.2.3.4\x00", other]
    rng.shuffle(order := list(range(len(texts))))
    batch = index.lookup_many(texts[i] for i in order)
    wanted = expected + [None] * 4  # this index holds no prefix of the other family
    assert [hit.prefix if hit else None for hit in batch] == [wanted[i] for i in order]


def test_strings_that_are_no_address_match_no_prefix_even_one_holding_zero(
    tmp_path: Path,
) -> None:
    """The batch API parses a list at once and gives a bad string zeros as its address: the
    zeros must not be looked up, though prefixes here hold 0.0.0.0 and ::."""
    feed = FeedData("p", FeedFormat.PLAIN_CIDR, [FeedEntry("0.0.0.0/1"), FeedEntry("::/1")])
    index = _index(tmp_path, {"p": feed})
    texts = ["0.0.0.0", "::", "", "0.0.0.0.0", "::g", "1.2.3.4\x00", ":::", "1.2.3.4:80"]
    expected = ["0.0.0.0/1", "::/1", None, None, None, None, None, None]
    assert [h.prefix if h else None for h in map(index.lookup, texts)] == expected
    assert [h.prefix if h else None for h in index.lookup_many(texts)] == expected
    assert index.lookup_many([]) == []


def test_a_snapshot_of_another_format_version_asks_for_an_update(tmp_path: Path) -> None:
    (tmp_path / "snapshot.bin").write_bytes(b"CLOUDAUDIT-RANGES 1\n{}\n")
    with pytest.raises(SnapshotError, match="another cloudaudit version.*ranges update"):
        RangeIndex.load(tmp_path)
    (tmp_path / "snapshot.bin").write_bytes(b"")
    with pytest.raises(SnapshotError, match="cannot read range snapshot"):
        RangeIndex.load(tmp_path)


@pytest.mark.parametrize(
    ("fmt", "raw", "count"),
    [
        (FeedFormat.PLAIN_CIDR, b"173.245.48.0/20\n2400:cb00::/32\n\n# comment\n23.32.0.0/11\t\n", 3),
        (FeedFormat.FASTLY, b'{"addresses":["23.235.32.0/20"],"ipv6_addresses":["2a04:4e40::/32"]}', 2),
        (FeedFormat.GEOFEED_CSV, b"# Last modified: 2026-01-01\n5.101.96.0/21,NL,NL-NH,Amsterdam,\n", 1),
        (FeedFormat.ORACLE, b'{"last_updated_timestamp":"x","regions":[{"region":"eu-frankfurt-1","cidrs":[{"cidr":"130.61.0.0/16","tags":["OCI"]}]}]}', 1),
        (FeedFormat.AZURE_SERVICE_TAGS, b'{"changeNumber":1,"cloud":"Public","values":[{"name":"AzureCloud.westeurope","properties":{"region":"westeurope","addressPrefixes":["20.50.0.0/18"]}}]}', 1),
        (FeedFormat.GITHUB_META, b'{"verifiable_password_authentication":true,"web":["140.82.112.0/20"],"ssh_keys":["ssh-ed25519 AAA"]}', 1),
        (FeedFormat.EXOSCALE, b'{"creationTime":"x","prefixes":[{"IPv4Prefix":"89.145.160.0/22","zone":"de-fra-1"}]}', 1),
        (FeedFormat.ASN_PREFIXES, b'{"asn":24940,"handle":"HETZNER","subnets":{"ipv4":["5.9.0.0/16"],"ipv6":["2a01:4f8::/29"]}}', 2),
        (FeedFormat.GEOFEED_JSON, b'{"updated":"x","subnets":[{"ip_prefix":"45.32.0.0/21","alpha2code":"US","region":"US-NJ","city":"Piscataway"}]}', 1),
        (FeedFormat.GOOGLE_GOOG, b'{"syncToken":"1","creationTime":"x","prefixes":[{"ipv4Prefix":"8.8.4.0/24"}]}', 1),
    ],
)  # fmt: skip
def test_every_format_parses_a_sample(fmt: FeedFormat, raw: bytes, count: int) -> None:
    assert len(parse_feed(fmt, raw, "sample").entries) == count


@pytest.mark.parametrize(
    ("fmt", "raw", "message"),
    [
        (FeedFormat.AWS_IP_RANGES, b"{not json", "not valid JSON"),
        (FeedFormat.PLAIN_CIDR, b"300.1.1.0/24\n", "bad prefix '300.1.1.0/24'"),
        (FeedFormat.ORACLE, b'{"regions":[{"cidrs":[]}]}', "entry without 'region'"),
    ],
)
def test_malformed_feeds_name_the_feed_and_entry(fmt: FeedFormat, raw: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=f"feed sample: .*{message}"):
        parse_feed(fmt, raw, "sample")


def test_the_bundled_snapshot_loads_without_the_mirror() -> None:
    index = RangeIndex.load(data_dir())
    info = index.info
    assert info.feeds >= 40 and info.prefixes > 100_000
    hit = index.lookup("52.94.76.1")
    assert hit is not None and (hit.provider, hit.region) == ("aws", "us-west-2")


def test_the_batch_api_answers_as_single_lookups_on_the_bundled_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real data has what random prefixes rarely make: Azure's crowded 2603::/16, many
    intervals starting in one /64, prefixes of every feed on top of each other."""
    monkeypatch.setattr(ranges, "_BATCH_CHUNK", 1000)  # the answers span chunks
    rng = random.Random(7)
    index = RangeIndex.load(data_dir())
    feeds = decode_feeds(read_snapshot(data_dir()).feeds_blob)
    prefixes = [ipaddress.ip_network(e.prefix) for f in feeds.values() for e in f.entries]
    networks = rng.sample(prefixes, 4000)
    addresses = [str(n[rng.randrange(n.num_addresses)]) for n in networks]
    addresses += [str(n[0]) for n in networks] + [str(n[-1]) for n in networks]
    addresses += [str(ipaddress.IPv4Address(rng.randrange(1 << 32))) for _ in range(2000)]
    addresses += [
        str(ipaddress.IPv6Address(rng.randrange(1 << 128) | 1 << 125)) for _ in range(2000)
    ]
    hits = index.lookup_many(iter(addresses))
    assert hits == [index.lookup(a) for a in addresses]
    assert sum(h is not None for h in hits) > 12_000


@pytest.mark.feeds
def test_every_feed_of_the_catalogue_parses_the_real_file(feeds_dir: Path) -> None:
    for _, feed in load_catalogue().feeds():
        path = sorted(feeds_dir.glob(feed.mirror_path))[-1]
        parsed = parse_feed(feed.format, path.read_bytes(), feed.id)
        assert parsed.entries, feed.id


@pytest.mark.feeds
def test_random_addresses_get_the_provider_and_region_their_feed_states(feeds_dir: Path) -> None:
    """Thousands of random addresses inside random feed prefixes, checked against the index.

    Where another feed lists a more specific prefix for the address, that prefix rightly wins;
    the expectation is then taken from the most specific listing of all feeds.
    """
    rng = random.Random(20251020)
    catalogue = load_catalogue()
    listings: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, str | None, str]] = []
    for provider, feed in catalogue.feeds():
        path = sorted(feeds_dir.glob(feed.mirror_path))[-1]
        listings.extend(
            (ipaddress.ip_network(entry.prefix), provider.id, entry.region, feed.id)
            for entry in parse_feed(feed.format, path.read_bytes(), feed.id).entries
        )
    index = RangeIndex.load(data_dir())
    shipped = set(json.loads((data_dir() / "MANIFEST.json").read_text())["feeds"])
    listings = [item for item in listings if item[3] in shipped]
    by_prefix: dict[str, list[tuple[str, str | None]]] = {}
    for network, provider_id, region, _ in listings:
        by_prefix.setdefault(str(network), []).append((provider_id, region))
    samples = 5000
    agree = 0
    for _ in range(samples):
        network, _, _, _ = rng.choice(listings)
        address = network[rng.randrange(network.num_addresses)]
        hit = index.lookup(str(address))
        assert hit is not None, address
        found = ipaddress.ip_network(hit.prefix)
        assert address in found
        # No listing of any feed is more specific than the prefix the index answered with.
        longest = 32 if address.version == 4 else 128
        narrower = (
            str(ipaddress.ip_network((address, length), strict=False))
            for length in range(found.prefixlen + 1, longest + 1)
        )
        if any(prefix in by_prefix for prefix in narrower):
            continue
        if (hit.provider, hit.region) in by_prefix[hit.prefix]:
            agree += 1
    assert agree / samples >= 0.995, f"{agree}/{samples}"
