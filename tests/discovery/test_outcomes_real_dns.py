"""Every discovery outcome, observed through a real Unbound recursing over a real Knot."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import HostEvidence, Outcome, ScanEvidence, Transport
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import inventory_from_domains, parse_inventory
from tests.conftest import start_lab
from tests.dnslab import DnsLab, silent_udp_server, stray_reply_server

pytestmark = pytest.mark.dns

CHAIN = "".join(f"c{i} 300 IN CNAME c{i + 1}\n" for i in range(12)) + "c12 300 IN A 192.0.2.12\n"
BIG_TXT = " ".join('"' + "x" * 250 + '"' for _ in range(8))
ZONES = {
    "example.": f"""
www 300 IN A 192.0.2.1
www 300 IN AAAA 2001:db8::1
onlyv4 300 IN A 192.0.2.2
loop 300 IN CNAME loop2
loop2 300 IN CNAME loop
{CHAIN}
big 300 IN TXT {BIG_TXT}
hostile 300 IN TXT "\\000\\001\\255<script>alert(1)</script>" "\\"quoted\\""
*.wild 300 IN A 192.0.2.7
xn--bcher-kva 300 IN A 192.0.2.8
split 300 IN CNAME www.other.
dangling 300 IN CNAME nothing.other.
lame 300 IN NS ns.lame
ns.lame 300 IN A {{dead}}
""",
    "other.": "www 300 IN CNAME www.example.\ntov4 300 IN CNAME onlyv4.example.\n",
    "spfmany.example.": '@ 300 IN TXT "v=spf1 '
    + " ".join(f"include:s{i}.spfmany.example" for i in range(11))
    + ' -all"\n'
    + "".join(f's{i} 300 IN TXT "v=spf1 ip4:192.0.2.{i} -all"\n' for i in range(11)),
    "spfloop.example.": '@ 300 IN TXT "v=spf1 include:a.spfloop.example -all"\n'
    'a 300 IN TXT "v=spf1 include:spfloop.example -all"\n',
    "acme.example.": """
