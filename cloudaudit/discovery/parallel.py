"""Host names resolved on several cores: each helper process runs its own lean DNS client.

A scan's Python work per query (building, parsing, bookkeeping) outweighs the network on a
local resolver, so a large list of endpoint host names is split between the scanning process
and helper processes, each with its own sockets and event loop. A helper returns its hosts'
evidence as JSON; one that fails or dies is not fatal: the scanning process resolves that
share itself, so no name is lost.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Sequence

from cloudaudit.discovery.config import ScanConfig
from cloudaudit.discovery.models import HostEvidence
from cloudaudit.model import Model

#: Below this many host names a helper's start-up costs more than it saves.
MIN_HOSTS_FOR_HELPERS = 1000


class HostShard(Model):
    """What a helper sends back."""

    hosts: tuple[HostEvidence, ...]
    queries_sent: int
    cache_hits: int


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
        hosts = await bounded(names, config.concurrency, walker.host)
    finally:
        await backend.close()
    return HostShard(
        hosts=tuple(hosts), queries_sent=backend.queries_sent, cache_hits=walker.cache_hits
    )


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
                )
            )

    async def result(self, index: int) -> HostShard | None:
        """A helper's evidence, or None when it failed (its share is then resolved here)."""
        request = json.dumps(
            {"config": self.config.model_dump(mode="json"), "names": self.shares[index]}
        )
        process = self.processes[index]
        output, _ = await process.communicate(request.encode())
        if process.returncode != 0:
            return None
        try:
            return HostShard.model_validate_json(output)
        except ValueError:
            return None

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
    sys.stdout.buffer.write(shard.model_dump_json().encode())


if __name__ == "__main__":
    _helper_main()
