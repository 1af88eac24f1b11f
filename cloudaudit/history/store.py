"""Scan history in SQLite: versioned schema, one transaction per step, never a torn write.

A scan is recorded in two transactions: ``begin_scan`` inserts a row marked ``running``,
``finish_scan`` stores the report and marks it ``complete`` or ``incomplete`` in one commit.
A process killed at any moment (SIGKILL included) therefore leaves either no row or a row
still ``running``, shown as "never finished", never a half-written success: SQLite's WAL
rolls back the unfinished transaction on the next open. A file that is not ours (another
application's database, or not SQLite at all) is refused and never written to.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloudaudit.errors import ForeignDatabaseError, HistoryError, HistoryLockedError
from cloudaudit.history.models import ScanRecord
from cloudaudit.report.schema import AuditReport

DB_ENV = "CLOUDAUDIT_DB"
APPLICATION_ID = 0x43415544  # "CAUD"
_SQLITE_MAGIC = b"SQLite format 3\x00"

#: Ordered migrations; PRAGMA user_version is the number applied. Never edit one: append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        inventory_digest TEXT NOT NULL,
        organisation TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),
        tool_version TEXT NOT NULL,
        snapshot_version TEXT,
        severity_counts TEXT NOT NULL DEFAULT '{}',
        report BLOB
    );
    CREATE INDEX scans_by_inventory ON scans (inventory_digest, id);
    """,
    """
    ALTER TABLE scans ADD COLUMN duration_s REAL;
    """,
)


def default_db_path() -> Path:
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    from platformdirs import user_data_dir

    return Path(user_data_dir("cloudaudit")) / "history.sqlite3"


