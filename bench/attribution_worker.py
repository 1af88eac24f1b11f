"""One tool's attribution run in a fresh process: load time, lookups/s, peak RSS, answers.

Run by bench/run.py with the interpreter of the tool's own environment:
    python bench/attribution_worker.py cloudaudit SAMPLE.txt PASSES
    bench/.venv-bench/bin/python bench/attribution_worker.py cloudip SAMPLE.txt PASSES

The first pass over the sample is timed on its own (it also pays for first touches of the
data: pages of a mapped file, caches either tool fills); lookups per second are the median of
PASSES further passes, the steady state a scan of many addresses runs in.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from bench.peak import peak_rss_mb


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _rate(count: int, seconds: Sequence[float]) -> float:
    return count / statistics.median(seconds)


def main() -> None:
    tool, sample_path, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    addresses = open(sample_path, encoding="ascii").read().split()
    baseline_rss = peak_rss_mb()
    started = time.perf_counter()
    if tool == "cloudaudit":
        from cloudaudit.attribution.ranges import RangeIndex

        index = RangeIndex.load()
        lookup = index.lookup
        batch = index.lookup_many

        def answer(hit: object) -> list[object] | None:
            return None if hit is None else [hit.provider, hit.region]  # type: ignore[attr-defined]
    else:
        from cloudip import Detector

        detector = Detector(offline=True, data_dir=None).ready()
        lookup = detector.lookup
        batch = None

        def answer(hit: object) -> list[object] | None:
            return [hit.provider, hit.region] if hit.found else None  # type: ignore[attr-defined]

    load_s = time.perf_counter() - started
    started = time.perf_counter()
    results = [lookup(a) for a in addresses]
    first_s = time.perf_counter() - started
    single_s: list[float] = []
    batch_s: list[float] = []
    for _ in range(passes):  # single and batch alternate, so a slow spell hits both
        single_s.append(_seconds(lambda: [lookup(a) for a in addresses]))
        if batch is not None:
            batch_s.append(_seconds(lambda: batch(addresses)))
    peak = peak_rss_mb()
    json.dump(
        {
            "tool": tool,
            "load_s": load_s,
            "first_pass_lookups_per_s": len(addresses) / first_s,
            "lookups_per_s": _rate(len(addresses), single_s),
            "batch_lookups_per_s": _rate(len(addresses), batch_s) if batch_s else None,
            "peak_rss_mb": peak,
            "interpreter_rss_mb": baseline_rss,
            "answers": [answer(r) for r in results],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
