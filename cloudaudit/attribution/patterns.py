"""Host-name patterns from the catalogue: which provider a CNAME, NS, MX or SPF name reveals."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from cloudaudit.attribution.catalogue import Catalogue, NamePattern, PatternKind, Provider
from cloudaudit.attribution.models import LayerRole


class PatternHit(NamedTuple):
    provider: Provider
    pattern: NamePattern
    role: LayerRole
    region: str | None
    service: str | None


class NameMatcher:
    """All catalogue patterns compiled once, grouped by kind."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.by_kind: dict[PatternKind, list[tuple[Provider, NamePattern]]] = defaultdict(list)
        for provider in catalogue.providers:
            for pattern in provider.patterns:
                self.by_kind[pattern.kind].append((provider, pattern))

    def match(self, name: str, kind: PatternKind) -> list[PatternHit]:
        """Every pattern of ``kind`` matching ``name`` (lower-case, no trailing dot)."""
        hits = []
        for provider, pattern in self.by_kind[kind]:
            found = pattern.compiled.search(name)
            if found is None:
                continue
            region = found.groupdict().get("region")
            hits.append(
                PatternHit(
                    provider=provider,
                    pattern=pattern,
                    role=pattern.role or provider.default_role,
                    region=region.lower() if region else None,
                    service=pattern.service,
                )
            )
        return hits
