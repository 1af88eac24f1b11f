"""Longest-prefix match for many addresses at once: the engine of ``RangeIndex.lookup_many``.

A single lookup pays CPython's per-call cost for every step: parsing, a bucket read, a bisect
over the mapped arrays. Here the addresses are parsed in one C-level pass and numpy runs all
the binary searches at once over the same mapped arrays, which makes a batch two to three times
as fast as a loop of single lookups. numpy is imported by this module only, so single lookups
and every command's start-up never pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import compress, repeat
from operator import contains, not_
from socket import AF_INET, AF_INET6, inet_pton
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

#: The record id of an address no prefix holds, or of a string that is no address.
NO_RECORD = -1

_Records = npt.NDArray[np.int64]


class IntervalArrays(NamedTuple):
    """The snapshot's sorted, non-overlapping intervals as numpy arrays over the mapped file."""

    v4_starts: npt.NDArray[np.uint32]
    v4_ends: npt.NDArray[np.uint32]
    v4_records: npt.NDArray[np.uint32]
    v6_start_high: npt.NDArray[np.uint64]
    v6_starts: npt.NDArray[np.void]
    """(high, low) pairs, which numpy orders field by field: for the addresses whose /64
    holds interval starts, where the high half alone cannot decide."""
    v6_end_high: npt.NDArray[np.uint64]
    v6_end_low: npt.NDArray[np.uint64]
    v6_records: npt.NDArray[np.uint32]

    @classmethod
    def view(cls, v4: Sequence[Sequence[int]], v6: Sequence[Sequence[int]]) -> IntervalArrays:
        """``v4``: starts, ends, records; ``v6``: start high and low halves, end high and low
        halves, records; each a typed buffer, which numpy wraps without copying (only the
        IPv6 (high, low) pairs are a copy, 16 bytes per interval)."""
        starts, ends, records = (np.asarray(column, dtype=np.uint32) for column in v4)
        start_high, start_low, end_high, end_low = (
            np.asarray(column, dtype=np.uint64) for column in v6[:4]
        )
        v6_starts = _pairs(start_high, start_low)
        return cls(
            starts, ends, records, start_high, v6_starts, end_high, end_low,
            np.asarray(v6[4], dtype=np.uint32),
        )  # fmt: skip


class BatchRecords(NamedTuple):
    records: list[int]
    """Per address, in input order: its most specific record id, or NO_RECORD."""
    distinct: list[int]
    """Every record id found, once."""


def record_ids(addresses: Sequence[str], arrays: IntervalArrays) -> BatchRecords:
    """The record id of each address, as ``RangeIndex.lookup`` finds it."""
    is_v6 = list(map(contains, addresses, repeat(":")))  # how the single lookup tells them apart
    v6_mask = np.array(is_v6, dtype=bool)
    records = np.empty(len(addresses), dtype=np.int64)
    records[~v6_mask] = _v4_records(list(compress(addresses, map(not_, is_v6))), arrays)
    records[v6_mask] = _v6_records(list(compress(addresses, is_v6)), arrays)
    distinct = np.unique(records)
    return BatchRecords(records.tolist(), distinct[distinct != NO_RECORD].tolist())


def _v4_records(addresses: list[str], arrays: IntervalArrays) -> _Records:
    if not len(arrays.v4_starts):
        return np.full(len(addresses), NO_RECORD, dtype=np.int64)
    packed, valid = _packed(addresses, AF_INET, 4)
    values = np.frombuffer(packed, dtype=">u4").astype(np.uint32)
    position = np.searchsorted(arrays.v4_starts, values, side="right") - 1
    clipped = np.maximum(position, 0)
    inside = valid & (position >= 0) & (values <= arrays.v4_ends[clipped])
    return np.where(inside, arrays.v4_records[clipped].astype(np.int64), NO_RECORD)


def _v6_records(addresses: list[str], arrays: IntervalArrays) -> _Records:
    if not len(arrays.v6_start_high):
        return np.full(len(addresses), NO_RECORD, dtype=np.int64)
    packed, valid = _packed(addresses, AF_INET6, 16)
    halves = np.frombuffer(packed, dtype=">u8").reshape(-1, 2).astype(np.uint64)
    high, low = halves[:, 0], halves[:, 1]
    position = np.searchsorted(arrays.v6_start_high, high, side="right") - 1
    clipped = np.maximum(position, 0)
    ties = (position >= 0) & (arrays.v6_start_high[clipped] == high)
    if ties.any():  # the low half decides among the intervals starting in the same /64
        pairs = _pairs(high[ties], low[ties])
        position[ties] = np.searchsorted(arrays.v6_starts, pairs, side="right") - 1
        clipped = np.maximum(position, 0)
    end_high = arrays.v6_end_high[clipped]
    inside = (end_high > high) | ((end_high == high) & (arrays.v6_end_low[clipped] >= low))
    inside &= valid & (position >= 0)
    return np.where(inside, arrays.v6_records[clipped].astype(np.int64), NO_RECORD)


_PAIR = np.dtype([("high", np.uint64), ("low", np.uint64)])


def _pairs(high: npt.NDArray[np.uint64], low: npt.NDArray[np.uint64]) -> npt.NDArray[np.void]:
    pairs = np.empty(len(high), dtype=_PAIR)
    pairs["high"], pairs["low"] = high, low
    return pairs


def _packed(addresses: list[str], family: int, width: int) -> tuple[bytes, npt.NDArray[np.bool_]]:
    """The addresses in network byte order, ``width`` bytes each, and which of them parsed;
    a string that is no address of ``family`` takes zeros and is marked invalid."""
    try:
        joined = b"".join(map(partial(inet_pton, family), addresses))
    except (OSError, ValueError):
        pass  # a bad string among them: parse them one by one
    else:
        return joined, np.ones(len(addresses), dtype=bool)
    zero = bytes(width)
    packed, valid = [], []
    for address in addresses:
        try:
            packed.append(inet_pton(family, address))
            valid.append(True)
        except (OSError, ValueError):
            packed.append(zero)
            valid.append(False)
    return b"".join(packed), np.array(valid, dtype=bool)