def _check_foreign(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise ForeignDatabaseError(f"{path}: not an SQLite database; refusing to touch it")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id not in (0, APPLICATION_ID):
        raise ForeignDatabaseError(
            f"{path}: an SQLite database of another application (id {application_id:#x})"
        )


class HistoryStore:
    """The history database; use as a context manager (``with HistoryStore.open(path)``)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.connection = connection

    @classmethod
    def open(cls, path: Path | None = None) -> HistoryStore:
        path = path or default_db_path()
        _check_foreign(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{path}: cannot open history database: {exc}") from exc
        store = cls(path, connection)
        try:
            store._prepare()
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise HistoryError(f"{path}: unusable history database: {exc}") from exc
        return store

    def _prepare(self) -> None:
        db = self.connection
        db.execute("PRAGMA busy_timeout = 30000")
        tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        if application_id == 0 and any(name != "sqlite_sequence" for (name,) in tables):
            raise ForeignDatabaseError(f"{self.path}: an SQLite database that is not cloudaudit's")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise HistoryError(
                f"{self.path}: written by a newer cloudaudit (schema {version}); upgrade"
            )
        for number in range(version, len(MIGRATIONS)):
            with self._transaction():
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.connection.execute("BEGIN IMMEDIATE")
            yield self.connection
            self.connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise HistoryError(f"{self.path}: {exc}") from exc
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise

    def begin_scan(self, inventory_digest: str, organisation: str, started_at: datetime) -> int:
        from cloudaudit._version import __version__

        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO scans (inventory_digest, organisation, started_at, status, "
                "tool_version) VALUES (?, ?, ?, 'running', ?)",
                (inventory_digest, organisation, started_at.isoformat(), __version__),
            )
            return int(cursor.lastrowid or 0)

    def finish_scan(self, scan_id: int, report: AuditReport) -> None:
        counts: dict[str, int] = {}
        for finding in report.findings:
            counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
        blob = zlib.compress(report.model_dump_json().encode(), 6)
        evidence = report.evidence
        with self._transaction() as db:
            db.execute(
                "UPDATE scans SET status = ?, finished_at = ?, snapshot_version = ?, "
                "severity_counts = ?, report = ?, duration_s = ? WHERE id = ?",
                (
                    "complete" if report.complete else "incomplete",
                    evidence.finished_at.isoformat(),
                    report.attribution.snapshot.version,
                    json.dumps(counts, sort_keys=True),
                    blob,
                    evidence.stats.elapsed_s,
                    scan_id,
                ),
            )

    def list_scans(
        self, limit: int | None = None, inventory_digest: str | None = None
    ) -> list[ScanRecord]:
        query = (
            "SELECT id, inventory_digest, organisation, started_at, finished_at, status, "
            "tool_version, snapshot_version, severity_counts FROM scans"
        )
        params: list[object] = []
        if inventory_digest:
            query += " WHERE inventory_digest = ?"
            params.append(inventory_digest)
        query += " ORDER BY id DESC"
        if limit:
            query += " LIMIT ?"
            params.append(limit)
        return [
            ScanRecord(
                id=row[0],
                inventory_digest=row[1],
                organisation=row[2],
                started_at=datetime.fromisoformat(row[3]),
                finished_at=datetime.fromisoformat(row[4]) if row[4] else None,
                status=row[5],
                tool_version=row[6],
                snapshot_version=row[7],
                severity_counts=json.loads(row[8]),
            )
            for row in self.connection.execute(query, params)
        ]

    def get_report(self, scan_id: int) -> AuditReport:
        row = self.connection.execute(
            "SELECT status, report FROM scans WHERE id = ?", (scan_id,)
        ).fetchone()
        if row is None:
            raise HistoryError(f"{self.path}: no scan {scan_id}")
        if row[1] is None:
            raise HistoryError(f"{self.path}: scan {scan_id} never finished ({row[0]})")
        return AuditReport.model_validate_json(zlib.decompress(row[1]))

    def latest_two(self, inventory_digest: str | None = None) -> tuple[int, int]:
        """The two newest finished scans (of one inventory, or of the newest scan's)."""
        digest = inventory_digest
        if digest is None:
            newest = self.connection.execute(
                "SELECT inventory_digest FROM scans WHERE report IS NOT NULL "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if newest is None:
                raise HistoryError(f"{self.path}: no finished scan yet")
            digest = newest[0]
        rows = self.connection.execute(
            "SELECT id FROM scans WHERE inventory_digest = ? AND report IS NOT NULL "
            "ORDER BY id DESC LIMIT 2",
            (digest,),
        ).fetchall()
        if len(rows) < 2:
            raise HistoryError(f"{self.path}: fewer than two finished scans of this inventory")
        return int(rows[1][0]), int(rows[0][0])

    def previous_scan(self, scan_id: int, inventory_digest: str) -> int | None:
        row = self.connection.execute(
            "SELECT id FROM scans WHERE inventory_digest = ? AND id < ? AND report IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (inventory_digest, scan_id),
        ).fetchone()
        return int(row[0]) if row else None

    def prune(self, older_than: timedelta | None = None, keep: int | None = None) -> int:
        removed = 0
        with self._transaction() as db:
            if older_than is not None:
                cutoff = (datetime.now(UTC) - older_than).isoformat()
                removed += db.execute("DELETE FROM scans WHERE started_at < ?", (cutoff,)).rowcount
            if keep is not None:
                removed += db.execute(
                    "DELETE FROM scans WHERE id NOT IN "
                    "(SELECT id FROM scans ORDER BY id DESC LIMIT ?)",
                    (keep,),
                ).rowcount
        return removed

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def scan_lock(db_path: Path, timeout: float) -> Iterator[None]:
    """One scan writes a database at a time; the next waits up to ``timeout`` seconds."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a")
    except OSError as exc:
        raise HistoryError(f"{lock_path}: cannot create lock file: {exc.strerror}") from exc
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise HistoryLockedError(
                        f"{db_path}: another cloudaudit scan is writing this history "
                        f"(waited {timeout:g}s); try again later or raise --lock-timeout"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()
