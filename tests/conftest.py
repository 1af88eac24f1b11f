"""Shared fixtures: the real DNS lab (Knot + Unbound on loopback) and the feed mirror."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.dnslab import DnsLab, servers_available

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO.parent / "shared" / "provider_feeds"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the real user's history, caches or range data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("CLOUDAUDIT_DB", str(home / "history.sqlite3"))
    monkeypatch.delenv("CLOUDAUDIT_RANGES", raising=False)


@pytest.fixture(scope="session")
def feeds_dir() -> Path:
    """The providers' published feeds (a mirror); tests needing them skip without it."""
    if not FEEDS.is_dir():
        pytest.skip("../shared/provider_feeds is not present")
    return FEEDS


def start_lab(zones: dict[str, str], **options: tuple[str, ...]) -> Iterator[DnsLab]:
    """Start a lab for one test module; skip when Knot/Unbound are not installed."""
    if not servers_available():
        pytest.skip("knotd/unbound not installed (scripts/test installs them)")
    lab = DnsLab(zones, **options)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


def serve_directory(directory: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving ``directory``; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
