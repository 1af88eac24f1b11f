"""``cloudaudit catalogue``: data about the catalogue's vendors from public registers."""

from __future__ import annotations

from pathlib import Path

import click

from cloudaudit.cli.common import ExitCode, Progress, handle_errors, note, quiet_option


@click.group()
def catalogue() -> None:
    """Vendor data from public registers: the vendors' LEIs and ultimate parents (GLEIF).

    The catalogue records a vendor's LEI only where a maintainer checked it; `gleif-update`
    looks the others up in the Global LEI Index for the DORA register. Nothing is downloaded
    unless you run it: `scan` and `report` only read the snapshot it wrote.
    """


@catalogue.command("gleif-update")
@click.option(
    "--source",
    metavar="BASE-URL",
    help="Ask a mirror of the GLEIF API (laid out as /lei-records...) instead of "
    "https://api.gleif.org/api/v1.",
)
@click.option(
    "--provider",
    "providers",
    multiple=True,
    metavar="ID",
    help="Only this catalogue vendor (repeatable); the others keep their previous entries.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write gleif.json. Default: the user data directory, where the DORA "
    "register looks for it.",
)
@quiet_option
@handle_errors
def gleif_update(
    source: str | None, providers: tuple[str, ...], output_dir: Path | None, quiet: bool
) -> None:
    """Look up every vendor's LEI and ultimate parent in GLEIF and write gleif.json.

    \b
    Examples:
      cloudaudit catalogue gleif-update
      cloudaudit catalogue gleif-update --provider aws --provider ionos
      cloudaudit catalogue gleif-update --source http://mirror.internal/gleif/api/v1
      cloudaudit report scan.json -f dora -o register/     then uses it

    Each vendor's legal name (and its contracting entity's, where the catalogue names one) is
    asked by exact name; only an ISSUED LEI of an active, non-branch entity of that name whose
    legal address is in the catalogue's country counts. No record, or several, is reported
    and left for you to fill, never guessed. For a match, its ultimate parent (or the
    reporting exception that says why none is named) is asked too. The snapshot records the
    URL asked and the time of every answer and GLEIF's own last-update date, and is replaced
    atomically. The official API is asked at most once a second (its limit is 60 a minute),
    so the whole catalogue takes some minutes. Exits 1 when a lookup failed (a previous
    match is then kept), 2 when none succeeded (nothing is written).
    """
    import sys

    from cloudaudit.attribution.catalogue import load_catalogue
    from cloudaudit.attribution.gleif import LookupStatus, update_gleif, user_gleif_path

    target = output_dir or user_gleif_path().parent
    progress = Progress(quiet)
    report = update_gleif(load_catalogue(), target, source=source, providers=providers,
                          progress=progress)  # fmt: skip
    progress.done()
    for lookup in report.lookups:
        if lookup.status in (LookupStatus.MATCHED, LookupStatus.NO_MATCH):
            parent = lookup.ultimate_parent
            if parent and parent.error:
                note(f"{lookup.provider}: ultimate parent: {parent.error}", quiet)
            continue
        note(f"{lookup.provider}: {lookup.name}: {lookup.status.value}: {lookup.reason}", quiet)
    counts = ", ".join(
        f"{report.count(status)} {status.value}" for status in LookupStatus if report.count(status)
    )
    note(f"wrote {report.path}: {len(report.lookups)} names asked: {counts}", quiet)
    if report.failed:
        sys.exit(ExitCode.FINDINGS)
