"""Patterns from the catalogue: which vendor a CNAME, NS, MX, SPF, report or TXT value reveals."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
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
    domains they can end in (TXT patterns: by the token's literal ``name=`` prefix, or its
    first letters), so a name is tried only against patterns that could match it."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.by_suffix: dict[PatternKind, dict[str, list[_Compiled]]] = defaultdict(dict)
        self.anywhere: dict[PatternKind, list[_Compiled]] = defaultdict(list)
        for provider in catalogue.providers:
            for pattern in provider.patterns:
                entry = (provider, pattern, pattern.compiled)
                if pattern.kind is PatternKind.TXT:
                    keys = frozenset(filter(None, [_token_key(pattern.regex)]))
                else:
                    keys = indexed_suffixes(pattern.regex)
                for key in keys:
                    self.by_suffix[pattern.kind].setdefault(key, []).append(entry)
                if not keys:
                    self.anywhere[pattern.kind].append(entry)

    def match(self, name: str, kind: PatternKind) -> list[PatternHit]:
        """Every pattern of ``kind`` matching ``name`` (lower-case, no trailing dot; for TXT
        the lower-cased string)."""
        by_suffix = self.by_suffix[kind]
        if kind is PatternKind.TXT:
            keys = _token_keys(name)
        else:
            labels = name.rsplit(".", 2)
            keys = [labels[-1], ".".join(labels[-2:])] if len(labels) > 1 else labels
        candidates = [
            *(entry for key in keys for entry in by_suffix.get(key, ())),
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
#: Letters a token pattern without ``=`` in its literal start is indexed by.
_TOKEN_LEAD = 4


def indexed_suffixes(regex: str) -> frozenset[str]:
    """The last one or two whole labels a match of ``regex`` can end with, one or more per
    alternative; empty if that cannot be read off the pattern (it is then tried against every
    name). No name ends in two of them: a key that ends in another is left out.

    ``'\\.(?P<r>[a-z0-9]+)\\.cloudapp\\.azure\\.com$'`` → ``{'azure.com'}``;
    ``'\\.web\\.app$|\\.firebaseapp\\.com$'`` → ``{'web.app', 'firebaseapp.com'}``;
    ``'\\.netlify\\.(?:app|com)$'`` → ``{'netlify.app', 'netlify.com'}``;
    ``'\\.com?$'`` → ``{}``.
    """
    keys: set[str] = set()
    for branch in _split_alternatives(regex):
        branch_keys = _branch_suffixes(branch)
        if not branch_keys:
            return frozenset()
        keys |= branch_keys
    return frozenset(k for k in keys if not any(k.endswith(f".{other}") for other in keys))


def token_prefix(regex: str) -> str:
    """The literal text a TXT token pattern starts with, up to and with its first ``=``.

    ``'^google-site-verification='`` → ``'google-site-verification='``; ``'^ms=ms\\d+$'`` →
    ``'ms='``; ``'^zoom_verify_'`` → ``'zoom_verify_'``; ``'^_?globalsign'`` → ``''`` (the
    ``_`` is optional); ``'verification'`` → ``''`` (not anchored).
    """
    if not regex.startswith("^"):
        return ""
    text: list[str] = []
    position = 1
    while position < len(regex):
        char = regex[position]
        if char in "?*{":
            return "".join(text[:-1])  # the last character may be absent
        if char == "\\" and position + 1 < len(regex) and regex[position + 1] in ".-_=":
            char, position = regex[position + 1], position + 1
        elif char not in _LITERAL and char != "=":
            break
        text.append(char)
        position += 1
        if char == "=":
            break
    following = regex[position : position + 1]
    return "".join(text[:-1] if following in ("?", "*", "{") else text)


def _token_keys(text: str) -> list[str]:
    """The index keys a TXT string can be found under: its ``name=`` and its first letters."""
    equals = text.find("=")
    keys = [text[: equals + 1]] if equals > 0 else []
    return list(dict.fromkeys([*keys, text[:_TOKEN_LEAD]]))


def _token_key(regex: str) -> str:
    lead = token_prefix(regex)
    if lead.endswith("="):
        return lead
    return lead[:_TOKEN_LEAD] if len(lead) >= _TOKEN_LEAD else ""


def _branch_suffixes(branch: str) -> set[str]:
    """Keys of one alternative; a group of alternatives just before its ``$`` is written out,
    one branch per alternative (``a\\.(?:com|net)$`` → ``a\\.com$``, ``a\\.net$``)."""
    opening = _final_group_start(branch[:-1]) if branch.endswith(")$") else None
    body = _group_body(branch[opening:-1]) if opening is not None else None
    if opening is None or body is None:
        key = _literal_suffix(branch)
        return {key} if key else set()
    keys: set[str] = set()
    for alternative in _split_alternatives(body):
        alternative_keys = _branch_suffixes(f"{branch[:opening]}{alternative}$")
        if not alternative_keys:
            return set()
        keys |= alternative_keys
    return keys


def _group_body(group: str) -> str | None:
    """What a group written ``(...)``, ``(?:...)`` or ``(?P<name>...)`` holds; None for
    lookarounds and other special groups, which do not simply match their content."""
    if group.startswith("(?:"):
        return group[3:-1]
    if group.startswith("(?P<"):
        return group[group.index(">") + 1 : -1]
    return None if group.startswith("(?") else group[1:-1]


def _literal_suffix(regex: str) -> str:
    """The last one or two whole labels of the literal text before the final ``$``."""
    if not regex.endswith("$") or regex.endswith("\\$"):
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


def _split_alternatives(regex: str) -> list[str]:
    """``regex`` split at its top-level ``|``."""
    parts, depth, start = [], 0, 0
    for position, char in _structure(regex):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[start:position])
            start = position + 1
    return [*parts, regex[start:]]


def _final_group_start(regex: str) -> int | None:
    """Where the group that ``regex`` ends with opens, or None if it ends otherwise."""
    openings: list[int] = []
    for position, char in _structure(regex):
        if char == "(":
            openings.append(position)
        elif char == ")" and openings:
            opening = openings.pop()
            if position == len(regex) - 1:
                return opening
    return None


def _structure(regex: str) -> Iterator[tuple[int, str]]:
    """The characters of ``regex`` that give it structure (``(``, ``)``, ``|`` ...) with their
    positions: everything outside escapes and character classes."""
    position, in_class = 0, False
    while position < len(regex):
        char = regex[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield position, char
        position += 1
