"""``cloudaudit history`` and ``cloudaudit diff``: stored scans and the drift between them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import click

from cloudaudit.cli.common import format_option, handle_errors, note, output_option, write_output

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CLOUDAUDIT_DB",
    help="History database (default: $CLOUDAUDIT_DB or the user data directory).",
)


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h`` or ``2w``."""
    match = re.fullmatch(r"(\d+)([hdw])", text.strip())
    if not match:
        from cloudaudit.errors import InputError

        raise InputError(f"expected an age like 90d, 12h or 2w, got {text!r}", field="--older-than")
    number, unit = int(match[1]), match[2]
    return {
        "h": timedelta(hours=number),
        "d": timedelta(days=number),
        "w": timedelta(weeks=number),
    }[unit]


@click.group()
def history() -> None:
    """Stored scans: list them, show one, prune old ones.

    Every `cloudaudit scan` is recorded (unless --no-history) in an SQLite file in the
    user data directory, or the one given with --db / $CLOUDAUDIT_DB.
    """


@history.command("list")
@db_option
@click.option("--limit", type=int, default=50, show_default=True, help="Newest N scans.")
@format_option
@output_option
@handle_errors
def list_scans(db_path: Path | None, limit: int, output_format: str, output: Path | None) -> None:
    """List stored scans, newest first; 'running' means the scan never finished."""
    from cloudaudit.history.models import ScanList
    from cloudaudit.history.store import HistoryStore
    from cloudaudit.history.views import scan_list_view
    from cloudaudit.report.formats import render_chunks

    with HistoryStore.open(db_path) as store:
        document = ScanList(database=str(store.path), scans=tuple(store.list_scans(limit)))
    write_output(render_chunks(document, output_format, view=scan_list_view), output)


@history.command("show")
@click.argument("scan_id", type=int)
@db_option
@format_option
@output_option
@handle_errors
def show(scan_id: int, db_path: Path | None, output_format: str, output: Path | None) -> None:
    """Render a stored scan's report as it was (see `cloudaudit report SCAN-ID --reattribute`)."""
    from cloudaudit.history.store import HistoryStore
    from cloudaudit.report.formats import render_chunks

    with HistoryStore.open(db_path) as store:
        report = store.get_report(scan_id)
    write_output(render_chunks(report, output_format), output)


@history.command("prune")
@db_option
@click.option("--older-than", metavar="AGE", help="Delete scans older than this (90d, 12h, 2w).")
@click.option("--keep", type=int, help="Keep only the newest N scans.")
@handle_errors
def prune(db_path: Path | None, older_than: str | None, keep: int | None) -> None:
    """Delete old scans by age and/or count."""
    from cloudaudit.errors import InputError
    from cloudaudit.history.store import HistoryStore

    if older_than is None and keep is None:
        raise InputError("give --older-than and/or --keep")
    with HistoryStore.open(db_path) as store:
        removed = store.prune(parse_age(older_than) if older_than else None, keep)
    note(f"removed {removed} scans")


@click.command()
@click.argument("old", required=False, type=int)
@click.argument("new", required=False, type=int)
@db_option
@format_option
@output_option
@handle_errors
def diff(
    old: int | None, new: int | None, db_path: Path | None, output_format: str, output: Path | None
) -> None:
    """What changed between two scans: endpoints, providers, regions, findings, shares.

    \b
    Examples:
      cloudaudit diff                 the last two scans of the newest scan's inventory
      cloudaudit diff 41 57 --format markdown
    """
    from cloudaudit.errors import InputError
    from cloudaudit.history.diff import diff_reports
    from cloudaudit.history.store import HistoryStore
    from cloudaudit.history.views import diff_view
    from cloudaudit.report.formats import render_chunks

    with HistoryStore.open(db_path) as store:
        if old is None:
            old, new = store.latest_two()
        elif new is None:
            raise InputError("give both OLD and NEW scan ids, or neither")
        document = diff_reports(store.get_report(old), store.get_report(new), f"#{old}", f"#{new}")
    write_output(render_chunks(document, output_format, view=diff_view), output)
