"""Names from certificate transparency and Matrix /.well-known, end to end: a loopback HTTP
server plays crt.sh and the domain's web server, Knot and Unbound resolve what they name, and
attribution and analysis see the result with every name's sources."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cloudaudit.analysis.checks import analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.models import AttributionResult, EndpointAttribution
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.attribution.rdap import RdapClient
from cloudaudit.cli import cli
from cloudaudit.discovery.config import CtConfig, ScanConfig
from cloudaudit.discovery.models import FetchOutcome, NameSource, Outcome, ScanEvidence
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import inventory_from_domains
from cloudaudit.report.views import evidence_view
from tests.conftest import ScriptedHandler, serve_http, start_lab
from tests.dnslab import DnsLab

pytestmark = pytest.mark.dns

DATA = Path(__file__).parent / "data" / "ct"
DOMAIN = "ctlab.example"

ZONES = {
    # What the recorded crt.sh answer lists still exists, but old-shop, dev is only the
    # parent of a wildcard, and the homeserver the .well-known document names is here too.
    "ctlab.example.": """
www 300 IN A 192.0.2.10
payroll-eu 300 IN A 52.94.76.1
*.dev 300 IN A 3.5.140.2
xn--bcher-kva 300 IN CNAME shop.hosting.example.
hs 300 IN A 52.94.76.3
""",
    "hosting.example.": "shop 300 IN A 52.94.76.2\n",
    "chat.example.": "hs 300 IN A 3.5.140.3\n",
}
MATRIX = {
    f"/{DOMAIN}/.well-known/matrix/server": b'{"m.server": "hs.ctlab.example:443"}',
    f"/{DOMAIN}/.well-known/matrix/client": b'{"m.homeserver": {"base_url": "https://hs.chat.example/"}}',
}


class _Web(ScriptedHandler):
    """crt.sh at /crtsh/, the domain's web server at /<domain>/."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == f"/crtsh/?q=%25.{DOMAIN}&output=json":
            body, status = (DATA / f"crtsh-{DOMAIN}.json").read_bytes(), 200
        else:
            body, status = MATRIX.get(self.path, b"{}"), 200 if self.path in MATRIX else 404
        self.reply(status, body)


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    yield from serve_http(_Web)


@pytest.fixture(scope="module")
def lab() -> Iterator[DnsLab]:
    yield from start_lab(ZONES)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def scanned(lab: DnsLab, web: str) -> tuple[ScanEvidence, AttributionResult]:
    config = ScanConfig(
        resolvers=(lab.resolver,), timeout=1.0, retries=0, subdomains=("www", "shop"),
        srv_names=(), dkim_selectors=(), ct=CtConfig(url=f"{web}/crtsh/"), well_known=True,
        well_known_url=web + "/{domain}/.well-known/matrix/{kind}",
    )  # fmt: skip
    evidence = run_scan(inventory_from_domains([DOMAIN]), config)
    return evidence, attribute(evidence, load_catalogue(), RangeIndex.load())


def _web(attribution: AttributionResult) -> dict[str, EndpointAttribution]:
    (domain,) = attribution.domains
    return {endpoint.subject: endpoint for endpoint in domain.web}


def test_names_from_certificate_transparency_are_resolved_and_attributed(
    scanned: tuple[ScanEvidence, AttributionResult],
) -> None:
    evidence, attribution = scanned
    (domain,) = evidence.domains
    assert domain.ct is not None and not domain.ct.failed
    assert "payroll-eu.ctlab.example" in domain.subdomains
    assert "wildcard-probe.dev.ctlab.example" in domain.subdomains
    web = _web(attribution)
    payroll = web["payroll-eu.ctlab.example"]
    assert [(layer.provider, layer.region) for layer in payroll.layers] == [("aws", "us-west-2")]
    wildcard = web["wildcard-probe.dev.ctlab.example"]
    assert [(layer.provider, layer.region) for layer in wildcard.layers] == [
        ("aws", "ap-northeast-2")
    ]
    idn = evidence.hosts["xn--bcher-kva.ctlab.example"]
    assert [hop.target for hop in idn.cname_chain] == ["shop.hosting.example"]
    assert idn.addresses == ("52.94.76.2",)
    assert web["xn--bcher-kva.ctlab.example"].layers[0].provider == "aws"


def test_every_host_name_carries_its_sources(
    scanned: tuple[ScanEvidence, AttributionResult],
) -> None:
    evidence, _ = scanned
    sources = evidence.name_sources
    assert set(sources) == set(evidence.hosts)
    assert sources["ctlab.example"] == (NameSource.APEX, NameSource.CT)
    assert sources["www.ctlab.example"] == (NameSource.GUESS, NameSource.CT)
    assert sources["payroll-eu.ctlab.example"] == (NameSource.CT,)
    assert sources["old-shop.ctlab.example"] == (NameSource.CT,)
    assert sources["hs.ctlab.example"] == (NameSource.WELL_KNOWN,)
    assert sources["hs.chat.example"] == (NameSource.WELL_KNOWN,)
    assert NameSource.NS in sources["ns.nic.lab"]
    assert "shop.ctlab.example" not in sources  # a guess that found nothing is no host
    assert all(sources[name] for name in sources)
    # The evidence table shows them, and so does the JSON.
    (hosts,) = [s for s in evidence_view(evidence).sections if s.key == "hosts"]
    row = next(row for row in hosts.rows if row[0] == "www.ctlab.example")
    assert row[hosts.headers.index("Sources")] == "guess, ct"
    dumped = json.loads(evidence.model_dump_json())
    assert dumped["name_sources"]["payroll-eu.ctlab.example"] == ["ct"]


