"""JSON: the pydantic model itself, with every field written (booleans never left out)."""

from __future__ import annotations

from pydantic import BaseModel


def render(model: BaseModel) -> str:
    return model.model_dump_json(indent=2) + "\n"
