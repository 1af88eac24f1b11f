"""The knobs a CI job or compliance officer sets: thresholds, required jurisdiction, fail-on."""

from __future__ import annotations

from pydantic import Field

from cloudaudit.analysis.models import Severity
from cloudaudit.errors import InputError
from cloudaudit.model import Model


class Policy(Model):
    max_share: dict[str, float] = Field(
        default_factory=dict,
        description="Provider id (or '*') → largest allowed criticality-weighted share.",
    )
    require_jurisdiction: str | None = Field(
        default=None, description="Jurisdiction required of services that declare none."
    )
    organisation_share_threshold: float = Field(
        default=0.6, description="Top provider share above which the estate is concentrated."
    )
    stale_after_days: float = 45.0
    fail_on: Severity = Severity.HIGH


def parse_max_share(values: tuple[str, ...]) -> dict[str, float]:
    """``PROVIDER=0.5`` pairs from the command line; raises InputError naming the bad one."""
    shares: dict[str, float] = {}
    for value in values:
        provider, sep, number = value.partition("=")
        try:
            share = float(number)
        except ValueError:
            share = -1.0
        if not sep or not provider or not 0 < share <= 1:
            raise InputError(
                f"expected PROVIDER=SHARE with 0 < SHARE <= 1, got {value!r}", field="--max-share"
            )
        shares[provider.strip().lower()] = share
    return shares
