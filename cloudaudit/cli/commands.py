"""Every command the CLI offers. Add one import and one list entry per command module."""

from __future__ import annotations

import click

from cloudaudit.cli.ranges import ranges
from cloudaudit.cli.scan import scan

ALL: list[click.Command] = [ranges, scan]
