"""Shared pieces of the command line: exit codes, output files, progress and error mapping.

Only the CLI prints, exits or opens output files; stages below it return models or raise
:mod:`cloudaudit.errors` exceptions.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from enum import IntEnum
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from cloudaudit.atomic import write_file_atomically
from cloudaudit.errors import CloudauditError

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., object])


class ExitCode(IntEnum):
    """The documented exit-code contract (README, 'Exit codes')."""

    OK = 0
    FINDINGS = 1  # findings at or above --fail-on
    USAGE = 2  # usage, input or data error
    INCOMPLETE = 3  # DNS failures left parts of the estate unknown
    INTERRUPTED = 130  # Ctrl-C / SIGTERM


#: C0 and C1 control characters but tab and newline: on a terminal they are escape sequences
#: (colours, cursor moves, OSC 8 links, window titles) that DNS data must never send.
TERMINAL_CONTROLS = {
    code: "?" for code in (*range(0x20), *range(0x7F, 0xA0)) if code not in (0x09, 0x0A)
}


def write_output(pieces: Iterable[str], output: Path | None) -> None:
    """Write text to stdout, or atomically to ``output`` (never a truncated file).

    On a terminal, every format's control characters are replaced first, whatever the
    format did: a CSV or HTML report of a hostile TXT record is still only text there.
    """
    if output is None or str(output) == "-":
        terminal = sys.stdout.isatty()
        last = ""
        for piece in pieces:
            if terminal:
                piece = piece.translate(TERMINAL_CONTROLS)
            sys.stdout.write(piece)
            last = piece or last
        if last and not last.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    write_file_atomically(output, (piece.encode() for piece in pieces))


class Progress:
    """Progress lines on stderr, shown only on a TTY and when not ``--quiet``."""

    def __init__(self, quiet: bool = False) -> None:
        self.enabled = not quiet and sys.stderr.isatty()

    def __call__(self, message: str) -> None:
        if self.enabled:
            click.echo(f"\r\033[K{message}", err=True, nl=False)

    def done(self) -> None:
        if self.enabled:
            click.echo("\r\033[K", err=True, nl=False)


def note(message: str, quiet: bool = False) -> None:
    """A summary or warning line on stderr (suppressed by ``--quiet``)."""
    if not quiet:
        click.echo(message, err=True)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Map cloudaudit's exception tree to exit codes; the only place errors become text."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CloudauditError as exc:
            click.echo(f"cloudaudit: error: {exc}", err=True)
            sys.exit(ExitCode.USAGE)
        except KeyboardInterrupt:
            click.echo("cloudaudit: interrupted", err=True)
            sys.exit(ExitCode.INTERRUPTED)

    return wrapper


FORMAT_CHOICES = ("table", "json", "markdown", "csv", "html")
#: `scan` and `report` also write the DORA register package (a directory of CSV files).
REPORT_FORMAT_CHOICES = (*FORMAT_CHOICES, "dora")


def _format_option(choices: tuple[str, ...], help_text: str) -> Callable[[F], F]:
    return click.option(
        "-f",
        "--format",
        "output_format",
        type=click.Choice(choices),
        default="table",
        show_default=True,
        help=help_text,
    )


def _output_option(dir_okay: bool, help_text: str) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=dir_okay, path_type=Path),
        default=None,
        help="Write the result here (atomically) instead of stdout; '-' is stdout." + help_text,
    )


format_option = _format_option(
    FORMAT_CHOICES, "Output format. json follows the versioned schema (`cloudaudit schema`)."
)
output_option = _output_option(dir_okay=False, help_text="")
report_format_option = _format_option(
    REPORT_FORMAT_CHOICES,
    "Output format. json follows the versioned schema (`cloudaudit schema`); dora writes "
    "the DORA register of information (EBA templates as CSV) into the -o directory.",
)
report_output_option = _output_option(
    dir_okay=True, help_text=" With --format dora: a directory, created if missing."
)
full_option = click.option(
    "--full",
    is_flag=True,
    help="With --format table on a terminal: every table in full, not the 100-column summary.",
)
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress or summary on stderr (for cron)."
)


def analysis_options(func: Callable[P, R]) -> Callable[P, R]:
    """Options shared by every command that analyses evidence (scan, report, simulate)."""
    options = [
        click.option(
            "--fail-on",
            type=click.Choice(["critical", "high", "medium", "low", "info"]),
            default="high",
            show_default=True,
            help="Exit 1 when a finding has at least this severity.",
        ),
        click.option(
            "--max-share",
            multiple=True,
            metavar="PROVIDER=SHARE",
            help="Policy: largest criticality-weighted share allowed for a provider "
            "('*' for any), e.g. --max-share aws=0.5. Repeatable.",
        ),
        click.option(
            "--require-jurisdiction",
            metavar="EU|CC",
            help="Jurisdiction required of services that declare none (e.g. EU).",
        ),
        click.option(
            "--offline",
            is_flag=True,
            help="No network request but DNS: no RDAP look-ups (only the bundled range data), "
            "and for scan no certificate transparency, .well-known or HTTP probes.",
        ),
        click.option(
            "--ranges",
            "ranges_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Range snapshot directory (default: $CLOUDAUDIT_RANGES, the updated user copy, "
            "or the bundled one).",
        ),
        click.option(
            "--csv-section",
            metavar="KEY",
            help="With --format csv: which table to write (findings, services, register, ...).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
