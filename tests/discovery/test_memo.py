"""The per-scan memo: each question asked once, however many callers want it at once."""

from __future__ import annotations

import asyncio

import pytest

from cloudaudit.discovery.runner import _Memo


async def _answer_when(gate: asyncio.Event, calls: list[str], value: str) -> str:
    calls.append(value)
    await gate.wait()
    return value


async def _first_and_waiter(
    memo: _Memo[str, str], gate: asyncio.Event, calls: list[str]
) -> tuple[asyncio.Task[str], asyncio.Task[str]]:
    """Two callers of one key: the first computes (until ``gate`` opens), the second waits."""
    first = asyncio.create_task(memo.get("k", lambda: _answer_when(gate, calls, "one")))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(memo.get("k", lambda: _answer_when(gate, calls, "two")))
    await asyncio.sleep(0)
    return first, waiter


def test_concurrent_callers_share_one_computation_and_later_ones_the_result() -> None:
    async def scenario() -> tuple[list[str], list[str], str, int]:
        memo: _Memo[str, str] = _Memo()
        gate, calls = asyncio.Event(), list[str]()
        first, second = await _first_and_waiter(memo, gate, calls)
        gate.set()
        results = list(await asyncio.gather(first, second))
        later = await memo.get("k", lambda: _answer_when(gate, calls, "three"))
        return calls, results, later, memo.hits

    calls, results, later, hits = asyncio.run(scenario())
    assert calls == ["one"]
    assert results == ["one", "one"]
    assert later == "one"
    assert hits == 2


def test_a_cancelled_waiter_does_not_cancel_the_answer_others_wait_for() -> None:
    async def scenario() -> tuple[str, bool]:
        memo: _Memo[str, str] = _Memo()
        gate, calls = asyncio.Event(), list[str]()
        first, waiter = await _first_and_waiter(memo, gate, calls)
        waiter.cancel()
        await asyncio.sleep(0)
        gate.set()
        return await first, waiter.cancelled()

    assert asyncio.run(scenario()) == ("one", True)


def test_waiters_see_the_first_callers_cancellation_or_failure() -> None:
    async def fail() -> str:
        await asyncio.sleep(0)
        raise RuntimeError("broken")

    async def scenario() -> tuple[bool, object, object]:
        memo: _Memo[str, str] = _Memo()
        gate, calls = asyncio.Event(), list[str]()
        first, waiter = await _first_and_waiter(memo, gate, calls)
        first.cancel()
        # Bounded: a waiter left waiting on a cancelled computation would hang here.
        await asyncio.wait_for(asyncio.gather(first, waiter, return_exceptions=True), 5)
        failing = asyncio.create_task(memo.get("f", fail))
        await asyncio.sleep(0)
        late = asyncio.create_task(memo.get("f", fail))
        outcomes = await asyncio.gather(failing, late, return_exceptions=True)
        with pytest.raises(RuntimeError):
            await memo.get("f", fail)  # a failed key stays failed for whoever asks again
        return waiter.cancelled(), outcomes[0], outcomes[1]

    waiter_cancelled, failure, late_failure = asyncio.run(scenario())
    assert waiter_cancelled
    assert isinstance(failure, RuntimeError)
    assert late_failure is failure
