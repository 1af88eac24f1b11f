"""Recall of attribution on real organisations' published DNS, served on loopback.

    python bench/realzones.py                       # every organisation of the corpus
    python bench/realzones.py --org gnome --misses  # one, with what was missed
    python bench/realzones.py --zone-files          # scan the zone files offline instead
    python bench/realzones.py --dnscode             # offline, as DNS-as-code, ALIAS rows kept
    python bench/realzones.py --dnscode --no-aliases  # the same without ALIAS rows and proxy flags

The corpus (``../shared/realzones-dev`` beside the clone, or ``--corpus``) holds six
organisations' DNS-as-code records with the attributions a careful reader expects, its own
zone writer (``to_zonefiles.py``) and scorer (``score.py``). For each organisation this writes
the zone files, serves them with the test suite's DNS lab (Knot authoritative, Unbound
recursive, on 127.77.x.x), scans the names the zone files list through Unbound exactly as
``cloudaudit scan`` does, maps every attributed name to the provider ids reported for it and
lets the corpus's scorer count recall per kind. Nothing leaves the machine: names outside the
served zones end in NXDOMAIN at the lab's root, as a vendor's host would resolve nowhere here.

The corpus's zone writer drops ALIAS rows (on the wire an ALIAS answers as plain addresses).
``--dnscode`` instead writes each organisation as ``dnscontrol print-ir`` JSON, ALIAS rows and
Cloudflare proxy flags kept, and scans it offline through the DNS-as-code import, so the alias
targets reach attribution; ``--no-aliases`` leaves them out of that same file for comparison.

The corpus names three providers differently from the catalogue; ``CORPUS_IDS`` maps them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = REPO.parent / "shared" / "realzones-dev"
ORGS = ("archlinux", "gnome", "hmcts", "jenkins", "ruby", "zhp")
#: Corpus provider id → catalogue id, where the two spell one vendor differently.
CORPUS_IDS = {"gcp": "google-cloud", "ovh": "ovhcloud", "github-pages": "github"}
_SCORE_LINE = re.compile(r"^(\w+)\s+(\d+)\s+(\d+)\s+[\d.]+%$")
_REVIEW_LINE = re.compile(r"^  (\S+) reported=\[(.*)\] labels=\[(.*)\]$")
#: Labels that name no provider: a provider reported for such a name is a false positive.
NEGATIVE = ("unknown", "none")


def zone_files(corpus: Path, org: str, directory: Path) -> list[Path]:
    """The corpus's own zone writer: one BIND file per zone, dropped rows on its stderr."""
    subprocess.run(
        [
            sys.executable,
            str(corpus / "to_zonefiles.py"),
            str(corpus / f"{org}.json"),
            str(directory),
        ],
        check=True,
        capture_output=True,
    )
    return sorted(directory.glob("*.zone"))


def dnscontrol_ir(corpus: Path, org: str, directory: Path, aliases: bool) -> list[Path]:
    """The organisation's rrsets as the JSON ``dnscontrol print-ir`` writes: one domain per
    zone, ALIAS rows and ``cloudflare_proxied`` flags kept when ``aliases``."""
    document = json.loads((corpus / f"{org}.json").read_text(encoding="utf-8"))
    domains = []
    for zone, rrsets in document["zones"].items():
        records = []
        for rrset in rrsets:
            if not aliases and rrset["type"] == "ALIAS":
                continue
            name = rrset["name"]
            relative = "@" if name == zone else name[: -len(zone) - 1]
            for value in rrset["values"]:
                record: dict[str, Any] = {"type": rrset["type"], "name": relative,
                                          "ttl": rrset["ttl"], "target": value}  # fmt: skip
                if rrset["type"] == "MX":
                    preference, record["target"] = value.split(" ", 1)
                    record["mxpreference"] = int(preference)
                elif rrset["type"] == "SRV":
                    priority, weight, port, record["target"] = value.split(" ", 3)
                    record |= {"srvpriority": int(priority), "srvweight": int(weight),
                               "srvport": int(port)}  # fmt: skip
                elif rrset["type"] == "CAA":
                    flag, tag, text = value.split(" ", 2)
                    record |= {"caaflag": int(flag), "caatag": tag, "target": text.strip('"')}
                if aliases and rrset.get("cloudflare_proxied"):
                    record["meta"] = {"cloudflare_proxy": "on"}
                records.append(record)
        domains.append({"name": zone.rstrip("."), "records": records})
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "dnscontrol.json"
    path.write_text(json.dumps({"domains": domains}, indent=1), encoding="utf-8")
    return [path]


