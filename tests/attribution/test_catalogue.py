"""The provider catalogue: it validates, covers what the report needs, and its patterns work."""

from __future__ import annotations

import json
import string
import tomllib
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from cloudaudit.attribution.catalogue import (
    CATALOGUE_DIR,
    SCHEMA_FILE,
    Catalogue,
    PatternKind,
    catalogue_schema,
    load_catalogue,
    load_regions,
)
from cloudaudit.attribution.models import lei_check_digits_ok
from cloudaudit.attribution.paths import data_dir
from cloudaudit.attribution.patterns import NameMatcher, indexed_suffixes, token_prefix
from cloudaudit.errors import CatalogueError

CATALOGUE = load_catalogue()
VENDOR_FILES = sorted((data_dir() / CATALOGUE_DIR).glob("*.toml"))


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
id = "{id}"
name = "{id}"
legal_name = "{id} GmbH"
kinds = ["paas"]
headquarters = "DE"
jurisdiction = "EU"
cloud_act = false
infrastructure_unpublished = true
[[patterns]]
kind = "cname"
regex = '{regex}'
example = "{example}"
source = "https://docs.example/{id}"
verified = 2026-12-04
"""


def _write_vendor(directory: Path, vendor_id: str, regex: str, example: str) -> None:
    text = _VENDOR.format(id=vendor_id, regex=regex, example=example)
    (directory / f"{vendor_id}.toml").write_text(text)


def test_two_vendors_claiming_one_name_fail_the_example_check(tmp_path: Path) -> None:
    _write_vendor(tmp_path, "alpha", r"\.apps\.example\.net$", "x.apps.example.net")
    _write_vendor(tmp_path, "beta", r"\.example\.net$", "y.example.net")
    catalogue = load_catalogue(tmp_path)
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
        ("aspmx.l.google.com", PatternKind.MX, "google-workspace", None),
        ("_spf.google.com", PatternKind.SPF, "google-workspace", None),
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
              "one.zoho.eu", "zoom_verify_x", "zoom", "globalsign-domain-verification=1",
              "read-ai-verification = 1", "ms=", "=ms", "a=b=c"}  # fmt: skip
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


_GOOD = _VENDOR.format(id="x", regex=r"\.x\.example$", example="a.x.example")
AMAZON_LEI = "ZXTILKJKG63JELOEG630"  # Amazon.com, Inc. (aws.toml cites where it is shown)
_PARENT = f"""
[ultimate_parent]
lei = "{AMAZON_LEI}"
legal_name = "x GmbH"
source = "https://lei.example/x"
verified = 2026-12-08
"""
_ENTITY = f"""
[contracting_entity]
lei = "{AMAZON_LEI}"
legal_name = "x GmbH"
country = "DE"
role = "EU contracting entity"
source = "https://lei.example/x"
verified = 2026-12-08
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id = "x"\n', "name: Field required"),
        (_GOOD.replace('id = "x"', 'id = "Bad Id"'), "id: String should match"),
        (_GOOD.replace(r"\.x\.example$", "(unclosed"), "patterns.0.regex: Value error, invalid"),
        (_GOOD.replace('source = "https://docs.example/x"\n', ""), "patterns.0.source: Field"),
        (_GOOD.replace("https://docs", "http://docs"), "patterns.0.source: String should"),
        (_GOOD.replace('legal_name = "x GmbH"\n', ""), "legal_name: Field required"),
        (
            _GOOD + '[[runs_on]]\nprovider="nowhere"\nsource="https://x"\nverified=2026-01-01\n',
            "runs_on names unknown provider 'nowhere'",
        ),
        (_GOOD.replace('id = "x"', 'id = "y"'), "id 'y' differs from the file name"),
        ("provider = [", "x.toml"),
        # One character changed in a valid LEI: the check digits no longer hold
        (
            _GOOD + _PARENT.replace(AMAZON_LEI, "ZXTILKJKG63JELOEG631"),
            "ultimate_parent.lei: Value error, 'ZXTILKJKG63JELOEG631' fails the ISO 17442 check",
        ),
        (
            _GOOD + _ENTITY.replace(AMAZON_LEI, "ZXTILKJKG64JELOEG630"),
            "contracting_entity.lei: Value error, 'ZXTILKJKG64JELOEG630' fails the ISO 17442",
        ),
        (_GOOD + _PARENT.replace(AMAZON_LEI, AMAZON_LEI.lower()), "ultimate_parent.lei: String"),
        (_GOOD + _ENTITY.replace("verified = 2026-12-08\n", ""), "contracting_entity.verified"),
        (
            _GOOD + _ENTITY.replace('source = "https://lei.example/x"', 'source = "http://x"'),
            "contracting_entity.source: String should match",
        ),
        (_GOOD + _PARENT.replace('source = "https://lei.example/x"\n', ""), "parent.source"),
        (
            _GOOD + _PARENT.replace('legal_name = "x GmbH"', 'legal_name = "X Holding Inc."'),
            "ultimate_parent.ownership_source: required, 'X Holding Inc.' is not the vendor's",
        ),
    ],
)
def test_catalogue_errors_name_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "x.toml").write_text(text)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert str(tmp_path / "x.toml") in str(caught.value)
    assert message in str(caught.value)


