"""Where the provider data lives: the source tree's ``data/`` or the installed wheel's copy.

Kept free of heavy imports: the range index is loaded on every CLI call.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir() -> Path:
    """The provider data directory: the source tree's ``data/`` or the wheel's copy."""
    source_tree = Path(__file__).resolve().parents[2] / "data" / "provider_ranges"
    if source_tree.is_dir():
        return source_tree
    return Path(str(resources.files("cloudaudit") / "_data" / "provider_ranges"))