def lab_zones(paths: list[Path]) -> dict[str, str]:
    """Zone bodies for the DNS lab, which writes each apex SOA and NS itself: the corpus's
    apex NS name servers that exist nowhere here (and may sit at public addresses), so every
    served zone is delegated to the lab's own server. Delegations below an apex are kept."""
    zones = {}
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        origin = next(line.split()[1] for line in lines if line.startswith("$ORIGIN"))
        body = [
            line
            for line in lines
            if not line.startswith(("$ORIGIN", ";"))
            and line.split()[2:4] != ["IN", "SOA"]
            and not (line.split()[:1] in (["@"], [origin]) and line.split()[2:4] == ["IN", "NS"])
        ]
        zones[origin] = "\n".join(body) + "\n"
    return zones


def alternate_servers(zones: dict[str, str]) -> tuple[str, ...]:
    """Zones for the lab's second server: every other level of nesting, so each served
    parent and child zone sit on different servers and the parent answers with a referral."""

    def depth(origin: str) -> int:
        return sum(1 for other in zones if other != origin and origin.endswith("." + other))

    return tuple(origin for origin in zones if depth(origin) % 2)


def scan(paths: list[Path], through_lab: bool) -> Any:
    """Discovery and attribution of the names the zone files list, as `scan --zone` reads
    them: through the lab's resolver, or answered from the files offline."""
    from cloudaudit.attribution.attribute import attribute
    from cloudaudit.attribution.catalogue import load_catalogue, load_regions
    from cloudaudit.attribution.ranges import RangeIndex
    from cloudaudit.discovery.config import ScanConfig
    from cloudaudit.discovery.runner import run_scan
    from cloudaudit.inventory.load import inventory_from_zones

    inventory, zones = inventory_from_zones(paths)
    catalogue, ranges = load_catalogue(), RangeIndex.load()
    if not through_lab:
        evidence = run_scan(inventory, ScanConfig(), zones=zones)
        return attribute(evidence, catalogue, ranges, regions=load_regions())
    from tests.dnslab import DnsLab

    served = lab_zones(paths)
    with DnsLab(served, second_server_zones=alternate_servers(served)) as lab:
        config = ScanConfig(resolvers=(lab.resolver,), timeout=1.0, retries=1, workers=1)
        evidence = run_scan(inventory, config)
    return attribute(evidence, catalogue, ranges, regions=load_regions())


def reported(attribution: Any) -> dict[str, list[str]]:
    """Name → provider ids, the scorer's adapter format: each endpoint's layers, each domain's
    name servers, mail hosts and SPF senders, and the vendors non-traffic records show."""
    names: dict[str, set[str]] = defaultdict(set)

    def add(name: str, endpoints: Any) -> None:
        for endpoint in endpoints:
            names[name].update(layer.provider for layer in endpoint.layers)

    for service in attribution.services:
        for endpoint in service.endpoints:
            add(endpoint.subject, [endpoint])
    for domain in attribution.domains:
        add(domain.domain, [*domain.dns, *domain.mail, *domain.spf_senders])
        for endpoint in domain.web:
            add(endpoint.subject, [endpoint])
    for dependency in attribution.dependencies:
        names[dependency.subject].add(dependency.provider)
    return {f"{name}.": sorted(providers) for name, providers in sorted(names.items())}