@ 300 IN MX 10 mx
@ 300 IN TXT "v=spf1 include:_spf.acme.example ~all"
@ 300 IN CAA 0 issue "letsencrypt.org"
_spf 300 IN TXT "v=spf1 ip4:192.0.2.25 -all"
_dmarc 300 IN TXT "v=DMARC1; p=reject"
mx 300 IN A 192.0.2.25
www 300 IN CNAME www.other.
_matrix-fed._tcp 300 IN SRV 10 5 8448 matrix
matrix 300 IN A 192.0.2.30
""",
}


@pytest.fixture(scope="module")
def lab() -> Iterator[DnsLab]:
    yield from start_lab(ZONES, broken_zones=("broken.example.",))


def resolve(lab: DnsLab, *names: str, **options: object) -> dict[str, HostEvidence]:
    endpoints = ", ".join(f'"{n}"' for n in names)
    inventory = parse_inventory(
        f'[[services]]\nname = "probe"\nendpoints = [{endpoints}]\n', "probe.toml"
    )
    settings: dict[str, object] = {"resolvers": (lab.resolver,), "timeout": 2.0, "retries": 0}
    settings.update(options)
    config = ScanConfig.model_validate(settings)
    return run_scan(inventory, config).hosts


def test_answer_nxdomain_and_nodata_are_told_apart(lab: DnsLab) -> None:
    hosts = resolve(lab, "www.example", "onlyv4.example", "nope.example")
    assert hosts["www.example"].a.outcome is Outcome.ANSWER
    assert hosts["www.example"].addresses == ("192.0.2.1", "2001:db8::1")
    assert hosts["onlyv4.example"].aaaa.outcome is Outcome.NODATA
    assert hosts["nope.example"].a.outcome is Outcome.NXDOMAIN
    assert hosts["nope.example"].aaaa.outcome is Outcome.NXDOMAIN


def test_servfail_from_a_zone_that_failed_to_load(lab: DnsLab) -> None:
    hosts = resolve(lab, "www.broken.example")
    assert hosts["www.broken.example"].a.outcome is Outcome.SERVFAIL


def test_refused(lab: DnsLab) -> None:
    hosts = resolve(lab, lab.refused_name)
    assert hosts[lab.refused_name].a.outcome is Outcome.REFUSED


def test_timeout_when_the_resolver_never_answers(lab: DnsLab) -> None:
    with silent_udp_server(f"127.77.{lab.number}.8") as silent:
        inventory = inventory_from_domains(["example"])
        config = ScanConfig(
            resolvers=(silent,), timeout=0.3, retries=1, subdomains=(), srv_names=()
        )
        evidence = run_scan(inventory, config)
    soa = evidence.domains[0].soa
    assert soa.outcome is Outcome.TIMEOUT
    assert soa.attempts == 2
    assert not evidence.complete


def test_lame_delegation_ends_in_bounded_time(lab: DnsLab) -> None:
    # Given a zone delegated to an address where nothing listens
    started = time.monotonic()
    # When we ask with a 1 s budget and no retries
    hosts = resolve(lab, "www.lame.example", timeout=1.0)
    # Then the lookup fails as evidence, within the budget (plus process overhead)
    assert hosts["www.lame.example"].a.outcome in (Outcome.TIMEOUT, Outcome.SERVFAIL)
    assert time.monotonic() - started < 10


def test_cname_loop_is_detected_hop_by_hop(lab: DnsLab) -> None:
    host = resolve(lab, "loop.example")["loop.example"]
    assert host.a.outcome is Outcome.CNAME_LOOP
    assert [hop.target for hop in host.a.cname_chain] == ["loop2.example", "loop.example"]


def test_twelve_hop_chain_is_recorded_with_ttls(lab: DnsLab) -> None:
    host = resolve(lab, "c0.example")["c0.example"]
    assert host.a.outcome is Outcome.ANSWER
    assert len(host.a.cname_chain) == 12
    assert host.a.cname_chain[-1].target == "c12.example"
    assert all(hop.ttl > 0 for hop in host.a.cname_chain)
    assert host.addresses == ("192.0.2.12",)


def test_chain_longer_than_the_limit(lab: DnsLab) -> None:
    host = resolve(lab, "c0.example", max_chain=10)["c0.example"]
    assert host.a.outcome is Outcome.CHAIN_TOO_LONG


def test_chain_across_zones(lab: DnsLab) -> None:
    host = resolve(lab, "split.example")["split.example"]
    assert [hop.target for hop in host.a.cname_chain] == ["www.other", "www.example"]
    assert host.addresses[0] == "192.0.2.1"


def test_a_chain_ending_in_nodata_costs_one_query_when_the_resolver_proves_it(
    lab: DnsLab,
) -> None:
    """Unbound follows the chain and proves NODATA with an SOA: nothing is left to ask."""
    inventory = parse_inventory(
        '[[services]]\nname = "probe"\nendpoints = ["tov4.other"]\n', "probe.toml"
    )
    config = ScanConfig(
        resolvers=(lab.resolver,), retries=0, subdomains=(), srv_names=(), acme_challenge=False
    )
    evidence = run_scan(inventory, config)
    host = evidence.hosts["tov4.other"]
    assert host.aaaa.outcome is Outcome.NODATA
    assert [hop.target for hop in host.aaaa.cname_chain] == ["onlyv4.example"]
    assert evidence.stats.queries == 2  # A and AAAA, no follow-up for the chain's end


def test_dangling_cname_keeps_the_chain(lab: DnsLab) -> None:
    host = resolve(lab, "dangling.example")["dangling.example"]
    assert host.a.outcome is Outcome.NXDOMAIN
    assert host.cname_chain[0].target == "nothing.other"


def test_big_txt_is_fetched_over_tcp(lab: DnsLab) -> None:
    evidence = run_scan(
        inventory_from_domains(["big.example"]),
        ScanConfig(resolvers=(lab.resolver,), subdomains=(), srv_names=()),
    )
    txt = evidence.domains[0].txt
    assert txt.outcome is Outcome.ANSWER
    assert txt.truncated is True
    assert txt.transport is Transport.TCP
    assert txt.records[0].value.count("x") == 2000


def test_hostile_txt_is_kept_as_escaped_data(lab: DnsLab) -> None:
    evidence = run_scan(
        inventory_from_domains(["hostile.example"]),
        ScanConfig(resolvers=(lab.resolver,), subdomains=(), srv_names=()),
    )
    value = evidence.domains[0].txt.records[0].value
    assert "\\000\\001\\255" in value
    assert "<script>" in value  # kept verbatim as data; formats escape it


def test_wildcard_and_idn(lab: DnsLab) -> None:
    hosts = resolve(lab, "anything.wild.example", "bücher.example")
    assert hosts["anything.wild.example"].addresses == ("192.0.2.7",)
    assert hosts["xn--bcher-kva.example"].addresses == ("192.0.2.8",)


def test_spf_over_the_lookup_limit_and_spf_loop(lab: DnsLab) -> None:
    config = ScanConfig(resolvers=(lab.resolver,), subdomains=(), srv_names=())
    evidence = run_scan(inventory_from_domains(["spfmany.example", "spfloop.example"]), config)
    many, loop = evidence.domains
    assert many.spf is not None and many.spf.lookup_count == 11
    assert many.spf.exceeds_lookup_limit is True
    assert len(many.spf.senders) == 11
    assert loop.spf is not None and loop.spf.exceeds_lookup_limit is False
    assert "loops back" in (loop.spf.tree.children[0].error or "")


def test_domain_walk_finds_mail_srv_and_subdomains(lab: DnsLab) -> None:
    evidence: ScanEvidence = run_scan(
        inventory_from_domains(["acme.example"]),
        ScanConfig(resolvers=(lab.resolver,)),
    )
    domain = evidence.domains[0]
    assert domain.ns_hosts == ("ns.nic.lab",)
    assert domain.mx_hosts == ("mx.acme.example",)
    assert domain.dmarc.records[0].value == '"v=DMARC1; p=reject"'
    assert domain.caa.outcome is Outcome.ANSWER
    assert domain.spf is not None and domain.spf.senders == ("_spf.acme.example",)
    assert [s.targets for s in domain.srv] == [("matrix.acme.example",)]
    assert "www.acme.example" in domain.subdomains
    assert evidence.hosts["matrix.acme.example"].addresses == ("192.0.2.30",)
    assert evidence.hosts["mx.acme.example"].addresses == ("192.0.2.25",)
    assert "mail.acme.example" not in evidence.hosts  # NXDOMAIN probes are not hosts
    assert evidence.complete


def test_no_name_is_asked_twice_in_a_scan(lab: DnsLab) -> None:
    # Given two domains served by the same name server host
    config = ScanConfig(resolvers=(lab.resolver,), subdomains=("www",), srv_names=())
    evidence = run_scan(inventory_from_domains(["acme.example", "spfloop.example"]), config)
    # Then the shared NS host was resolved once and served from the cache the second time
    assert evidence.stats.cache_hits >= 1
    asked = [(q.qname, q.qtype) for h in evidence.hosts.values() for q in (h.a, h.aaaa)]
    assert len(asked) == len(set(asked))


def _many_hosts_inventory(count: int) -> str:
    endpoints = ", ".join(f'"h{i}.many.example"' for i in range(count))
    return f'[[services]]\nname = "many"\nendpoints = [{endpoints}]\n'


@pytest.fixture(scope="module")
def many_lab() -> Iterator[DnsLab]:
    body = "".join(f"h{i} 300 IN A 192.0.2.{i % 250 + 1}\n" for i in range(0, 120, 2))
    body += "".join(f"h{i} 300 IN CNAME h{i - 1}\n" for i in range(1, 120, 2))
    yield from start_lab({"many.example.": body})


#: How long the lingering helper sleeps: a figure no other process on the machine would use,
#: so finding it among the running commands means our helper outlived the scan.
_LINGER_SECONDS = "61.0517"
_BROKEN_HELPERS = {
    "exits at once": "exit 1",
    # Totals, then a host line cut short, and a clean exit: the share is still resolved here.
    "writes a broken line": 'cat >/dev/null\necho \'{"queries_sent": 1, "cache_hits": 0}\'\n'
    'echo \'{"hostname": "h1.many.example", "a": \'',
    # The same, then it lingers: the scan neither waits for it nor leaves it running.
    "writes a broken line and lingers": 'cat >/dev/null\necho \'{"queries_sent": 1, "cache_hits": 0}\'\n'
    f"echo '{{'\nexec sleep {_LINGER_SECONDS}",
}


@pytest.mark.parametrize("broken_helper", [None, *_BROKEN_HELPERS])
def test_helper_processes_give_the_same_evidence_and_a_failed_helper_loses_nothing(
    many_lab: DnsLab, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, broken_helper: str | None
) -> None:
    import cloudaudit.discovery.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_HOSTS_FOR_HELPERS", 10)
    if broken_helper:  # started in place of the interpreter; its share is resolved by the scan
        script = tmp_path / "helper"
        script.write_text(f"#!/bin/sh\n{_BROKEN_HELPERS[broken_helper]}\n")
        script.chmod(0o755)
        monkeypatch.setattr(sys, "executable", str(script))
    inventory = parse_inventory(_many_hosts_inventory(130), "many.toml")
    base = {"resolvers": (many_lab.resolver,), "retries": 0, "subdomains": (), "srv_names": ()}
    alone = run_scan(inventory, ScanConfig.model_validate({**base, "workers": 1}))
    shared = run_scan(inventory, ScanConfig.model_validate({**base, "workers": 3}))

    def summary(evidence: ScanEvidence) -> dict[str, tuple[object, ...]]:
        return {
            name: (
                host.a.outcome,
                host.aaaa.outcome,
                host.addresses,
                tuple((hop.name, hop.target) for hop in host.cname_chain),
                host.acme_challenge.outcome if host.acme_challenge else None,
            )
            for name, host in evidence.hosts.items()
        }

    assert len(shared.hosts) == 130
    assert summary(shared) == summary(alone)
    existing = sum(1 for host in alone.hosts.values() if host.addresses or host.cname_chain)
    assert existing == 120  # each also has its _acme-challenge asked
    assert shared.stats.queries == alone.stats.queries == 2 * 130 + existing
    assert summary(shared)["h125.many.example"][0] is Outcome.NXDOMAIN
    assert shared.stats.failures == alone.stats.failures == 0
    running = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            running.append(cmdline.read_bytes())
        except OSError:
            continue  # ended meanwhile
    # No helper outlives the scan, not even a stuck one.
    assert f"sleep\0{_LINGER_SECONDS}\0".encode() not in running


def test_progress_reaches_the_total(lab: DnsLab) -> None:
    inventory = parse_inventory(
        'domains = ["acme.example"]\n[[services]]\nname = "s"\n'
        'endpoints = ["mx.acme.example", "www.example"]\n',
        "progress.toml",
    )
    seen: list[tuple[int, int]] = []
    config = ScanConfig(resolvers=(lab.resolver,), retries=0, subdomains=("www",), srv_names=())
    run_scan(inventory, config, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)  # mx.acme.example was already resolved by the domain walk


def test_replies_to_another_question_are_ignored(lab: DnsLab) -> None:
    # Given a resolver that sends a reply with the query's ID but another question first
    with stray_reply_server(f"127.77.{lab.number}.9", answer="192.0.2.99") as resolver:
        # When we resolve through it
        hosts = resolve(lab, "www.example", resolvers=(resolver,), timeout=1.0)
    # Then the stray is not taken for the answer: the true A answer is, and the AAAA
    # question, answered only by strays, times out
    assert hosts["www.example"].a.outcome is Outcome.ANSWER
    assert hosts["www.example"].addresses == ("192.0.2.99",)
    assert hosts["www.example"].aaaa.outcome is Outcome.TIMEOUT


def test_a_stream_of_stray_replies_does_not_extend_the_timeout(lab: DnsLab) -> None:
    # Given a resolver that answers every 50 ms, always with the wrong question
    started = time.monotonic()
    with stray_reply_server(f"127.77.{lab.number}.9", answer=None) as resolver:
        # When we ask with a 0.5 s timeout and no retries
        hosts = resolve(lab, "www.example", resolvers=(resolver,), timeout=0.5)
    # Then each question times out once, at its deadline, not after the last stray
    assert hosts["www.example"].a.outcome is Outcome.TIMEOUT
    assert hosts["www.example"].a.attempts == 1
    assert time.monotonic() - started < 5
