"""Vendors shown by records that serve no traffic: found, typed, and kept out of hosting."""

from __future__ import annotations

from pathlib import Path

import dns.zone
import pytest

from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import Catalogue, PatternKind, load_catalogue
from cloudaudit.attribution.models import AttributionResult
from cloudaudit.attribution.patterns import NameMatcher
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import inventory_from_zones, parse_inventory

ZONE = """$ORIGIN acme.example.
@ 300 IN SOA ns1 hostmaster 1 2 3 4 5
@ 300 IN NS ns1.acme.example.
ns1 300 IN A 192.0.2.53
@ 300 IN TXT "v=spf1 -all"
@ 300 IN TXT "tokensaas-verification=Q2x1ZQ"
@ 300 IN TXT "unrelated=1"
@ 300 IN CAA 0 issue "ca.example; accounturi=https://ca.example/acct/1"
@ 300 IN CAA 0 issuewild ";"
_dmarc 300 IN TXT "v=DMARC1; p=none; rua=mailto:a@in.reports.example,mailto:b@own.acme.example!10m; ruf=mailto:c@in.reports.example; rua=mailto:"
s1._domainkey 300 IN CNAME s1.dkim.sender.example.
_acme-challenge 300 IN CNAME abc.validations.example.
www 300 IN A 192.0.2.80
_acme-challenge.www 300 IN CNAME def.validations.example.
api 300 IN A 192.0.2.81
_acme-challenge.api 300 IN CNAME ghi.validations.example.
_smtp._tls 300 IN TXT "v=TLSRPTv1; rua=https://tls.reports.example/v1"
default._bimi 300 IN TXT "v=BIMI1; l=https://logo.bimi.example/acme.svg; a="
_sip._tls 300 IN SRV 100 1 443 sipdir.chat.example.
_4f2a9c.idm 300 IN CNAME _77d1.cert.example.
idm 300 IN A 192.0.2.82
"""

VENDORS = {
    "tokensaas": ("txt", "^tokensaas-verification=", "tokensaas-verification=x", None),
    "reports": ("report", r"\.reports\.example$", "in.reports.example", None),
    "ca": ("caa", r"^ca\.example$", "ca.example", "certificate"),
    "sender": ("cname", r"\.dkim\.sender\.example$", "s1.dkim.sender.example", None),
    "validations": ("cname", r"\.validations\.example$", "x.validations.example", "certificate"),
    "bimi": ("cname", r"\.bimi\.example$", "logo.bimi.example", None),
    "chat": ("cname", r"\.chat\.example$", "sipdir.chat.example", None),
    "cert": ("cname", r"\.cert\.example$", "_x.cert.example", "certificate"),
}


def _catalogue(directory: Path) -> Catalogue:
    for vendor, (kind, regex, example, dependency) in VENDORS.items():
        (directory / f"{vendor}.toml").write_text(
            f'id = "{vendor}"\nname = "{vendor.title()}"\nlegal_name = "{vendor} Ltd"\n'
            'kinds = ["saas"]\nheadquarters = "GB"\njurisdiction = "GB"\ncloud_act = false\n'
            f'[[patterns]]\nkind = "{kind}"\nregex = \'{regex}\'\nexample = "{example}"\n'
            + (f'dependency = "{dependency}"\n' if dependency else "")
            + f'source = "https://docs.{vendor}.example/dns"\nverified = 2026-12-04\n'
        )
    return load_catalogue(directory)


CONFIG = ScanConfig(subdomains=("www",), srv_names=("_sip._tls",), dkim_selectors=("s1",))
BASE = 'domains = ["acme.example"]\n[[services]]\nname = "api"\nendpoints = ["api.acme.example"]\n'


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    return _catalogue(tmp_path_factory.mktemp("catalogue"))


@pytest.fixture(scope="module")
def result(catalogue: Catalogue) -> AttributionResult:
    """A walk of the domain and its one endpoint: only what discovery itself asks."""
    zone = dns.zone.from_text(ZONE, relativize=False)
    evidence = run_scan(parse_inventory(BASE, "acme.toml"), CONFIG, zones=[zone])
    return attribute(evidence, catalogue, RangeIndex.load())


def _found(result: AttributionResult) -> set[tuple[str, str, str, str]]:
    return {(d.subject, d.provider, d.kind.value, d.signal.value) for d in result.dependencies}


