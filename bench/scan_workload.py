"""A generated estate for the scan benchmark: organisations' zones and provider-style chains.

Every organisation gets a zone whose hosts are CNAMEs into provider-style names (an ELB in a
region, a Netlify site, a CDN name) that end in real addresses drawn from the providers'
published ranges (the bundled snapshot), so the whole attribution path is exercised.
"""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path

from cloudaudit.attribution.paths import data_dir
from cloudaudit.attribution.ranges import decode_feeds, read_snapshot

_LABELS = ("www", "api", "shop", "app", "status", "portal", "cdn", "mail", "help", "docs")


def provider_addresses(rng: random.Random, count: int) -> list[str]:
    feeds = decode_feeds(read_snapshot(data_dir()).feeds_blob)
    prefixes = [
        ipaddress.ip_network(entry.prefix)
        for feed_id in ("aws", "google-cloud", "azure", "hetzner-as24940", "ovhcloud-as16276")
        for entry in feeds[feed_id].entries
        if ":" not in entry.prefix
    ]
    out = []
    for _ in range(count):
        network = rng.choice(prefixes)
        out.append(str(network[rng.randrange(network.num_addresses)]))
    return out


def build_estate(
    organisations: int, hosts_per_org: int, seed: int = 7
) -> tuple[dict[str, str], list[str]]:
    """(zones for the DNS lab, host names to scan)."""
    rng = random.Random(seed)
    addresses = iter(provider_addresses(rng, organisations * hosts_per_org * 2))
    zones: dict[str, list[str]] = {"amazonaws.com.": [], "netlify.app.": [], "cdn-edge.net.": []}
    names: list[str] = []
    for number in range(organisations):
        origin = f"org{number}.example."
        body = []
        for index in range(hosts_per_org):
            label = f"{_LABELS[index % len(_LABELS)]}{index // len(_LABELS) or ''}"
            host = f"{label}.{origin}"
            names.append(host.rstrip("."))
            kind = index % 3
            if kind == 0:
                target = f"{label}-{number}.eu-central-1.elb"
                zones["amazonaws.com."].append(f"{target} 300 IN A {next(addresses)}")
                body.append(f"{label} 300 IN CNAME {target}.amazonaws.com.")
            elif kind == 1:
                target = f"{label}-{number}"
                zones["netlify.app."].append(f"{target} 300 IN CNAME {target}.cdn-edge.net.")
                zones["cdn-edge.net."].append(f"{target} 300 IN A {next(addresses)}")
                body.append(f"{label} 300 IN CNAME {target}.netlify.app.")
            else:
                body.append(f"{label} 300 IN A {next(addresses)}")
        zones[origin] = body
    return {origin: "\n".join(lines) + "\n" for origin, lines in zones.items()}, names


def write_inventory(path: Path, names: list[str], hosts_per_org: int) -> Path:
    """One service per organisation, its hosts as endpoints, criticality varied."""
    levels = ("critical", "high", "medium", "low")
    lines = []
    for start in range(0, len(names), hosts_per_org):
        number = start // hosts_per_org
        endpoints = ", ".join(f'"{n}"' for n in names[start : start + hosts_per_org])
        lines.append(
            f'[[services]]\nname = "org{number}"\ncriticality = "{levels[number % 4]}"\n'
            f"endpoints = [{endpoints}]\n"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
