"""``cloudaudit ranges``: refresh and inspect the providers' published IP-range data."""

from __future__ import annotations

from pathlib import Path

import click

from cloudaudit.cli.common import (
    ExitCode,
    Progress,
    format_option,
    handle_errors,
    note,
    output_option,
    quiet_option,
    write_output,
)


@click.group()
def ranges() -> None:
    """Provider IP-range data: where it comes from, how old it is, refreshing it.

    cloudaudit ships a snapshot built from the providers' official feeds, so attribution
    works offline from the first run. Nothing is downloaded unless you run `ranges update`.
    """


@ranges.command()
@click.option(
    "--source",
    metavar="DIR|BASE-URL",
    help="Read the feeds from a mirror (a directory or a base URL laid out as "
    "<provider>/<file>) instead of the official URLs.",
)
@click.option(
    "--force", is_flag=True, help="Accept feeds that shrank >30 %, emptied or look absurd."
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the snapshot. Default: the user data directory.",
)
@quiet_option
@handle_errors
def update(source: str | None, force: bool, output_dir: Path | None, quiet: bool) -> None:
    """Download every official feed, check it and replace the snapshot atomically.

    \b
    Examples:
      cloudaudit ranges update
      cloudaudit ranges update --source /srv/mirror/provider_feeds
      cloudaudit ranges update --source http://mirror.internal/feeds --output-dir ./ranges

    A feed that fails, empties, shrinks by more than 30 % or holds prefixes shorter than /8
    (IPv4) or /20 (IPv6) is refused and its previous data kept, unless --force. Exits 1 when
    any feed was refused or missing, 2 when nothing could be updated.
    """
    import sys

    from cloudaudit.attribution.catalogue import load_catalogue
    from cloudaudit.attribution.ranges import user_ranges_dir
    from cloudaudit.attribution.update import update_snapshot

    target = output_dir or user_ranges_dir()
    progress = Progress(quiet)
    report = update_snapshot(
        load_catalogue(), target, source=source, force=force, progress=progress
    )
    progress.done()
    for result in report.results:
        if result.status != "updated" or result.reason:
            note(f"{result.feed_id}: {result.status}: {result.reason}", quiet)
    updated = sum(1 for r in report.results if r.status == "updated")
    note(f"wrote {target}: {updated}/{len(report.results)} feeds updated", quiet)
    if report.refused:
        sys.exit(ExitCode.FINDINGS)


@ranges.command()
@click.option(
    "--ranges",
    "ranges_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Snapshot directory to inspect (default: the one scans use).",
)
@format_option
@output_option
@handle_errors
def status(ranges_dir: Path | None, output_format: str, output: Path | None) -> None:
    """Show each feed's prefix counts, version and age.

    \b
    Example:
      cloudaudit ranges status --format json | jq '.feeds[] | select(.age_days > 30)'
    """
    from cloudaudit.attribution.ranges import read_snapshot, resolve_ranges_dir
    from cloudaudit.attribution.status import ranges_status
    from cloudaudit.report.formats import render_chunks

    directory = resolve_ranges_dir(ranges_dir)
    write_output(
        render_chunks(ranges_status(read_snapshot(directory).manifest, directory), output_format),
        output,
    )
