"""Every command the CLI offers, by name and where it lives.

Commands are imported only when invoked (or listed by --help), so `cloudaudit lookup` does not
pay for importing the scan, history and report machinery. Add one entry per command.
"""

from __future__ import annotations

#: command name → (module, attribute); ``cloudaudit --help`` lists them alphabetically.
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("cloudaudit.cli.scan", "scan"),
    "report": ("cloudaudit.cli.report", "report"),
    "simulate": ("cloudaudit.cli.report", "simulate"),
    "diff": ("cloudaudit.cli.history", "diff"),
    "history": ("cloudaudit.cli.history", "history"),
    "lookup": ("cloudaudit.cli.lookup", "lookup"),
    "ranges": ("cloudaudit.cli.ranges", "ranges"),
    "catalogue": ("cloudaudit.cli.catalogue", "catalogue"),
    "schema": ("cloudaudit.cli.schema", "schema"),
}
