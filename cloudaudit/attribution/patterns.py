"""Host-name patterns from the catalogue: which provider a CNAME, NS, MX or SPF name reveals."""

from __future__ import annotations

import re
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
    """All catalogue patterns compiled once, grouped by kind and indexed by the literal
    domain each must end in, so a name is tried only against patterns that could match it."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.by_suffix: dict[PatternKind, dict[str, list[_Compiled]]] = defaultdict(dict)
        self.anywhere: dict[PatternKind, list[_Compiled]] = defaultdict(list)
        for provider in catalogue.providers:
            for pattern in provider.patterns:
                entry = (provider, pattern, pattern.compiled)
                key = indexed_suffix(pattern.regex)
                if key:
                    self.by_suffix[pattern.kind].setdefault(key, []).append(entry)
                else:
                    self.anywhere[pattern.kind].append(entry)

    def match(self, name: str, kind: PatternKind) -> list[PatternHit]:
        """Every pattern of ``kind`` matching ``name`` (lower-case, no trailing dot)."""
        labels = name.rsplit(".", 2)
        by_suffix = self.by_suffix[kind]
        candidates = [
            *by_suffix.get(labels[-1], ()),
            *(by_suffix.get(".".join(labels[-2:]), ()) if len(labels) > 1 else ()),
            *self.anywhere[kind],
        ]
        hits = []
        for provider, pattern, compiled in candidates:
            found = compiled.search(name)
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


_Compiled = tuple[Provider, NamePattern, re.Pattern[str]]
_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def indexed_suffix(regex: str) -> str:
    """The last one or two whole labels every match of ``regex`` ends with, or '' if that
    cannot be read off the pattern (then it is tried against every name).

    ``'\\.(?P<r>[a-z0-9]+)\\.cloudapp\\.azure\\.com$'`` → ``'azure.com'``;
    ``'\\.(?:com|net)$'`` → ``''``; ``'^ghs\\.googlehosted\\.com$'`` → ``'googlehosted.com'``.
    """
    if not regex.endswith("$") or regex.endswith("\\$") or _top_level_alternation(regex):
        return ""
    body, text = regex[:-1], []
    position = len(body)
    while position > 0:
        char = body[position - 1]
        escaped = position >= 2 and body[position - 2] == "\\"
        if char == "." and escaped:
            text.append(".")
            position -= 2
        elif char in _LITERAL and not escaped:
            text.append(char)
            position -= 1
        else:
            break
    suffix = "".join(reversed(text))
    whole_name = position == 1 and body[0] == "^" or position == 0
    labels = suffix.split(".")
    if not whole_name:
        labels = labels[1:]  # the first label may continue to the left: not a whole label
    labels = [label for label in labels if label]
    return ".".join(labels[-2:])


def _top_level_alternation(regex: str) -> bool:
    depth, position, in_class = 0, 0, False
    while position < len(regex):
        char = regex[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        position += 1
    return False
