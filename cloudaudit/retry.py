"""When to try an HTTP request again: one rule for every client of a web service.

Exponential backoff from a first delay, or the server's own Retry-After (RFC 9110 section
10.2.3) when it gives one, never beyond a cap; only 429 and 5xx answers are worth repeating.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_delay(
    retry_after: str | None, attempt: int, backoff: float, cap: float, now: datetime
) -> tuple[float, bool]:
    """Seconds to wait before attempt ``attempt + 1`` and whether Retry-After set them.

    Retry-After is delay-seconds or an HTTP date (RFC 9110 section 10.2.3); anything else,
    or nothing, falls back to ``backoff`` doubled per attempt. Never more than ``cap``.
    """
    exponential = min(cap, backoff * (2 ** (attempt - 1)))
    if retry_after is None:
        return exponential, False
    text = retry_after.strip()
    if text.isdigit():
        return min(cap, float(text)), True
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return exponential, False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(cap, max(0.0, (when - now).total_seconds())), True


def retryable(status: int) -> bool:
    """429 (too many requests) and 5xx: the same request may succeed later."""
    return status == 429 or status >= 500
