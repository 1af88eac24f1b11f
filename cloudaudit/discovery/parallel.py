"""Host names resolved on several cores: each helper process runs its own lean DNS client.

A scan's Python work per query (building, parsing, bookkeeping) outweighs the network on a
local resolver, so a large list of endpoint host names is split between the scanning process
and helper processes, each with its own sockets and event loop. A helper returns its hosts'
evidence as JSON lines (its totals, then one host a line), read and validated a line at a
time so a share of 50,000 hosts never sits in memory as one document; a helper that fails or
dies is not fatal: the scanning process resolves that share itself, so no name is lost.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import HostEvidence
from cloudaudit.model import Model

#: Below this many host names a helper's start-up costs more than it saves.
MIN_HOSTS_FOR_HELPERS = 1000
#: Longest line read from a helper: one host's evidence, bounded by the scan's record limits.
_MAX_LINE = 64 * 1024 * 1024


class ShardTotals(Model):
    """A helper's first line: what its share cost."""

    queries_sent: int
    cache_hits: int


@dataclass(frozen=True, slots=True)
class HostShard:
    """One share's evidence and totals."""

    hosts: list[HostEvidence]
    totals: ShardTotals


def split(names: Sequence[str], parts: int) -> list[list[str]]:
    """Round-robin shares, so names of one organisation are spread over every process."""
    return [list(names[index::parts]) for index in range(parts)]


def share_config(config: ScanConfig, processes: int) -> ScanConfig:
    """Each process's part of the concurrency and of the global rate limit."""
    return config.model_copy(
        update={
            "concurrency": max(1, config.concurrency // processes),
            "rate_limit": config.rate_limit / processes if config.rate_limit else None,
        }
    )


async def resolve_hosts(names: Sequence[str], config: ScanConfig) -> HostShard:
    """Resolve ``names`` with a network backend of this process's own."""
    from cloudaudit.discovery.network import NetworkBackend
    from cloudaudit.discovery.runner import Discovery, bounded

    backend = NetworkBackend.from_config(config)
    walker = Discovery(backend, config)
    try:
        hosts = await bounded(names, config.concurrency, walker.endpoint_host)
    finally:
        await backend.close()
    totals = ShardTotals(queries_sent=backend.queries_sent, cache_hits=walker.cache_hits)
    return HostShard(hosts=hosts, totals=totals)


class Helpers:
    """Helper processes (``python -m cloudaudit.discovery.parallel``), one share each.

    Plain child processes talking JSON over their standard streams: nothing of the scanning
    process (event loop, sockets, ``__main__``) is inherited. Always killed on the way out.
    """

    def __init__(self, shares: list[list[str]], config: ScanConfig) -> None:
        self.shares = shares
        self.config = config
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self) -> None:
        for _ in self.shares:
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    __name__,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL,
                    limit=_MAX_LINE,
                )
            )

    async def result(self, index: int) -> HostShard | None:
        """A helper's evidence, or None when it failed (its share is then resolved here)."""
        request = json.dumps(
            {"config": self.config.model_dump(mode="json"), "names": self.shares[index]}
        )
        process = self.processes[index]
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(request.encode())
            await process.stdin.drain()
            process.stdin.close()
            totals = ShardTotals.model_validate_json(await process.stdout.readline())
            hosts = [HostEvidence.model_validate_json(line) async for line in process.stdout]
        except (ValueError, OSError):  # a bad or overlong line, or a helper gone early
            if process.returncode is None:
                process.kill()  # its share is resolved here now: stop it competing for CPU
            return None
        if await process.wait() != 0:
            return None
        return HostShard(hosts=hosts, totals=totals)

    def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()


def _helper_main() -> None:
    # The scanning process decides about interruption and kills helpers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from cloudaudit.discovery.runner import fewer_collections

    request = json.loads(sys.stdin.buffer.read())
    config = ScanConfig.model_validate(request["config"])
    with fewer_collections():
        shard = asyncio.run(resolve_hosts(request["names"], config))
    out = sys.stdout.buffer
    out.write(shard.totals.model_dump_json().encode() + b"\n")
    for host in shard.hosts:
        out.write(host.model_dump_json().encode() + b"\n")


if __name__ == "__main__":
    _helper_main()
