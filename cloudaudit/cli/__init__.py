"""The ``cloudaudit`` command line. Each command group lives in its own module here."""

from __future__ import annotations

import signal
from types import FrameType

import click

from cloudaudit._version import __version__


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    # A cron or systemd stop sends SIGTERM: treat it like Ctrl-C so no partial output is left.
    raise KeyboardInterrupt


class _LazyGroup(click.Group):
    """Imports a command's module only when that command is used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from cloudaudit.cli.commands import COMMANDS

        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        import importlib

        from cloudaudit.cli.commands import COMMANDS

        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="cloudaudit")
def cli() -> None:
    """Audit how much of an organisation's internet presence depends on one cloud provider,
    region, DNS operator or mail host.

    \b
    Typical flow:
      cloudaudit scan example.com                   walk a domain over DNS
      cloudaudit scan -i inventory.toml -f html -o report.html
      cloudaudit scan --zone example.zone           audit a zone file offline
      cloudaudit report scan.json -f csv --csv-section register
      cloudaudit simulate scan.json --scenario aws-us-east-1-2025-10-20
      cloudaudit lookup 52.94.76.1 www.example.com  who hosts this?
      cloudaudit ranges update                      refresh provider IP ranges

    \b
    Exit codes:
      0  nothing at or above --fail-on
      1  findings at or above --fail-on (default: high)
      2  usage, input or data error (nothing is written)
      3  scan incomplete: DNS failures left parts unknown
      130  interrupted (Ctrl-C, SIGTERM); nothing is written
    """


def main() -> None:
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    cli()
