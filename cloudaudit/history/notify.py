"""Post a JSON summary of new findings to a webhook; retried with backoff, never fatal."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from cloudaudit.history.models import FindingChange
from cloudaudit.report.schema import AuditReport


def notification(
    report: AuditReport, new_findings: tuple[FindingChange, ...], scan_id: int | None
) -> dict[str, object]:
    return {
        "organisation": report.evidence.inventory.organisation,
        "scan_id": scan_id,
        "finished_at": report.evidence.finished_at.isoformat(),
        "complete": report.complete,
        "new_findings": [f.model_dump(mode="json") for f in new_findings],
    }


def post_with_retries(
    url: str,
    payload: dict[str, object],
    *,
    attempts: int = 4,
    first_delay: float = 1.0,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """None on success, else the last error; server errors and timeouts are retried."""
    delay = first_delay
    error = "not attempted"
    with httpx.Client(timeout=timeout) as client:
        for attempt in range(1, attempts + 1):
            try:
                response = client.post(url, json=payload)
                if response.status_code < 400:
                    return None
                error = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    return error  # the request itself is wrong: retrying will not help
            except httpx.HTTPError as exc:
                error = str(exc) or type(exc).__name__
            if attempt < attempts:
                sleep(delay)
                delay *= 2
    return error
