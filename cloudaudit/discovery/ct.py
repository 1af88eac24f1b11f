"""Every name certificates were issued for under a domain, from certificate transparency.

Publicly trusted certificates are logged (RFC 9162), so the names an organisation ever had a
certificate for are public: crt.sh and Cert Spotter search the logs by domain. Those names
include hosts no guess and no inventory finds (``payroll-eu.example.com``). The parsing and
normalising here is pure; ``enumerate_ct`` does the bounded HTTP exchange (``fetch``) and
turns every failure, a malformed answer included, into evidence.

crt.sh answers ``?q=%.<domain>&output=json`` with one object per certificate whose
``name_value`` holds its names, newline-separated (``common_name`` beside it). Cert Spotter
answers ``?domain=<d>&include_subdomains=true&expand=dns_names`` with issuances carrying
``dns_names``, a page at a time: the next page is asked with ``after=<last id>``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from cloudaudit.discovery.config import CtConfig
from cloudaudit.discovery.fetch import FetchLimits, MalformedAnswer, Sleep, fetch, json_document
from cloudaudit.discovery.models import CtEvidence, CtService, FetchOutcome, HttpFetch
from cloudaudit.inventory.names import normalise_hostname, wildcard_probe

if TYPE_CHECKING:
    import httpx


def crtsh_url(base: str, domain: str) -> str:
    """crt.sh's JSON search for every name under ``domain`` (``%`` is its wildcard)."""
    return f"{base.rstrip('/')}/?{urlencode({'q': f'%.{domain}', 'output': 'json'})}"


def certspotter_url(base: str, domain: str, after: str | None = None) -> str:
    """Cert Spotter's issuances of ``domain`` and its subdomains, after issuance ``after``."""
    query = {"domain": domain, "include_subdomains": "true", "expand": "dns_names"}
    if after is not None:
        query["after"] = after
    return f"{base}?{urlencode(query)}"


def _json_list(body: bytes) -> list[Any]:
    entries: list[Any] = json_document(body, list, "a list of entries")
    return entries


def parse_crtsh(body: bytes) -> tuple[list[str], int]:
    """The names of a crt.sh answer, as listed, and the number of entries."""
    entries = _json_list(body)
    names: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedAnswer("an entry is not a JSON object")
        for key in ("common_name", "name_value"):
            value = entry.get(key)
            if isinstance(value, str):
                names.extend(value.split("\n"))
    return names, len(entries)


def parse_certspotter(body: bytes) -> tuple[list[str], int, str | None]:
    """The names of one Cert Spotter page, its number of issuances, and the last one's id
    (the ``after`` of the next page; None when the page is empty)."""
    entries = _json_list(body)
    names: list[str] = []
    last: str | None = None
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedAnswer("an issuance is not a JSON object")
        dns_names = entry.get("dns_names")
        if isinstance(dns_names, list):
            names.extend(name for name in dns_names if isinstance(name, str))
        if isinstance(entry.get("id"), str | int):
            last = str(entry["id"])
    return names, len(entries), last


def ct_name(raw: str) -> str | None:
    """A name as a certificate lists it → a lower-case A-label host name to resolve, a
    wildcard as a probe name under it; None when it is no host name (an e-mail address, an
    IP address, a pattern)."""
    text = raw.strip().rstrip(".")
    wildcard = text.startswith("*.")
    if wildcard:
        text = text[2:]
    try:
        name = normalise_hostname(text)
    except ValueError:
        return None
    if name.replace(".", "").isdigit():
        return None  # an IPv4 address in a SAN is not a name to resolve
    return wildcard_probe("*." + name) if wildcard else name


@dataclass(slots=True)
class CtNames:
    """Names kept for one domain, in the order first listed, and what was left out."""

    domain: str
    max_names: int
    names: dict[str, None] = field(default_factory=dict)
    outside: set[str] = field(default_factory=set)
    invalid: int = 0
    capped: bool = False

    def add(self, listed: Iterable[str]) -> None:
        suffix = "." + self.domain
        for raw in listed:
            name = ct_name(raw)
            if name is None:
                self.invalid += 1
            elif name != self.domain and not name.endswith(suffix):
                self.outside.add(name)
            elif name in self.names:
                continue
            elif len(self.names) >= self.max_names:
                self.capped = True
            else:
                self.names[name] = None


def collect(listed: Iterable[str], domain: str, max_names: int) -> CtNames:
    """Normalise, keep names at or under ``domain``, de-duplicate, cap at ``max_names``."""
    names = CtNames(domain, max_names)
    names.add(listed)
    return names


async def enumerate_ct(
    client: httpx.AsyncClient, domain: str, config: CtConfig, *, sleep: Sleep = asyncio.sleep
) -> CtEvidence:
    """Ask the configured service for every name under ``domain``; never raises for what
    the service does."""
    limits = FetchLimits(
        timeout=config.timeout,
        max_bytes=config.max_bytes,
        max_redirects=3,
        retries=config.retries,
        backoff=config.backoff,
        max_wait=config.max_wait,
    )
    names = CtNames(domain, config.max_names)
    fetches: list[HttpFetch] = []
    entries = 0
    after: str | None = None
    headers = {"Accept": "application/json"}
    for _ in range(config.max_pages):
        if config.service is CtService.CRTSH:
            url = crtsh_url(config.base_url, domain)
        else:
            url = certspotter_url(config.base_url, domain, after)
        fetched = await fetch(client, url, limits, headers=headers, sleep=sleep)
        result = fetched.fetch
        if fetched.body is None:
            fetches.append(result)
            break
        try:
            if config.service is CtService.CRTSH:
                listed, count = parse_crtsh(fetched.body)
                after = None
            else:
                listed, count, after = parse_certspotter(fetched.body)
        except MalformedAnswer as exc:
            fetches.append(_malformed(result, str(exc)))
            break
        fetches.append(result)
        entries += count
        names.add(listed)
        if after is None or names.capped:
            break
    else:
        # Pages left unasked: the service may list names the scan never saw.
        names.capped = True
    return CtEvidence(
        domain=domain,
        service=config.service,
        fetches=tuple(fetches),
        entries=entries,
        names=tuple(names.names),
        outside=len(names.outside),
        invalid=names.invalid,
        max_names=config.max_names,
        capped=names.capped,
    )


def _malformed(result: HttpFetch, reason: str) -> HttpFetch:
    detail = "; ".join(part for part in (result.detail, reason) if part)
    return result.model_copy(update={"outcome": FetchOutcome.MALFORMED, "detail": detail})
