"""Concentration of the estate per dimension: criticality-weighted shares, HHI, coverage.

Each service carries its criticality weight; a service spread over k keys (providers,
regions...) gives each weight/k. The Herfindahl–Hirschman index sums squared percentage
shares (0–10000; above 2500 is "highly concentrated" in antitrust practice), and the number
of keys covering 50 % and 90 % of the weight follows ICANN ITHI metric M9.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cloudaudit.analysis.models import Concentration, Share


def concentration(dimension: str, items: Iterable[tuple[str, float, set[str]]]) -> Concentration:
    """``items``: (owner such as a service name, weight, keys it depends on)."""
    weights: dict[str, float] = defaultdict(float)
    owners: dict[str, set[str]] = defaultdict(set)
    for owner, weight, keys in items:
        if not keys:
            continue
        for key in keys:
            weights[key] += weight / len(keys)
            owners[key].add(owner)
    total = sum(weights.values())
    if total <= 0:
        return Concentration(dimension=dimension, hhi=0.0)
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    shares = tuple(
        Share(
            key=k, weight=round(w, 4), share=round(w / total, 4), services=tuple(sorted(owners[k]))
        )
        for k, w in ranked
    )
    return Concentration(
        dimension=dimension,
        shares=shares,
        hhi=round(sum((w / total * 100) ** 2 for _, w in ranked), 1),
        top_key=ranked[0][0],
        top_share=round(ranked[0][1] / total, 4),
        keys_for_50=_keys_for(ranked, total, 0.5),
        keys_for_90=_keys_for(ranked, total, 0.9),
    )


def _keys_for(ranked: list[tuple[str, float]], total: float, fraction: float) -> int:
    covered = 0.0
    for count, (_, weight) in enumerate(ranked, start=1):
        covered += weight
        if covered >= fraction * total - 1e-9:
            return count
    return len(ranked)
