"""The list of commands the CLI offers; each command module appends itself here."""

from __future__ import annotations

import click

ALL: list[click.Command] = []
