"""History against a real SQLite file: migrations, crashes, concurrency, foreign files, drift."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudaudit.cli import cli
from cloudaudit.errors import ForeignDatabaseError, HistoryError, HistoryLockedError
from cloudaudit.history.diff import diff_reports
from cloudaudit.history.metrics import prometheus_text
from cloudaudit.history.notify import post_with_retries
from cloudaudit.history.store import APPLICATION_ID, MIGRATIONS, HistoryStore, scan_lock
from cloudaudit.history.views import diff_view
from cloudaudit.report.formats import OutputFormat, render
from tests.conftest import REPO
from tests.report.sample import sample_report

ZONE = REPO / "examples" / "zones" / "brightwater-logistik.example.zone"
INVENTORY = REPO / "examples" / "inventory.toml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_scans_are_recorded_and_listed(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    invoke("scan", "-i", str(INVENTORY), "--zone", str(ZONE), "--offline", "--db", str(db), "-q")
    code, stdout, _ = invoke("history", "list", "--db", str(db), "-f", "json")
    scans = json.loads(stdout)["scans"]
    assert code == 0 and len(scans) == 1
    assert scans[0]["status"] == "complete" and scans[0]["severity_counts"]["critical"] == 3
    code, stdout, _ = invoke("report", "1", "--db", str(db), "-f", "json", "-q")
    assert (
        code == 1
        and json.loads(stdout)["evidence"]["inventory"]["organisation"]
        == "Brightwater Logistik GmbH"
    )
    code, stdout, _ = invoke(
        "report", "1", "--db", str(db), "--reattribute", "--offline", "-f", "json", "-q"
    )
    assert code == 1 and json.loads(stdout)["findings"]


def test_migrations_from_empty_and_from_the_previous_version(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    with HistoryStore.open(fresh) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    old = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(old)
    connection.executescript(MIGRATIONS[0])
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute("PRAGMA user_version = 1")
    connection.execute(
        "INSERT INTO scans (inventory_digest, organisation, started_at, status, tool_version) "
        "VALUES ('d', 'o', '2026-01-01T00:00:00+00:00', 'running', '0.0.1')"
    )
    connection.commit()
    connection.close()
    with HistoryStore.open(old) as store:
        (scan,) = store.list_scans()
        assert scan.status == "running"
        columns = {row[1] for row in store.connection.execute("PRAGMA table_info(scans)")}
        assert "duration_s" in columns


def test_foreign_files_are_refused_and_left_untouched(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_bytes(b"my notes, not a database\n")
    other = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.commit()
    connection.close()
    for path in (text_file, other):
        before = path.read_bytes()
        with pytest.raises(ForeignDatabaseError):
            HistoryStore.open(path)
        assert path.read_bytes() == before
    code, _, stderr = invoke("scan", "--zone", str(ZONE), "--offline", "--db", str(other))
    assert code == 2 and "not cloudaudit's" in stderr


def test_read_only_location_fails_clearly(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; use a path below a regular file instead
        blocker = tmp_path / "file"
        blocker.write_text("x")
        target = blocker / "h.sqlite3"
    else:
        locked = tmp_path / "ro"
        locked.mkdir(mode=0o500)
        target = locked / "h.sqlite3"
    with pytest.raises(HistoryError, match="cannot open history database"):
        HistoryStore.open(target)


KILLER = """
import os, signal, sys, zlib
from cloudaudit.history.store import HistoryStore
store = HistoryStore.open(__import__("pathlib").Path(sys.argv[1]))
scan_id = store.begin_scan("digest", "Acme", __import__("datetime").datetime.now(__import__("datetime").UTC))
store.connection.execute("BEGIN IMMEDIATE")
store.connection.execute("UPDATE scans SET status='complete', report=? WHERE id=?", (zlib.compress(b"{half"), scan_id))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_scan_killed_mid_write_is_never_shown_as_success(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    result = subprocess.run(
        [sys.executable, "-c", KILLER, str(db)], capture_output=True, timeout=60, check=False
    )
    assert result.returncode == -9
    with HistoryStore.open(db) as store:
        (scan,) = store.list_scans()
        assert scan.status == "running"  # shown as "never finished"
        assert store.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with pytest.raises(HistoryError, match="never finished"):
            store.get_report(scan.id)


def test_two_scans_at_once_wait_then_give_up_clearly(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with (
        scan_lock(db, timeout=1),
        pytest.raises(HistoryLockedError, match="another cloudaudit scan"),
    ):
        with scan_lock(db, timeout=0.3):
            pass
    with scan_lock(db, timeout=1):  # released: the next one gets it
        pass
    # Two real processes: the second waits for the first instead of interleaving writes
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; from pathlib import Path; from cloudaudit.history.store import scan_lock\n"
         "with scan_lock(Path(sys.argv[1]), 5):\n    print('locked', flush=True); time.sleep(2)", str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    code, _, stderr = invoke(
        "scan", "--zone", str(ZONE), "--offline", "--db", str(db), "--lock-timeout", "0.5"
    )
    assert code == 2 and "another cloudaudit scan is writing" in stderr
    code, _, _ = invoke(
        "scan", "--zone", str(ZONE), "--offline", "--db", str(db), "--lock-timeout", "10", "-q"
    )
    assert code in (0, 1)
    holder.communicate(timeout=30)


def _changed_zone(tmp_path: Path) -> Path:
    text = ZONE.read_text()
    text = text.replace("api             IN CNAME api-prod-1234567890.eu-central-1.elb.amazonaws.com.",
                        "api             IN CNAME api-prod-1234567890.us-east-1.elb.amazonaws.com.")  # fmt: skip
    text = text.replace("erp             IN A    5.39.10.10", "erp             IN A    3.120.0.77")
    changed = tmp_path / "brightwater-logistik.example.zone"
    changed.write_text(text)
    return changed


def test_diff_of_two_scans_shows_what_a_person_expects(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    invoke("scan", "-i", str(INVENTORY), "--zone", str(ZONE), "--offline", "--db", str(db), "-q")
    invoke(
        "scan",
        "-i",
        str(INVENTORY),
        "--zone",
        str(_changed_zone(tmp_path)),
        "--offline",
        "--db",
        str(db),
        "-q",
    )
    code, stdout, _ = invoke("diff", "--db", str(db), "-f", "json")
    assert code == 0
    drift = json.loads(stdout)
    moves = {(e["subject"], e["change"]): (e["before"], e["after"]) for e in drift["endpoints"]}
    # The API moved from Frankfurt to us-east-1; the ERP from OVHcloud to AWS
    assert moves[("api.brightwater-logistik.example", "region")] == ("eu-central-1", "us-east-1")
    assert moves[("erp.brightwater-logistik.example", "provider")] == ("ovhcloud", "aws")
    assert moves[("erp.brightwater-logistik.example", "jurisdiction")] == ("EU", "US")
    new = {(f["check_id"], f["subject"]) for f in drift["findings"] if f["change"] == "new"}
    assert ("JURIS-001", "ERP") in new
    assert any(c["dimension"] == "provider" for c in drift["concentration"])
    for fmt in OutputFormat:
        code, stdout, _ = invoke("diff", "1", "2", "--db", str(db), "-f", fmt.value)
        assert code == 0 and stdout.strip()


def test_diff_view_renders_in_every_format() -> None:
    report = sample_report()
    drift = diff_reports(report, report, "a", "b")
    assert drift.endpoints == () and drift.findings == ()
    for fmt in OutputFormat:
        assert render(drift, fmt, view=diff_view).strip()


def test_prometheus_textfile_is_valid_exposition_format(tmp_path: Path) -> None:
    metrics = tmp_path / "cloudaudit.prom"
    invoke("scan", "-i", str(INVENTORY), "--zone", str(ZONE), "--offline", "--no-history", "-q",
           "--prometheus", str(metrics))  # fmt: skip
    text = metrics.read_text()
    sample = re.compile(r'^[a-z_]+\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\} -?[0-9.e+]+$')
    for line in text.splitlines():
        assert line.startswith(("# HELP ", "# TYPE ")) or sample.match(line), line
    assert (
        'cloudaudit_findings{organisation="Brightwater Logistik GmbH",severity="critical"} 3'
        in text
    )
    assert "cloudaudit_scan_success" in text
    assert prometheus_text(sample_report(), True, 1.5).endswith("\n")


class _FlakyHook(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []
    failures_left = 2

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _FlakyHook.failures_left > 0:
            _FlakyHook.failures_left -= 1
            self.send_response(503)
        else:
            _FlakyHook.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture()
def hook() -> Iterator[str]:
    _FlakyHook.received = []
    _FlakyHook.failures_left = 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyHook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_notify_retries_with_backoff_then_delivers(hook: str) -> None:
    delays: list[float] = []
    assert post_with_retries(hook, {"x": 1}, sleep=delays.append, first_delay=0.5) is None
    assert delays == [0.5, 1.0]
    assert _FlakyHook.received == [{"x": 1}]


def test_notify_failure_is_logged_never_fatal(tmp_path: Path) -> None:
    assert post_with_retries("http://127.0.0.1:9/nothing", {}, attempts=2, sleep=lambda _: None)
    code, _, stderr = invoke("scan", "--zone", str(ZONE), "--offline", "--no-history",
                             "--notify", "http://127.0.0.1:9/nothing", "-o", str(tmp_path / "r.json"))  # fmt: skip
    assert code in (0, 1) and "notification to http://127.0.0.1:9/nothing failed" in stderr
    assert (tmp_path / "r.json").exists()


def test_notify_sends_new_findings(hook: str, tmp_path: Path) -> None:
    _FlakyHook.failures_left = 0
    invoke("scan", "-i", str(INVENTORY), "--zone", str(ZONE), "--offline", "--db", str(tmp_path / "h"),
           "-q", "--notify", hook)  # fmt: skip
    (payload,) = _FlakyHook.received
    assert payload["organisation"] == "Brightwater Logistik GmbH"
    assert len(payload["new_findings"]) >= 10  # type: ignore[arg-type]
    invoke("scan", "-i", str(INVENTORY), "--zone", str(ZONE), "--offline", "--db", str(tmp_path / "h"),
           "-q", "--notify", hook)  # fmt: skip
    assert _FlakyHook.received[1]["new_findings"] == []


def test_prune(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    for _ in range(3):
        invoke("scan", "--zone", str(ZONE), "--offline", "--db", str(db), "-q")
    code, _, stderr = invoke("history", "prune", "--db", str(db), "--keep", "1")
    assert code == 0 and "removed 2 scans" in stderr
    assert invoke("history", "prune", "--db", str(db), "--older-than", "soon")[0] == 2
