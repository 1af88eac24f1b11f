"""Where each host name of a scan came from: the inventory, a zone file, a guess, a
certificate-transparency log, a zone transfer, a /.well-known delegation...

Each name keeps the set of its sources as bits of one int, so a scan of 100,000 names pays a
dict entry per name, and the evidence shares one tuple per combination of sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet

from cloudaudit.discovery.models import NameSource

_ORDER = tuple(NameSource)
_BIT = {source: 1 << index for index, source in enumerate(_ORDER)}


class NameSources:
    """Host names, in the order first added, each with every source that listed it."""

    def __init__(self, initial: Mapping[NameSource, Iterable[str]] | None = None) -> None:
        self._bits: dict[str, int] = {}
        self._tuples: dict[int, tuple[NameSource, ...]] = {}
        for source, names in (initial or {}).items():
            self.add(source, names)

    def add(self, source: NameSource, names: Iterable[str]) -> None:
        bit = _BIT[source]
        bits = self._bits
        for name in names:
            bits[name] = bits.get(name, 0) | bit

    def __contains__(self, name: object) -> bool:
        return name in self._bits

    def __iter__(self) -> Iterator[str]:
        return iter(self._bits)

    def __len__(self) -> int:
        return len(self._bits)

    def has(self, name: str, source: NameSource) -> bool:
        return bool(self._bits.get(name, 0) & _BIT[source])

    def of(self, name: str) -> tuple[NameSource, ...]:
        """The sources of ``name`` in the enum's order; () for a name never added."""
        mask = self._bits.get(name, 0)
        shared = self._tuples.get(mask)
        if shared is None:
            shared = self._tuples[mask] = tuple(s for s in _ORDER if mask & _BIT[s])
        return shared


def apex_of(name: str, domains: AbstractSet[str]) -> str | None:
    """The most specific of ``domains`` that ``name`` is at or under; None when none is."""
    labels = name.split(".")
    for start in range(len(labels)):
        candidate = ".".join(labels[start:])
        if candidate in domains:
            return candidate
    return None
