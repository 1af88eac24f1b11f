"""The parent's side of a delegation: asked of the parent's own servers, known when the child
is lame, and read from the parent zone when zone files are audited."""

from __future__ import annotations

from collections.abc import Iterator

import dns.zone
import pytest

from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import DomainEvidence, Outcome
from cloudaudit.discovery.runner import run_scan
from cloudaudit.inventory.load import inventory_from_domains
from tests.conftest import start_lab
from tests.dnslab import DnsLab

PARENT = """
lame 3600 IN NS ns1.gone-operator.example.
lame 3600 IN NS ns2.gone-operator.example.
"""


@pytest.fixture(scope="module")
def lab() -> Iterator[DnsLab]:
    zones = {"corp.example.": PARENT, "split.corp.example.": "www 300 IN A 192.0.2.1\n"}
    yield from start_lab(zones, second_server_zones=("split.corp.example.",))


def _walk(lab: DnsLab, *domains: str) -> dict[str, DomainEvidence]:
    config = ScanConfig(resolvers=(lab.resolver,), retries=0, timeout=1.0, subdomains=(),
                        srv_names=(), dkim_selectors=(), acme_challenge=False)  # fmt: skip
    evidence = run_scan(inventory_from_domains(list(domains)), config)
    return {d.domain: d for d in evidence.domains}


@pytest.mark.dns
def test_a_lame_delegation_still_names_its_operator(lab: DnsLab) -> None:
    lame = _walk(lab, "lame.corp.example")["lame.corp.example"]
    assert lame.ns.outcome is Outcome.SERVFAIL  # the child's servers do not exist
    assert lame.delegation is not None and lame.delegation.outcome is Outcome.ANSWER
    assert lame.delegation.resolver == lab.auth_address  # the parent's server, not Unbound
    assert lame.delegated_ns_hosts == ("ns1.gone-operator.example", "ns2.gone-operator.example")
    assert lame.ns_hosts == ()


@pytest.mark.dns
def test_a_healthy_delegation_agrees_on_both_sides(lab: DnsLab) -> None:
    walked = _walk(lab, "split.corp.example", "corp.example")
    split = walked["split.corp.example"]
    assert split.ns_hosts == split.delegated_ns_hosts == ("ns2.nic.lab",)
    # corp.example's parent is the lab's TLD 'example.', served beside it: a referral there.
    assert walked["corp.example"].delegated_ns_hosts == ("ns.nic.lab",)


def test_zone_files_give_the_delegation_the_parent_zone_holds() -> None:
    parent = dns.zone.from_text(
        "$ORIGIN corp.example.\n@ 300 IN SOA ns h 1 2 3 4 5\n@ 300 IN NS ns.corp.example.\n"
        "ns 300 IN A 192.0.2.53\n" + PARENT,
        relativize=False,
    )
    child = dns.zone.from_text(
        "$ORIGIN lame.corp.example.\n@ 300 IN SOA ns h 1 2 3 4 5\n@ 300 IN NS other.example.\n",
        relativize=False,
    )
    config = ScanConfig(subdomains=(), srv_names=(), dkim_selectors=())
    evidence = run_scan(
        inventory_from_domains(["lame.corp.example", "corp.example"]), config, zones=[parent, child]
    )
    walked = {d.domain: d for d in evidence.domains}
    lame = walked["lame.corp.example"]
    assert lame.ns_hosts == ("other.example",)
    assert lame.delegated_ns_hosts == ("ns1.gone-operator.example", "ns2.gone-operator.example")
    assert walked["corp.example"].delegation is not None
    assert walked["corp.example"].delegation.outcome is Outcome.OFFLINE  # no parent zone given
