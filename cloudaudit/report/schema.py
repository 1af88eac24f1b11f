"""The root of the versioned report document: evidence, attribution and analysis in one file."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cloudaudit.analysis.models import Concentration, Finding
from cloudaudit.attribution.models import AttributionResult
from cloudaudit.discovery.models import ScanEvidence
from cloudaudit.model import SCHEMA_VERSION, Model


class AuditReport(Model):
    """What `cloudaudit scan` and `cloudaudit report` produce; `--format json` writes this."""

    schema_version: str = SCHEMA_VERSION
    tool_version: str
    generated_at: datetime
    evidence: ScanEvidence
    attribution: AttributionResult
    findings: tuple[Finding, ...] = ()
    concentration: tuple[Concentration, ...] = ()
    complete: bool = Field(description="False when DNS failures left parts of the estate unknown.")
