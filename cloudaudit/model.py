"""The base of every pydantic model passed between stages and written as JSON.

Models are frozen so a stage cannot change what an earlier stage observed, and forbid
unknown fields so a typo in saved evidence is an error, not silently dropped data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

#: Version of the JSON documents cloudaudit writes (evidence, reports, diffs).
#: Bump the major part when a field is removed or changes meaning, the minor when one is added.
SCHEMA_VERSION = "1.2"

#: One set object per distinct combination of explicitly given field names.
_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}
#: Per model class, an empty instance dict that shares its keys with the class (PEP 412).
_KEY_SHARING_DICTS: dict[type[BaseModel], dict[str, Any]] = {}


def _key_sharing_dict(model: type[BaseModel], names: Iterable[str]) -> dict[str, Any]:
    probe = object.__new__(model)
    for name in names:
        object.__setattr__(probe, name, None)
    return probe.__dict__


class Model(BaseModel):
    """Frozen, strict base for all contract models.

    Schemas are built on first use (``defer_build``), so a command pays only for the
    models it touches.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def model_post_init(self, context: Any, /) -> None:
        # pydantic gives every instance its own set of the field names it was given: 200 to
        # 700 bytes, half the memory of a 100,000-host scan. A frozen model never changes
        # that set (model_copy copies it first), so instances given the same names share one.
        names = self.__pydantic_fields_set__
        shared = _SHARED_FIELD_SETS.setdefault(frozenset(names), names)
        object.__setattr__(self, "__pydantic_fields_set__", shared)
        # Its field values arrive in a fresh dict, which cannot share keys with the other
        # instances as plain objects' dicts do (PEP 412); copying a key-sharing dict of the
        # same names and filling it in takes about 40 % less memory per instance.
        values = self.__dict__
        template = _KEY_SHARING_DICTS.get(type(self))
        if template is None:
            template = _KEY_SHARING_DICTS[type(self)] = _key_sharing_dict(type(self), values)
        compact = template.copy()
        compact.update(values)
        if len(compact) == len(values):  # the same names: it holds exactly these values
            object.__setattr__(self, "__dict__", compact)
