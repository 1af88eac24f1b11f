"""The provider catalogue: it validates, covers what the report needs, and its patterns work."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudaudit.attribution.catalogue import Catalogue, PatternKind, load_catalogue, load_regions
from cloudaudit.attribution.patterns import NameMatcher, indexed_suffixes
from cloudaudit.errors import CatalogueError

CATALOGUE = load_catalogue()


def test_catalogue_is_large_enough_and_covers_the_european_clouds() -> None:
    ids = set(CATALOGUE.by_id)
    assert len(ids) >= 60
    european = {"hetzner", "ovhcloud", "ionos", "scaleway", "stackit", "open-telekom-cloud",
                "exoscale", "upcloud", "contabo", "netcup", "strato", "hostinger"}  # fmt: skip
    assert european <= ids
    assert all(not CATALOGUE.by_id[p].cloud_act for p in european)
    assert (
        CATALOGUE.by_id["aws"].cloud_act
        and CATALOGUE.by_id["aws"].control_plane_region == "us-east-1"
    )


@pytest.mark.parametrize(
    "provider_pattern",
    [(p.id, i) for p in CATALOGUE.providers for i in range(len(p.patterns))],
    ids=lambda v: f"{v[0]}-{v[1]}",
)
def test_every_pattern_matches_its_example(provider_pattern: tuple[str, int]) -> None:
    provider_id, index = provider_pattern
    assert _claimants(CATALOGUE, provider_id, index) == {provider_id}


def _claimants(catalogue: Catalogue, provider_id: str, index: int) -> set[str]:
    """The vendors whose patterns match one pattern's example: its own vendor alone, or two
    vendors would both be named for a customer's record."""
    pattern = catalogue.by_id[provider_id].patterns[index]
    return {hit.provider.id for hit in NameMatcher(catalogue).match(pattern.example, pattern.kind)}


_VENDOR = """
[[provider]]
id = "{id}"
name = "{id}"
kinds = ["paas"]
headquarters = "DE"
jurisdiction = "EU"
cloud_act = false
[[provider.patterns]]
kind = "cname"
regex = '{regex}'
example = "{example}"
"""


