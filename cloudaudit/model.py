"""The base of every pydantic model passed between stages and written as JSON.

Models are frozen so a stage cannot change what an earlier stage observed, and forbid
unknown fields so a typo in saved evidence is an error, not silently dropped data.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

#: Version of the JSON documents cloudaudit writes (evidence, reports, diffs).
#: Bump the major part when a field is removed or changes meaning.
SCHEMA_VERSION = "1.0"


class Model(BaseModel):
    """Frozen, strict base for all contract models."""

    model_config = ConfigDict(frozen=True, extra="forbid")
