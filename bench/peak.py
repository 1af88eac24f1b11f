"""A process's own peak memory, as every benchmark reports it (no imports: it is loaded into
the measured processes)."""

from __future__ import annotations


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM). ru_maxrss is not used: Linux carries it
    across exec, so a child of a large parent would report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
