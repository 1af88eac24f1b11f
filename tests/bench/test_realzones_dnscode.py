"""bench/realzones.py --dnscode: the corpus's rrsets written as DNSControl JSON read back whole."""

from __future__ import annotations

import json
from pathlib import Path

from bench.realzones import dnscontrol_ir
from cloudaudit.inventory.dnscode.dispatch import load_zone_source
from cloudaudit.inventory.models import AliasKind

ORG = {
    "org": "tiny",
    "zones": {
        "example.org.": [
            {"name": "example.org.", "type": "ALIAS", "ttl": 300, "values": ["www.example.org."]},
            {"name": "www.example.org.", "type": "CNAME", "ttl": 300,
             "values": ["dualstack.n.sni.global.fastly.net."]},
            {"name": "example.org.", "type": "MX", "ttl": 300, "values": ["10 mx.example.net."]},
            {"name": "example.org.", "type": "CAA", "ttl": 300,
             "values": ['0 issue "letsencrypt.org"']},
            {"name": "_x._tcp.example.org.", "type": "SRV", "ttl": 300,
             "values": ["1 2 443 x.example.net."]},
            {"name": "app.example.org.", "type": "A", "ttl": 1, "values": ["192.0.2.1"],
             "cloudflare_proxied": True},
        ]
    },
}  # fmt: skip


def test_corpus_as_dnscontrol_keeps_or_drops_aliases(tmp_path: Path) -> None:
    (tmp_path / "tiny.json").write_text(json.dumps(ORG))
    (kept,) = dnscontrol_ir(tmp_path, "tiny", tmp_path / "with", aliases=True)
    (dropped,) = dnscontrol_ir(tmp_path, "tiny", tmp_path / "without", aliases=False)
    with_aliases, without = load_zone_source(kept), load_zone_source(dropped)
    assert with_aliases.aliases["example.org"].target == "www.example.org"
    assert with_aliases.aliases["app.example.org"].kind is AliasKind.CLOUDFLARE_PROXY
    assert without.aliases == {}
    zone = with_aliases.zones[0]
    assert {str(name) for name in zone.nodes} >= {"www.example.org.", "_x._tcp.example.org."}
    caa = zone.find_rdataset("example.org.", "CAA")
    assert [rdata.to_text() for rdata in caa] == ['0 issue "letsencrypt.org"']
    assert not with_aliases.notes