def test_names_that_no_longer_exist_are_recorded_but_count_for_nothing(
    scanned: tuple[ScanEvidence, AttributionResult],
) -> None:
    evidence, attribution = scanned
    gone = evidence.hosts["old-shop.ctlab.example"]
    assert (gone.a.outcome, gone.aaaa.outcome) == (Outcome.NXDOMAIN, Outcome.NXDOMAIN)
    (domain,) = evidence.domains
    assert "old-shop.ctlab.example" not in domain.subdomains
    estate = Estate.build(evidence.inventory, attribution)
    services = {view.service.name for view in estate.services}
    assert "payroll-eu.ctlab.example" in services
    assert "old-shop.ctlab.example" not in services
    analysis = analyse(evidence, estate, Policy(), now=datetime(2026, 12, 8, tzinfo=UTC))
    (provider,) = [c for c in analysis.concentration if c.dimension == "provider"]
    counted = {name for share in provider.shares for name in share.services}
    assert "old-shop.ctlab.example" not in counted
    assert "payroll-eu.ctlab.example" in counted
    assert not [f for f in analysis.findings if f.check_id == "SCAN-CT-001"]


def test_matrix_delegations_are_followed_to_their_hosts(
    scanned: tuple[ScanEvidence, AttributionResult],
) -> None:
    evidence, attribution = scanned
    (domain,) = evidence.domains
    documents = {w.kind: w for w in domain.well_known}
    assert documents["server"].target == "hs.ctlab.example:443"
    assert documents["client"].target == "https://hs.chat.example/"
    assert all(w.fetch.outcome is FetchOutcome.OK for w in domain.well_known)
    web = _web(attribution)
    assert [(layer.provider, layer.region) for layer in web["hs.chat.example"].layers] == [
        ("aws", "ap-northeast-2")
    ]
    assert web["hs.ctlab.example"].layers[0].provider == "aws"


def test_the_command_line_scan_with_ct(
    lab: DnsLab, web: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing may leave the loopback: name look-ups of the system resolver are refused here
    # (the default .well-known fetch of https://ctlab.example/ asks one), RDAP is never asked.
    asked: list[str] = []
    resolve = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not name.startswith("127."):
            asked.append(name)
            raise OSError(f"test: {host!r} is not on loopback")
        return resolve(host, *args, **kwargs)

    def no_rdap(self: RdapClient, addresses: Any, now: float | None = None) -> dict[str, Any]:
        raise AssertionError(f"RDAP asked for {list(addresses)}")

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    monkeypatch.setattr(RdapClient, "lookup_many", no_rdap)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            DOMAIN,
            "--resolver",
            lab.resolver,
            "--timeout",
            "1",
            "--retries",
            "0",
            "--ct-url",
            f"{web}/crtsh/",
            "--ct-max-names",
            "3",
            "--no-history",
            "--no-http-probes",
            "-f",
            "json",
            "-o",
            str(report),
        ],  # fmt: skip
    )
    assert result.exit_code in (0, 1, 3), result.output
    document = json.loads(report.read_text())
    (domain,) = document["evidence"]["domains"]
    assert domain["ct"]["names"] == ["ctlab.example", "www.ctlab.example",
                                     "wildcard-probe.dev.ctlab.example"]  # fmt: skip
    assert domain["ct"]["capped"] is True
    finding = next(f for f in document["findings"] if f["check_id"] == "SCAN-CT-001")
    assert finding["subject"] == DOMAIN
    sources = document["evidence"]["name_sources"]
    assert sources["wildcard-probe.dev.ctlab.example"] == ["ct"]
    assert "payroll-eu.ctlab.example" not in sources  # beyond the cap
    assert "host names by source: apex 1, guess 1, ns 1, parent_ns 1, ct 3" in result.output
    assert f"certificate transparency (crtsh) for {DOMAIN}: 3 names, capped at 3" in result.output
    # .well-known is on by default for a DNS scan: asked of the real host name, which the
    # guard refused, and kept as evidence.
    assert asked == [DOMAIN, DOMAIN]
    outcomes = {w["kind"]: w["fetch"]["outcome"] for w in domain["well_known"]}
    assert outcomes == {"server": "network_error", "client": "network_error"}


def test_offline_and_zone_audits_ask_no_web_source(tmp_path: Path) -> None:
    zone = tmp_path / "ctlab.example.zone"
    zone.write_text(
        "$ORIGIN ctlab.example.\n@ 300 IN SOA ns.ctlab.example. h.ctlab.example. 1 2 3 4 5\n"
        "@ 300 IN NS ns.ctlab.example.\nns 300 IN A 192.0.2.53\nwww 300 IN A 192.0.2.10\n"
        "*.dev 300 IN A 192.0.2.11\n"
    )
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(
        'domains = ["ctlab.example"]\n[[services]]\nname = "Web"\n'
        'endpoints = ["www.ctlab.example", "billing.ctlab.example"]\n'
    )
    report = tmp_path / "evidence.json"
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            "-i",
            str(inventory),
            "--zone",
            str(zone),
            "--ct",
            "--offline",
            "--no-history",
            "--evidence-only",
            "-f",
            "json",
            "-o",
            str(report),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "--ct is ignored" in result.output
    evidence = json.loads(report.read_text())
    (domain,) = evidence["domains"]
    assert domain["ct"] is None and domain["well_known"] == []
    sources = evidence["name_sources"]
    assert sources["www.ctlab.example"] == ["zone", "guess"]
    assert sources["wildcard-probe.dev.ctlab.example"] == ["zone"]
    assert sources["billing.ctlab.example"] == ["inventory"]  # listed, but not in the zone
    assert sources["ctlab.example"] == ["apex"]
