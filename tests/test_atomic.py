"""Atomic writes: readers see the old file or the whole new one, never a part."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudaudit.atomic import write_file_atomically
from cloudaudit.errors import InputError


def test_pieces_are_written_in_order(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_file_atomically(target, (piece.encode() for piece in ["{", '"a": 1', "}"]))
    assert target.read_text() == '{"a": 1}'


def test_a_failure_while_producing_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous")

    def pieces() -> Iterator[bytes]:
        yield b"half of a new rep"
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        write_file_atomically(target, pieces())
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        write_file_atomically(tmp_path / "missing" / "report.json", b"x")
