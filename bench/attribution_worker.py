"""One tool's attribution run in a fresh process: load time, lookups/s, peak RSS, answers.

Run by bench/run.py with the interpreter of the tool's own environment:
    python bench/attribution_worker.py cloudaudit SAMPLE.txt PASSES
    python bench/attribution_worker.py cloudaudit-batch SAMPLE.txt PASSES
    bench/.venv-bench/bin/python bench/attribution_worker.py cloudip SAMPLE.txt PASSES

``cloudaudit`` looks the addresses up one call each, as py-cloudip does; ``cloudaudit-batch``
hands the whole sample to the batch API, in a process of its own so that what it imports
(numpy) is counted in its peak memory and not in the single lookups'.

The first pass over the sample is timed on its own (it also pays for first touches of the
data: pages of a mapped file, caches either tool fills, the batch API's import of numpy);
lookups per second are the median of PASSES further passes, the steady state a scan of many
addresses runs in.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.peak import peak_rss_mb


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _rate(count: int, seconds: Sequence[float]) -> float:
    return count / statistics.median(seconds)


def _load(tool: str, addresses: list[str]) -> tuple[Callable[[], list[Any]], Callable[[Any], Any]]:
    """The tool's data, loaded: one pass of lookups over ``addresses``, and the (provider,
    region) of one of its answers."""
    if tool in ("cloudaudit", "cloudaudit-batch"):
        from cloudaudit.attribution.ranges import RangeHit, RangeIndex

        index = RangeIndex.load()
        lookup, batch = index.lookup, index.lookup_many

        def ours(hit: RangeHit | None) -> list[str | None] | None:
            return None if hit is None else [hit.provider, hit.region]

        if tool == "cloudaudit-batch":
            return lambda: batch(addresses), ours
        return lambda: [lookup(a) for a in addresses], ours
    from cloudip import Detector

    detector = Detector(offline=True, data_dir=None).ready()
    theirs_lookup = detector.lookup

    def theirs(hit: Any) -> list[str | None] | None:
        return [hit.provider, hit.region] if hit.found else None

    return lambda: [theirs_lookup(a) for a in addresses], theirs


def main() -> None:
    tool, sample_path, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    addresses = open(sample_path, encoding="ascii").read().split()
    baseline_rss = peak_rss_mb()
    started = time.perf_counter()
    one_pass, answer = _load(tool, addresses)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    results = one_pass()
    first_s = time.perf_counter() - started
    pass_s = [_seconds(one_pass) for _ in range(passes)]
    peak = peak_rss_mb()
    json.dump(
        {
            "tool": tool,
            "load_s": load_s,
            "first_pass_lookups_per_s": len(addresses) / first_s,
            "lookups_per_s": _rate(len(addresses), pass_s),
            "peak_rss_mb": peak,
            "interpreter_rss_mb": baseline_rss,
            "answers": [answer(r) for r in results],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
