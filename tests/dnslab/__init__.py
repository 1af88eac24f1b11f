"""A real DNS test lab: Knot serves a private root and child zones, Unbound recurses over it.

Scans run against Unbound exactly as they would against a resolver on the internet, but every
packet stays on 127.0.0.0/8. Tests (and bench/) describe zones as record text; the lab adds the
SOA and NS at each apex and the delegations in the parents, creating empty parents as needed.

    with DnsLab({"example.": "www 300 IN A 192.0.2.1"}) as lab:
        lab.resolver  # "127.77.x.2:53" for --resolver
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset

KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"
_NS_NAME = "ns.nic.lab."
_SECOND_NS_NAME = "ns2.nic.lab."
_TRANSFER_ACL = "transfer-to-loopback"
_NOT_LOOPBACK = "\n".join(
    f"  do-not-query-address: {network}"
    for network in ("0.0.0.0/2", "64.0.0.0/3", "96.0.0.0/4", "112.0.0.0/5", "120.0.0.0/6",
                    "124.0.0.0/7", "126.0.0.0/8", "128.0.0.0/1")
)  # fmt: skip
_lab_numbers = itertools.count(1)


def servers_available() -> bool:
    return os.path.exists(KNOTD) and os.path.exists(UNBOUND)


def _free_subnet() -> int:
    """A 127.77.N.0 block whose .1 port 53 is free (parallel runs and leftovers avoided)."""
    base = (os.getpid() * 7) % 200
    for _ in range(250):
        number = (base + next(_lab_numbers)) % 250 + 1
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind((f"127.77.{number}.1", 53))
            return number
        except OSError:
            continue
        finally:
            probe.close()
    raise RuntimeError("no free 127.77.N.0 block for the DNS lab")


def _apex_ns(body: str) -> list[str]:
    """Name servers a zone body sets at its own apex (``@ [ttl] [IN] NS name``)."""
    return re.findall(r"(?m)^@\s+(?:\d+\s+)?(?:IN\s+)?NS\s+(\S+)", body)


def _parent(origin: str, origins: set[str]) -> str:
    labels = origin.split(".")[1:]
    while True:
        candidate = ".".join(labels) or "."
        if candidate in origins or candidate == ".":
            return candidate
        labels = labels[1:]


class DnsLab:
    """Knot (authoritative, root and children) and Unbound (recursive) on loopback."""

    def __init__(
        self,
        zones: Mapping[str, str],
        *,
        broken_zones: tuple[str, ...] = (),
        second_server_zones: tuple[str, ...] = (),
        replicated_zones: tuple[str, ...] = (),
        transfer_zones: tuple[str, ...] = (),
    ) -> None:
        """``second_server_zones`` are served by a second authoritative server (Knot on
        127.78.N.3, ``ns2.nic.lab``) instead of the first: a parent and its child on different
        servers, so the parent's servers answer for the child with a referral, as on the
        internet. ``replicated_zones`` are served by both, from two networks.
        ``transfer_zones`` are handed out by zone transfer (AXFR) to any loopback address;
        every other zone refuses transfers (Knot's default, answered with NOTAUTH)."""
        self.number = _free_subnet()
        self.auth_address = f"127.77.{self.number}.1"
        self.second_auth_address = f"127.78.{self.number}.3"
        self.resolver_address = f"127.77.{self.number}.2"
        self.dead_address = f"127.77.{self.number}.9"  # nothing ever listens here
        self.refused_name = "www.refused.lab"  # Unbound answers REFUSED below refused.lab.
        self.zones = {self._absolute(k): v for k, v in zones.items()}
        self.broken_zones = tuple(self._absolute(z) for z in broken_zones)
        self.second_server_zones = frozenset(self._absolute(z) for z in second_server_zones)
        self.replicated_zones = frozenset(self._absolute(z) for z in replicated_zones)
        self.transfer_zones = frozenset(self._absolute(z) for z in transfer_zones)
        self.directory = Path(tempfile.mkdtemp(prefix="cloudaudit-dnslab-"))
        self.processes: list[subprocess.Popen[bytes]] = []

    @staticmethod
    def _absolute(origin: str) -> str:
        return origin if origin.endswith(".") else origin + "."

    @property
    def resolver(self) -> str:
        return f"{self.resolver_address}:53"

    @property
    def authoritative(self) -> str:
        return f"{self.auth_address}:53"

    # --- zone assembly (pure) -------------------------------------------------------------
    def _zone_texts(self) -> dict[str, str]:
        origins = set(self.zones) | {"."} | {"lab."} | set(self.broken_zones)
        for origin in list(origins):
            labels = origin.rstrip(".").split(".")
            for depth in range(1, len(labels)):
                tld = ".".join(labels[-depth:]) + "."
                if depth == 1:
                    origins.add(tld)  # every TLD exists so delegations have a parent
        texts: dict[str, list[str]] = {o: [] for o in origins}
        for origin in origins:
            own_ns = _apex_ns(self.zones.get(origin, ""))
            servers = self._servers(origin)
            texts[origin] += [
                f"$ORIGIN {origin}",
                f"@ 3600 IN SOA {servers[0]} hostmaster.nic.lab. 1 3600 600 86400 60",
            ]
            if not own_ns:
                texts[origin] += [f"@ 3600 IN NS {server}" for server in servers]
            if origin != ".":
                # A zone that names its own name servers is delegated to them (they must
                # resolve to {auth} inside the lab); the others to the lab's servers.
                parent = texts[_parent(origin, origins)]
                parent += [f"{origin} 3600 IN NS {ns}" for ns in own_ns or servers]
        for glue in (texts["lab."], texts["."]):  # the root holds glue for lab.
            glue.append(f"{_NS_NAME} 3600 IN A {self.auth_address}")
            glue.append(f"{_SECOND_NS_NAME} 3600 IN A {self.second_auth_address}")
        for origin, body in self.zones.items():
            for placeholder, address in (("{dead}", self.dead_address),
                                         ("{auth}", self.auth_address),
                                         ("{second}", self.second_auth_address)):  # fmt: skip
                body = body.replace(placeholder, address)
            texts[origin] += [f"$ORIGIN {origin}", body]
        return {
            origin: "\n".join(lines) + "\n"
            for origin, lines in texts.items()
            if origin not in self.broken_zones
        }

    def _servers(self, origin: str) -> list[str]:
        """The lab's name servers that serve ``origin``."""
        if origin in self.replicated_zones:
            return [_NS_NAME, _SECOND_NS_NAME]
        return [_SECOND_NS_NAME if origin in self.second_server_zones else _NS_NAME]

    # --- processes ------------------------------------------------------------------------
    def start(self) -> DnsLab:
        zone_dir = self.directory / "zones"
        zone_dir.mkdir()
        zone_entries: dict[bool, list[str]] = {False: [], True: []}
        for index, (origin, text) in enumerate(sorted(self._zone_texts().items())):
            path = zone_dir / f"z{index}.zone"
            path.write_text(text, encoding="utf-8")
            transfer = f"\n    acl: {_TRANSFER_ACL}" if origin in self.transfer_zones else ""
            for server in self._servers(origin):
                second = server == _SECOND_NS_NAME
                zone_entries[second].append(f'  - domain: "{origin}"\n    file: "{path}"{transfer}')
        for index, origin in enumerate(self.broken_zones):
            path = zone_dir / f"broken{index}.zone"
            path.write_text("this is not a zone file\n", encoding="utf-8")
            zone_entries[False].append(f'  - domain: "{origin}"\n    file: "{path}"')
        knot_confs = [self._knot_conf("knot", self.auth_address, zone_entries[False])]
        if zone_entries[True]:
            knot_confs.append(
                self._knot_conf("knot2", self.second_auth_address, zone_entries[True])
            )
        hints = self.directory / "root.hints"
        hints.write_text(f". 3600000 NS {_NS_NAME}\n{_NS_NAME} 3600000 A {self.auth_address}\n")
        unbound_conf = self.directory / "unbound.conf"
        unbound_conf.write_text(
            f"""server:
  interface: {self.resolver_address}
  port: 53
  do-ip6: no
  do-not-query-localhost: no
  username: ""
  chroot: ""
  directory: "{self.directory}"
  pidfile: "{self.directory}/unbound.pid"
  use-syslog: no
  logfile: "{self.directory}/unbound.log"
  verbosity: 1
  root-hints: "{hints}"
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  so-reuseport: no
  # Room for a benchmark estate: a warm cache must stay warm, bursts must not be dropped.
  msg-cache-size: 64m
  rrset-cache-size: 128m
  num-queries-per-thread: 4096
  so-rcvbuf: 4m
  qname-minimisation: no
  harden-referral-path: no
  infra-cache-min-rtt: 50
  max-udp-size: 1232
  local-zone: "refused.lab." refuse
  # Served zones may name servers at public addresses: Unbound must never ask them.
{_NOT_LOOPBACK}
remote-control:
  control-enable: yes
  control-interface: "{self.directory}/unbound.ctl"
  control-use-cert: no
""",
            encoding="utf-8",
        )
        for index, knot_conf in enumerate(knot_confs):
            self._spawn([KNOTD, "-c", str(knot_conf)], f"knotd{index or ''}")
        self._wait_for(self.auth_address, ".", "SOA")
        if len(knot_confs) > 1:
            first_zone = min(self.second_server_zones | self.replicated_zones)
            self._wait_for(self.second_auth_address, first_zone, "SOA")
        self._spawn([UNBOUND, "-d", "-c", str(unbound_conf)], "unbound")
        self._wait_for(self.resolver_address, "lab.", "SOA")
        return self

    def _knot_conf(self, name: str, address: str, zones: list[str]) -> Path:
        (self.directory / f"{name}-db").mkdir()
        path = self.directory / f"{name}.conf"
        # Knot refuses every transfer unless an ACL allows it (knot.conf(5), ACL section).
        acl = (
            f"acl:\n  - id: {_TRANSFER_ACL}\n    address: 127.0.0.0/8\n    action: transfer\n"
            if self.transfer_zones
            else ""
        )
        path.write_text(
            f"""server:
  rundir: "{self.directory}"
  pidfile: "{self.directory}/{name}.pid"
  user: root:root
  listen: {address}@53
database:
  storage: "{self.directory}/{name}-db"
log:
  - target: "{self.directory}/{name}.log"
    any: info
control:
  listen: "{self.directory}/{name}.sock"
template:
  - id: default
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
{acl}zone:
{chr(10).join(zones)}
""",
            encoding="utf-8",
        )
        return path

    def _spawn(self, argv: list[str], name: str) -> None:
        # The child keeps its own descriptor; ours can close at once.
        with open(self.directory / f"{name}.stderr", "wb") as log:
            self.processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))

    def _wait_for(self, address: str, name: str, rdtype: str, seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        query = dns.message.make_query(name, rdtype)
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                break
            try:
                response = dns.query.udp(query, address, timeout=0.3)
                if response.rcode() == dns.rcode.NOERROR:
                    return
            except (OSError, dns.exception.DNSException):
                pass
            time.sleep(0.05)
        logs = self.logs()
        self.stop()
        raise RuntimeError(f"DNS lab server at {address} did not come up:\n{logs}")

    def logs(self) -> str:
        paths = sorted(self.directory.glob("*.log")) + sorted(self.directory.glob("*.stderr"))
        chunks = [f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in paths]
        return "\n".join(chunks)

    def flush_cache(self) -> None:
        """Empty Unbound's cache so the next scan starts cold."""
        subprocess.run(
            ["unbound-control", "-c", str(self.directory / "unbound.conf"), "reload"],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> DnsLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def _udp_server(
    address: str, poll: float, serve_once: Callable[[socket.socket], None]
) -> Iterator[str]:
    """A UDP socket on ``address``, served by ``serve_once`` on a thread until the block ends;
    its receive timeout is ``poll``, so the thread notices the end."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))
    sock.settimeout(poll)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            serve_once(sock)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{address}:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        sock.close()


def silent_udp_server(address: str) -> AbstractContextManager[str]:
    """A UDP socket that reads queries and never answers: a resolver that times out."""

    def swallow(sock: socket.socket) -> None:
        with suppress(OSError):
            sock.recvfrom(4096)

    return _udp_server(address, 0.2, swallow)


def stray_reply_server(address: str, answer: str | None) -> AbstractContextManager[str]:
    """A resolver that meets every query with replies carrying its message ID but another
    question (what a spoofer or a confused middlebox sends), and then, if ``answer`` is an
    IPv4 address, the true answer for A questions. The strays keep coming every 50 ms for
    10 s, so a client that lets them extend its timeout is slow rather than stuck."""
    waiting: list[tuple[dns.message.Message, tuple[str, int]]] = []
    strays_until = time.monotonic() + 10

    def stray(query: dns.message.Message) -> bytes:
        other = dns.message.make_query("stray.invalid.", "A", id=query.id)
        return dns.message.make_response(other).to_wire()

    def send(sock: socket.socket, wire: bytes, client: tuple[str, int]) -> None:
        with suppress(OSError):  # the client may have given up and closed
            sock.sendto(wire, client)

    def serve_once(sock: socket.socket) -> None:
        try:
            wire, client = sock.recvfrom(4096)
            query = dns.message.from_wire(wire)
        except (OSError, dns.exception.DNSException):
            if time.monotonic() < strays_until:
                for query, client in waiting:
                    send(sock, stray(query), client)
            return
        send(sock, stray(query), client)
        question = query.question[0]
        if answer is None or question.rdtype != dns.rdatatype.A:
            waiting.append((query, client))
            return
        response = dns.message.make_response(query)
        response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "A", answer))
        send(sock, response.to_wire(), client)

    return _udp_server(address, 0.05, serve_once)
