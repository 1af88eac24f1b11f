"""Every command the CLI offers. Add one import and one list entry per command module."""

from __future__ import annotations

import click

from cloudaudit.cli.history import diff, history
from cloudaudit.cli.lookup import lookup
from cloudaudit.cli.ranges import ranges
from cloudaudit.cli.report import report, simulate
from cloudaudit.cli.scan import scan
from cloudaudit.cli.schema import schema

ALL: list[click.Command] = [scan, report, simulate, diff, history, lookup, ranges, schema]