def test_two_vendors_claiming_one_name_fail_the_example_check(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(
        _VENDOR.format(id="alpha", regex=r"\.apps\.example\.net$", example="x.apps.example.net")
        + _VENDOR.format(id="beta", regex=r"\.example\.net$", example="y.example.net")
    )
    catalogue = load_catalogue(path)
    assert _claimants(catalogue, "alpha", 0) == {"alpha", "beta"}
    assert _claimants(catalogue, "beta", 0) == {"beta"}


@pytest.mark.parametrize(
    ("name", "kind", "provider", "region"),
    [
        ("my-lb-123.eu-central-1.elb.amazonaws.com", PatternKind.CNAME, "aws", "eu-central-1"),
        ("d1a2b3c4.cloudfront.net", PatternKind.CNAME, "aws", None),
        (
            "myvm.germanywestcentral.cloudapp.azure.com",
            PatternKind.CNAME,
            "azure",
            "germanywestcentral",
        ),
        ("ns-1234.awsdns-12.org", PatternKind.NS, "aws", None),
        ("amy.ns.cloudflare.com", PatternKind.NS, "cloudflare", None),
        ("hydrogen.ns.hetzner.com", PatternKind.NS, "hetzner", None),
        ("contoso-com.mail.protection.outlook.com", PatternKind.MX, "microsoft-365", None),
        ("aspmx.l.google.com", PatternKind.MX, "google", None),
        ("_spf.google.com", PatternKind.SPF, "google", None),
        ("brightwater.netlify.app", PatternKind.CNAME, "netlify", None),
        ("cname.vercel-dns.com", PatternKind.CNAME, "vercel", None),
        ("shops.myshopify.com", PatternKind.CNAME, "shopify", None),
        ("bucket.sos-de-fra-1.exo.io", PatternKind.CNAME, "exoscale", "de-fra-1"),
    ],
)
def test_real_world_names(name: str, kind: PatternKind, provider: str, region: str | None) -> None:
    hits = {h.provider.id: h for h in NameMatcher(CATALOGUE).match(name, kind)}
    assert provider in hits
    assert hits[provider].region == region


def test_the_suffix_index_finds_what_trying_every_pattern_finds() -> None:
    """Each name against every pattern, the slow way, must give the same hits."""
    matcher = NameMatcher(CATALOGUE)
    names = {p.example for provider in CATALOGUE.providers for p in provider.patterns}
    names |= {f"x.{name}" for name in names} | {name.upper().lower() + "x" for name in names}
    names |= {name.split(".", 1)[-1] for name in names} | {"com", "", "a.b.c.d.example"}
    # Names the examples leave out: the other alternatives of patterns that have several.
    names |= {"site.web.app", "x.netlify.com", "p.hs-sites.net", "p.sites.hscoscdn12.com",
              "p.hubspot.com", "ns1.ultradns.co.uk", "x.clients.your-server.de",
              "ns2.dnsimple-edge.info", "oxygen.ns.hetzner.de", "robotns3.second-ns.com",
              "x.upsun.app", "ns2.stackit.dns", "mx1.kundenserver.de", "fb.mail.gandi.net",
              "one.zoho.eu"}  # fmt: skip
    for kind in PatternKind:
        for name in sorted(names):
            expected = [
                (provider.id, pattern.regex)
                for provider in CATALOGUE.providers
                for pattern in provider.patterns
                if pattern.kind is kind and pattern.compiled.search(name)
            ]
            found = [(hit.provider.id, hit.pattern.regex) for hit in matcher.match(name, kind)]
            assert sorted(found) == sorted(expected), (name, kind)


@pytest.mark.parametrize(
    ("regex", "suffixes"),
    [
        (r"\.(?P<region>[a-z0-9]+)\.cloudapp\.azure\.com$", {"azure.com"}),
        (r"^ghs\.googlehosted\.com$", {"googlehosted.com"}),
        (r"\.fastly(?:lb)?\.net$", {"net"}),
        (r"[a-z]+amazonaws\.com$", {"com"}),  # 'amazonaws' may be the end of a longer label
        (r"\.(?:com|net)$", {"com", "net"}),
        (r"\.web\.app$|\.firebaseapp\.com$", {"web.app", "firebaseapp.com"}),
        (r"^ns\d\.(?P<zone>eu|us)\.example\.(?:com|co\.uk)$", {"example.com", "co.uk"}),
        # A key that ends in another is left out: 'hubspot.com' is covered by 'com'.
        (r"\.(?:hubspot|sites\.hscoscdn\d*)\.(?:com|net)$", {"com", "net"}),
        # Only a group just before the '$' is written out; then 'b' covers 'a.b'.
        (r"^a\.b$|\.(?:x|y)\.b$", {"b"}),
        (r"\.com?$", set()),
        (r"\.a(?:b|c)?$", set()),  # a group with a quantifier is not written out
        (r"\.example(?=x)$", set()),  # nor a lookahead
        (r"\.web\.app$|\.(?:com|n?et)$", set()),  # one alternative unreadable: every name
        (r"\.example\.com", set()),  # not anchored at the end
    ],
)
def test_the_suffixes_read_off_a_pattern(regex: str, suffixes: set[str]) -> None:
    assert indexed_suffixes(regex) == suffixes


def test_platform_facts_cite_a_source() -> None:
    facts = [(p.id, f) for p in CATALOGUE.providers for f in p.runs_on]
    assert {"vercel", "heroku", "netlify"} <= {pid for pid, _ in facts}
    assert all(f.source.startswith("https://") for _, f in facts)


def test_region_table_maps_to_countries() -> None:
    regions = load_regions()
    assert regions["aws"]["eu-central-1"] == "DE"
    assert regions["azure"]["westeurope"] == "NL"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[provider]]\nid = "x"\n', "provider.0.name: Field required"),
        (
            '[[provider]]\nid = "Bad Id"\nname="x"\nkinds=["cloud"]\nheadquarters="DE"\njurisdiction="EU"\ncloud_act=false\n',
            "provider.0.id",
        ),
        (
            '[[provider]]\nid = "x"\nname="x"\nkinds=["cloud"]\nheadquarters="DE"\njurisdiction="EU"\ncloud_act=false\n[[provider.patterns]]\nkind="cname"\nregex="(unclosed"\nexample="a"\n',
            "invalid regex",
        ),
        (
            '[[provider]]\nid = "x"\nname="x"\nkinds=["cloud"]\nheadquarters="DE"\njurisdiction="EU"\ncloud_act=false\n[[provider.runs_on]]\nprovider="nowhere"\nsource="https://x"\nverified=2026-01-01\n',
            "unknown provider 'nowhere'",
        ),
        ("provider = [", "catalogue"),
    ],
)
def test_catalogue_errors_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(text)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(path) in str(caught.value)
    if message != "catalogue":
        assert message.replace("provider.0", "providers.0") in str(caught.value) or message in str(
            caught.value
        )
