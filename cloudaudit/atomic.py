"""Atomic file writes: a reader never sees a half-written report, snapshot or metrics file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cloudaudit.errors import InputError


def write_file_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it (POSIX atomic).

    ``data`` may be produced piece by piece; if producing it fails, nothing is replaced.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", source=str(path)) from exc
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give what open() would have
        with os.fdopen(fd, "wb") as handle:
            for piece in [data] if isinstance(data, bytes) else data:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror}", source=str(path)) from exc
        raise
