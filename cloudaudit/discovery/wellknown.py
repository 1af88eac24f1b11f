"""Matrix delegation the way servers find it today: the /.well-known documents of a domain.

A Matrix server name (``example.org``) is usually delegated over HTTPS, not SRV:
``/.well-known/matrix/server`` names the federation host (``{"m.server": "host[:port]"}``)
and ``/.well-known/matrix/client`` the homeserver clients use
(``{"m.homeserver": {"base_url": "https://..."}}``). The host found there runs the
organisation's chat, often at a hosting provider: it is resolved and attributed like a web
host. The parsing is pure; the fetch is bounded (deadline, size, at most three redirects,
one attempt) and every failure is evidence. SRV ``_matrix-fed._tcp`` is asked by the walk.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cloudaudit.discovery.fetch import FetchLimits, MalformedAnswer, fetch, json_document
from cloudaudit.discovery.models import FetchOutcome, WellKnownEvidence
from cloudaudit.inventory.names import normalise_hostname

if TYPE_CHECKING:
    import httpx

    from cloudaudit.discovery.config import ScanConfig

#: A well-known document is a few hundred bytes; anything much larger is not one.
MAX_BYTES = 64 * 1024
MAX_REDIRECTS = 3
#: Seconds for one document, redirects and body included.
TIMEOUT = 10.0
KINDS = ("server", "client")


def _object(body: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json_document(body, dict, "an object")
    return document


def _host_of(authority: str) -> str | None:
    """The host name of ``host[:port]`` or ``[v6]:port``; None for an IP literal."""
    if authority.startswith("["):
        return None  # an IPv6 literal: no name to resolve
    host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if port and not port.isdigit():
        raise MalformedAnswer(f"bad port in {authority!r}")
    name = normalise_hostname(host)  # ValueError for what is no host name
    return None if name.replace(".", "").isdigit() else name


def parse_server(body: bytes) -> tuple[str, str | None]:
    """``m.server`` of a server document and its host (None for an IP literal).

    Raises ValueError (with the reason) when the document names no usable server.
    """
    value = _object(body).get("m.server")
    if not isinstance(value, str) or not value.strip():
        raise MalformedAnswer("no m.server string")
    return value, _host_of(value.strip())


def parse_client(body: bytes) -> tuple[str, str | None]:
    """``m.homeserver.base_url`` of a client document and its host (None for an IP)."""
    homeserver = _object(body).get("m.homeserver")
    base_url = homeserver.get("base_url") if isinstance(homeserver, dict) else None
    if not isinstance(base_url, str) or not base_url.strip():
        raise MalformedAnswer("no m.homeserver.base_url string")
    try:
        parts = urlsplit(base_url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise MalformedAnswer(f"base_url {base_url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise MalformedAnswer(f"base_url {base_url!r} is not an http(s) URL")
    if ":" in host:
        return base_url, None  # an IPv6 literal: no name to resolve
    name = normalise_hostname(host)
    return base_url, None if name.replace(".", "").isdigit() else name


async def fetch_matrix(
    client: httpx.AsyncClient, domain: str, config: ScanConfig
) -> tuple[WellKnownEvidence, ...]:
    """Both Matrix documents of ``domain``, fetched at once."""
    return tuple(await asyncio.gather(*(_one(client, domain, kind, config) for kind in KINDS)))


async def _one(
    client: httpx.AsyncClient, domain: str, kind: str, config: ScanConfig
) -> WellKnownEvidence:
    url = config.well_known_url.format(domain=domain, kind=kind)
    limits = FetchLimits(timeout=TIMEOUT, max_bytes=MAX_BYTES, max_redirects=MAX_REDIRECTS)
    fetched = await fetch(client, url, limits, headers={"Accept": "application/json"})
    if fetched.body is None:
        return WellKnownEvidence(kind=kind, fetch=fetched.fetch)
    parse = parse_server if kind == "server" else parse_client
    try:
        target, host = parse(fetched.body)
    except ValueError as exc:
        result = fetched.fetch.model_copy(update={"outcome": FetchOutcome.MALFORMED})
        return WellKnownEvidence(kind=kind, fetch=result, error=str(exc))
    return WellKnownEvidence(kind=kind, fetch=fetched.fetch, target=target, host=host)
