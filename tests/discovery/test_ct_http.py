"""Certificate-transparency and .well-known fetches against a real HTTP server on loopback
playing crt.sh, Cert Spotter and a domain's web server: recorded answers, rate limits,
failures, a body that never ends in time, and an answer far over the cap."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from cloudaudit.analysis.checks import CheckId, analyse
from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.models import Finding
from cloudaudit.analysis.policy import Policy
from cloudaudit.attribution.attribute import attribute
from cloudaudit.attribution.catalogue import load_catalogue
from cloudaudit.attribution.ranges import RangeIndex
from cloudaudit.discovery.config import CtConfig, ScanConfig
from cloudaudit.discovery.enumeration import DomainFindings, enumerate_domains
from cloudaudit.discovery.models import (
    CtEvidence,
    CtService,
    DnsQuery,
    DomainEvidence,
    FetchOutcome,
    Outcome,
    ScanEvidence,
)
from cloudaudit.inventory.load import inventory_from_domains
from tests.conftest import ScriptedHandler, serve_http

DATA = Path(__file__).parent / "data" / "ct"
DOMAIN = "ctlab.example"
HUGE_ENTRIES = 50_000


def _huge() -> bytes:
    """A crt.sh answer of 50,000 certificates, each for two names under the domain."""
    entries = [
        {"id": n, "common_name": f"h{n}.{DOMAIN}", "name_value": f"h{n}.{DOMAIN}\nx{n}.{DOMAIN}"}
        for n in range(HUGE_ENTRIES)
    ]
    return json.dumps(entries).encode()


class _Services(ScriptedHandler):
    """Each first path segment is a scenario; requests are counted per scenario."""

    hits: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()
    huge = b""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        scenario = parts.path.strip("/").split("/")[0]
        query = parse_qs(parts.query)
        with self.lock:
            self.hits[scenario] += 1
            hit = self.hits[scenario]
        if scenario == "certspotter":
            self._certspotter(query)
            return
        if scenario == "matrix":
            self._matrix(parts.path)
            return
        if scenario not in ("redirect", "slow") and query != {
            "q": [f"%.{DOMAIN}"],
            "output": ["json"],
        }:
            self.reply(400, b"bad query")
        elif scenario == "normal":
            self.reply(200, (DATA / f"crtsh-{DOMAIN}.json").read_bytes())
        elif scenario == "malformed":
            self.reply(200, b"<html><body>crt.sh is busy</body></html>")
        elif scenario == "ratelimited":
            if hit == 1:
                self.reply(429, b"slow down", headers=[("Retry-After", "1")])
            else:
                self.reply(200, (DATA / f"crtsh-{DOMAIN}.json").read_bytes())
        elif scenario == "broken":
            self.reply(500, b"internal error")
        elif scenario == "huge":
            self.reply(200, self.huge)
        elif scenario == "redirect":
            self.send_response(302)
            self.send_header("Location", f"/redirect/{hit}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif scenario == "slow":
            self._trickle()

    def _certspotter(self, query: dict[str, list[str]]) -> None:
        assert query["domain"] == [DOMAIN]
        assert query["include_subdomains"] == ["true"]
        assert query["expand"] == ["dns_names"]
        after = query.get("after", [None])[0]
        page = {None: 1, "8842002": 2}.get(after)
        body = (DATA / f"certspotter-{DOMAIN}-{page}.json").read_bytes() if page else b"[]"
        self.reply(200, body)

    def _matrix(self, path: str) -> None:
        documents = {
            f"/matrix/{DOMAIN}/.well-known/matrix/server": b'{"m.server": "hs.ctlab.example:443"}',
            f"/matrix/{DOMAIN}/.well-known/matrix/client": b'{"m.homeserver": {"base_url": 5}}',
        }
        body = documents.get(path)
        self.reply(200, body) if body else self.reply(404, b"{}")

    def _trickle(self) -> None:
        """Headers at once, then a byte now and then: the body never completes in time."""
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up, as it should


@pytest.fixture(scope="module")
def services() -> Iterator[str]:
    _Services.huge = _huge()
    yield from serve_http(_Services)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests go straight to the loopback server, whatever the environment says."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def _ct(url: str, **options: object) -> CtEvidence:
    settings: dict[str, object] = {"url": url, "backoff": 0.05, "max_wait": 5.0, **options}
    config = ScanConfig(ct=CtConfig.model_validate(settings))
    found = asyncio.run(enumerate_domains([DOMAIN], config))[DOMAIN]
    assert found.ct is not None
    return found.ct


def test_a_recorded_crtsh_answer_gives_every_name_under_the_domain_once(services: str) -> None:
    ct = _ct(f"{services}/normal/")
    assert ct.service is CtService.CRTSH
    assert [f.outcome for f in ct.fetches] == [FetchOutcome.OK]
    assert ct.fetches[0].url == f"{services}/normal/?q=%25.{DOMAIN}&output=json"
    assert ct.names == (
        "ctlab.example",
        "www.ctlab.example",
        "wildcard-probe.dev.ctlab.example",
        "dev.ctlab.example",
        "payroll-eu.ctlab.example",
        "xn--bcher-kva.ctlab.example",
        "old-shop.ctlab.example",
    )
    assert (ct.entries, ct.outside, ct.invalid, ct.capped) == (7, 3, 2, False)


def test_cert_spotter_is_paged_through_with_after(services: str) -> None:
    ct = _ct(f"{services}/certspotter/v1/issuances", service=CtService.CERTSPOTTER)
    assert ct.service is CtService.CERTSPOTTER
    afters = [parse_qs(urlsplit(f.url).query).get("after") for f in ct.fetches]
    assert afters == [None, ["8842002"], ["8842107"]]  # the last page is empty
    assert ct.names == ("ctlab.example", "www.ctlab.example", "wildcard-probe.dev.ctlab.example",
                        "dev.ctlab.example", "payroll-eu.ctlab.example")  # fmt: skip
    assert ct.entries == 3
    assert not ct.capped


def test_a_page_limit_counts_as_capped(services: str) -> None:
    ct = _ct(f"{services}/certspotter/v1/issuances", service=CtService.CERTSPOTTER, max_pages=1)
    assert len(ct.fetches) == 1
    assert ct.capped


def test_malformed_json_is_evidence(services: str) -> None:
    ct = _ct(f"{services}/malformed/")
    assert ct.names == ()
    assert ct.failed
    (fetch,) = ct.fetches
    assert fetch.outcome is FetchOutcome.MALFORMED
    assert fetch.status == 200
    assert fetch.detail is not None and fetch.detail.startswith("not JSON")


def test_429_is_retried_after_what_retry_after_says(services: str) -> None:
    ct = _ct(f"{services}/ratelimited/")
    (fetch,) = ct.fetches
    assert fetch.outcome is FetchOutcome.OK
    assert fetch.attempts == 2
    assert fetch.detail == "attempt 1: HTTP 429; retried after 1 s (Retry-After)"
    assert len(ct.names) == 7


def test_a_server_error_every_time_gives_up_after_the_retries(services: str) -> None:
    before = _Services.hits["broken"]
    ct = _ct(f"{services}/broken/", retries=2)
    (fetch,) = ct.fetches
    assert (fetch.outcome, fetch.status, fetch.attempts) == (FetchOutcome.HTTP_ERROR, 500, 3)
    assert _Services.hits["broken"] - before == 3
    assert fetch.detail is not None
    assert fetch.detail.count("HTTP 500") == 3
    assert "retried after 0.05 s (backoff)" in fetch.detail
    assert "retried after 0.1 s (backoff)" in fetch.detail
    assert ct.failed and ct.names == ()


def test_a_body_that_does_not_arrive_in_time_is_a_timeout(services: str) -> None:
    ct = _ct(f"{services}/slow/", timeout=0.5, retries=1)
    (fetch,) = ct.fetches
    assert fetch.outcome is FetchOutcome.TIMEOUT
    assert fetch.attempts == 2
    assert ct.failed


def test_an_answer_over_the_size_cap_is_not_read(services: str) -> None:
    ct = _ct(f"{services}/huge/", max_bytes=100_000, retries=3)
    (fetch,) = ct.fetches
    assert fetch.outcome is FetchOutcome.TOO_LARGE
    assert fetch.attempts == 1  # a size is not worth retrying
    assert ct.names == ()


def test_redirects_are_followed_three_times_at_most(services: str) -> None:
    ct = _ct(f"{services}/redirect/")
    (fetch,) = ct.fetches
    assert fetch.outcome is FetchOutcome.TOO_MANY_REDIRECTS
    assert fetch.redirects == tuple(f"{services}/redirect/{n}" for n in (1, 2, 3))


def test_fifty_thousand_entries_are_capped_and_reported(services: str) -> None:
    ct = _ct(f"{services}/huge/")
    assert ct.entries == HUGE_ENTRIES
    assert len(ct.names) == 5000  # the default cap
    assert ct.names[:3] == ("h0.ctlab.example", "x0.ctlab.example", "h1.ctlab.example")
    assert ct.capped
    # The cap is a finding of the analysed report.
    findings = _findings(ct)
    assert [(f.check_id, f.subject) for f in findings] == [("SCAN-CT-001", DOMAIN)]
    assert (
        "kept the first 5000 names listed (50000 certificate entries read, cap 5000)"
        in (findings[0].evidence[0])
    )


def test_a_complete_enumeration_is_no_finding_and_a_failed_one_is_info(services: str) -> None:
    assert _findings(_ct(f"{services}/normal/")) == []
    (failed,) = _findings(_ct(f"{services}/malformed/"))
    assert failed.severity.value == "info"
    assert failed.evidence[0].startswith(
        f"{services}/malformed/?q=%25.{DOMAIN}&output=json: malformed"
    )


def test_matrix_documents_name_the_delegated_host_and_failures_are_kept(services: str) -> None:
    config = ScanConfig(
        well_known=True, well_known_url=services + "/matrix/{domain}/.well-known/matrix/{kind}"
    )
    found = asyncio.run(enumerate_domains([DOMAIN, "nothing.example"], config))
    server, client = found[DOMAIN].well_known
    assert (server.kind, server.target, server.host) == ("server", "hs.ctlab.example:443",
                                                          "hs.ctlab.example")  # fmt: skip
    assert server.fetch.outcome is FetchOutcome.OK
    assert client.kind == "client" and client.host is None
    assert client.fetch.outcome is FetchOutcome.MALFORMED
    assert client.error == "no m.homeserver.base_url string"
    assert found[DOMAIN].ct is None
    missing = found["nothing.example"].well_known
    assert [(w.fetch.outcome, w.fetch.status) for w in missing] == [
        (FetchOutcome.HTTP_ERROR, 404),
        (FetchOutcome.HTTP_ERROR, 404),
    ]


def test_nothing_is_asked_when_no_source_is_configured() -> None:
    assert asyncio.run(enumerate_domains([DOMAIN], ScanConfig())) == {}
    assert DomainFindings() == DomainFindings(ct=None, well_known=())


def test_an_unreachable_service_is_a_network_error() -> None:
    # Nothing listens on port 9 of 127.0.0.1 (discard): the connection is refused.
    ct = _ct("http://127.0.0.1:9/", retries=1)
    (fetch,) = ct.fetches
    assert (fetch.outcome, fetch.attempts) == (FetchOutcome.NETWORK_ERROR, 2)


def _findings(ct: CtEvidence) -> list[Finding]:
    nodata = {
        rdtype: DnsQuery(qname=DOMAIN, qtype=rdtype, outcome=Outcome.NODATA)
        for rdtype in ("SOA", "NS", "MX", "TXT", "CAA")
    }
    domain = DomainEvidence(
        domain=DOMAIN,
        soa=nodata["SOA"],
        ns=nodata["NS"],
        mx=nodata["MX"],
        txt=nodata["TXT"],
        dmarc=DnsQuery(qname=f"_dmarc.{DOMAIN}", qtype="TXT", outcome=Outcome.NXDOMAIN),
        caa=nodata["CAA"],
        ct=ct,
    )
    now = datetime(2026, 12, 8, tzinfo=UTC)
    evidence = ScanEvidence(tool_version="test", started_at=now, finished_at=now,
                            inventory=inventory_from_domains([DOMAIN]), domains=(domain,))  # fmt: skip
    attribution = attribute(evidence, load_catalogue(), RangeIndex.load())
    analysis = analyse(evidence, Estate.build(evidence.inventory, attribution), Policy(), now=now)
    return [f for f in analysis.findings if f.check_id == CheckId.CT_INCOMPLETE.value]
