"""Bounded HTTP GETs for discovery's web sources (certificate transparency, .well-known).

One request is bounded in every direction a hostile or overloaded server could push it: a
deadline for the whole exchange including the body (a server trickling bytes never holds a
scan), a cap on the bytes read, a cap on redirects (followed only to http or https), and a
cap on retries. 429, 5xx, timeouts and connection failures are retried with exponential
backoff, honouring Retry-After up to a limit. Every ending is an ``HttpFetch`` kept as
evidence; nothing here raises for what a server does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudaudit.discovery.models import FetchOutcome, HttpFetch
from cloudaudit.retry import retry_delay, retryable

if TYPE_CHECKING:
    import httpx

Sleep = Callable[[float], Awaitable[None]]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class MalformedAnswer(ValueError):
    """A web source answered with something other than the JSON it documents."""


def json_document(body: bytes, expected: type[list[Any]] | type[dict[str, Any]], what: str) -> Any:
    """``body`` parsed as JSON that must be an ``expected`` (a list or a dict), described as
    ``what`` in the error; MalformedAnswer otherwise (deep nesting included)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedAnswer(f"not JSON: {exc}") from exc
    if not isinstance(document, expected):
        raise MalformedAnswer(f"a JSON {type(document).__name__}, not {what}")
    return document


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How far one fetch may go: seconds for the whole exchange, bytes, redirects, retries."""

    timeout: float
    max_bytes: int
    max_redirects: int = 0
    retries: int = 0
    backoff: float = 1.0
    max_wait: float = 60.0


@dataclass(slots=True)
class Fetched:
    """The evidence of one fetch and, when it succeeded, the body read."""

    fetch: HttpFetch
    body: bytes | None = None


class _Stop(Exception):
    """A fetch ended without an answer to use; ``outcome`` says how."""

    def __init__(self, outcome: FetchOutcome, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail
        self.status = status


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    limits: FetchLimits,
    *,
    headers: dict[str, str] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Fetched:
    """GET ``url`` within ``limits``; the body only when the final status is 2xx."""
    notes: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        redirects: list[str] = []
        retry_after: str | None = None
        try:
            async with asyncio.timeout(limits.timeout):
                status, body, retry_after = await _get(client, url, limits, headers, redirects)
        except TimeoutError:
            stop = _Stop(FetchOutcome.TIMEOUT, f"no complete answer within {limits.timeout:g} s")
        except _Stop as exc:
            stop = exc
        else:
            if 200 <= status < 300:
                return Fetched(_evidence(url, FetchOutcome.OK, status, attempt, len(body),
                                         notes, redirects), body)  # fmt: skip
            stop = _Stop(FetchOutcome.HTTP_ERROR, f"HTTP {status}", status)
        worth_again = stop.outcome in (FetchOutcome.TIMEOUT, FetchOutcome.NETWORK_ERROR) or (
            stop.outcome is FetchOutcome.HTTP_ERROR
            and stop.status is not None
            and retryable(stop.status)
        )
        if not worth_again or attempt > limits.retries:
            return Fetched(
                _evidence(
                    url, stop.outcome, stop.status, attempt, 0, [*notes, stop.detail], redirects
                )  # fmt: skip
            )
        delay, told = retry_delay(
            retry_after, attempt, limits.backoff, limits.max_wait, datetime.now(UTC)
        )
        reason = "Retry-After" if told else "backoff"
        notes.append(f"attempt {attempt}: {stop.detail}; retried after {delay:g} s ({reason})")
        await sleep(delay)


def _evidence(
    url: str,
    outcome: FetchOutcome,
    status: int | None,
    attempts: int,
    size: int,
    notes: list[str],
    redirects: list[str],
) -> HttpFetch:
    return HttpFetch(
        url=url,
        outcome=outcome,
        status=status,
        attempts=attempts,
        size=size,
        redirects=tuple(redirects),
        detail="; ".join(notes) or None,
    )


async def _get(
    client: httpx.AsyncClient,
    url: str,
    limits: FetchLimits,
    headers: dict[str, str] | None,
    redirects: list[str],
) -> tuple[int, bytes, str | None]:
    """Status, body and Retry-After of the final answer, following redirects by hand."""
    import httpx

    current = url
    while True:
        try:
            async with client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS and "location" in response.headers:
                    target = _redirect_target(current, response.headers["location"])
                else:
                    return status, await _body(response, limits.max_bytes), _retry_after(response)
        except httpx.HTTPError as exc:
            raise _Stop(FetchOutcome.NETWORK_ERROR, str(exc) or type(exc).__name__) from exc
        if len(redirects) >= limits.max_redirects:
            raise _Stop(
                FetchOutcome.TOO_MANY_REDIRECTS,
                f"redirected more than {limits.max_redirects} times (next: {target})",
                status,
            )
        redirects.append(target)
        current = target


def _redirect_target(current: str, location: str) -> str:
    import httpx

    try:
        target = httpx.URL(current).join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise _Stop(FetchOutcome.NETWORK_ERROR, f"bad redirect {location!r}: {exc}") from exc
    if target.scheme not in ("http", "https"):
        raise _Stop(FetchOutcome.NETWORK_ERROR, f"redirect to {target.scheme!r} not followed")
    return str(target)


def _retry_after(response: httpx.Response) -> str | None:
    value = response.headers.get("retry-after")
    return str(value) if value is not None else None


async def _body(response: httpx.Response, max_bytes: int) -> bytes:
    """The body, or a stop as soon as it is known to be larger than ``max_bytes``."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Stop(
            FetchOutcome.TOO_LARGE,
            f"announced {declared} bytes, more than the {max_bytes} allowed",
            response.status_code,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _Stop(
                FetchOutcome.TOO_LARGE,
                f"body larger than the {max_bytes} bytes allowed",
                response.status_code,
            )
        chunks.append(chunk)
    return b"".join(chunks)
