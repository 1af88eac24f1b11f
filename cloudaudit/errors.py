"""The exceptions cloudaudit raises, one tree so the CLI can map each branch to an exit code.

    CloudauditError                  base of everything below; never raised itself
    ├── InputError                   bad user input (exit 2); carries file/line/field
    │   ├── InventoryError           an inventory, domain list or zone file is malformed
    │   └── EvidenceError            a saved evidence/report JSON cannot be read
    ├── DataError                    provider data is missing, corrupt or refused (exit 2)
    │   ├── CatalogueError           the provider catalogue does not validate
    │   ├── SnapshotError            the range snapshot is missing or corrupt
    │   └── FeedError                a feed could not be fetched or parsed, or was refused
    ├── HistoryError                 the history database cannot be used (exit 2)
    │   ├── HistoryLockedError       another scan holds the database lock
    │   └── ForeignDatabaseError     the file is not a cloudaudit history database
    └── ServiceError                 a remote service (RDAP, notify webhook) failed

DNS failures are not exceptions: discovery records them as typed outcomes in the evidence.
Third-party exceptions are wrapped where the call is made (``raise FeedError(...) from exc``)
and caught only in the CLI.
"""

from __future__ import annotations


class CloudauditError(Exception):
    """Base class of every error cloudaudit raises on purpose."""


class InputError(CloudauditError):
    """Input the user gave us is wrong; the message names where."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.line = line
        self.field = field
        super().__init__(self.located())

    def located(self) -> str:
        """``file:line: field: reason``, leaving out what is unknown."""
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.reason])


class InventoryError(InputError):
    """An inventory, a domain list or a zone file is malformed."""


class EvidenceError(InputError):
    """A saved evidence or report file cannot be read back."""


class DataError(CloudauditError):
    """Provider data (catalogue, snapshot, feeds) is unusable."""


class CatalogueError(DataError):
    """The provider catalogue does not validate."""


class SnapshotError(DataError):
    """The range snapshot is missing or corrupt."""


class FeedError(DataError):
    """A provider feed could not be fetched or parsed, or its content was refused."""


class HistoryError(CloudauditError):
    """The scan history database cannot be used."""


class HistoryLockedError(HistoryError):
    """Another process holds the history lock."""


class ForeignDatabaseError(HistoryError):
    """The file exists but is not a cloudaudit history database; it is never overwritten."""


class ServiceError(CloudauditError):
    """A remote service (RDAP, a notification webhook) failed."""