def test_every_signal_names_its_vendor_with_the_kind_it_shows(result: AttributionResult) -> None:
    assert _found(result) == {
        ("acme.example", "tokensaas", "saas", "verification"),
        ("acme.example", "ca", "certificate", "caa"),
        ("_dmarc.acme.example", "reports", "saas", "dmarc_reports"),
        ("_smtp._tls.acme.example", "reports", "saas", "tls_reports"),
        ("s1._domainkey.acme.example", "sender", "mail", "dkim"),
        ("_acme-challenge.acme.example", "validations", "certificate", "acme_challenge"),
        ("_acme-challenge.www.acme.example", "validations", "certificate", "acme_challenge"),
        ("_acme-challenge.api.acme.example", "validations", "certificate", "acme_challenge"),
        ("default._bimi.acme.example", "bimi", "saas", "bimi"),
        ("_sip._tls.acme.example", "chat", "saas", "srv"),
    }


def test_underscore_names_a_zone_file_lists_are_all_asked(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    path = tmp_path / "acme.zone"
    path.write_text(ZONE)
    inventory, zones = inventory_from_zones([path], parse_inventory(BASE, "acme.toml"))
    assert "_4f2a9c.idm.acme.example" in inventory.record_names
    evidence = run_scan(inventory, CONFIG.model_copy(update={"dkim_selectors": ()}), zones=zones)
    found = _found(attribute(evidence, catalogue, RangeIndex.load()))
    assert ("_4f2a9c.idm.acme.example", "cert", "certificate", "record") in found
    # A DKIM key the selectors did not guess is still found, and typed by its label.
    assert ("s1._domainkey.acme.example", "sender", "mail", "dkim") in found


def test_a_dependency_cites_the_record_and_the_vendors_documentation(
    result: AttributionResult,
) -> None:
    dmarc = next(d for d in result.dependencies if d.signal.value == "dmarc_reports")
    assert len(dmarc.evidence) == 1  # rua and ruf at one vendor: one dependency, one fact
    assert "in.reports.example matches Reports" in dmarc.evidence[0].detail
    assert "https://docs.reports.example/dns" in dmarc.evidence[0].detail
    assert result.providers["reports"].name == "Reports"


def test_records_that_serve_no_traffic_are_not_services(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    path = tmp_path / "acme.zone"
    path.write_text(ZONE)
    inventory, zones = inventory_from_zones([path])
    result = attribute(run_scan(inventory, CONFIG, zones=zones), catalogue, RangeIndex.load())
    services = {e.subject for s in result.services for e in s.endpoints}
    assert {"idm.acme.example", "www.acme.example", "api.acme.example"} <= services
    assert not any(name.startswith("_") or "._" in name for name in services)
    layers = {layer.provider for s in result.services for e in s.endpoints for layer in e.layers}
    assert not layers & set(VENDORS)


def test_the_bundled_catalogue_knows_the_common_validation_and_mail_signals() -> None:
    matcher = NameMatcher(load_catalogue())

    def vendors(name: str, kind: PatternKind) -> set[str]:
        return {hit.provider.id for hit in matcher.match(name, kind)}

    assert "aws" in vendors("_3f.abcdefgh.acm-validations.aws", PatternKind.CNAME)
    assert "microsoft-365" in vendors(
        "selector1-example-com._domainkey.contoso.onmicrosoft.com", PatternKind.CNAME
    )
    assert "letsencrypt" in vendors("letsencrypt.org", PatternKind.CAA)


HOSTILE = r"""$ORIGIN hostile.example.
@ 300 IN SOA ns1 hostmaster 1 2 3 4 5
@ 300 IN NS ns1.hostile.example.
@ 300 IN TXT "tokensaas-verification"
@ 300 IN TXT "=tokensaas-verification=x"
@ 300 IN TXT "\027[31mtokensaas-verification=\007"
@ 300 IN CAA 0 issue "\";ca.example"
_dmarc 300 IN TXT "v=DMARC1; rua=mailto:@in.reports.example, mailto:x@, https://[::1, mailto:a@in.reports.example.evil.example; ruf" "=; ;;==;rua=mailto:b@" "in.reports.example"
default._bimi 300 IN TXT "v=BIMI1; l=https://%zz; a=javascript:alert(1)"
_smtp._tls 300 IN TXT "v=TLSRPTv1; rua=mailto:a@" "{long}" ".reports.example"
""".replace("{long}", ".".join(["a" * 60] * 4))


def test_hostile_records_name_no_vendor_and_break_nothing(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    zone = dns.zone.from_text(HOSTILE, relativize=False)
    inventory = parse_inventory('domains = ["hostile.example"]\n', "hostile.toml")
    evidence = run_scan(inventory, CONFIG, zones=[zone])
    found = _found(attribute(evidence, catalogue, RangeIndex.load()))
    # Only the DMARC rua split over two TXT strings names a real mailbox at the vendor; a
    # token needs its 'name=' at the start, an escape sequence first is not a token.
    assert found == {("_dmarc.hostile.example", "reports", "saas", "dmarc_reports")}
