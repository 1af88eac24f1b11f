"""History documents: the list of stored scans and the drift between two of them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cloudaudit.model import SCHEMA_VERSION, Model


class ScanRecord(Model):
    id: int
    inventory_digest: str
    organisation: str
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(description="running (never finished), complete or incomplete")
    tool_version: str
    snapshot_version: str | None
    severity_counts: dict[str, int] = Field(default_factory=dict)


class ScanList(Model):
    schema_version: str = SCHEMA_VERSION
    database: str
    scans: tuple[ScanRecord, ...]


class EndpointChange(Model):
    subject: str
    owner: str = Field(description="Service or domain the endpoint belongs to.")
    change: str = Field(description="added, removed, provider, region or jurisdiction")
    before: str | None = None
    after: str | None = None


class FindingChange(Model):
    check_id: str
    subject: str
    severity: str
    title: str
    change: str = Field(description="new or resolved")


class ConcentrationChange(Model):
    dimension: str
    hhi_before: float
    hhi_after: float
    top_before: str | None
    top_after: str | None
    top_share_before: float
    top_share_after: float


class ScanDiff(Model):
    schema_version: str = SCHEMA_VERSION
    old_scan: str
    new_scan: str
    old_time: datetime
    new_time: datetime
    endpoints: tuple[EndpointChange, ...] = ()
    findings: tuple[FindingChange, ...] = ()
    concentration: tuple[ConcentrationChange, ...] = ()

    @property
    def new_findings(self) -> tuple[FindingChange, ...]:
        return tuple(f for f in self.findings if f.change == "new")