def test_a_contracting_entity_without_an_lei_loads(tmp_path: Path) -> None:
    # An entity named by the vendor's terms, its LEI to be found in GLEIF by name and country
    entity = _ENTITY.replace(f'lei = "{AMAZON_LEI}"\n', "")
    assert "lei =" not in entity
    (tmp_path / "x.toml").write_text(_GOOD + entity)
    vendor = load_catalogue(tmp_path).by_id["x"]
    assert vendor.contracting_entity is not None
    assert vendor.contracting_entity.lei is None
    assert vendor.contracting_entity.legal_name == "x GmbH"
    assert vendor.summary().contracting_entity == vendor.contracting_entity


def test_a_valid_lei_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(_GOOD + _ENTITY + _PARENT)
    vendor = load_catalogue(tmp_path).by_id["x"]
    assert vendor.contracting_entity and vendor.contracting_entity.lei == AMAZON_LEI
    assert vendor.summary().ultimate_parent == vendor.ultimate_parent


def test_the_lei_check_digits_catch_a_wrong_digit_or_a_wrong_letter() -> None:
    valid = [AMAZON_LEI, "HWUPKR0MPOU8FGXBT394", "VGRQXHF3J8VDLUA7XE92"]
    assert all(lei_check_digits_ok(lei) for lei in valid)
    for lei in valid:
        for at, char in enumerate(lei):
            # A letter stands for two digits: swapping it for another letter, or a digit for
            # another digit, changes the number by less than 97 times a power of ten.
            same_kind = string.digits if char.isdigit() else string.ascii_uppercase
            for other in same_kind.replace(char, ""):
                assert not lei_check_digits_ok(lei[:at] + other + lei[at + 1 :]), (lei, at)


def test_every_recorded_lei_has_a_source_and_a_date() -> None:
    recorded = {}
    for path in VENDOR_FILES:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for key in ("contracting_entity", "ultimate_parent"):
            if key in raw:
                recorded[f"{path.stem}.{key}"] = raw[key]
    assert len(recorded) >= 3  # the hyperscalers' parents at least
    names: dict[str, set[str]] = {}
    for where, entity in recorded.items():
        assert entity["source"].startswith("https://"), where
        assert isinstance(entity["verified"], date) and entity["verified"] <= date.today(), where
        if "lei" in entity:  # a contracting entity may leave its LEI to GLEIF
            assert lei_check_digits_ok(entity["lei"]), where
            names.setdefault(entity["lei"], set()).add(entity["legal_name"])
    # One LEI is one legal entity: every file that records it names it alike
    assert all(len(given) == 1 for given in names.values()), names


def test_every_contracting_entity_cites_a_page_checked_in_the_past() -> None:
    entities = {p.id: p.contracting_entity for p in CATALOGUE.providers if p.contracting_entity}
    assert "aws" in entities  # at least the one a maintainer verified on AWS's own pages
    for vendor, entity in entities.items():
        assert entity.source.startswith("https://"), vendor
        assert entity.verified <= date.today(), vendor
        assert entity.legal_name.strip() and entity.role.strip(), vendor


def test_an_empty_catalogue_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no vendor files"):
        load_catalogue(tmp_path)


def test_the_committed_schema_is_the_models_schema() -> None:
    committed = json.loads((data_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert committed == catalogue_schema(), "regenerate catalogue.schema.json (docs/catalogue.md)"


@pytest.mark.parametrize("path", VENDOR_FILES, ids=lambda p: p.stem)
def test_every_vendor_file_follows_the_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("#:schema ../catalogue.schema.json\n")
    document = json.loads(json.dumps(tomllib.loads(path.read_text()), default=date.isoformat))
    jsonschema.validate(document, catalogue_schema())


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    document = tomllib.loads(_GOOD)
    document["patterns"][0]["verified"] = "2026-12-04"
    jsonschema.validate(document, catalogue_schema())
    del document["patterns"][0]["source"]
    with pytest.raises(jsonschema.ValidationError, match="'source' is a required property"):
        jsonschema.validate(document, catalogue_schema())


def test_every_vendor_can_be_recognised() -> None:
    """A vendor with no pattern, ASN or feed is never named, unless a platform runs on it."""
    underlying = {fact.provider for p in CATALOGUE.providers for fact in p.runs_on}
    unreachable = [
        p.id
        for p in CATALOGUE.providers
        if not (p.patterns or p.asns or p.feeds) and p.id not in underlying
    ]
    assert not unreachable


def test_every_platform_says_what_it_runs_on_or_that_it_is_unpublished() -> None:
    platforms = [p for p in CATALOGUE.providers if "paas" in p.kinds]
    silent = [p.id for p in platforms if not p.runs_on and not p.infrastructure_unpublished]
    assert not silent


@pytest.mark.parametrize(
    ("regex", "prefix"),
    [
        ("^google-site-verification=", "google-site-verification="),
        (r"^ms=ms\d+$", "ms="),
        (r"^apple\-domain\-verification=", "apple-domain-verification="),
        ("^(?:a|b)=", ""),
        ("verification=", ""),
        ("^zoom_verify_", "zoom_verify_"),
        ("^_?globalsign-domain-verification=", ""),  # the '_' may be absent
        (r"^read-ai-verification\s*=", "read-ai-verification"),
        ("^ab?c=", "a"),
    ],
)
def test_the_token_prefix_read_off_a_txt_pattern(regex: str, prefix: str) -> None:
    assert token_prefix(regex) == prefix
