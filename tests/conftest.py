"""Shared fixtures: the real DNS lab (Knot + Unbound on loopback) and the feed mirror."""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler

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


def _loopback(address: object) -> bool:
    """An AF_UNIX path, or an (address, port…) tuple whose address is in 127.0.0.0/8 or ::1."""
    if not isinstance(address, tuple):
        return True  # AF_UNIX and abstract sockets: local by definition
    try:
        return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
    except ValueError:
        return str(address[0]) == "localhost"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sends a packet outside 127.0.0.0/8: a connect or datagram to any other address
    is refused, and the test fails even if the code under test swallowed the refusal."""
    attempts: list[str] = []

    def guarded(method: str) -> Callable[..., object]:
        original = getattr(socket.socket, method)

        def call(self: socket.socket, *args: object) -> object:
            address = args[-1]
            if not _loopback(address):
                attempts.append(f"{method} {address!r}")
                raise PermissionError(f"test traffic outside loopback refused: {address!r}")
            return original(self, *args)

        return call

    for method in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, method, guarded(method))
    yield
    assert not attempts, f"the test tried to leave loopback: {attempts}"


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


class ScriptedHandler(BaseHTTPRequestHandler):
    """Base of the tests' HTTP servers that answer what the test scripts: ``reply`` sends one
    whole answer; nothing is logged to the test output."""

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


def serve_directory(directory: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving ``directory``; yields its base URL."""
    yield from serve_http(functools.partial(_QuietHandler, directory=str(directory)))


def serve_http(handler: Callable[..., BaseRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1, an ephemeral port, answering with ``handler`` (a
    ``BaseHTTPRequestHandler``) in a thread per request; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