def scorer(corpus: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("realzones_score", corpus / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def false_providers(corpus: Path, org: str, review_text: str) -> tuple[int, int]:
    """Names labelled unknown or none for which a provider was reported, of all such names
    (the scorer lists them beside the self-hosted ones)."""
    labels = json.loads((corpus / f"{org}.labels.json").read_text(encoding="utf-8"))
    negative = {label["name"] for label in labels if label["provider"] in NEGATIVE}
    flagged = {
        found[1]
        for line in review_text.splitlines()
        if (found := _REVIEW_LINE.match(line)) and found[1] in negative
    }
    return len(flagged), len(negative)


def score(
    corpus: Path, org: str, names: dict[str, list[str]], workdir: Path
) -> tuple[dict[str, tuple[int, int]], str]:
    """The corpus's scorer on the adapter file, with catalogue ids spelt as the corpus does."""
    inverse = {ours: theirs for theirs, ours in CORPUS_IDS.items()}
    adapter = {
        name: sorted({inverse.get(p, p) for p in providers}) for name, providers in names.items()
    }
    path = workdir / f"{org}.reported.json"
    path.write_text(json.dumps(adapter, indent=1), encoding="utf-8")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        scorer(corpus).main(
            [str(corpus / f"{org}.labels.json"), str(path), "--org", str(corpus / f"{org}.json")]
        )
    text = output.getvalue()
    counts = {
        found[1]: (int(found[2]), int(found[3]))
        for line in text.splitlines()
        if (found := _SCORE_LINE.match(line.strip()))
    }
    return counts, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--org", action="append", choices=ORGS, help="repeatable; default all")
    parser.add_argument("--zone-files", action="store_true", help="offline: answer from the files")
    parser.add_argument(
        "--dnscode", action="store_true", help="offline, as DNSControl JSON with ALIAS rows"
    )
    parser.add_argument(
        "--no-aliases", action="store_true", help="with --dnscode: drop ALIAS rows, proxy flags"
    )
    parser.add_argument("--misses", action="store_true", help="print the scorer's full output")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if not (args.corpus / "score.py").exists():
        parser.error(f"{args.corpus}: not the realzones corpus (no score.py); pass --corpus")

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    mode = "zone files" if args.zone_files else "served"
    if args.dnscode:
        mode = "dnscode without aliases" if args.no_aliases else "dnscode with aliases"
    figures: dict[str, Any] = {"mode": mode, "orgs": {}}
    with tempfile.TemporaryDirectory(prefix="cloudaudit-realzones-") as tmp:
        for org in args.org or ORGS:
            directory = Path(tmp) / org
            if args.dnscode:
                paths = dnscontrol_ir(args.corpus, org, directory, not args.no_aliases)
            else:
                paths = zone_files(args.corpus, org, directory)
            through_lab = not (args.zone_files or args.dnscode)
            counts, text = score(args.corpus, org, reported(scan(paths, through_lab)), Path(tmp))
            wrong, negative = false_providers(args.corpus, org, text)
            counts["false providers"] = (wrong, negative)
            figures["orgs"][org] = {kind: list(pair) for kind, pair in counts.items()}
            found, scored = counts.get("all", (0, 0))
            print(f"{org:<10} {found:>4}/{scored:<4} {found / scored if scored else 0:6.1%}"
                  f"   false providers {wrong}/{negative}")  # fmt: skip
            if args.misses:
                print(text)
            for kind, (hit, total) in counts.items():
                totals[kind][0] += hit
                totals[kind][1] += total
    print(f"\n{'kind':<16} {'found':>6} {'scored':>7} {'recall':>7}")
    for kind in sorted(totals, key=lambda k: (k == "false providers", k == "all", k)):
        hit, total = totals[kind]
        print(f"{kind:<16} {hit:>6} {total:>7} {hit / total if total else 0:>7.1%}")
    figures["totals"] = {kind: list(pair) for kind, pair in totals.items()}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
